"""The motion backend interface the interaction primitives drive, shaped like MoveIt 2:
plan-and-execute to a pose goal, Cartesian segments, named joint poses, the gripper and
the planning scene. Two implementations: the embedded one (IK + OMPL, executed in the
simulated world) and MoveIt's on real arms.

Tool frame: poses name the gripper's tool centre point in the planning frame, with z
along the approach direction (pointing down for a top-down grasp) and y along the line
the fingers close on. Each backend commands the robot config's TCP link (`tcp.link`).

Safety: every Cartesian waypoint, and every point of a planned path's tool trajectory,
must lie in the configured workspace box; a motion that would leave it is refused before
the arm moves (OUTSIDE_WORKSPACE). Named poses (home, out_of_view) are trusted joint
configurations from the robot config; the transit to them is planned collision-free.
"""
from __future__ import annotations

import abc
import dataclasses
import enum
import threading
import time
from typing import Callable, NoReturn, Sequence

import numpy as np

from seg_by_interaction.core.geometry import matrix_to_quaternion, quaternion_to_matrix
from seg_by_interaction.core.robot_config import WorkspaceBox
from seg_by_interaction.core.validated import setting


class Outcome(enum.IntEnum):
    """Mirrors InteractionRecord.OUTCOME_* (a test pins the correspondence)."""
    OK = 0
    UNREACHABLE = 1
    OUTSIDE_WORKSPACE = 2
    PLANNING_FAILED = 3
    COLLISION = 4
    NOTHING_GRASPED = 5
    CANCELLED = 6
    TIMEOUT = 7
    INVALID_REQUEST = 8
    FAILED = 9


class MotionError(Exception):
    """A motion was refused or failed; the arm is stopped where it is."""

    def __init__(self, outcome: Outcome, reason: str):
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


@dataclasses.dataclass(frozen=True, kw_only=True)
class MotionGoalLimits:
    """What a motion request may ask of any backend beyond the workspace box; each check
    raises MotionError(INVALID_REQUEST) naming the value."""
    min_speed: float = setting(0.005, "slowest tool speed a motion may ask for, m/s",
                               min=1e-4, max=1.0)
    max_timeout_s: float = setting(3600.0, "longest time limit a motion may ask for", min=1.0)
    max_box_size_m: float = setting(2.0, "largest side of a planning-scene box, metres",
                                    min=0.01, max=100.0)
    box_margin_m: float = setting(0.5, "how far outside the workspace box a planning-scene "
                                       "box's centre may lie, metres", min=0.0, max=10.0)

    def check_speed(self, speed: float) -> None:
        """0 asks for the robot's configured speed."""
        if not (speed == 0.0 or self.min_speed <= speed < np.inf):
            _invalid(f"speed {speed} m/s is neither 0 (the configured speed) nor at least "
                     f"{self.min_speed} m/s")

    def check_timeout(self, timeout: float) -> None:
        if not 0.0 <= timeout <= self.max_timeout_s:
            _invalid(f"timeout {timeout} s is not within 0..{self.max_timeout_s} s")

    def check_box(self, centre, size, workspace: WorkspaceBox) -> None:
        size = np.asarray(size, float)
        if not np.all((size > 0) & (size <= self.max_box_size_m)):
            _invalid(f"box size {size.tolist()} m is not within 0..{self.max_box_size_m} m a side")
        grown = WorkspaceBox(min=tuple(np.subtract(workspace.min, self.box_margin_m)),
                             max=tuple(np.add(workspace.max, self.box_margin_m)))
        if not grown.contains(centre):
            _invalid(f"box centre {np.round(centre, 3).tolist()} lies more than "
                     f"{self.box_margin_m} m outside the workspace box")


def check_gripper_opening(opening: float, max_opening: float) -> None:
    if not 0.0 <= opening <= max_opening:
        _invalid(f"gripper opening {opening} m is not within the gripper's 0..{max_opening} m")


def _invalid(reason: str) -> NoReturn:
    raise MotionError(Outcome.INVALID_REQUEST, reason)


@dataclasses.dataclass(frozen=True)
class ToolPose:
    position: np.ndarray           # (3,) metres, planning frame
    orientation_xyzw: np.ndarray   # (4,) unit quaternion

    @staticmethod
    def top_down(position, yaw: float) -> "ToolPose":
        """Tool z pointing straight down; fingers closing along the horizontal direction
        at angle `yaw` from the planning frame's x axis."""
        closing = np.array([np.cos(yaw), np.sin(yaw), 0.0])
        z_axis = np.array([0.0, 0.0, -1.0])
        x_axis = np.cross(closing, z_axis)
        rotation = np.column_stack([x_axis, closing, z_axis])
        return ToolPose(np.asarray(position, float), matrix_to_quaternion(rotation))

    @property
    def closing_yaw(self) -> float:
        """The fingers' closing direction (the tool's y axis) as an angle from +x."""
        closing = quaternion_to_matrix(self.orientation_xyzw)[:, 1]
        return float(np.arctan2(closing[1], closing[0]))

    def moved(self, offset) -> "ToolPose":
        return ToolPose(self.position + np.asarray(offset, float), self.orientation_xyzw)


