"""A real arm's planning model: its robot description (the URDF a robot publishes on
/robot_description, or a file) loaded like the simulated robots, for an arm whose robot
config has no `simulation` section.

The description must hold the config's base frame, arm joints (each with a velocity
limit) and TCP link (README.md, "On a robot computer", gives the snippet that adds it).
Joints outside the arm are held: the gripper's open (each finger half the widest
opening), every other joint at 0 within its limits. Trajectories are timed with the
description's joint velocity limits scaled by the config's `speeds.velocity_scaling`.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pybullet

from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.world.robots.base import ArmModel
from seg_by_interaction.core.world.robots.urdf import RobotModelError

SOURCE = "the robot description"


class DescribedArm(ArmModel):
    def __init__(self, client: int, config: RobotConfig, tree: ET.Element):
        _check_names(tree, config)
        super().__init__(client, config, tree, f"{config.name}-description", SOURCE)
        held = self._held_values()
        for name, value in held.items():
            pybullet.resetJointState(self.body, self._joint(name), value, 0.0,
                                     physicsClientId=client)
        self.reset_arm(np.clip(config.named_poses["home"], self._lower, self._upper))
        self._velocity = np.array([self._info[i][11] for i in self.arm_joint_indices])
        unlimited = [name for name, v in zip(config.arm_joints, self._velocity) if not v > 0]
        if unlimited:
            raise RobotModelError(f"{SOURCE} gives no velocity limit (<limit velocity=...>) "
                                  f"for the arm joints {unlimited}")
        self._setup_ik(tree, held)

    def execution_velocity_limits(self) -> np.ndarray:
        return self._velocity * self.config.speeds.velocity_scaling

    def _held_values(self) -> dict[str, float]:
        """Every moving joint outside the arm: the gripper's open, the others at 0, each
        within its limits."""
        finger = self.config.gripper.max_opening / 2.0
        held = {}
        for index, info in self._info.items():
            name = info[1].decode()
            if info[2] == pybullet.JOINT_FIXED or name in self.config.arm_joints:
                continue
            value = finger if name in self.config.gripper.joints else 0.0
            lower, upper = info[8], info[9]
            held[name] = min(max(value, lower), upper) if lower < upper else value
        return held


def _check_names(tree: ET.Element, config: RobotConfig) -> None:
    links = {link.get("name") for link in tree.findall("link")}
    joints = {joint.get("name") for joint in tree.findall("joint")}
    missing = [f"arm joint '{name}'" for name in config.arm_joints if name not in joints]
    missing += [f"{what} '{name}'" for what, name in (("base frame", config.base_frame),
                                                       ("TCP link", config.tcp.link))
                if name not in links]
    if missing:
        raise RobotModelError(f"{SOURCE} lacks the {', '.join(missing)} of robot config "
                              f"'{config.name}' (the TCP link is added by the snippet in "
                              f"README.md, 'On a robot computer')")
