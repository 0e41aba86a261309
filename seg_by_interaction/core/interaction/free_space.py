"""Free spots on the table, judged from a depth image: where nothing stands above the
table surface within a radius. Used to put objects down where they hit nothing."""
from __future__ import annotations

import numpy as np

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.hypotheses.grasp import points_above_table
from seg_by_interaction.core.robot_config import TableArea

OCCUPIED_ABOVE_M = 0.01


def occupied_points(depth: np.ndarray, intrinsics: PinholeIntrinsics, camera_pose: Pose,
                    table_height: float) -> np.ndarray:
    """x-y of the depth points standing more than 1 cm above the table."""
    return points_above_table(depth, intrinsics, camera_pose, table_height, OCCUPIED_ABOVE_M)[:, :2]


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
