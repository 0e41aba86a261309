"""Synthetic RGB-D frames for ROS-free tests: boxes standing on a table, seen by a pinhole
camera looking straight down (u along the planning frame's +x, v along -y)."""
from __future__ import annotations

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose

K = PinholeIntrinsics(width=200, height=160, fx=200.0, fy=200.0, cx=100.0, cy=80.0)
DOWN = (1.0, 0.0, 0.0, 0.0)  # optical z = world -z, u along world +x, v along world -y
COLOURS = [(200, 30, 30), (30, 30, 200), (30, 200, 30), (200, 200, 30)]
LOOKING_DOWN = Pose(position=(0.0, 0.0, 1.0), orientation_xyzw=DOWN)


def looking_down_from(x: float, y: float, z: float) -> Pose:
    return Pose(position=(x, y, z), orientation_xyzw=DOWN)


def boxes_seen_from_above(*boxes, camera: Pose = LOOKING_DOWN, table_z: float = 0.0):
    """Depth and per-box masks of boxes (x, y, size_x, size_y, height; metres, planning
    frame) standing on a table at `table_z`, seen by `camera` (a `looking_down_from` pose)."""
    cam_x, cam_y, cam_z = camera.position
    v, u = np.mgrid[0:K.height, 0:K.width].astype(float)
    depth = np.full((K.height, K.width), cam_z - table_z, np.float32)
    masks = []
    for x, y, size_x, size_y, height in boxes:
        top = cam_z - table_z - height
        hit = ((np.abs(cam_x + (u - K.cx) * top / K.fx - x) <= size_x / 2) &
               (np.abs(cam_y - (v - K.cy) * top / K.fy - y) <= size_y / 2) & (top < depth))
        depth[hit] = top
        masks.append(hit)
    return depth, masks


def boxes_view(*boxes, camera: Pose, table_z: float) -> RGBDView:
    """An RGB-D view of boxes as `boxes_seen_from_above`, each its own colour on grey."""
    depth, masks = boxes_seen_from_above(*boxes, camera=camera, table_z=table_z)
    rgb = np.full((*depth.shape, 3), 128, np.uint8)
    for mask, colour in zip(masks, COLOURS):
        rgb[mask] = colour
    return RGBDView(rgb, depth, K, camera)
