"""The pure parts of driving a gripper through its controller's action (control_msgs
`GripperCommand` or `ParallelGripperCommand`, ros/gripper_action.py): the goal an
opening asks for and what the controller's answer means for the motion.

The goal follows the project's gripper convention (core/interaction/trajectory.py): the
position is the first finger joint's, half the opening, with the config's finger force
as the effort limit. Fingers that stall have closed on an object: a grasp, not a
failure, whether the controller then succeeds or aborts (ros2_controllers' gripper
action controllers abort on a stall unless `allow_stalling` is set).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.robot_config import RobotConfig

# action_msgs/GoalStatus values of a finished goal
SUCCEEDED, CANCELED, ABORTED = 4, 5, 6


@dataclasses.dataclass(frozen=True)
class GripperGoal:
    joint: str
    position: float
    max_effort: float


@dataclasses.dataclass(frozen=True)
class GripperAnswer:
    """A finished gripper goal: its status and its result's fields."""
    status: int
    position: float
    reached_goal: bool
    stalled: bool


def gripper_goal(robot: RobotConfig, opening: float) -> GripperGoal:
    """The goal for `opening` metres between the fingers (clamped to the gripper's range)."""
    opening = float(np.clip(opening, 0.0, robot.gripper.max_opening))
    return GripperGoal(robot.gripper.joints[0], opening / 2.0, robot.gripper.max_force)


def opening_reached(answer: GripperAnswer) -> float:
    """The opening the fingers stopped at; MotionError when the goal was cancelled or
    the controller failed without the fingers stalling on an object."""
    if answer.status == CANCELED:
        raise MotionError(Outcome.CANCELLED, "the gripper goal was cancelled")
    if answer.stalled or (answer.status == SUCCEEDED and answer.reached_goal):
        return 2.0 * answer.position
    raise MotionError(Outcome.FAILED, f"the gripper controller ended the goal with status "
                                      f"{answer.status} short of it (fingers at "
                                      f"{2.0 * answer.position:.3f} m apart)")
