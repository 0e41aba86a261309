"""Joint trajectories and the arm hardware a planner executes them on, shaped like the
standard ros2_control interfaces: a joint trajectory controller takes timed joint
points (`trajectory_msgs/JointTrajectory`; an empty one stops the arm where it is), a
gripper controller takes finger positions, and `/joint_states` reports where the joints
are. Progress and arrival are judged from the joint states alone, the same way in
process (the simulated world stepped directly) and over ROS (the world node, or a real
arm's controllers).

Gripper convention: each finger joint travels half the opening (its position in
`/joint_states` and in commands is opening / 2).
"""
from __future__ import annotations

import abc
import dataclasses
import enum
from typing import Callable

import numpy as np

from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.validated import setting

MIN_SEGMENT_S = 1.0 / 240.0    # shortest time between two trajectory points


@dataclasses.dataclass(frozen=True)
class JointTrajectory:
    """Joint positions (N, joints) to reach at `times` (N,), seconds from the start,
    increasing; the first point is where the arm starts."""
    joint_names: tuple[str, ...]
    positions: np.ndarray
    times: np.ndarray

    def __post_init__(self):
        positions, times = np.asarray(self.positions, float), np.asarray(self.times, float)
        if positions.ndim != 2 or positions.shape[1] != len(self.joint_names):
            raise ValueError(f"trajectory positions {positions.shape} do not match the "
                             f"{len(self.joint_names)} joints {list(self.joint_names)}")
        if times.shape != (len(positions),) or not np.all(np.diff(times) > 0):
            raise ValueError("trajectory times must increase, one per point")
        if not (np.all(np.isfinite(positions)) and np.all(np.isfinite(times))):
            raise ValueError("trajectory holds non-finite values")

    @property
    def duration(self) -> float:
        return float(self.times[-1]) if len(self.times) else 0.0

    @property
    def final(self) -> np.ndarray:
        return self.positions[-1]

    def at(self, elapsed: float) -> np.ndarray:
        """Positions `elapsed` seconds after the start, linearly interpolated; the last
        point after the end."""
        return np.array([np.interp(elapsed, self.times, column) for column in self.positions.T])


def timed(joint_names, path: np.ndarray, tool_points: np.ndarray, speed: float,
          joint_velocity_limits) -> JointTrajectory:
    """The joint path timed so that neither the tool speed nor any joint's velocity limit
    (one for all, or one per joint) is exceeded on any segment."""
    path = np.asarray(path, float)
    tool_step = np.linalg.norm(np.diff(tool_points, axis=0), axis=1) / speed
    joint_step = np.max(np.abs(np.diff(path, axis=0)) / joint_velocity_limits, axis=1)
    segments = np.maximum(np.maximum(tool_step, joint_step), MIN_SEGMENT_S)
    return JointTrajectory(tuple(joint_names), path, np.concatenate([[0.0], np.cumsum(segments)]))


@dataclasses.dataclass(frozen=True, kw_only=True)
class ArrivalParams:
    """When a commanded motion counts as done, judged from the joint states."""
    settle_tolerance_rad: float = setting(0.01, "joint error at which the trajectory's end "
                                                "counts as reached", min=1e-4, max=0.2)
    blocked_tolerance_rad: float = setting(0.05, "joint error left after settling that counts "
                                                 "as the arm being blocked", min=1e-3, max=1.0)
    settle_time_s: float = setting(1.0, "time after the trajectory's end the arm may take to "
                                        "settle", min=0.05, max=10.0)
    gripper_timeout_s: float = setting(1.5, "time a gripper motion may take", min=0.1, max=10.0)
    gripper_tolerance_m: float = setting(0.001, "opening error at which the gripper counts as "
                                                "there", min=1e-4, max=0.01)
    gripper_still_m_s: float = setting(0.0025, "finger speed below which a closing gripper "
                                               "counts as stopped on contact", min=1e-5, max=0.1)


class Arrival(enum.Enum):
    MOVING = "moving"
    ARRIVED = "arrived"
    BLOCKED = "blocked"


@dataclasses.dataclass
class ArrivalMonitor:
    """Judges a trajectory under way from (seconds since its start, joint positions)."""
    trajectory: JointTrajectory
    params: ArrivalParams

    def update(self, elapsed: float, positions) -> Arrival:
        if elapsed < self.trajectory.duration:
            return Arrival.MOVING
        error = self.error(positions)
        if error < self.params.settle_tolerance_rad:
            return Arrival.ARRIVED
        if elapsed < self.trajectory.duration + self.params.settle_time_s:
            return Arrival.MOVING
        return Arrival.BLOCKED if error > self.params.blocked_tolerance_rad else Arrival.ARRIVED

    def error(self, positions) -> float:
        return float(np.max(np.abs(np.asarray(positions, float) - self.trajectory.final)))

    def blocked_error(self, positions) -> MotionError:
        return MotionError(Outcome.COLLISION, "the arm was blocked before reaching its target "
                                              f"(joint error {self.error(positions):.3f} rad)")


@dataclasses.dataclass
class GripperMonitor:
    """Judges a gripper motion from (seconds since the command, opening): done at the
    target, once the fingers stop (on an object), or at the time limit."""
    target: float
    params: ArrivalParams
    _last: tuple[float, float] | None = None
    MIN_TIME_S = 0.08   # fingers take this long to start moving

    def update(self, elapsed: float, opening: float) -> bool:
        last, self._last = self._last, (elapsed, opening)
        if abs(opening - self.target) < self.params.gripper_tolerance_m:
            return True
        if elapsed >= self.params.gripper_timeout_s:
            return True
        if last is None or elapsed <= last[0] or elapsed < self.MIN_TIME_S:
            return False
        return abs(opening - last[1]) / (elapsed - last[0]) < self.params.gripper_still_m_s


class ArmHardware(abc.ABC):
    """The arm as its controllers expose it. `execute` and `move_gripper` block until the
    motion is done, calling `check_stop` (which raises MotionError to stop) as they wait;
    a stopped motion leaves the arm holding where it is."""

    def __init__(self, arm_joints, params: ArrivalParams):
        self.arm_joints = tuple(arm_joints)
        self.params = params

    @abc.abstractmethod
    def arm_positions(self) -> np.ndarray: ...

    @abc.abstractmethod
    def gripper_opening(self) -> float: ...

    @abc.abstractmethod
    def execute(self, trajectory: JointTrajectory, check_stop: Callable[[], None]) -> None:
        """MotionError(COLLISION) when the arm is blocked short of the end."""

    @abc.abstractmethod
    def move_gripper(self, opening: float, check_stop: Callable[[], None]) -> float:
        """The opening reached."""
