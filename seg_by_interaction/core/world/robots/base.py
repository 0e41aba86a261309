"""What every simulated robot has: a URDF loaded into a PyBullet client with its base
frame at the origin, arm joints with limits and position motors, a gripper driven to an
opening in metres, link and camera poses, and inverse kinematics. The kinematic part,
`ArmModel`, is also the planning model of a real arm built from its description
(robots/described.py).

The world frame of the PyBullet client is the robot's planning frame (`base_frame`): the
base frame is placed at the origin with identity orientation, so the poses in
config/<robot>.yaml (workspace, table height, cameras) are world coordinates. Joints in
`simulation.fixed_joints` (e.g. a torso, a head, another arm) are held by stiff motors.

A model (one module of this package each) subclasses `SimRobot`: it names itself
(`model`, the robot config's `simulation.model`), builds its URDF and names its finger
links. The config's tool centre point (`tcp`) is added to that URDF as a fixed link, as
a real robot's description adds it. The gripper is by default two prismatic fingers,
`gripper.joints`, each travelling toward the other; a model with another gripper
overrides its drive. Whatever the drive, the opening in metres maps to the master
coordinate through a table of pad-to-pad distances measured at load time.

Friction (grasps hold by finger contact and friction only, never by constraints on the
object): finger pads have lateral friction `gripper.finger_friction` (1.2 in the shipped
configs), spinning friction 0.002, rolling friction 0.0001 and friction anchors; the
remaining finger links have lateral friction 0.8. Other links keep PyBullet's default
lateral friction of 0.5.

Inverse kinematics runs on a private DIRECT client holding a kinematic copy of the
robot in which every joint but the arm's is fixed at its held value, so it never
disturbs the simulation and cannot move the torso or the other arm.
"""
from __future__ import annotations

import abc
import math
import weakref
import xml.etree.ElementTree as ET

import numpy as np
import pybullet

from seg_by_interaction.core.geometry import matrix_to_quaternion, pose_matrix
from seg_by_interaction.core.robot_config import CameraConfig, RobotConfig
from seg_by_interaction.core.world.robots.urdf import (RobotModelError, add_joint, add_link,
                                                       kinematic_copy, write_urdf)

IK_POSITION_TOLERANCE_M = 0.01
IK_ORIENTATION_TOLERANCE_RAD = math.radians(5.0)
IK_RESTARTS = 8
IK_REFINEMENTS = 3
CONTINUOUS_LIMIT_RAD = math.pi        # range given to continuous joints: [-pi, pi]

FINGER_BODY_FRICTION = 0.8
PAD_SPINNING_FRICTION = 0.002
PAD_ROLLING_FRICTION = 0.0001


