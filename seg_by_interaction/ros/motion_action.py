"""Serving the `motion` action (seg_by_interaction/action/Motion) with any MotionBackend,
the other end of `remote_motion`: one goal at a time, cancellable, each bounded by its
goal's timeout. The simulated world serves it with its embedded backend; a server for a
real arm would with a MoveIt backend."""
from __future__ import annotations

import threading
import time
from typing import Callable

from builtin_interfaces.msg import Time
from rclpy.action import ActionServer, CancelResponse
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import poses


class MotionActionServer:
    """Runs each goal's motion holding `lock`, then, still holding it, calls `finished`
    (whatever the outcome), which returns the stamp of the motion's end."""

    def __init__(self, node: Node, backend: MotionBackend, robot: RobotConfig, *,
                 lock: threading.Lock, finished: Callable[[], Time], callback_group=None,
                 action_name: str = "motion"):
        self.backend = backend
        self.robot = robot
        self.lock = lock
        self.finished = finished
        ActionServer(node, Motion, action_name, self._execute, callback_group=callback_group,
                     cancel_callback=self._cancel)

    def _cancel(self, _goal_handle) -> CancelResponse:
        self.backend.cancel()
        return CancelResponse.ACCEPT

    def _execute(self, goal_handle) -> Motion.Result:
        goal = goal_handle.request
        self.backend.reset(time.monotonic() + goal.timeout if goal.timeout > 0 else None)
        with self.lock:
            try:
                self._run(goal)
                outcome, reason = Outcome.OK, "done"
            except MotionError as error:
                outcome, reason = error.outcome, error.reason
            header = Header(stamp=self.finished(), frame_id=self.robot.base_frame)
            tool_pose = poses.to_pose_stamped(self.backend.tool_pose(), header)
            result = Motion.Result(outcome=int(outcome), reason=reason, tool_pose=tool_pose,
                                   gripper_opening=self.backend.gripper_opening())
        if outcome == Outcome.CANCELLED:
            goal_handle.canceled()
        elif outcome == Outcome.OK:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        return result

    def _run(self, goal) -> None:
        frame = self.robot.base_frame
        speed = goal.speed or self.robot.speeds.max_cartesian_speed
        targets = [poses.from_pose_stamped(p, frame) for p in goal.poses]
        if goal.command in (Motion.Goal.MOVE_TO, Motion.Goal.ADD_BOX) and len(targets) != 1:
            raise MotionError(Outcome.INVALID_REQUEST, "this command takes exactly one pose")
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
        else:
            raise MotionError(Outcome.INVALID_REQUEST, f"unknown motion command {goal.command}")
