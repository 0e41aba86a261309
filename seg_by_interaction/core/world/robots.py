"""The simulated robots of the embedded world: a Sawyer arm with the stack's own parallel
gripper, and a PR2 using its right arm and gripper, in PyBullet.

The world frame of the PyBullet client is the robot's planning frame (`base_frame`):
`load_robot` places the base frame at the origin with identity orientation, so the
poses in config/<robot>.yaml (workspace, table height, cameras) are world coordinates.

Models (installed without dependencies from requirements-nodeps.txt; only their files
are read, the packages are never imported):

- Sawyer: robosuite 1.5.2 `bullet_data/sawyer_description/urdf/sawyer_arm.urdf` (arm
  only). A root link `base` is added above `right_arm_base_link` (identity, as on the
  real robot) and our gripper is appended to `right_l6`: a palm box, two prismatic
  fingers (config `gripper.joints`, each travelling 0..max_opening/2 along the hand's
  y axis) with rubber pads on their inner faces, and the fixed end-effector link
  `right_hand`. **right_hand is the TCP**: the centre between the two pads, 0.125 m
  beyond the flange, with z along the approach direction (out of the flange) and y along
  the closing direction; a top-down grasp is right_hand's z pointing down at the object's
  centre. (On the real Sawyer `right_hand` is the flange; there the TCP is 0.125 m further
  along z.) The pads extend 0.015 m beyond the TCP.
- PR2: example-robot-data 6.0.0 `pr2_description/urdf/pr2.urdf`, base fixed. Joints in
  `simulation.fixed_joints` (torso, head, left arm, laser tilt) are held by stiff motors.
  The config's end-effector link `r_gripper_tcp_frame` is added as a fixed child of
  `r_gripper_tool_frame` (rotated by +90 degrees about its y axis) so that z is the
  approach axis like on the Sawyer; on a real PR2 publish it as that static transform.
  The gripper is one position motor on the master finger joint (`gripper.joints[0]`,
  torque 2 x force x PR2_FINGER_LEVER_M for both fingers); the other joints that mimic it
  in the URDF (the other finger, the finger tips, the left parallel link) are coupled to
  it by PyBullet JOINT_GEAR constraints between joints of the robot itself (each tip to
  its own finger, the right finger to the left; gearRatio = -multiplier, since a gear
  keeps q_A + ratio * q_B = 0), with their own motors disabled. This stands in for the
  real gripper's linkage: the fingers close together and the pads stay parallel under
  load. (Independent position motors per joint let the blocked fingers stop while the tip
  motors kept turning the tips toward the commanded angle, so the pads tilted and the
  object slipped.) The URDF's r_gripper_r_parallel_root_joint mimics with a sign that
  leaves its limits, carries no collision geometry and is held at its clamped value by a
  motor. The finger meshes are kept as collision geometry. The opening in metres is mapped
  to the master angle through a table of pad-to-pad distances measured at load time;
  with an object between the pads it reads up to ~2 mm less than the object's width
  (the tip hulls are closest above the pad centre).

Meshes referenced as package://<pkg>/... or relatively are made absolute and the
resulting URDF is written (atomically, named by the hash of its content) into
$XDG_CACHE_HOME/seg_by_interaction/urdf (default ~/.cache/...), or a temp dir.

Friction (grasps hold by finger contact and friction only, never by constraints on the
object; the PR2's gear constraints couple its own joints only):
finger pads (Sawyer pad links, PR2 finger-tip links) have lateral friction
`gripper.finger_friction` (1.2 in both shipped configs), spinning friction 0.002,
rolling friction 0.0001 and friction anchors; the remaining finger links have lateral
friction 0.8. Other links keep PyBullet's default lateral friction of 0.5.

Inverse kinematics runs on a private DIRECT client holding a kinematic copy of the
robot in which every joint but the arm's is fixed at its held value, so it never
disturbs the simulation and cannot move the torso or the other arm.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import pathlib
import tempfile
import weakref
import xml.etree.ElementTree as ET

import numpy as np
import pybullet

from seg_by_interaction.core.geometry import matrix_to_quaternion, pose_matrix
from seg_by_interaction.core.robot_config import CameraConfig, RobotConfig

SAWYER_URDF = ("robosuite", "robosuite/models/assets/bullet_data/sawyer_description/urdf/sawyer_arm.urdf")
PR2_URDF = ("example-robot-data",
            "cmeel.prefix/share/example-robot-data/robots/pr2_description/urdf/pr2.urdf")

IK_POSITION_TOLERANCE_M = 0.01
IK_ORIENTATION_TOLERANCE_RAD = math.radians(5.0)
IK_RESTARTS = 8
IK_REFINEMENTS = 3
CONTINUOUS_LIMIT_RAD = math.pi        # range given to continuous joints: [-pi, pi]

FINGER_BODY_FRICTION = 0.8
PAD_SPINNING_FRICTION = 0.002
PAD_ROLLING_FRICTION = 0.0001

# Our Sawyer gripper, in the hand frame H (origin at the flange, z out of the flange).
FLANGE_OFFSET_M = 0.0245          # right_l6 origin to the flange face, along z (Sawyer spec)
PALM_SIZE = (0.05, 0.0, 0.05)     # x, (y from max_opening), z
FINGER_LENGTH_M = 0.09            # below the palm
FINGER_THICKNESS_M = 0.012
FINGER_WIDTH_M = 0.022
PAD_THICKNESS_M = 0.004
PAD_LENGTH_M = 0.035
TCP_DEPTH_M = 0.125               # flange to TCP along z
PAD_TIP_BELOW_TCP_M = 0.015       # finger and pad ends this far beyond the TCP

PR2_TCP_LINK = "r_gripper_tcp_frame"
# Arm motor effort = URDF effort x this. The PR2's arms are held up by passive spring
# counterbalances, which the URDF efforts (30 N m at the shoulder) leave out.
ARM_EFFORT_SCALE = {"sawyer_robosuite": 1.0, "pr2_example_robot_data": 10.0}
PR2_FINGER_LEVER_M = 0.13         # finger joint to pad centre, turns newtons into N m
PR2_GEAR_MAX_TORQUE_NM = 200.0    # gear constraints coupling the PR2's finger and tip joints
PR2_GEAR_ERP = 0.8


class RobotModelError(RuntimeError):
    """A robot model's files are missing or inconsistent with the robot config."""


