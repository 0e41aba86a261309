"""Rigid transforms and camera geometry (REP 103: x forward, y left, z up; optical
frames: z along the view, x right, y down in the image)."""
from __future__ import annotations

import numpy as np


def quaternion_to_matrix(xyzw) -> np.ndarray:
    """3x3 rotation matrix of a unit quaternion given as (x, y, z, w)."""
    x, y, z, w = np.asarray(xyzw, dtype=float) / np.linalg.norm(xyzw)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def matrix_to_quaternion(rotation) -> np.ndarray:
    """Unit quaternion (x, y, z, w), w >= 0, of a 3x3 rotation matrix."""
    m = np.asarray(rotation, dtype=float)
    w = np.sqrt(max(0.0, 1.0 + m[0, 0] + m[1, 1] + m[2, 2])) / 2
    x = np.sqrt(max(0.0, 1.0 + m[0, 0] - m[1, 1] - m[2, 2])) / 2
    y = np.sqrt(max(0.0, 1.0 - m[0, 0] + m[1, 1] - m[2, 2])) / 2
    z = np.sqrt(max(0.0, 1.0 - m[0, 0] - m[1, 1] + m[2, 2])) / 2
    x = np.copysign(x, m[2, 1] - m[1, 2])
    y = np.copysign(y, m[0, 2] - m[2, 0])
    z = np.copysign(z, m[1, 0] - m[0, 1])
    q = np.array([x, y, z, w])
    return q / np.linalg.norm(q)


def pose_matrix(position, orientation_xyzw) -> np.ndarray:
    """4x4 homogeneous transform from a position and a quaternion (x, y, z, w)."""
    transform = np.eye(4)
    transform[:3, :3] = quaternion_to_matrix(orientation_xyzw)
    transform[:3, 3] = position
    return transform


def optical_frame_looking_at(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Rotation of a camera optical frame at `eye` whose z axis points at `target`
    and whose image "up" (-y) leans toward `up`."""
    z_axis = np.asarray(target, float) - np.asarray(eye, float)
    z_axis /= np.linalg.norm(z_axis)
    x_axis = np.cross(z_axis, up)
    if np.linalg.norm(x_axis) < 1e-9:
        raise ValueError("view direction is parallel to 'up'; choose another up vector")
    x_axis /= np.linalg.norm(x_axis)
    y_axis = np.cross(z_axis, x_axis)
    return np.column_stack([x_axis, y_axis, z_axis])
