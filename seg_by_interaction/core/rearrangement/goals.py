"""A rearrangement's goal checked before anything moves: an image of the camera's size,
taken from the camera's pose, a positive tolerance and budget; and the goals snapshotted
from the scene, kept by id."""
from __future__ import annotations

import collections
import dataclasses
import itertools

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.rearrangement.controller import GoalError
from seg_by_interaction.core.rearrangement.segmenters import SEGMENTERS
from seg_by_interaction.core.validated import setting

MAX_TOLERANCE_PX = 1000.0
MAX_BUDGET = 1000


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalChecks:
    camera_pose_tolerance_m: float = setting(0.01, "a goal taken from a camera further than "
                                                   "this from the current camera is refused",
                                             min=0.0, max=1.0)
    camera_pose_tolerance_deg: float = setting(1.0, "likewise for the camera's rotation",
                                               min=0.0, max=180.0)


def check_limits(tolerance_px: float, budget: int, segmenter: str) -> None:
    if not (np.isfinite(tolerance_px) and 0 < tolerance_px <= MAX_TOLERANCE_PX):
        raise GoalError(f"tolerance {tolerance_px} px is not within (0, {MAX_TOLERANCE_PX:g}]")
    if not 0 < budget <= MAX_BUDGET:
        raise GoalError(f"an interaction budget of {budget} is not within 1..{MAX_BUDGET}")
    if segmenter not in SEGMENTERS:
        raise GoalError(f"unknown segmenter '{segmenter}'; one of {list(SEGMENTERS)}")


def check_goal_view(goal: RGBDView, current_size: tuple[int, int], camera_pose: Pose,
                    checks: GoalChecks = GoalChecks()) -> None:
    """The goal must show the scene as the camera sees it now: same size, same pose."""
    if goal.size != current_size or goal.depth.shape != current_size:
        raise GoalError(f"goal image {goal.size[1]}x{goal.size[0]} and depth "
                        f"{goal.depth.shape[1]}x{goal.depth.shape[0]} differ from the camera's "
                        f"{current_size[1]}x{current_size[0]} images")
    offset = np.linalg.norm(np.subtract(goal.camera_pose.position, camera_pose.position))
    turn = np.degrees(rotation_angle(goal.camera_pose, camera_pose))
    if offset > checks.camera_pose_tolerance_m or turn > checks.camera_pose_tolerance_deg:
        raise GoalError(f"the goal was taken from another camera pose ({offset * 100:.1f} cm and "
                        f"{turn:.1f} deg away from the camera's; allowed "
                        f"{checks.camera_pose_tolerance_m * 100:g} cm, "
                        f"{checks.camera_pose_tolerance_deg:g} deg)")


def rotation_angle(a: Pose, b: Pose) -> float:
    """The angle of the rotation between two orientations, radians."""
    dot = abs(float(np.dot(a.orientation_xyzw, b.orientation_xyzw)))
    return 2.0 * float(np.arccos(min(dot, 1.0)))


class GoalStore:
    """Snapshotted goals by id ("goal_1", "goal_2", ...), the oldest forgotten beyond
    `capacity`."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._goals: collections.OrderedDict[str, RGBDView] = collections.OrderedDict()
        self._ids = itertools.count(1)

    def add(self, view: RGBDView) -> str:
        goal_id = f"goal_{next(self._ids)}"
        self._goals[goal_id] = view
        while len(self._goals) > self.capacity:
            self._goals.popitem(last=False)
        return goal_id

    def get(self, goal_id: str) -> RGBDView:
        if goal_id not in self._goals:
            raise GoalError(f"no goal '{goal_id}' (known: {list(self._goals) or 'none'}; "
                            "snapshots beyond the last "
                            f"{self.capacity} are forgotten)")
        return self._goals[goal_id]
