"""Builders of the motion server's backends (core/interaction/motion_server.py names
them): each takes the node, the robot config, the node's parameters and the arm's
controllers, and returns a MotionBackend."""
from __future__ import annotations

from rclpy.node import Node

from seg_by_interaction.core.interaction.motion import MotionBackend
from seg_by_interaction.core.interaction.motion_server import MotionServerParams
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros.controller_arm import ControllerArm


def embedded(node: Node, robot: RobotConfig, params: MotionServerParams,
             arm: ControllerArm) -> MotionBackend:
    from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend

    return EmbeddedMotionBackend(robot, arm, params.embedded, seed=params.seed)


def moveit(node: Node, robot: RobotConfig, params: MotionServerParams,
           arm: ControllerArm) -> MotionBackend:
    from seg_by_interaction.ros.moveit_backend import MoveItBackend

    return MoveItBackend(node, robot, params.moveit, arm)
