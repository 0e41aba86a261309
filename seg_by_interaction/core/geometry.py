"""Rigid transforms and camera geometry (REP 103: x forward, y left, z up; optical
frames: z along the view, x right, y down in the image)."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.validated import ConfigError, setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class PinholeIntrinsics:
    """An undistorted pinhole camera: image size and the intrinsic matrix's entries."""
    width: int = setting(description="pixels", min=1)
    height: int = setting(description="pixels", min=1)
    fx: float = setting(description="focal length, pixels", min=1e-6)
    fy: float = setting(description="focal length, pixels", min=1e-6)
    cx: float = setting(description="principal point, pixels", min=0.0)
    cy: float = setting(description="principal point, pixels", min=0.0)

    def __post_init__(self):
        if not (self.cx < self.width and self.cy < self.height):
            raise ConfigError(f"principal point ({self.cx}, {self.cy}) lies outside the "
                              f"{self.width}x{self.height} image")

    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def resized(self, width: int, height: int) -> "PinholeIntrinsics":
        """The same camera delivering images of another size (same field of view)."""
        sx, sy = width / self.width, height / self.height
        return PinholeIntrinsics(width=width, height=height, fx=self.fx * sx, fy=self.fy * sy,
                                 cx=self.cx * sx, cy=self.cy * sy)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Pose:
    """A frame's pose in the planning frame, e.g. a camera's optical frame: its origin
    and a unit quaternion (x, y, z, w). A value: the numbers are stored as float tuples."""
    position: tuple[float, float, float] = setting(description="metres")
    orientation_xyzw: tuple[float, float, float, float] = setting(
        (0.0, 0.0, 0.0, 1.0), "unit quaternion (x, y, z, w)", min=-1.0, max=1.0)

    def __post_init__(self):
        object.__setattr__(self, "position", tuple(float(v) for v in self.position))
        object.__setattr__(self, "orientation_xyzw", tuple(float(v) for v in self.orientation_xyzw))
        if abs(np.linalg.norm(self.orientation_xyzw) - 1.0) > 1e-3:
            raise ConfigError(f"orientation_xyzw {self.orientation_xyzw} is not a unit quaternion")

    def rotation(self) -> np.ndarray:
        return quaternion_to_matrix(self.orientation_xyzw)

    def matrix(self) -> np.ndarray:
        """4x4 transform from this frame to the planning frame."""
        return pose_matrix(self.position, self.orientation_xyzw)

    def to_planning(self, points) -> np.ndarray:
        """Points (N x 3) given in this frame, in the planning frame."""
        return np.asarray(points, float) @ self.rotation().T + self.position

    def from_planning(self, point) -> np.ndarray:
        """A planning-frame point in this frame."""
        return self.rotation().T @ (np.asarray(point, float) - self.position)


def pixel_in_image(pixel, height: int, width: int) -> bool:
    """(u, v) lies on the image: between the centres of its first and last pixels."""
    u, v = pixel
    return 0 <= u <= width - 1 and 0 <= v <= height - 1


def quaternion_to_matrix(xyzw) -> np.ndarray:
    """3x3 rotation matrix of a unit quaternion given as (x, y, z, w)."""
    q = np.asarray(xyzw, dtype=float)
    norm = np.linalg.norm(q)
    if not np.isfinite(norm) or norm < 1e-9:
        raise ValueError(f"{tuple(q)} is not a rotation quaternion")
    x, y, z, w = q / norm
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def matrix_to_quaternion(rotation) -> np.ndarray:
    """Unit quaternion (x, y, z, w), w >= 0, of a 3x3 rotation matrix (Shepperd's method:
    branch on the largest of w, x, y, z so that 180-degree turns keep their axis)."""
    m = np.asarray(rotation, dtype=float)
    trace = np.trace(m)
    diagonal = np.diag(m)
    largest = int(np.argmax([trace, *diagonal]))
    if largest == 0:
        s = 2.0 * np.sqrt(1.0 + trace)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, s / 4]
    else:
        i = largest - 1
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = [0.0, 0.0, 0.0, (m[k, j] - m[j, k]) / s]
        q[i] = s / 4
        q[j] = (m[j, i] + m[i, j]) / s
        q[k] = (m[k, i] + m[i, k]) / s
    q = np.asarray(q)
    q /= np.linalg.norm(q)
    return -q if q[3] < 0 else q


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
    if not np.linalg.norm(z_axis) > 1e-9:
        raise ValueError(f"eye {tuple(eye)} and target {tuple(target)} must differ")
    z_axis /= np.linalg.norm(z_axis)
    x_axis = np.cross(z_axis, up)
    if np.linalg.norm(x_axis) < 1e-9:
        raise ValueError("view direction is parallel to 'up'; choose another up vector")
    x_axis /= np.linalg.norm(x_axis)
    y_axis = np.cross(z_axis, x_axis)
    return np.column_stack([x_axis, y_axis, z_axis])
