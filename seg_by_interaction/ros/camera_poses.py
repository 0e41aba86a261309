"""A camera's pose at an image's time: the configured pose for a fixed camera; for one on
a moving link (the PR2's head), forward kinematics of /robot_description
(core/camera/kinematics.py) at the joint state nearest the image's stamp. A description
that does not parse, and joint states with non-finite positions or stamped ahead of the
clock (core/camera/joint_history.py), are rejected and counted."""
from __future__ import annotations

import threading

import numpy as np
from rclpy.node import Node
from rclpy.time import Time
from sensor_msgs.msg import JointState
from std_msgs.msg import String

from seg_by_interaction.core.camera.joint_history import JointHistory
from seg_by_interaction.core.camera.kinematics import CameraKinematics
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.robot_config import CameraConfig, RobotConfig
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.rejections import Rejections

DESCRIPTION_TOPIC = "/robot_description"
MAX_GAP_S = 0.1           # the joint state must be this close to the image's stamp


class CameraPoses:
    def __init__(self, node: Node, camera: CameraConfig, robot: RobotConfig,
                 rejections: Rejections, callback_group=None):
        self.camera = camera
        self._clock = node.get_clock()
        self._base_frame = robot.base_frame
        self._rejections = rejections
        self._kinematics: CameraKinematics | None = None
        self._joints = JointHistory()
        self._lock = threading.Lock()
        self._joint_states_topic = robot.controllers.joint_states_topic
        if camera.parent_link:
            node.create_subscription(String, DESCRIPTION_TOPIC, self._set_description,
                                     qos.LATCHED, callback_group=callback_group)
            node.create_subscription(JointState, self._joint_states_topic, self._add_joints,
                                     qos.SENSOR_DATA, callback_group=callback_group)

    def at(self, stamp_ns: int) -> Pose:
        """ImageError when a moving camera's pose at `stamp_ns` cannot be known."""
        if not self.camera.parent_link:
            return self.camera.pose
        with self._lock:
            kinematics = self._kinematics
            positions = self._joints.nearest(stamp_ns, MAX_GAP_S)
        if kinematics is None:
            raise ImageError(f"camera '{self.camera.name}' moves with "
                             f"'{self.camera.parent_link}' and no robot description has "
                             f"arrived on {DESCRIPTION_TOPIC}")
        if positions is None:
            raise ImageError(f"no joint state on {self._joint_states_topic} within "
                             f"{MAX_GAP_S * 1e3:.0f} ms of the image at t={stamp_ns / 1e9:.3f} s")
        return kinematics.pose(positions)

    def _set_description(self, msg: String) -> None:
        try:
            kinematics = CameraKinematics(msg.data, self.camera, self._base_frame)
        except ValueError as error:
            self._rejections.reject(DESCRIPTION_TOPIC, str(error))
            return
        with self._lock:
            self._kinematics = kinematics

    def _add_joints(self, msg: JointState) -> None:
        positions = np.asarray(msg.position, float)
        if len(msg.name) != len(positions) or not np.all(np.isfinite(positions)):
            self._rejections.reject(self._joint_states_topic, "joint state with a position "
                                    "per name, all finite, expected", stream=True)
            return
        stamp_ns = Time.from_msg(msg.header.stamp).nanoseconds
        try:
            with self._lock:
                self._joints.add(stamp_ns, dict(zip(msg.name, positions.tolist())),
                                 self._clock.now().nanoseconds)
        except ValueError as error:
            self._rejections.reject(self._joint_states_topic, str(error), stream=True)
