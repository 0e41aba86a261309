"""Top-down grasps from a mask (Pathak et al. 2018, A.2): pick at the mask's centroid,
with the fingers closing across the object's narrow side, i.e. the gripper's closing
line perpendicular to the mask's major axis.

The mask is lifted to 3D with depth, intrinsics and the camera pose, and the axes come
from PCA of the lifted points in the planning frame, so perspective does not tilt them.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose

MIN_POINTS = 10
TOP_BAND_M = 0.015


@dataclasses.dataclass(frozen=True)
class MaskShape:
    """Image-space summary of a mask (pixel centres at integer coordinates)."""
    area_px: int
    centroid_px: tuple[float, float]       # (u = column, v = row)
    major_axis_angle: float                # radians from +u toward +v, in (-pi/2, pi/2]
    bbox: tuple[int, int, int, int]        # x, y, width, height


@dataclasses.dataclass(frozen=True)
class Grasp:
    position: np.ndarray        # top-surface point at the centroid, planning frame
    yaw: float                  # direction of the fingers' closing line, radians from +x
    width_m: float              # object extent along the closing line


def mask_shape(mask: np.ndarray) -> MaskShape:
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        raise ValueError("empty mask")
    centred = np.stack([cols - cols.mean(), rows - rows.mean()])
    angle = _major_axis_angle(centred)
    bbox = (int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1),
            int(rows.max() - rows.min() + 1))
    return MaskShape(len(rows), (float(cols.mean()), float(rows.mean())), angle, bbox)


def lift_pixels(us, vs, depths, intrinsics: PinholeIntrinsics, camera_pose: Pose) -> np.ndarray:
    """3D points (N x 3) in the planning frame of pixels (u, v) with depth along the
    optical axis."""
    rays = np.stack([(np.asarray(us) - intrinsics.cx) / intrinsics.fx,
                     (np.asarray(vs) - intrinsics.cy) / intrinsics.fy, np.ones(len(us))])
    in_camera = rays * np.asarray(depths)
    return camera_pose.to_planning(in_camera.T)


def top_down_grasp(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
                   camera_pose: Pose) -> Grasp | None:
    """The grasp for a mask, or None when too few of its pixels have a depth reading or
    they lift to no finite point."""
    rows, cols = np.nonzero(mask)
    depths = depth[rows, cols]
    valid = np.isfinite(depths) & (depths > 0)
    if valid.sum() < MIN_POINTS:
        return None
    points = lift_pixels(cols[valid], rows[valid], depths[valid], intrinsics, camera_pose)
    points = points[np.all(np.isfinite(points), axis=1)]   # none, with a pose no camera has
    if len(points) < MIN_POINTS:
        return None
    top = np.percentile(points[:, 2], 90)
    # An oblique camera also sees side faces; the top surface locates the object better.
    upper = points[points[:, 2] > top - TOP_BAND_M]
    if len(upper) >= MIN_POINTS:
        points = upper
    centre = points[:, :2].mean(axis=0)
    major = _major_axis_angle((points[:, :2] - centre).T)
    closing = major + np.pi / 2
    across = (points[:, :2] - centre) @ np.array([np.cos(closing), np.sin(closing)])
    width = float(np.percentile(across, 97) - np.percentile(across, 3))
    return Grasp(np.array([*centre, top]), _wrap_half_turn(closing), width)


def _major_axis_angle(centred: np.ndarray) -> float:
    """Angle of the first principal axis of 2 x N centred coordinates, in (-pi/2, pi/2]."""
    covariance = centred @ centred.T / max(centred.shape[1], 1)
    values, vectors = np.linalg.eigh(covariance)
    major = vectors[:, np.argmax(values)]
    return _wrap_half_turn(np.arctan2(major[1], major[0]))


def _wrap_half_turn(angle: float) -> float:
    """An axis direction (angle modulo pi) in (-pi/2, pi/2]."""
    wrapped = (angle + np.pi / 2) % np.pi - np.pi / 2
    return float(np.pi / 2 if np.isclose(wrapped, -np.pi / 2) else wrapped)