def check_in_workspace(workspace: WorkspaceBox, positions, what: str) -> None:
    """OUTSIDE_WORKSPACE (MotionError) for the first of `positions` outside the box."""
    for position in positions:
        if not workspace.contains(position):
            raise MotionError(Outcome.OUTSIDE_WORKSPACE,
                              f"{what} {np.round(position, 3).tolist()} lies outside the "
                              f"workspace box {workspace.min}..{workspace.max}")


def check_tool_path(workspace: WorkspaceBox, tool_points) -> None:
    """OUTSIDE_WORKSPACE for a planned trajectory any of whose tool points leaves the box
    (a planner's own workspace bounds do not bound the arm's tool), or PLANNING_FAILED
    for an empty one."""
    if len(tool_points) == 0:
        raise MotionError(Outcome.PLANNING_FAILED, "the planner returned an empty trajectory")
    check_in_workspace(workspace, tool_points, "planned trajectory point")


class MotionBackend(abc.ABC):
    """What the primitives need from an arm. Public methods validate requests; concrete
    backends implement the underscored ones, call `check_stop` while they move and hand
    every planned trajectory to `execute_planned`.

    `dry_run`: plan everything, execute nothing (the gripper stays as it is);
    `on_planned`, if set, receives every planned tool path (N, 3) that passed the check."""

    def __init__(self, workspace: WorkspaceBox):
        self.workspace = workspace
        self.deadline: float | None = None      # time.monotonic() past which motions stop
        self.dry_run = False
        self.on_planned: Callable[[np.ndarray], None] | None = None
        self._cancelled = threading.Event()

    def execute_planned(self, tool_points, execute: Callable[[], None]) -> None:
        """Every point of the planned trajectory's tool path checked against the workspace
        box, the path reported, then `execute()` unless this is a dry run."""
        tool_points = np.asarray(tool_points, float)
        check_tool_path(self.workspace, tool_points)
        if self.on_planned is not None:
            self.on_planned(tool_points)
        if not self.dry_run:
            execute()

    def cancel(self) -> None:
        """Stop the motion under way (from any thread) and refuse motions until `reset`."""
        self._cancelled.set()

    def reset(self, deadline: float | None) -> None:
        """Accept motions again, all to end by `deadline` (monotonic seconds; None: no limit)."""
        self._cancelled.clear()
        self.deadline = deadline

    def check_stop(self) -> None:
        """MotionError (CANCELLED or TIMEOUT) once the motion must stop."""
        if self._cancelled.is_set():
            raise MotionError(Outcome.CANCELLED, "cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise MotionError(Outcome.TIMEOUT, "timed out")

    def move_to(self, goal: ToolPose, speed: float) -> None:
        """Plan a collision-free path to `goal` and execute it."""
        self.check_in_workspace([goal.position], "goal")
        self._move_to(goal, speed)

    def move_linear(self, waypoints: Sequence[ToolPose], speed: float) -> None:
        """Straight-line tool motion through the waypoints (a Cartesian path)."""
        self.check_in_workspace([w.position for w in waypoints], "waypoint")
        self._move_linear(list(waypoints), speed)

    def check_in_workspace(self, positions, what: str) -> None:
        check_in_workspace(self.workspace, positions, what)

    @abc.abstractmethod
    def _move_to(self, goal: ToolPose, speed: float) -> None: ...

    @abc.abstractmethod
    def _move_linear(self, waypoints: list[ToolPose], speed: float) -> None: ...

    @abc.abstractmethod
    def move_to_named(self, name: str) -> None:
        """Joint-space move to a named pose of the robot config (home, out_of_view)."""

    @abc.abstractmethod
    def set_gripper(self, opening: float) -> float:
        """Drive the fingers to `opening` metres apart (stopping on contact); returns the
        opening reached."""

    @abc.abstractmethod
    def gripper_opening(self) -> float: ...

    @abc.abstractmethod
    def tool_pose(self) -> ToolPose: ...

    @abc.abstractmethod
    def add_box_obstacle(self, name: str, centre, half_extents) -> None:
        """Add (or move) a box the planner must avoid, in the planning frame."""

    @abc.abstractmethod
    def remove_obstacle(self, name: str) -> None: ...
