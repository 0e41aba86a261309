"""The Franka Emika Panda with its own two-finger hand.

pybullet_data's `franka_panda/panda.urdf` (shipped with pybullet): the arm on
`panda_link0`, the hand `panda_hand` on the flange `panda_link8`, and two prismatic
fingers (config `gripper.joints`) travelling 0..0.04 m each along the hand's y axis.
The fingers' collision meshes overlap by 1.1 mm each at zero travel; the calibrated
opening takes that in. The URDF gives the fingers soft contacts (stiffness 30000 N/m),
which let a gripped object sink millimetres into them; they are dropped, so the fingers
touch as rigidly as the other robots'.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from seg_by_interaction.core.world.robots.base import SimRobot
from seg_by_interaction.core.world.robots.urdf import model_file, parse_with_absolute_meshes

URDF = ("pybullet", "pybullet_data/franka_panda/panda.urdf")
FINGER_LINKS = ["panda_leftfinger", "panda_rightfinger"]


class Panda(SimRobot):
    model = "panda_pybullet_data"

    def model_urdf(self) -> ET.Element:
        root = parse_with_absolute_meshes(model_file(*URDF))
        for link in root.findall("link"):
            for contact in link.findall("contact"):
                link.remove(contact)
        return root

    def finger_link_names(self) -> tuple[list[str], list[str]]:
        return FINGER_LINKS, []