class ArmModel(abc.ABC):
    """A robot's URDF in a PyBullet client with its base frame at the origin: the arm's
    joints and limits, link poses, and inverse kinematics on a kinematic copy (each
    subclass sets it up with `_setup_ik` once its other joints are held). `source` names
    the model in error messages."""

    def __init__(self, client: int, config: RobotConfig, tree: ET.Element, stem: str,
                 source: str):
        self.client = client
        self.config = config
        self.source = source
        self._stem = stem
        path = write_urdf(tree, stem)
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
        self.ee_link_index = self._link(config.tcp.link)
        self._place_base_at_origin()

        lower, upper, self._continuous = [], [], []
        for index in self.arm_joint_indices:
            lo, hi = self._info[index][8], self._info[index][9]
            continuous = self._info[index][2] == pybullet.JOINT_REVOLUTE and lo > hi
            self._continuous.append(continuous)
            lower.append(-CONTINUOUS_LIMIT_RAD if continuous else lo)
            upper.append(CONTINUOUS_LIMIT_RAD if continuous else hi)
        self._lower, self._upper = np.array(lower), np.array(upper)

    # -- set-up

    def _joint(self, name: str) -> int:
        try:
            return self._joints[name]
        except KeyError:
            raise RobotModelError(f"{self.source} has no joint '{name}'") from None

    def _link(self, name: str) -> int:
        try:
            return self._links[name]
        except KeyError:
            raise RobotModelError(f"{self.source} has no link '{name}'") from None

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

    def _setup_ik(self, tree: ET.Element, values: dict[str, float]):
        """The kinematic copy, every joint but the arm's fixed at `values` (0 if absent)."""
        copy = kinematic_copy(tree, set(self.config.arm_joints), values)
        path = write_urdf(copy, f"{self._stem}-kinematic")
        self._ik_client = pybullet.connect(pybullet.DIRECT)
        self._ik_finalizer = weakref.finalize(self, disconnect, self._ik_client)
        self._ik_body = pybullet.loadURDF(str(path), useFixedBase=True, physicsClientId=self._ik_client)
        names = {}
        for index in range(pybullet.getNumJoints(self._ik_body, physicsClientId=self._ik_client)):
            info = pybullet.getJointInfo(self._ik_body, index, physicsClientId=self._ik_client)
            names[info[12].decode()] = index
            names["joint:" + info[1].decode()] = index
        self._ik_joints = [names["joint:" + name] for name in self.config.arm_joints]
        self._ik_ee = names[self.config.tcp.link]
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
            raise RobotModelError(f"the kinematic copy disagrees with {self.source}")

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

    @abc.abstractmethod
    def execution_velocity_limits(self) -> np.ndarray:
        """Each arm joint's speed limit trajectories are timed with, rad/s (m/s)."""

    def reset_arm(self, q) -> None:
        """Put the arm at q at once."""
        q = self._checked(q)
        for index, value in zip(self.arm_joint_indices, q):
            pybullet.resetJointState(self.body, index, float(value), 0.0, physicsClientId=self.client)

    def arm_positions(self) -> np.ndarray:
        states = pybullet.getJointStates(self.body, self.arm_joint_indices, physicsClientId=self.client)
        return np.array([s[0] for s in states])

    def arm_limits(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper joint limits; continuous joints get [-pi, pi]."""
        return self._lower.copy(), self._upper.copy()

    def _checked(self, q) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        if q.shape != (len(self.arm_joint_indices),) or not np.all(np.isfinite(q)):
            raise ValueError(f"expected {len(self.arm_joint_indices)} finite joint values, got {q}")
        return q

    # -- frames

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World pose of the tool centre point."""
        return self.link_pose(self.config.tcp.link)

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


class SimRobot(ArmModel):
    """A simulated robot: the arm's model with motors, a gripper, held joints and cameras."""

    model = ""                 # the robot config's simulation.model naming this class
    arm_effort_scale = 1.0     # arm motor effort = URDF effort x this
    finger_lever_m = 1.0       # pad travel per unit of finger joint travel (m/m, m/rad)

    def __init__(self, client: int, config: RobotConfig):
        self.config = config       # the model's URDF is built from it
        tree = self.model_urdf()
        _add_tcp(tree, config)
        # the robot's description as a real robot's holds it (with the TCP link)
        self.description = ET.tostring(tree, encoding="unicode")
        super().__init__(client, config, tree, self.model, f"model '{self.model}'")
        self._arm_effort = [max(self._info[i][10], 1.0) * self.arm_effort_scale
                            for i in self.arm_joint_indices]
        self._arm_velocity = [self._info[i][11] if self._info[i][11] > 0 else 10.0
                              for i in self.arm_joint_indices]

        self._fixed = {}
        for name, value in config.simulation.fixed_joints.items():
            self._fixed[self._joint(name)] = value
        self._setup_gripper(tree)
        self._hold_all(config.named_poses["home"])
        self._camera_offsets = self._camera_offsets_at_reference()
        values = {self._info[i][1].decode(): v for i, v in self._fixed.items()}
        for index, multiplier in self._gripper_joint_multipliers():
            values[self._info[index][1].decode()] = multiplier * self._open_master()
        self._setup_ik(tree, values)

    # -- what each model defines

    @abc.abstractmethod
    def model_urdf(self) -> ET.Element:
        """The model's URDF tree, holding the config's base frame, arm joints, gripper
        joints and end-effector link."""

    @abc.abstractmethod
    def finger_link_names(self) -> tuple[list[str], list[str]]:
        """The finger pads' links and the fingers' other links."""

    # -- the gripper's drive: prismatic fingers unless a model overrides these

    def _setup_gripper_drive(self, tree: ET.Element) -> None:
        """The driven gripper joints (index, multiplier of the master coordinate, effort
        per newton of finger force) and the ones geared to them (index, multiplier).
        Here each finger is driven alone, its master coordinate being its travel."""
        self._gripper_drive = [(i, 1.0, 1.0) for i in self._gripper_primary]
        self._gripper_geared = []

    def _master_from_opening(self, opening: float) -> float:
        return float(np.interp(opening, self._opening_table, self._master_table))

    def _opening_from_fingers(self, values: list[float]) -> float:
        return float(np.interp(np.mean(values), self._master_table, self._opening_table))

    def _open_master(self) -> float:
        return self._master_table[-1]

    def _calibrate_opening(self):
        """The table of pad-to-pad distances against master coordinates, measured over
        the master joint's range: finger meshes need not meet at zero travel."""
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
            raise RobotModelError(f"could not calibrate the opening of the '{self.model}' gripper")

    # -- set-up

    def _setup_gripper(self, tree: ET.Element):
        gripper = self.config.gripper
        self._gripper_primary = [self._joint(name) for name in gripper.joints]
        pads, finger_bodies = self.finger_link_names()
        self._pad_links = [self._link(name) for name in pads]
        self._finger_links = self._pad_links + [self._link(name) for name in finger_bodies]
        self._setup_gripper_drive(tree)
        self._calibrate_opening()
        for link in self._finger_links:
            pybullet.changeDynamics(self.body, link, lateralFriction=FINGER_BODY_FRICTION,
                                    physicsClientId=self.client)
        for link in self._pad_links:
            pybullet.changeDynamics(self.body, link, lateralFriction=gripper.finger_friction,
                                    spinningFriction=PAD_SPINNING_FRICTION,
                                    rollingFriction=PAD_ROLLING_FRICTION, frictionAnchor=1,
                                    physicsClientId=self.client)
        self._gripper_target = self._open_master()

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

    # -- arm

    def execution_velocity_limits(self) -> np.ndarray:
        return np.full(len(self.arm_joint_indices), self.config.simulation.joint_velocity_limit)

    def reset_arm(self, q) -> None:
        """Put the arm at q at once, its motors holding it there."""
        super().reset_arm(q)
        self.command_arm(q, self.config.simulation.joint_velocity_limit)

    def joint_speeds(self) -> np.ndarray:
        """Absolute velocities of the arm's and the gripper's joints now."""
        indices = [*self.arm_joint_indices, *self._gripper_primary]
        states = pybullet.getJointStates(self.body, indices, physicsClientId=self.client)
        return np.abs([s[1] for s in states])

    def command_arm(self, q, max_velocity: float) -> None:
        q = self._checked(q)
        for index, value, effort, velocity in zip(self.arm_joint_indices, q, self._arm_effort,
                                                  self._arm_velocity):
            pybullet.setJointMotorControl2(self.body, index, pybullet.POSITION_CONTROL,
                                           targetPosition=float(value), targetVelocity=0.0,
                                           force=effort, maxVelocity=min(float(max_velocity), velocity),
                                           physicsClientId=self.client)

    # -- gripper

    def set_gripper(self, opening: float, force: float | None = None) -> None:
        """Drive the fingers toward `opening` metres between the pads (clamped to
        [0, max_opening]) with at most `force` newtons per finger (default max_force)."""
        opening = float(np.clip(opening, 0.0, self.config.gripper.max_opening))
        force = self.config.gripper.max_force if force is None else float(force)
        master = self._gripper_target = self._master_from_opening(opening)
        speed = self.config.simulation.gripper_speed / self.finger_lever_m
        for index, multiplier, lever in self._gripper_drive:
            target = multiplier * master
            lower, upper = self._info[index][8], self._info[index][9]
            if lower < upper:   # a URDF may mimic a joint beyond its limits
                target = min(max(target, lower), upper)
            pybullet.setJointMotorControl2(self.body, index, pybullet.POSITION_CONTROL,
                                           targetPosition=target, targetVelocity=0.0,
                                           force=force * lever, maxVelocity=speed,
                                           physicsClientId=self.client)

    def gripper_opening(self) -> float:
        """Metres between the finger pads now."""
        values = [pybullet.getJointState(self.body, i, physicsClientId=self.client)[0]
                  for i in self._gripper_primary]
        return self._opening_from_fingers(values)

    def finger_contacts(self, body: int) -> int:
        """Contact points between the fingers (pads included) and `body`."""
        return sum(len(pybullet.getContactPoints(self.body, body, linkIndexA=link,
                                                 physicsClientId=self.client))
                   for link in self._finger_links)

    # -- frames

    def camera_pose(self, camera: CameraConfig) -> tuple[np.ndarray, np.ndarray]:
        """World pose of the camera's optical frame now (moves with its parent link)."""
        if not camera.parent_link:
            return np.array(camera.pose.position), np.array(camera.pose.orientation_xyzw)
        offset = self._camera_offsets.get(camera.name)
        if offset is None:
            raise RobotModelError(f"robot '{self.config.name}' has no camera '{camera.name}'")
        frame = pose_matrix(*self.link_pose(camera.parent_link)) @ offset
        return frame[:3, 3].copy(), matrix_to_quaternion(frame[:3, :3])


def _add_tcp(tree: ET.Element, config: RobotConfig) -> None:
    """The config's TCP link, fixed to its parent link at its offset."""
    tcp = config.tcp
    links = {link.get("name") for link in tree.findall("link")}
    model = config.simulation.model
    if tcp.parent_link not in links:
        raise RobotModelError(f"model '{model}' has no link '{tcp.parent_link}' for the TCP")
    if tcp.link in links:
        raise RobotModelError(f"model '{model}' already has a link '{tcp.link}'; the TCP needs "
                              f"a name of its own")
    add_link(tree, tcp.link, 0.001)
    add_joint(tree, f"{tcp.link}_joint", "fixed", tcp.parent_link, tcp.link, xyz=tcp.offset.position,
              rpy=pybullet.getEulerFromQuaternion(tcp.offset.orientation_xyzw))


def disconnect(client: int) -> None:
    """Disconnect a PyBullet client, if it still is."""
    try:
        pybullet.disconnect(physicsClientId=client)
    except pybullet.error:
        pass


def _quaternion_angle(a, b) -> float:
    dot = abs(float(np.dot(np.asarray(a) / np.linalg.norm(a), np.asarray(b) / np.linalg.norm(b))))
    return 2.0 * math.acos(min(1.0, dot))
