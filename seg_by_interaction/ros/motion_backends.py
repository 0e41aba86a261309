"""Builders of the motion server's backends (core/interaction/motion_server.py names
them): each takes the node, the robot config, the node's parameters and the arm's
controllers, and returns a MotionBackend."""
from __future__ import annotations

from rclpy.node import Node

from seg_by_interaction.core.interaction.motion import MotionBackend
from seg_by_interaction.core.interaction.motion_server import MotionServerParams
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.ros.controller_arm import ControllerArm


def embedded(node: Node, robot: RobotConfig, params: MotionServerParams,
             arm: ControllerArm) -> MotionBackend:
    """On the config's simulated model, or for an arm without one on its robot description;
    ConfigError (the node does not start) when that model cannot be built."""
    from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend
    from seg_by_interaction.core.world.robots.urdf import RobotModelError
    from seg_by_interaction.ros.robot_description import described_model

    try:
        description = None if robot.simulation else described_model(node, params.embedded)
        return EmbeddedMotionBackend(robot, arm, params.embedded, seed=params.seed,
                                     description=description)
    except RobotModelError as error:
        raise ConfigError(str(error)) from error


def moveit(node: Node, robot: RobotConfig, params: MotionServerParams,
           arm: ControllerArm) -> MotionBackend:
    from seg_by_interaction.ros.moveit_backend import MoveItBackend

    return MoveItBackend(node, robot, params.moveit, arm)