# ----------------------------------------------------------------------------- loading

def load_robot(client: int, config: RobotConfig) -> "SimRobot":
    """Load the configured robot into PyBullet `client`, base frame at the origin."""
    model = config.simulation.model
    if model == "sawyer_robosuite":
        tree = _sawyer_with_gripper(config)
    elif model == "pr2_example_robot_data":
        tree = _pr2(config)
    else:  # the config's choices keep this out
        raise RobotModelError(f"unknown simulation model '{model}'")
    return SimRobot(client, config, tree)


def model_file(distribution: str, relative: str) -> pathlib.Path:
    """A file shipped inside an installed distribution (without importing it)."""
    try:
        path = pathlib.Path(importlib.metadata.distribution(distribution).locate_file(relative))
    except importlib.metadata.PackageNotFoundError as error:
        raise RobotModelError(f"'{distribution}' is not installed; run tools/bootstrap.sh "
                              f"(it installs requirements-nodeps.txt)") from error
    if not path.is_file():
        raise RobotModelError(f"{path} is missing from the installed '{distribution}'")
    return path


def cache_dir() -> pathlib.Path:
    base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    for candidate in (base / "seg_by_interaction" / "urdf",
                      pathlib.Path(tempfile.gettempdir()) / f"seg_by_interaction-{os.getuid()}"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise RobotModelError("no writable cache directory for generated URDFs")


def write_urdf(tree: ET.Element, stem: str) -> pathlib.Path:
    """Write `tree` as <cache>/<stem>-<hash>.urdf unless it is there; atomic."""
    text = ET.tostring(tree, encoding="unicode")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    directory = cache_dir()
    path = directory / f"{stem}-{digest}.urdf"
    if path.is_file() and path.read_text() == text:
        return path
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _parse_with_absolute_meshes(urdf: pathlib.Path) -> ET.Element:
    """The URDF with absolute mesh paths; COLLADA visuals are swapped for the STL of the
    same name where one exists: the CPU renderer draws every triangle of every mesh,
    in view or not, and the COLLADA files carry several times more of them."""
    root = ET.parse(urdf).getroot()
    for mesh in root.iter("mesh"):
        path = _resolve_mesh(mesh.get("filename", ""), urdf)
        lighter = path.with_suffix(".stl")
        mesh.set("filename", str(lighter if path.suffix == ".dae" and lighter.is_file() else path))
    return root


def _resolve_mesh(filename: str, urdf: pathlib.Path) -> pathlib.Path:
    if filename.startswith("package://"):
        package, _, rest = filename[len("package://"):].partition("/")
        candidates = [ancestor / rest for ancestor in urdf.parents if ancestor.name == package]
    elif filename.startswith("file://"):
        candidates = [pathlib.Path(filename[len("file://"):])]
    else:
        candidates = [urdf.parent / filename]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise RobotModelError(f"{urdf}: cannot resolve mesh '{filename}'")


def _element(parent, tag, **attributes):
    child = ET.SubElement(parent, tag)
    for key, value in attributes.items():
        child.set(key, value)
    return child


def _vec(values) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _add_link(root, name, mass, boxes=(), rgba=(0.2, 0.2, 0.2, 1.0)):
    """A link with a box inertia; `boxes` are (size xyz, centre xyz) pairs."""
    link = _element(root, "link", name=name)
    inertial = _element(link, "inertial")
    centre = np.mean([c for _, c in boxes], axis=0) if boxes else np.zeros(3)
    size = np.max([s for s, _ in boxes], axis=0) if boxes else np.full(3, 0.01)
    _element(inertial, "origin", xyz=_vec(centre), rpy="0 0 0")
    _element(inertial, "mass", value=f"{mass:.6g}")
    i = mass / 12.0 * np.array([size[1] ** 2 + size[2] ** 2, size[0] ** 2 + size[2] ** 2,
                                size[0] ** 2 + size[1] ** 2])
    _element(inertial, "inertia", ixx=f"{i[0]:.6g}", iyy=f"{i[1]:.6g}", izz=f"{i[2]:.6g}",
             ixy="0", ixz="0", iyz="0")
    for index, (box_size, box_centre) in enumerate(boxes):
        for kind in ("visual", "collision"):
            element = _element(link, kind)
            _element(element, "origin", xyz=_vec(box_centre), rpy="0 0 0")
            _element(_element(element, "geometry"), "box", size=_vec(box_size))
            if kind == "visual":
                material = _element(element, "material", name=f"{name}_{index}")
                _element(material, "color", rgba=_vec(rgba))
    return link


def _add_joint(root, name, kind, parent, child, xyz=(0, 0, 0), rpy=(0, 0, 0), axis=None,
               limit=None):
    joint = _element(root, "joint", name=name, type=kind)
    _element(joint, "origin", xyz=_vec(xyz), rpy=_vec(rpy))
    _element(joint, "parent", link=parent)
    _element(joint, "child", link=child)
    if axis is not None:
        _element(joint, "axis", xyz=_vec(axis))
    if limit is not None:
        lower, upper, effort, velocity = limit
        _element(joint, "limit", lower=f"{lower:.6g}", upper=f"{upper:.6g}",
                 effort=f"{effort:.6g}", velocity=f"{velocity:.6g}")
    return joint


def _sawyer_with_gripper(config: RobotConfig) -> ET.Element:
    root = _parse_with_absolute_meshes(model_file(*SAWYER_URDF))
    links = {link.get("name") for link in root.findall("link")}
    if "right_l6" not in links or "right_arm_base_link" not in links:
        raise RobotModelError("the robosuite Sawyer URDF lacks right_l6 or right_arm_base_link")
    base = config.base_frame
    if base not in links:
        root.insert(0, _link_copy(base))   # the new root, first for readers of the file
        _add_joint(root, "right_arm_mount", "fixed", base, "right_arm_base_link")
    gripper = config.gripper
    left_joint, right_joint = gripper.joints
    half = gripper.max_opening / 2.0
    palm_y = gripper.max_opening + 2 * (FINGER_THICKNESS_M + PAD_THICKNESS_M) + 0.01
    palm = "right_gripper_base"
    _add_link(root, palm, 0.35, [((PALM_SIZE[0], palm_y, PALM_SIZE[2]),
                                  (0.0, 0.0, PALM_SIZE[2] / 2))])
    # Hand frame = right_l6 at the flange face, turned like the real Sawyer's right_hand.
    _add_joint(root, "right_gripper_base_joint", "fixed", "right_l6", palm,
               xyz=(0, 0, FLANGE_OFFSET_M), rpy=(0, 0, math.pi / 2))
    finger_top = PALM_SIZE[2]
    finger_bottom = TCP_DEPTH_M + PAD_TIP_BELOW_TCP_M
    finger_length = finger_bottom - finger_top
    pad_centre_z = finger_bottom - PAD_LENGTH_M / 2
    for side, joint_name, sign in (("l", left_joint, 1.0), ("r", right_joint, -1.0)):
        finger = f"right_gripper_{side}_finger"
        pad = f"right_gripper_{side}_finger_pad"
        # Finger link origin on the centre line; joint value = distance of the pad face
        # from the centre line. The finger's body sits outside its pad.
        _add_link(root, finger, 0.05, [(
            (FINGER_WIDTH_M, FINGER_THICKNESS_M, finger_length),
            (0.0, sign * (PAD_THICKNESS_M + FINGER_THICKNESS_M / 2), finger_top + finger_length / 2))],
            rgba=(0.6, 0.6, 0.62, 1.0))
        _add_joint(root, joint_name, "prismatic", palm, finger, axis=(0, sign, 0),
                   limit=(0.0, half, gripper.max_force, config.simulation.gripper_speed))
        _add_link(root, pad, 0.01, [((FINGER_WIDTH_M, PAD_THICKNESS_M, PAD_LENGTH_M),
                                     (0.0, sign * PAD_THICKNESS_M / 2, pad_centre_z))],
                  rgba=(0.1, 0.1, 0.1, 1.0))
        _add_joint(root, f"{pad}_joint", "fixed", finger, pad)
    _add_link(root, config.end_effector_link, 0.001)
    _add_joint(root, f"{config.end_effector_link}_joint", "fixed", palm,
               config.end_effector_link, xyz=(0, 0, TCP_DEPTH_M))
    return root


def _link_copy(name):
    link = ET.Element("link", name=name)
    inertial = _element(link, "inertial")
    _element(inertial, "mass", value="0.001")
    _element(inertial, "inertia", ixx="1e-06", iyy="1e-06", izz="1e-06", ixy="0", ixz="0", iyz="0")
    return link


def _pr2(config: RobotConfig) -> ET.Element:
    root = _parse_with_absolute_meshes(model_file(*PR2_URDF))
    for link in root.findall("link"):
        if link.find("inertial") is None:   # PyBullet would give such frames 1 kg
            inertial = _element(link, "inertial")
            _element(inertial, "mass", value="0.001")
            _element(inertial, "inertia", ixx="1e-06", iyy="1e-06", izz="1e-06",
                     ixy="0", ixz="0", iyz="0")
        else:
            inertia = link.find("inertial/inertia")
            if inertia is not None:   # a few sensor frames break the triangle inequality
                diagonal = sorted(float(inertia.get(k, "0")) for k in ("ixx", "iyy", "izz"))
                if diagonal[0] + diagonal[1] < diagonal[2] or diagonal[0] <= 0:
                    for k in ("ixx", "iyy", "izz"):
                        inertia.set(k, f"{max(diagonal[2], 1e-6):.6g}")
    links = {link.get("name") for link in root.findall("link")}
    ee = config.end_effector_link
    if ee not in links:
        if ee != PR2_TCP_LINK:
            raise RobotModelError(f"the PR2 URDF has no end-effector link '{ee}'")
        _add_link(root, ee, 0.001)
        _add_joint(root, f"{ee}_joint", "fixed", "r_gripper_tool_frame", ee, rpy=(0, math.pi / 2, 0))
    return root


# ------------------------------------------------------------------- kinematic copy (IK)

def _kinematic_copy(tree: ET.Element, keep: set[str], values: dict[str, float]) -> ET.Element:
    """The model without geometry, every joint not in `keep` fixed at values[name] (0)."""
    root = ET.fromstring(ET.tostring(tree))
    for link in root.findall("link"):
        for tag in ("visual", "collision"):
            for element in link.findall(tag):
                link.remove(element)
        # Inertial frames at the link frames: PyBullet's IK with currentPositions takes
        # the base's inertial frame for its link frame.
        for origin in link.findall("inertial/origin"):
            origin.set("xyz", "0 0 0")
            origin.set("rpy", "0 0 0")
    for element in root.findall("gazebo") + root.findall("transmission"):
        root.remove(element)
    for joint in root.findall("joint"):
        kind = joint.get("type")
        name = joint.get("name")
        if kind in ("fixed",) or name in keep:
            continue
        value = values.get(name, 0.0)
        origin = joint.find("origin")
        if origin is None:
            origin = _element(joint, "origin")
        xyz = [float(v) for v in origin.get("xyz", "0 0 0").split()]
        rpy = [float(v) for v in origin.get("rpy", "0 0 0").split()]
        axis_element = joint.find("axis")
        axis = np.array([float(v) for v in axis_element.get("xyz").split()]) if axis_element is not None \
            else np.array([1.0, 0.0, 0.0])
        axis = axis / np.linalg.norm(axis)
        transform = pose_matrix(xyz, pybullet.getQuaternionFromEuler(rpy))
        motion = np.eye(4)
        if kind == "prismatic":
            motion[:3, 3] = axis * value
        elif kind in ("revolute", "continuous"):
            motion[:3, :3] = _axis_angle(axis, value)
        else:
            raise RobotModelError(f"joint '{name}' of type {kind} is not supported")
        transform = transform @ motion
        origin.set("xyz", _vec(transform[:3, 3]))
        origin.set("rpy", _vec(pybullet.getEulerFromQuaternion(
            matrix_to_quaternion(transform[:3, :3]).tolist())))
        joint.set("type", "fixed")
        for tag in ("axis", "limit", "mimic", "dynamics", "safety_controller", "calibration"):
            for element in joint.findall(tag):
                joint.remove(element)
    return root


def _axis_angle(axis, angle) -> np.ndarray:
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k


def _quaternion_angle(a, b) -> float:
    dot = abs(float(np.dot(np.asarray(a) / np.linalg.norm(a), np.asarray(b) / np.linalg.norm(b))))
    return 2.0 * math.acos(min(1.0, dot))


# ------------------------------------------------------------------------------ robot

class SimRobot:
    """A robot in a PyBullet client: arm joints, gripper, end effector, cameras."""

    def __init__(self, client: int, config: RobotConfig, tree: ET.Element):
        self.client = client
        self.config = config
        path = write_urdf(tree, config.simulation.model)
        flags = pybullet.URDF_USE_INERTIA_FROM_FILE
        self.body = pybullet.loadURDF(str(path), useFixedBase=True, flags=flags,
                                      physicsClientId=client)
        self._joints: dict[str, int] = {}
        self._links: dict[str, int] = {pybullet.getBodyInfo(self.body, physicsClientId=client)[0].decode(): -1}
        self._info = {}
        for index in range(pybullet.getNumJoints(self.body, physicsClientId=client)):
            info = pybullet.getJointInfo(self.body, index, physicsClientId=client)
            self._joints[info[1].decode()] = index
            self._links[info[12].decode()] = index
            self._info[index] = info
        self.arm_joint_indices = [self._joint(name) for name in config.arm_joints]
        self.ee_link_index = self._link(config.end_effector_link)
        self._place_base_at_origin()

        lower, upper, self._continuous = [], [], []
        for index in self.arm_joint_indices:
            lo, hi = self._info[index][8], self._info[index][9]
            continuous = self._info[index][2] == pybullet.JOINT_REVOLUTE and lo > hi
            self._continuous.append(continuous)
            lower.append(-CONTINUOUS_LIMIT_RAD if continuous else lo)
            upper.append(CONTINUOUS_LIMIT_RAD if continuous else hi)
        self._lower, self._upper = np.array(lower), np.array(upper)
        scale = ARM_EFFORT_SCALE[config.simulation.model]
        self._arm_effort = [max(self._info[i][10], 1.0) * scale for i in self.arm_joint_indices]
        self._arm_velocity = [self._info[i][11] if self._info[i][11] > 0 else 10.0
                              for i in self.arm_joint_indices]

        self._fixed = {}
        for name, value in config.simulation.fixed_joints.items():
            self._fixed[self._joint(name)] = value
        self._setup_gripper(tree)
        self._hold_all(config.named_poses["home"])
        self._camera_offsets = self._camera_offsets_at_reference()
        self._setup_ik(tree)

    # -- set-up

    def _joint(self, name: str) -> int:
        try:
            return self._joints[name]
        except KeyError:
            raise RobotModelError(f"model '{self.config.simulation.model}' has no joint '{name}'") from None

    def _link(self, name: str) -> int:
        try:
            return self._links[name]
        except KeyError:
            raise RobotModelError(f"model '{self.config.simulation.model}' has no link '{name}'") from None

    def _place_base_at_origin(self):
        base = self.config.base_frame
        link_position, link_orientation = self.link_pose(base)
        world_from_link = pose_matrix(link_position, link_orientation)
        com_position, com_orientation = pybullet.getBasePositionAndOrientation(
            self.body, physicsClientId=self.client)
        new_com = np.linalg.inv(world_from_link) @ pose_matrix(com_position, com_orientation)
        pybullet.resetBasePositionAndOrientation(
            self.body, new_com[:3, 3].tolist(), matrix_to_quaternion(new_com[:3, :3]).tolist(),
            physicsClientId=self.client)
        position, orientation = self.link_pose(base)
        if np.linalg.norm(position) > 1e-6 or _quaternion_angle(orientation, (0, 0, 0, 1)) > 1e-6:
            raise RobotModelError(f"could not place '{base}' at the origin")

    def _setup_gripper(self, tree: ET.Element):
        """Master coordinate, driven joints (index, multiplier, max effort) and the
        opening <-> master table."""
        gripper = self.config.gripper
        self._gripper_primary = [self._joint(name) for name in gripper.joints]
        if self.config.simulation.model == "sawyer_robosuite":
            self._gripper_drive = [(i, 1.0, 1.0) for i in self._gripper_primary]
            self._gripper_geared, self._gripper_constraints = [], []
            self._pad_links = [self._link(f"right_gripper_{s}_finger_pad") for s in "lr"]
            self._finger_links = self._pad_links + [self._link(f"right_gripper_{s}_finger") for s in "lr"]
            half = gripper.max_opening / 2
            self._master_table = np.array([0.0, half])
            self._opening_table = np.array([0.0, gripper.max_opening])
        else:
            master = gripper.joints[0]
            multipliers = {master: 1.0}
            for joint in tree.findall("joint"):
                mimic = joint.find("mimic")
                if mimic is not None and mimic.get("joint") == master:
                    multipliers[joint.get("name")] = float(mimic.get("multiplier", "1"))
            for name in gripper.joints[1:]:
                multipliers.setdefault(name, 1.0)
            self._setup_pr2_gripper_coupling(multipliers)
            side = master.split("_")[0]
            self._pad_links = [self._link(f"{side}_gripper_{s}_finger_tip_link") for s in "lr"]
            self._finger_links = self._pad_links + [self._link(f"{side}_gripper_{s}_finger_link")
                                                    for s in "lr"]
            self._calibrate_pr2_opening()
        for link in self._finger_links:
            pybullet.changeDynamics(self.body, link, lateralFriction=FINGER_BODY_FRICTION,
                                    physicsClientId=self.client)
        for link in self._pad_links:
            pybullet.changeDynamics(self.body, link, lateralFriction=gripper.finger_friction,
                                    spinningFriction=PAD_SPINNING_FRICTION,
                                    rollingFriction=PAD_ROLLING_FRICTION, frictionAnchor=1,
                                    physicsClientId=self.client)
        self._gripper_target = self._master_table[-1]
        self._gripper_force = gripper.max_force

    def _setup_pr2_gripper_coupling(self, multipliers: dict[str, float]):
        """A motor on the master finger joint; every other mimic joint geared to it.

        Each finger-tip joint is geared to the finger joint it hangs from, the other
        joints to the master, so the pads stay parallel and both fingers close together
        whatever the load (as the real gripper's linkage does). A mimic joint whose
        mimicked range falls outside its limits (the URDF's r_gripper_r_parallel_root_joint,
        a collision-free link) is held at its clamped value by a motor instead.
        """
        master = self.config.gripper.joints[0]
        master_index = self._joint(master)
        lower, upper = self._info[master_index][8], self._info[master_index][9]
        self._gripper_drive, self._gripper_geared, self._gripper_constraints = [], [], []
        # joint index (= its child link's index) -> multiplier
        coupled = {self._joint(name): m for name, m in multipliers.items()}
        for index, multiplier in coupled.items():
            lo, hi = self._info[index][8], self._info[index][9]
            span = sorted((multiplier * lower, multiplier * upper))
            reachable = lo < hi and span[0] >= lo - 1e-9 and span[1] <= hi + 1e-9
            if index == master_index or not reachable:
                # the master's motor closes both fingers: twice the per-finger torque
                lever = PR2_FINGER_LEVER_M * (2.0 if index == master_index else 1.0)
                self._gripper_drive.append((index, multiplier, lever))
                continue
            parent = self._info[index][16]   # a finger tip's parent is its finger's link
            partner = parent if parent in coupled else master_index
            partner_multiplier = coupled[partner]
            # JOINT_GEAR keeps q_A + gearRatio * q_B = 0 (A = the child joint, B = partner).
            constraint = pybullet.createConstraint(
                self.body, index, self.body, partner, pybullet.JOINT_GEAR, [0, 0, 1],
                [0, 0, 0], [0, 0, 0], physicsClientId=self.client)
            pybullet.changeConstraint(constraint, gearRatio=-multiplier / partner_multiplier,
                                      maxForce=PR2_GEAR_MAX_TORQUE_NM, erp=PR2_GEAR_ERP,
                                      physicsClientId=self.client)
            self._gripper_constraints.append(constraint)
            self._gripper_geared.append((index, multiplier))

    def _calibrate_pr2_opening(self):
        master = self._gripper_primary[0]
        lower, upper = self._info[master][8], self._info[master][9]
        masters = np.linspace(lower, upper, 24)
        openings = []
        for value in masters:
            self._reset_gripper_joints(value)
            points = pybullet.getClosestPoints(self.body, self.body, 0.5, self._pad_links[0],
                                               self._pad_links[1], physicsClientId=self.client)
            openings.append(max(0.0, min(p[8] for p in points)) if points else 0.0)
        openings = np.maximum.accumulate(np.array(openings))
        keep = np.concatenate([[True], np.diff(openings) > 1e-6])
        self._master_table, self._opening_table = masters[keep], openings[keep]
        if len(self._master_table) < 2:
            raise RobotModelError("could not calibrate the PR2 gripper's opening")

    def _reset_gripper_joints(self, master_value):
        for index, multiplier in self._gripper_joint_multipliers():
            value = multiplier * master_value
            lower, upper = self._info[index][8], self._info[index][9]
            if lower < upper:
                value = min(max(value, lower), upper)
            pybullet.resetJointState(self.body, index, value, 0.0, physicsClientId=self.client)

    def _gripper_joint_multipliers(self) -> list[tuple[int, float]]:
        return [(i, m) for i, m, _ in self._gripper_drive] + list(self._gripper_geared)

    def _hold_all(self, arm_q):
        for index, value in self._fixed.items():
            pybullet.resetJointState(self.body, index, value, 0.0, physicsClientId=self.client)
        movable = [i for i, info in self._info.items()
                   if info[2] in (pybullet.JOINT_REVOLUTE, pybullet.JOINT_PRISMATIC)]
        driven = set(self.arm_joint_indices) | {i for i, _ in self._gripper_joint_multipliers()}
        for index, _ in self._gripper_geared:   # moved by their gear constraints only
            pybullet.setJointMotorControl2(self.body, index, pybullet.VELOCITY_CONTROL, force=0.0,
                                           physicsClientId=self.client)
        for index in movable:
            if index in driven:
                continue
            target = self._fixed.get(index, pybullet.getJointState(
                self.body, index, physicsClientId=self.client)[0])
            self._fixed[index] = target
            pybullet.setJointMotorControl2(self.body, index, pybullet.POSITION_CONTROL,
                                           targetPosition=target, force=max(self._info[index][10], 100.0) * 10,
                                           physicsClientId=self.client)
        self._reset_gripper_joints(self._gripper_target)
        self.set_gripper(self.config.gripper.max_opening)
        self.reset_arm(arm_q)

    def _camera_offsets_at_reference(self):
        offsets = {}
        for camera in self.config.cameras:
            if camera.parent_link:
                world_from_link = pose_matrix(*self.link_pose(camera.parent_link))
                world_from_camera = pose_matrix(camera.pose.position, camera.pose.orientation_xyzw)
                offsets[camera.name] = np.linalg.inv(world_from_link) @ world_from_camera
        return offsets

    def _setup_ik(self, tree: ET.Element):
        values = {self._info[i][1].decode(): v for i, v in self._fixed.items()}
        for index, multiplier in self._gripper_joint_multipliers():
            values[self._info[index][1].decode()] = multiplier * self._master_table[-1]
        copy = _kinematic_copy(tree, set(self.config.arm_joints), values)
        path = write_urdf(copy, f"{self.config.simulation.model}-kinematic")
        self._ik_client = pybullet.connect(pybullet.DIRECT)
        self._ik_finalizer = weakref.finalize(self, _disconnect, self._ik_client)
        self._ik_body = pybullet.loadURDF(str(path), useFixedBase=True, physicsClientId=self._ik_client)
        names = {}
        for index in range(pybullet.getNumJoints(self._ik_body, physicsClientId=self._ik_client)):
            info = pybullet.getJointInfo(self._ik_body, index, physicsClientId=self._ik_client)
            names[info[12].decode()] = index
            names["joint:" + info[1].decode()] = index
        self._ik_joints = [names["joint:" + name] for name in self.config.arm_joints]
        self._ik_ee = names[self.config.end_effector_link]
        movable = [i for i in range(pybullet.getNumJoints(self._ik_body, physicsClientId=self._ik_client))
                   if pybullet.getJointInfo(self._ik_body, i, physicsClientId=self._ik_client)[2]
                   != pybullet.JOINT_FIXED]
        if movable != sorted(self._ik_joints):
            raise RobotModelError("the kinematic copy's joints differ from the arm's")
        self._ik_order = np.argsort(self._ik_joints)   # IK returns joints in index order
        # The copy's root link stays at its origin: targets are expressed in the
        # simulated root link's frame.
        root_name = pybullet.getBodyInfo(self.body, physicsClientId=self.client)[0].decode()
        self._root_from_world = np.linalg.inv(pose_matrix(*self.link_pose(root_name)))
        self._ik_set(self.arm_positions())
        check = self._ik_link_frame(self._ik_ee)
        if not np.allclose(check, self._root_from_world @ pose_matrix(*self.ee_pose()), atol=1e-5):
            raise RobotModelError("the kinematic copy disagrees with the simulated robot")

    def _ik_link_frame(self, link: int) -> np.ndarray:
        """A link's frame in the copy's root frame."""
        state = pybullet.getLinkState(self._ik_body, link, computeForwardKinematics=True,
                                      physicsClientId=self._ik_client)
        return pose_matrix(state[4], state[5])

    def _ik_set(self, q):
        for index, value in zip(self._ik_joints, q):
            pybullet.resetJointState(self._ik_body, index, float(value), physicsClientId=self._ik_client)

    def close(self) -> None:
        """Release the private IK client (the robot stays in its client)."""
        self._ik_finalizer()

    # -- arm

    def reset_arm(self, q) -> None:
        q = self._checked(q)
        for index, value in zip(self.arm_joint_indices, q):
            pybullet.resetJointState(self.body, index, float(value), 0.0, physicsClientId=self.client)
        self.command_arm(q, self.config.simulation.joint_velocity_limit)

    def arm_positions(self) -> np.ndarray:
        states = pybullet.getJointStates(self.body, self.arm_joint_indices, physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def arm_limits(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper joint limits; continuous joints get [-pi, pi]."""
        return self._lower.copy(), self._upper.copy()

    def command_arm(self, q, max_velocity: float) -> None:
        q = self._checked(q)
        for index, value, effort, velocity in zip(self.arm_joint_indices, q, self._arm_effort,
                                                  self._arm_velocity):
            pybullet.setJointMotorControl2(self.body, index, pybullet.POSITION_CONTROL,
                                           targetPosition=float(value), targetVelocity=0.0,
                                           force=effort, maxVelocity=min(float(max_velocity), velocity),
                                           physicsClientId=self.client)

    def _checked(self, q) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        if q.shape != (len(self.arm_joint_indices),) or not np.all(np.isfinite(q)):
            raise ValueError(f"expected {len(self.arm_joint_indices)} finite joint values, got {q}")
        return q

    # -- gripper

    def set_gripper(self, opening: float, force: float | None = None) -> None:
        """Drive the fingers toward `opening` metres between the pads (clamped to
        [0, max_opening]) with at most `force` newtons per finger (default max_force)."""
        opening = float(np.clip(opening, 0.0, self.config.gripper.max_opening))
        force = self.config.gripper.max_force if force is None else float(force)
        master = float(np.interp(opening, self._opening_table, self._master_table)) \
            if self.config.simulation.model != "sawyer_robosuite" else opening / 2
        self._gripper_target, self._gripper_force = master, force
        speed = self.config.simulation.gripper_speed
        if self.config.simulation.model != "sawyer_robosuite":
            speed = speed / PR2_FINGER_LEVER_M   # finger tip speed -> joint speed
        for index, multiplier, lever in self._gripper_drive:
            target = multiplier * master
            lower, upper = self._info[index][8], self._info[index][9]
            if lower < upper:   # the PR2 URDF mimics one parallel link beyond its limits
                target = min(max(target, lower), upper)
            pybullet.setJointMotorControl2(self.body, index, pybullet.POSITION_CONTROL,
                                           targetPosition=target, targetVelocity=0.0,
                                           force=force * lever, maxVelocity=speed,
                                           physicsClientId=self.client)

    def gripper_opening(self) -> float:
        """Metres between the finger pads now."""
        values = [pybullet.getJointState(self.body, i, physicsClientId=self.client)[0]
                  for i in self._gripper_primary]
        if self.config.simulation.model == "sawyer_robosuite":
            return float(sum(values))
        return float(np.interp(np.mean(values), self._master_table, self._opening_table))

    def finger_contacts(self, body: int) -> int:
        """Contact points between the fingers (pads included) and `body`."""
        return sum(len(pybullet.getContactPoints(self.body, body, linkIndexA=link,
                                                 physicsClientId=self.client))
                   for link in self._finger_links)

    # -- frames

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        return self.link_pose(self.config.end_effector_link)

    def link_pose(self, link_name: str) -> tuple[np.ndarray, np.ndarray]:
        """World pose (position, quaternion xyzw) of a link's URDF frame."""
        link = self._link(link_name)
        if link == -1:
            position, orientation = pybullet.getBasePositionAndOrientation(self.body, physicsClientId=self.client)
            info = pybullet.getDynamicsInfo(self.body, -1, physicsClientId=self.client)
            frame = pose_matrix(position, orientation) @ np.linalg.inv(pose_matrix(info[3], info[4]))
            return frame[:3, 3].copy(), matrix_to_quaternion(frame[:3, :3])
        state = pybullet.getLinkState(self.body, link, computeForwardKinematics=True,
                                      physicsClientId=self.client)
        return np.array(state[4]), np.array(state[5])

    def camera_pose(self, camera: CameraConfig) -> tuple[np.ndarray, np.ndarray]:
        """World pose of the camera's optical frame now (moves with its parent link)."""
        if not camera.parent_link:
            return np.array(camera.pose.position), np.array(camera.pose.orientation_xyzw)
        offset = self._camera_offsets.get(camera.name)
        if offset is None:
            raise RobotModelError(f"robot '{self.config.name}' has no camera '{camera.name}'")
        frame = pose_matrix(*self.link_pose(camera.parent_link)) @ offset
        return frame[:3, 3].copy(), matrix_to_quaternion(frame[:3, :3])

    def moving_link_ids(self) -> set[int]:
        """Links that move with the arm: the arm's links, the gripper, its fingers."""
        moving = set(self.arm_joint_indices)
        for index in sorted(self._info):
            if self._info[index][16] in moving:     # parent link index
                moving.add(index)
        return moving

    def robot_link_ids(self) -> list[int]:
        """The body's link indices, -1 (the base) included."""
        return [-1] + list(range(pybullet.getNumJoints(self.body, physicsClientId=self.client)))

    # -- inverse kinematics

    def inverse_kinematics(self, position, orientation_xyzw, seed=None) -> np.ndarray | None:
        """Arm joints putting the end-effector link at the pose (world frame), within
        1 cm and 5 degrees and inside the joint limits, or None. Tries the seed (default:
        the current arm configuration), then 'home', then random restarts (fixed seed)."""
        target_position = np.asarray(position, dtype=float)
        target_orientation = np.asarray(orientation_xyzw, dtype=float)
        if target_position.shape != (3,) or target_orientation.shape != (4,) or \
                not np.all(np.isfinite(target_position)) or not np.all(np.isfinite(target_orientation)):
            return None
        target = self._root_from_world @ pose_matrix(target_position, target_orientation)
        target_position, target_orientation = target[:3, 3], matrix_to_quaternion(target[:3, :3])
        lower, upper = self._lower[self._ik_order], self._upper[self._ik_order]
        ranges = (upper - lower).tolist()
        starts = [self.arm_positions() if seed is None else self._checked(seed),
                  np.asarray(self.config.named_poses["home"], dtype=float)]
        rng = np.random.default_rng(0)
        starts += [rng.uniform(self._lower, self._upper) for _ in range(IK_RESTARTS)]
        best, best_error = None, math.inf
        # Each start is tried with the null-space solver (limits and rest pose) and
        # with the plain damped least-squares one; results are clamped and re-seeded.
        attempts = [(start, null_space) for start in starts for null_space in (True, False)]
        for start, null_space in attempts:
            q = np.clip(self._wrapped(np.asarray(start, dtype=float)), self._lower, self._upper)
            limits = dict(lowerLimits=lower.tolist(), upperLimits=upper.tolist(), jointRanges=ranges,
                          restPoses=q[self._ik_order].tolist()) if null_space else {}
            for _ in range(IK_REFINEMENTS):
                solution = pybullet.calculateInverseKinematics(
                    self._ik_body, self._ik_ee, target_position.tolist(), target_orientation.tolist(),
                    currentPositions=q[self._ik_order].tolist(), maxNumIterations=100,
                    residualThreshold=1e-6, physicsClientId=self._ik_client, **limits)
                q = np.empty(len(self._ik_joints))
                q[self._ik_order] = solution[:len(q)]
                q = self._wrapped(q)
                q = np.clip(q, self._lower, self._upper)
                position_error, angle_error = self._ik_error(q, target_position, target_orientation)
                error = position_error / IK_POSITION_TOLERANCE_M + angle_error / IK_ORIENTATION_TOLERANCE_RAD
                if error < best_error:
                    best, best_error = q, error
                if position_error < IK_POSITION_TOLERANCE_M * 0.2 and \
                        angle_error < IK_ORIENTATION_TOLERANCE_RAD * 0.2:
                    return q
        if best is not None:
            position_error, angle_error = self._ik_error(best, target_position, target_orientation)
            if position_error <= IK_POSITION_TOLERANCE_M and angle_error <= IK_ORIENTATION_TOLERANCE_RAD:
                return best
        return None

    def _wrapped(self, q) -> np.ndarray:
        q = q.copy()
        for i, continuous in enumerate(self._continuous):
            if continuous:
                q[i] = (q[i] + math.pi) % (2 * math.pi) - math.pi
        return q

    def _ik_error(self, q, position, orientation) -> tuple[float, float]:
        self._ik_set(q)
        frame = self._ik_link_frame(self._ik_ee)
        return (float(np.linalg.norm(frame[:3, 3] - position)),
                _quaternion_angle(matrix_to_quaternion(frame[:3, :3]), orientation))


def _disconnect(client: int) -> None:
    try:
        pybullet.disconnect(physicsClientId=client)
    except pybullet.error:
        pass
