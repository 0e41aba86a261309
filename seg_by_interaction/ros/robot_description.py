"""The robot's description for a node that plans on the arm's model: a URDF file, or the
latched /robot_description topic (robot_state_publisher's on a real robot, the world
node's in simulation) waited for at start-up; the folders of the packages its package://
meshes name from ament_index where installed, else from the configured map."""
from __future__ import annotations

import pathlib
import time
import xml.etree.ElementTree as ET

from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from std_msgs.msg import String

from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.core.world.params import EmbeddedMotionParams
from seg_by_interaction.core.world.robots.urdf import description_packages, description_tree
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.camera_poses import DESCRIPTION_TOPIC

POLL_S = 0.1


def described_model(node: Node, params: EmbeddedMotionParams) -> ET.Element:
    """The description as the embedded backend takes it: ConfigError when there is none,
    RobotModelError when its meshes cannot be found."""
    text = _description_text(node, params)
    packages = package_dirs(description_packages(text), params.package_dirs())
    return description_tree(text, packages)


def package_dirs(packages: set[str], configured: dict[str, str]) -> dict[str, str]:
    """Package name -> folder: the configured ones, the others from ament_index where it
    finds them (left out where it does not)."""
    found = dict(configured)
    for package in packages - set(configured):
        try:
            from ament_index_python.packages import get_package_share_directory

            found[package] = get_package_share_directory(package)
        except (ImportError, LookupError, OSError):
            continue
    return found


def _description_text(node: Node, params: EmbeddedMotionParams) -> str:
    if params.robot_description_file:
        try:
            return pathlib.Path(params.robot_description_file).read_text()
        except OSError as error:
            raise ConfigError(f"cannot read the robot description: {error}") from error
    return _wait_for_description(node, params.robot_description_timeout_s)


def _wait_for_description(node: Node, timeout_s: float) -> str:
    """The latched description, spinning `node` (still being built) until it arrives."""
    received: list[str] = []
    subscription = node.create_subscription(String, DESCRIPTION_TOPIC,
                                            lambda msg: received.append(msg.data), qos.LATCHED)
    executor = SingleThreadedExecutor(context=node.context)
    executor.add_node(node)
    deadline = time.monotonic() + timeout_s
    try:
        while not received and time.monotonic() < deadline and node.context.ok():
            executor.spin_once(timeout_sec=POLL_S)
    finally:
        executor.remove_node(node)
        node.destroy_subscription(subscription)
    if not received:
        raise ConfigError(f"no robot description on {DESCRIPTION_TOPIC} within {timeout_s:.0f} s: "
                          f"publish it (robot_state_publisher) or set "
                          f"embedded.robot_description_file")
    return received[0]
