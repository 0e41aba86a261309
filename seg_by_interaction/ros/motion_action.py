"""Serving the `motion` action (seg_by_interaction/action/Motion) with any MotionBackend,
the other end of `remote_motion`: one goal at a time, cancellable, each bounded by its
goal's timeout, a newer goal preempting it. The motion server (nodes/motion_server.py)
serves it with the backend it is given. A motion stopped by other means than the goal's
cancellation (a soft stop, a newer goal) aborts the goal with the CANCELLED outcome."""
from __future__ import annotations

import math
import threading
import time
import traceback
from typing import Callable

from builtin_interfaces.msg import Time
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import (MotionBackend, MotionError,
                                                        MotionGoalLimits, Outcome,
                                                        check_gripper_opening)
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import poses
from seg_by_interaction.ros.rejections import Rejections

COMMANDS = (Motion.Goal.MOVE_TO, Motion.Goal.LINEAR, Motion.Goal.NAMED, Motion.Goal.GRIPPER,
            Motion.Goal.ADD_BOX, Motion.Goal.REMOVE_OBSTACLE)


class MotionActionServer:
    """Runs each goal's motion holding `lock`, then, still holding it, calls `finished`
    (whatever the outcome), which returns the stamp of the motion's end."""

    def __init__(self, node: Node, backend: MotionBackend, robot: RobotConfig, *,
                 lock: threading.Lock, finished: Callable[[], Time], rejections: Rejections,
                 limits: MotionGoalLimits = MotionGoalLimits(), callback_group=None,
                 action_name: str = "motion"):
        self.backend = backend
        self.robot = robot
        self.limits = limits
        self.rejections = rejections
        self._logger = node.get_logger()
        self._action_name = action_name
        self.lock = lock
        self.finished = finished
        self.last_result: tuple[Outcome, str] | None = None
        # The last goal's client cancelled it: the tool stands where the motion stopped.
        self.cancelled_by_client = False
        self._closed = threading.Event()
        ActionServer(node, Motion, action_name, self._execute, callback_group=callback_group,
                     goal_callback=self._accept, cancel_callback=self._cancel)

    def close(self) -> None:
        """No motion starts from now on (shutdown): goals are refused, and one accepted but
        not yet running ends CANCELLED without moving (it would clear the backend's cancel)."""
        self._closed.set()
        self.backend.cancel()

    def _accept(self, _goal) -> GoalResponse:
        """A new goal preempts the one under way (whose client may have given up on it)."""
        if self._closed.is_set():
            return GoalResponse.REJECT
        if self.lock.locked():
            self.backend.cancel()
        return GoalResponse.ACCEPT

    def _cancel(self, _goal_handle) -> CancelResponse:
        self.backend.cancel()
        return CancelResponse.ACCEPT

    def _execute(self, goal_handle) -> Motion.Result:
        goal = goal_handle.request
        with self.lock:
            self.backend.reset(time.monotonic() + goal.timeout if goal.timeout > 0 else None)
            try:
                if self._closed.is_set():
                    raise MotionError(Outcome.CANCELLED, "the motion server is shutting down")
                self._run(goal)
                outcome, reason = Outcome.OK, "done"
            except MotionError as error:
                outcome, reason = error.outcome, error.reason
                if outcome == Outcome.INVALID_REQUEST:
                    self.rejections.reject(self._action_name, reason)
            except Exception as error:  # noqa: BLE001 - never an OK, and the arm keeps serving
                outcome, reason = Outcome.FAILED, f"motion server error: {error!r}"
                self._logger.error(f"{reason}\n{traceback.format_exc()}")
            header = Header(stamp=self.finished(), frame_id=self.robot.base_frame)
            tool_pose = poses.to_pose_stamped(self.backend.tool_pose(), header)
            result = Motion.Result(outcome=int(outcome), reason=reason, tool_pose=tool_pose,
                                   gripper_opening=self.backend.gripper_opening())
            self.last_result = outcome, reason
            self.cancelled_by_client = (outcome == Outcome.CANCELLED
                                        and goal_handle.is_cancel_requested)
        if outcome == Outcome.CANCELLED and goal_handle.is_cancel_requested:
            goal_handle.canceled()
        elif outcome == Outcome.OK:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        return result

    def _run(self, goal) -> None:
        """The goal checked whole, then executed."""
        if goal.command not in COMMANDS:
            raise MotionError(Outcome.INVALID_REQUEST, f"unknown motion command {goal.command}")
        numbers = {"speed": goal.speed, "gripper_opening": goal.gripper_opening,
                   "timeout": goal.timeout, "box_size.x": goal.box_size.x,
                   "box_size.y": goal.box_size.y, "box_size.z": goal.box_size.z}
        not_finite = [name for name, value in numbers.items() if not math.isfinite(value)]
        if not_finite:
            raise MotionError(Outcome.INVALID_REQUEST, f"not finite: {', '.join(not_finite)}")
        self.limits.check_timeout(goal.timeout)
        self.limits.check_speed(goal.speed)
        targets = [poses.from_pose_stamped(p, self.robot.base_frame) for p in goal.poses]
        if goal.command in (Motion.Goal.MOVE_TO, Motion.Goal.ADD_BOX) and len(targets) != 1:
            raise MotionError(Outcome.INVALID_REQUEST, "this command takes exactly one pose")
        if goal.command == Motion.Goal.GRIPPER:
            check_gripper_opening(goal.gripper_opening, self.robot.gripper.max_opening)
        if goal.command == Motion.Goal.ADD_BOX:
            size = goal.box_size
            self.limits.check_box(targets[0].position, (size.x, size.y, size.z),
                                  self.robot.workspace)
        scene = goal.command in (Motion.Goal.ADD_BOX, Motion.Goal.REMOVE_OBSTACLE)
        if scene and not goal.obstacle_name:
            raise MotionError(Outcome.INVALID_REQUEST, "a planning-scene box needs a name")
        self._execute_checked(goal, targets)

    def _execute_checked(self, goal, targets) -> None:
        speed = goal.speed or self.robot.speeds.max_cartesian_speed
        if goal.command == Motion.Goal.MOVE_TO:
            self.backend.move_to(targets[0], speed)
        elif goal.command == Motion.Goal.LINEAR:
            self.backend.move_linear(targets, speed)
        elif goal.command == Motion.Goal.NAMED:
            self.backend.move_to_named(goal.named_pose)
        elif goal.command == Motion.Goal.GRIPPER:
            self.backend.set_gripper(goal.gripper_opening)
        elif goal.command == Motion.Goal.ADD_BOX:
            size = goal.box_size
            self.backend.add_box_obstacle(goal.obstacle_name, targets[0].position,
                                          [size.x / 2, size.y / 2, size.z / 2])
        elif goal.command == Motion.Goal.REMOVE_OBSTACLE:
            self.backend.remove_obstacle(goal.obstacle_name)
