"""The Sawyer arm with the stack's own parallel gripper.

robosuite 1.5.2 `bullet_data/sawyer_description/urdf/sawyer_arm.urdf` (arm only;
installed without dependencies from requirements-nodeps.txt, only its files are read). A
root link `base` is added above `right_arm_base_link` (identity, as on the real robot),
the flange `right_hand` on `right_l6` as on the real Sawyer (0.0245 m along z, turned by
90 degrees about z), and our gripper on the flange: a palm box and two prismatic fingers
(config `gripper.joints`, each travelling 0..max_opening/2 along the hand's y axis) with
rubber pads on their inner faces. The pads' centre line lies 0.125 m beyond the flange,
where config/sawyer.yaml puts the TCP, and they extend 0.015 m beyond it.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from seg_by_interaction.core.world.robots.base import SimRobot
from seg_by_interaction.core.world.robots.urdf import (RobotModelError, add_joint, add_link,
                                                       add_tiny_inertia, model_file,
                                                       parse_with_absolute_meshes)

URDF = ("robosuite", "robosuite/models/assets/bullet_data/sawyer_description/urdf/sawyer_arm.urdf")

# Our gripper, in the hand frame H (origin at the flange, z out of the flange).
FLANGE_OFFSET_M = 0.0245          # right_l6 origin to the flange face, along z (Sawyer spec)
PALM_SIZE = (0.05, 0.0, 0.05)     # x, (y from max_opening), z
FINGER_THICKNESS_M = 0.012
FINGER_WIDTH_M = 0.022
PAD_THICKNESS_M = 0.004
PAD_LENGTH_M = 0.035
PAD_LINE_DEPTH_M = 0.125          # flange to the TCP between the pads, along z
PAD_TIP_BELOW_TCP_M = 0.015       # finger and pad ends this far beyond the TCP

FLANGE_LINK = "right_hand"
PALM_LINK = "right_gripper_base"
FINGER_LINK = "right_gripper_{side}_finger"
PAD_LINK = "right_gripper_{side}_finger_pad"


class Sawyer(SimRobot):
    model = "sawyer_robosuite"

    def model_urdf(self) -> ET.Element:
        root = parse_with_absolute_meshes(model_file(*URDF))
        links = {link.get("name") for link in root.findall("link")}
        if "right_l6" not in links or "right_arm_base_link" not in links:
            raise RobotModelError("the robosuite Sawyer URDF lacks right_l6 or right_arm_base_link")
        base = self.config.base_frame
        if base not in links:
            root.insert(0, _frame_link(base))   # the new root, first for readers of the file
            add_joint(root, "right_arm_mount", "fixed", base, "right_arm_base_link")
        self._add_gripper(root)
        return root

    def finger_link_names(self) -> tuple[list[str], list[str]]:
        return ([PAD_LINK.format(side=side) for side in "lr"],
                [FINGER_LINK.format(side=side) for side in "lr"])

    def _add_gripper(self, root: ET.Element) -> None:
        gripper = self.config.gripper
        left_joint, right_joint = gripper.joints
        half = gripper.max_opening / 2.0
        palm_y = gripper.max_opening + 2 * (FINGER_THICKNESS_M + PAD_THICKNESS_M) + 0.01
        add_link(root, PALM_LINK, 0.35, [((PALM_SIZE[0], palm_y, PALM_SIZE[2]),
                                          (0.0, 0.0, PALM_SIZE[2] / 2))])
        root.append(_frame_link(FLANGE_LINK))
        add_joint(root, f"{FLANGE_LINK}_joint", "fixed", "right_l6", FLANGE_LINK,
                  xyz=(0, 0, FLANGE_OFFSET_M), rpy=(0, 0, math.pi / 2))
        add_joint(root, "right_gripper_base_joint", "fixed", FLANGE_LINK, PALM_LINK)
        finger_top = PALM_SIZE[2]
        finger_bottom = PAD_LINE_DEPTH_M + PAD_TIP_BELOW_TCP_M
        finger_length = finger_bottom - finger_top
        pad_centre_z = finger_bottom - PAD_LENGTH_M / 2
        for side, joint_name, sign in (("l", left_joint, 1.0), ("r", right_joint, -1.0)):
            finger, pad = FINGER_LINK.format(side=side), PAD_LINK.format(side=side)
            # Finger link origin on the centre line; joint value = distance of the pad face
            # from the centre line. The finger's body sits outside its pad.
            add_link(root, finger, 0.05, [(
                (FINGER_WIDTH_M, FINGER_THICKNESS_M, finger_length),
                (0.0, sign * (PAD_THICKNESS_M + FINGER_THICKNESS_M / 2), finger_top + finger_length / 2))],
                rgba=(0.6, 0.6, 0.62, 1.0))
            add_joint(root, joint_name, "prismatic", PALM_LINK, finger, axis=(0, sign, 0),
                      limit=(0.0, half, gripper.max_force, self.config.simulation.gripper_speed))
            add_link(root, pad, 0.01, [((FINGER_WIDTH_M, PAD_THICKNESS_M, PAD_LENGTH_M),
                                        (0.0, sign * PAD_THICKNESS_M / 2, pad_centre_z))],
                     rgba=(0.1, 0.1, 0.1, 1.0))
            add_joint(root, f"{pad}_joint", "fixed", finger, pad)


def _frame_link(name: str) -> ET.Element:
    link = ET.Element("link", name=name)
    add_tiny_inertia(link)
    return link
