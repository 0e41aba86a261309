"""motion_server: serves the `motion` action (seg_by_interaction/action/Motion) for any
robot, with the backend its `backend` parameter names (core/interaction/motion_server.py):
`embedded` (the project's IK + OMPL planner) or `moveit` (MoveIt 2 through moveit_py).
Motions are executed through the arm's ros2_control interfaces, the robot config's
`controllers` (JointTrajectory to the arm's trajectory controller, finger positions to
the gripper's controller), and judged done from <controllers.joint_states_topic>; each
result is stamped with the joint state that showed the motion ended. In simulation the
world node serves those interfaces.

Publishes ~/planned_path (visualization_msgs/MarkerArray: every planned tool path; with
`dry_run` nothing else moves) and its state on /diagnostics. A message on
<soft_stop_topic> (std_msgs/Empty) stops the motion under way. Shut down during a motion
(Ctrl-C, SIGTERM), it stops the motion and backs the tool straight up before it exits.
"""
from __future__ import annotations

import threading
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticStatus
from geometry_msgs.msg import Point
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from std_msgs.msg import Empty, Header
from visualization_msgs.msg import Marker, MarkerArray

from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.interaction.motion_server import (MOTION_BACKENDS, MotionServerParams,
                                                               retreat_target)
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.controller_arm import ControllerArm
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.motion_action import MotionActionServer
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.ros.status import StatusPublisher

PATH_WIDTH_M = 0.005
# A goal's execution holds a thread while it waits for joint states; they, soft stops,
# cancellations and newer goals need others (the machine may have two cores).
THREADS = 4


class MotionServer(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("motion_server", automatically_declare_parameters_from_overrides=True,
                         **kwargs)
        self.params = declare_parameters(self, MotionServerParams)
        self.robot_config = load_robot_config(self.params.robot)
        topics = self.robot_config.controllers
        io = ReentrantCallbackGroup()
        self.arm = ControllerArm(self, self.robot_config, self.params.arrival,
                                 trajectory_topic=topics.arm_trajectory_topic,
                                 gripper_topic=topics.gripper_command_topic,
                                 joint_states_topic=topics.joint_states_topic,
                                 joint_states_timeout_s=self.params.joint_states_timeout_s,
                                 callback_group=io)
        self.backend = MOTION_BACKENDS.builder(self.params.backend)(
            self, self.robot_config, self.params, self.arm)
        self.backend.dry_run = self.params.dry_run
        self.backend.on_planned = self._publish_planned
        self.path_pub = self.create_publisher(MarkerArray, "~/planned_path", qos.RELIABLE)
        self.server = MotionActionServer(self, self.backend, self.robot_config,
                                         lock=threading.Lock(), finished=self.arm.end_stamp,
                                         rejections=Rejections(self),
                                         limits=self.params.motion_goals,
                                         callback_group=MutuallyExclusiveCallbackGroup())
        self.create_subscription(Empty, self.params.soft_stop_topic, self._soft_stop, qos.RELIABLE,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        StatusPublisher(self, self._status, callback_group=io)
        self._retreat_due: bool | None = None      # decided by the first interrupt()
        mode = " (dry run: nothing moves)" if self.params.dry_run else ""
        self.get_logger().info(f"motion server ready: {self.robot_config.name}, "
                               f"{self.params.backend} backend{mode}")

    def _soft_stop(self, _msg: Empty) -> None:
        """The arm told to hold at once, then the motion under way ends CANCELLED."""
        self.get_logger().warning("soft stop: stopping the motion under way")
        self.arm.stop()
        self.backend.cancel()

    def interrupt(self) -> bool:
        """Shutdown: the motion under way stops; once it has, the tool backs away from the
        table (`shutdown_retreat`) while the executor still delivers the joint states. So
        too when the last motion's client cancelled it (under a terminal Ctrl-C the
        interaction executor's cancel may come first); not after a soft stop."""
        if self._retreat_due is None:
            mid_motion = self.server.lock.locked() or self.server.cancelled_by_client
            self._retreat_due = mid_motion and not self.params.dry_run
            self.server.close()
        if self.server.lock.locked():
            return False
        if self._retreat_due:
            self._retreat_due = False
            self._retreat()
        return True

    def _retreat(self) -> None:
        retreat = self.params.shutdown_retreat
        self.backend.reset(time.monotonic() + retreat.timeout_s)
        try:
            start = self.backend.tool_pose()
            target = retreat_target(start, self.robot_config.workspace, retreat.height_m)
            if target is not None:
                self.backend.move_linear([target], retreat.speed)
                self.get_logger().warning(f"shutting down mid-motion: the tool retreated "
                                          f"{100 * (target.position[2] - start.position[2]):.1f}"
                                          f" cm up")
        except MotionError as error:
            self.get_logger().error(f"shutting down mid-motion: the tool could not retreat: "
                                    f"{error.reason}")

    def _publish_planned(self, tool_points: np.ndarray) -> None:
        header = Header(stamp=self.get_clock().now().to_msg(),
                        frame_id=self.robot_config.base_frame)
        points = [Point(x=float(x), y=float(y), z=float(z)) for x, y, z in tool_points]
        marker = Marker(header=header, ns="planned_tool_path", id=0, type=Marker.LINE_STRIP,
                        action=Marker.ADD, points=points)
        marker.pose.orientation.w = 1.0
        marker.scale.x = PATH_WIDTH_M
        marker.color.r, marker.color.g, marker.color.a = 1.0, 0.5, 1.0
        self.path_pub.publish(MarkerArray(markers=[marker]))

    def _status(self):
        last = self.server.last_result
        outcome, reason = (last[0].name, last[1]) if last else ("none", "")
        level = DiagnosticStatus.WARN if last and last[0] != Outcome.OK else DiagnosticStatus.OK
        return level, f"last motion: {outcome}", {
            "backend": self.params.backend, "dry_run": self.params.dry_run,
            "last_outcome": outcome, "last_reason": reason}


def main(args=None) -> int:
    return run_node(MotionServer, args, threads=THREADS)
