"""motion_server: serves the `motion` action (seg_by_interaction/action/Motion) for any
robot, with the backend its `backend` parameter names (core/interaction/motion_server.py):
`embedded` (the project's IK + OMPL planner) or `moveit` (MoveIt 2 through moveit_py).
Motions are executed through the arm's ros2_control interfaces, the robot config's
`controllers` (JointTrajectory to the arm's trajectory controller, finger positions to
the gripper's controller), and judged done from <controllers.joint_states_topic>; each
result is stamped with the joint state that showed the motion ended. In simulation the
world node serves those interfaces.
"""
from __future__ import annotations

import threading

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node

from seg_by_interaction.core.interaction.motion_server import MOTION_BACKENDS, MotionServerParams
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros.controller_arm import ControllerArm
from seg_by_interaction.ros.motion_action import MotionActionServer
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections


class MotionServer(Node):
    def __init__(self, **kwargs):
        super().__init__("motion_server", automatically_declare_parameters_from_overrides=True,
                         **kwargs)
        self.params = declare_parameters(self, MotionServerParams)
        self.robot_config = load_robot_config(self.params.robot)
        topics = self.robot_config.controllers
        self.arm = ControllerArm(self, self.robot_config, self.params.arrival,
                                 trajectory_topic=topics.arm_trajectory_topic,
                                 gripper_topic=topics.gripper_command_topic,
                                 joint_states_topic=topics.joint_states_topic,
                                 joint_states_timeout_s=self.params.joint_states_timeout_s,
                                 callback_group=ReentrantCallbackGroup())
        self.backend = MOTION_BACKENDS.builder(self.params.backend)(
            self, self.robot_config, self.params, self.arm)
        MotionActionServer(self, self.backend, self.robot_config, lock=threading.Lock(),
                           finished=self.arm.end_stamp, rejections=Rejections(self),
                           limits=self.params.motion_goals,
                           callback_group=MutuallyExclusiveCallbackGroup())
        self.get_logger().info(f"motion server ready: {self.robot_config.name}, "
                               f"{self.params.backend} backend")


def main(args=None) -> int:
    return run_node(MotionServer, args)
