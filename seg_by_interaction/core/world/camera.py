"""Rendering a configured camera in PyBullet: RGB, exact depth in metres (the arena adds
sensor noise, see depth_noise.py), and the body seen at each pixel (ground truth, for
evaluation only; no learning code reads it).

A camera is given as in the robot config: pinhole intrinsics and the pose of its optical
frame (z forward, x right, y down) in the world (= planning) frame.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pybullet

from seg_by_interaction.core.geometry import PinholeIntrinsics, quaternion_to_matrix

NEAR_M, FAR_M = 0.05, 6.0


@dataclasses.dataclass
class Rendering:
    rgb: np.ndarray            # HxWx3 uint8
    depth: np.ndarray          # HxW float32 metres, NaN = no reading
    body_ids: np.ndarray       # HxW int32 PyBullet body per pixel, -1 = none


@dataclasses.dataclass(frozen=True)
class Light:
    direction: tuple[float, float, float]     # from the scene toward the light
    colour: tuple[float, float, float]
    ambient: float
    diffuse: float
    specular: float


def view_matrix(position, orientation_xyzw) -> list[float]:
    """OpenGL view matrix of a camera whose optical frame has this pose."""
    rotation = quaternion_to_matrix(orientation_xyzw)
    eye = np.asarray(position, float)
    return pybullet.computeViewMatrix(eye.tolist(), (eye + rotation[:, 2]).tolist(),
                                      (-rotation[:, 1]).tolist())


def projection_matrix(intrinsics: PinholeIntrinsics) -> list[float]:
    """OpenGL projection (column-major) reproducing the pinhole intrinsics exactly,
    principal point included, with ROS's pixel convention (pixel (u, v) has its centre at
    integer coordinates). PyBullet's CPU renderer flips rows one pixel off that
    convention; the +1 on cy compensates (measured: 30 random boxes, mean error 0.06 px
    in u and 0.02 px in v after the correction)."""
    w, h = intrinsics.width, intrinsics.height
    n, f = NEAR_M, FAR_M
    cx, cy = intrinsics.cx, intrinsics.cy + 1.0
    rows = np.array([
        [2 * intrinsics.fx / w, 0.0, 1 - 2 * cx / w, 0.0],
        [0.0, 2 * intrinsics.fy / h, 2 * cy / h - 1, 0.0],
        [0.0, 0.0, -(f + n) / (f - n), -2 * f * n / (f - n)],
        [0.0, 0.0, -1.0, 0.0],
    ])
    return rows.T.flatten().tolist()


def render(client: int, intrinsics: PinholeIntrinsics, position, orientation_xyzw,
           light: Light, shadows: bool = True) -> Rendering:
    """Exact rendering (no sensor noise) with PyBullet's CPU renderer."""
    _, _, rgba, z_buffer, segmentation = pybullet.getCameraImage(
        intrinsics.width, intrinsics.height, view_matrix(position, orientation_xyzw),
        projection_matrix(intrinsics), lightDirection=list(light.direction),
        lightColor=list(light.colour), lightAmbientCoeff=light.ambient,
        lightDiffuseCoeff=light.diffuse, lightSpecularCoeff=light.specular,
        shadow=int(shadows), renderer=pybullet.ER_TINY_RENDERER, physicsClientId=client)
    shape = (intrinsics.height, intrinsics.width)
    rgb = np.asarray(rgba, np.uint8).reshape(*shape, 4)[:, :, :3].copy()
    z_buffer = np.asarray(z_buffer, np.float64).reshape(shape)
    depth = (FAR_M * NEAR_M / (FAR_M - (FAR_M - NEAR_M) * z_buffer)).astype(np.float32)
    depth[z_buffer >= 1.0] = np.nan
    body_ids = np.asarray(segmentation, np.int32).reshape(shape)
    return Rendering(rgb, depth, body_ids)
