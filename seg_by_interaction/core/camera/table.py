"""The table plane in a depth image, and each pixel's height above it.

A plane's inverse depth is affine in the pixel coordinates, so no intrinsics are needed:
RANSAC over triples of sampled pixels, then least squares on the best plane's inliers.
"""
from __future__ import annotations

import numpy as np

MIN_PIXELS = 20           # fewest sampled pixels on one plane that make a table
HYPOTHESES = 64           # RANSAC planes tried
MAX_SAMPLES = 3000        # pixels the RANSAC scores each plane on (a random subset)
HEIGHT_TOLERANCE_M = 0.005


def has_reading(depth: np.ndarray) -> np.ndarray:
    return np.isfinite(depth) & (depth > 0)


def table_depth(depth: np.ndarray, samples: np.ndarray, tolerance: float,
                seed: int = 0) -> np.ndarray | None:
    """The depth of the plane most `samples` pixels of `depth` lie on (within `tolerance`
    metres), at every pixel; None if fewer than MIN_PIXELS do."""
    rows, cols = np.nonzero(samples)
    if rows.size < MIN_PIXELS:
        return None
    rng = np.random.default_rng(seed)
    if rows.size > MAX_SAMPLES:
        subset = rng.choice(rows.size, MAX_SAMPLES, replace=False)
        rows, cols = rows[subset], cols[subset]
    points = np.column_stack([cols, rows, np.ones(rows.size)])
    sampled = depth[rows, cols].astype(float)
    triples = rng.integers(rows.size, size=(HYPOTHESES, 3))
    solvable = np.abs(np.linalg.det(points[triples])) > 1e-6
    if not solvable.any():
        return None
    planes = np.linalg.solve(points[triples[solvable]],
                             1.0 / sampled[triples[solvable]][..., None])[..., 0]
    inliers = _plane_inliers(points, sampled, planes.T, tolerance)
    best = inliers[:, np.argmax(inliers.sum(axis=0))]
    if best.sum() < MIN_PIXELS:
        return None
    plane, *_ = np.linalg.lstsq(points[best], 1.0 / sampled[best], rcond=None)
    grid_rows, grid_cols = np.indices(depth.shape)
    with np.errstate(divide="ignore"):
        return 1.0 / (plane[0] * grid_cols + plane[1] * grid_rows + plane[2])


def height_above_table(depth: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """Per pixel, how far (metres, along the ray) the surface stands in front of the
    largest plane in view, the table; 0 where depth has no reading, everywhere when no
    plane is found or there is no depth (an RGB-only camera)."""
    if depth is None:
        return np.zeros(shape, np.float32)
    valid = has_reading(depth)
    table = table_depth(depth, valid, HEIGHT_TOLERANCE_M)
    if table is None:
        return np.zeros(shape, np.float32)
    with np.errstate(invalid="ignore"):
        height = np.where(valid & np.isfinite(table), table - depth, 0.0)
    return height.astype(np.float32)


def table_pixels(height_m: np.ndarray, min_height_m: float) -> np.ndarray:
    """The pixels of the table: less than `min_height_m` above it (`height_m` from
    `height_above_table`); pixels without a depth reading count as table (most are the
    shadows beside objects' edges, in simulation as on structured-light and
    time-of-flight sensors). None when no table was found (every height 0)."""
    if not height_m.any():
        return np.zeros(height_m.shape, bool)
    return height_m < min_height_m


def _plane_inliers(points: np.ndarray, depth: np.ndarray, planes: np.ndarray,
                   tolerance: float) -> np.ndarray:
    """Points x planes: whether the point's depth is within `tolerance` of the plane's."""
    with np.errstate(divide="ignore"):
        plane_depth = 1.0 / (points @ planes)
    return np.abs(plane_depth - depth[:, None]) < tolerance
