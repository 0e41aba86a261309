"""The PR2, using its right arm and gripper.

example-robot-data 6.0.0 `pr2_description/urdf/pr2.urdf` (installed without dependencies
from requirements-nodeps.txt, only its files are read), base fixed. Torso, head, left arm
and laser tilt are held at `simulation.fixed_joints`. config/pr2.yaml puts the TCP on
`r_gripper_tool_frame`, turned by +90 degrees about its y axis so that z is the approach
axis like on the Sawyer.

The gripper is one position motor on the master finger joint (`gripper.joints[0]`,
torque 2 x force x FINGER_LEVER_M for both fingers); the other joints that mimic it in the
URDF (the other finger, the finger tips, the left parallel link) are coupled to it by
PyBullet JOINT_GEAR constraints between joints of the robot itself (each tip to its own
finger, the right finger to the left; gearRatio = -multiplier, since a gear keeps
q_A + ratio * q_B = 0), with their own motors disabled. This stands in for the real
gripper's linkage: the fingers close together and the pads (the finger-tip links) stay
parallel under load. (Independent position motors per joint let the blocked fingers stop
while the tip motors kept turning the tips toward the commanded angle, so the pads tilted
and the object slipped.) The URDF's r_gripper_r_parallel_root_joint mimics with a sign
that leaves its limits, carries no collision geometry and is held at its clamped value by
a motor. The finger meshes are kept as collision geometry; with an object between the
pads the calibrated opening reads up to ~2 mm less than the object's width (the tip hulls
are closest above the pad centre).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pybullet

from seg_by_interaction.core.world.robots.base import SimRobot
from seg_by_interaction.core.world.robots.urdf import (add_tiny_inertia, model_file,
                                                       parse_with_absolute_meshes)

URDF = ("example-robot-data",
        "cmeel.prefix/share/example-robot-data/robots/pr2_description/urdf/pr2.urdf")
FINGER_LEVER_M = 0.13         # finger joint to pad centre, turns newtons into N m
GEAR_MAX_TORQUE_NM = 200.0    # gear constraints coupling the finger and tip joints
GEAR_ERP = 0.8


class PR2(SimRobot):
    model = "pr2_example_robot_data"
    # The arms are held up by passive spring counterbalances, which the URDF efforts
    # (30 N m at the shoulder) leave out.
    arm_effort_scale = 10.0
    finger_lever_m = FINGER_LEVER_M

    def model_urdf(self) -> ET.Element:
        root = parse_with_absolute_meshes(model_file(*URDF))
        for link in root.findall("link"):
            if link.find("inertial") is None:
                add_tiny_inertia(link)
            else:
                _repair_inertia(link)
        return root

    def finger_link_names(self) -> tuple[list[str], list[str]]:
        side = self.config.gripper.joints[0].split("_")[0]
        return ([f"{side}_gripper_{s}_finger_tip_link" for s in "lr"],
                [f"{side}_gripper_{s}_finger_link" for s in "lr"])

    def _setup_gripper_drive(self, tree: ET.Element) -> None:
        master = self.config.gripper.joints[0]
        multipliers = {master: 1.0}
        for joint in tree.findall("joint"):
            mimic = joint.find("mimic")
            if mimic is not None and mimic.get("joint") == master:
                multipliers[joint.get("name")] = float(mimic.get("multiplier", "1"))
        for name in self.config.gripper.joints[1:]:
            multipliers.setdefault(name, 1.0)
        self._couple_gripper_joints(multipliers)

    def _couple_gripper_joints(self, multipliers: dict[str, float]):
        """A motor on the master finger joint; every other mimic joint geared to it.

        Each finger-tip joint is geared to the finger joint it hangs from, the other
        joints to the master, so the pads stay parallel and both fingers close together
        whatever the load (as the real gripper's linkage does). A mimic joint whose
        mimicked range falls outside its limits (the URDF's r_gripper_r_parallel_root_joint,
        a collision-free link) is held at its clamped value by a motor instead.
        """
        master_index = self._joint(self.config.gripper.joints[0])
        lower, upper = self._info[master_index][8], self._info[master_index][9]
        self._gripper_drive, self._gripper_geared = [], []
        # joint index (= its child link's index) -> multiplier
        coupled = {self._joint(name): m for name, m in multipliers.items()}
        for index, multiplier in coupled.items():
            lo, hi = self._info[index][8], self._info[index][9]
            span = sorted((multiplier * lower, multiplier * upper))
            reachable = lo < hi and span[0] >= lo - 1e-9 and span[1] <= hi + 1e-9
            if index == master_index or not reachable:
                # the master's motor closes both fingers: twice the per-finger torque
                lever = FINGER_LEVER_M * (2.0 if index == master_index else 1.0)
                self._gripper_drive.append((index, multiplier, lever))
                continue
            parent = self._info[index][16]   # a finger tip's parent is its finger's link
            partner = parent if parent in coupled else master_index
            # JOINT_GEAR keeps q_A + gearRatio * q_B = 0 (A = the child joint, B = partner).
            constraint = pybullet.createConstraint(
                self.body, index, self.body, partner, pybullet.JOINT_GEAR, [0, 0, 1],
                [0, 0, 0], [0, 0, 0], physicsClientId=self.client)
            pybullet.changeConstraint(constraint, gearRatio=-multiplier / coupled[partner],
                                      maxForce=GEAR_MAX_TORQUE_NM, erp=GEAR_ERP,
                                      physicsClientId=self.client)
            self._gripper_geared.append((index, multiplier))


def _repair_inertia(link: ET.Element) -> None:
    """A few sensor frames break the triangle inequality: give them an isotropic one."""
    inertia = link.find("inertial/inertia")
    if inertia is None:
        return
    diagonal = sorted(float(inertia.get(k, "0")) for k in ("ixx", "iyy", "izz"))
    if diagonal[0] + diagonal[1] < diagonal[2] or diagonal[0] <= 0:
        for k in ("ixx", "iyy", "izz"):
            inertia.set(k, f"{max(diagonal[2], 1e-6):.6g}")
