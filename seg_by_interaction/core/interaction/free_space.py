"""Free spots on the table, judged from a depth image: where nothing stands above the
table surface within a radius, or near a given spot where an object's footprint keeps
clear of its neighbours. Used to put objects down where they hit nothing."""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.hypotheses.grasp import lift_mask, points_above_table
from seg_by_interaction.core.robot_config import TableArea

OCCUPIED_ABOVE_M = 0.01
FOOTPRINT_POINTS = 300


def occupied_points(depth: np.ndarray, intrinsics: PinholeIntrinsics, camera_pose: Pose,
                    table_height: float, stride: int = 2) -> np.ndarray:
    """x-y of every `stride`-th pixel's depth point standing more than 1 cm above the table."""
    return points_above_table(depth, intrinsics, camera_pose, table_height, OCCUPIED_ABOVE_M,
                              stride)[:, :2]


def free_spot(view, table_area: TableArea, table_height: float, radius: float, margin: float,
              rng: np.random.Generator, tries: int = 200,
              keep_clear: np.ndarray | None = None) -> np.ndarray | None:
    """A random x-y in the table area (kept `margin` inside it) with no occupied point
    within `radius`, or None when none was found. `view` carries depth, intrinsics and
    the camera pose; `keep_clear` (N x 2) are more x-y to count as occupied."""
    occupied = occupied_points(view.depth, view.intrinsics, view.camera_pose, table_height)
    if keep_clear is not None and len(keep_clear):
        occupied = np.vstack([occupied, np.asarray(keep_clear, float).reshape(-1, 2)])
    low, high = np.array(table_area.min) + margin, np.array(table_area.max) - margin
    for _ in range(tries):
        candidate = rng.uniform(low, high)
        if len(occupied) == 0 or np.min(np.linalg.norm(occupied - candidate, axis=1)) > radius:
            return candidate
    return None


def mask_footprint(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
                   camera_pose: Pose) -> np.ndarray:
    """x-y of the mask's depth points (at most FOOTPRINT_POINTS, evenly taken): where the
    object stands on the table, side faces an oblique camera sees included."""
    return lift_mask(mask, depth, intrinsics, camera_pose, FOOTPRINT_POINTS)[:, :2]


def clearest_spot_near(footprint: np.ndarray, spot: np.ndarray, occupied: np.ndarray,
                       reach: float, clearance: float, step: float = 0.002) -> np.ndarray:
    """Where to put an object down near `spot`: of the x-y within `reach` of it (on a
    `step` grid), the one at which the footprint (x-y points relative to the point put at
    the spot) keeps farthest from every occupied x-y, counting up to `clearance`; of those
    equally clear, the nearest to `spot`. `spot` itself when nothing is occupied."""
    spot = np.asarray(spot, float)
    if reach <= 0 or len(occupied) == 0 or len(footprint) == 0:
        return spot
    axis = np.arange(-reach, reach + step / 2, step)
    offsets = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    offsets = offsets[np.linalg.norm(offsets, axis=1) <= reach + 1e-9]
    placed = footprint[None] + (spot + offsets)[:, None]               # candidates x points x 2
    gaps, _ = cKDTree(occupied).query(placed.reshape(-1, 2), distance_upper_bound=clearance)
    clear = np.minimum(gaps.reshape(len(offsets), -1).min(axis=1), clearance)
    best = np.flatnonzero(clear >= clear.max() - 1e-9)
    return spot + offsets[best[np.argmin(np.linalg.norm(offsets[best], axis=1))]]
