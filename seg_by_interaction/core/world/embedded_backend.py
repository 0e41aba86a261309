"""The embedded motion backend: IK on the robot's model, collision-free joint paths from
OMPL (RRTConnect, then shortcutting), executed through the arm's controllers
(`ArmHardware`: the simulated world's in process, or a ros2_control arm's over ROS).

The robot's model is the config's simulated one, or for an arm whose config has no
`simulation` section its own description (robots/described.py). The planner works in a
planning scene of its own, a kinematic copy of the robot in a private PyBullet client with the table from the robot config and the planning-scene
boxes it is told of: it never sees the simulator's true bodies. Planned paths are
checked state by state for collisions and for the tool staying inside the workspace box;
Cartesian segments are checked at every interpolated waypoint.
"""
from __future__ import annotations

import weakref
import xml.etree.ElementTree as ET

import numpy as np
import pybullet
from ompl import base as ob
from ompl import geometric as og
from ompl import util as ou

from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.interaction.trajectory import ArmHardware, ArrivalParams, timed
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.controllers import SimulatedArm, SimulatedController
from seg_by_interaction.core.world.params import EmbeddedMotionParams
from seg_by_interaction.core.world.robots import load_robot
from seg_by_interaction.core.world.robots.base import disconnect
from seg_by_interaction.core.world.robots.described import DescribedArm

ou.setLogLevel(ou.LogLevel.LOG_WARN)


class EmbeddedMotionBackend(MotionBackend):
    def __init__(self, robot_config: RobotConfig, hardware: ArmHardware,
                 params: EmbeddedMotionParams = EmbeddedMotionParams(), seed: int = 0,
                 description: ET.Element | None = None):
        """Plans on `description` (urdf.description_tree) when given, else on the
        config's simulated model."""
        super().__init__(robot_config.workspace)
        self.robot_config = robot_config
        self.hardware = hardware
        self.params = params
        self.speeds = robot_config.speeds
        self._client = pybullet.connect(pybullet.DIRECT)
        self._finalizer = weakref.finalize(self, disconnect, self._client)
        self.robot = load_robot(self._client, robot_config) if description is None \
            else DescribedArm(self._client, robot_config, description)
        centre, half = robot_config.table_box()
        self.table = _box(self._client, centre, half)
        self._obstacles: dict[str, int] = {}
        self._moving_links = self.robot.moving_link_ids()
        self._rng = np.random.default_rng(seed)
        ou.RNG.setSeed(seed + 1)
        self._setup_planner()

    @classmethod
    def in_world(cls, arena: Arena, params: EmbeddedMotionParams = EmbeddedMotionParams(),
                 seed: int = 0,
                 arrival: ArrivalParams = ArrivalParams()) -> "EmbeddedMotionBackend":
        """The backend driving the simulated world's controllers in process."""
        arm = SimulatedArm(SimulatedController(arena, arrival))
        return cls(arena.robot_config, arm, params, seed)

    def close(self) -> None:
        """Release the planning scene's client."""
        self.robot.close()
        self._finalizer()

    # --- MotionBackend --------------------------------------------------------------

    def _move_to(self, goal: ToolPose, speed: float) -> None:
        start = self._sync()
        reachable = False
        for attempt in range(self.params.planning_attempts):
            self.check_stop()
            seed = start if attempt == 0 else self._random_configuration()
            q_goal = self.robot.inverse_kinematics(goal.position, goal.orientation_xyzw, seed=seed)
            if q_goal is None:
                continue
            reachable = True
            path = self._plan(start, q_goal)
            if path is not None:
                self._execute(path, speed)
                return
        where = np.round(goal.position, 3).tolist()
        if not reachable:
            raise MotionError(Outcome.UNREACHABLE, f"no IK solution for the tool at {where}")
        raise MotionError(Outcome.PLANNING_FAILED, f"no collision-free path to {where}")

    def _move_linear(self, waypoints: list[ToolPose], speed: float) -> None:
        start = self._sync()
        path = _without_repeats([start, self._within_limits(start)])
        current = self.tool_pose()
        for waypoint in waypoints:
            self.check_stop()
            for pose in _interpolate(current, waypoint, self.params.cartesian_step_m):
                q = self.robot.inverse_kinematics(pose.position, pose.orientation_xyzw, seed=path[-1])
                if q is None:
                    raise MotionError(Outcome.UNREACHABLE, f"no IK solution at "
                                      f"{np.round(pose.position, 3).tolist()} on a Cartesian path")
                if np.max(np.abs(q - path[-1])) > self.params.max_joint_jump_rad:
                    raise MotionError(Outcome.PLANNING_FAILED, "Cartesian path is not continuous "
                                      f"near {np.round(pose.position, 3).tolist()}")
                path.append(q)
            current = waypoint
        self._execute(np.array(path), speed)

    def move_to_named(self, name: str) -> None:
        named = self.robot_config.named_poses
        if name not in named:
            raise MotionError(Outcome.INVALID_REQUEST, f"no named pose '{name}'; have {sorted(named)}")
        start, goal = self._sync(), np.array(named[name])
        if np.max(np.abs(start - goal)) < self.hardware.params.settle_tolerance_rad:
            return
        self.check_stop()
        path = self._plan(start, goal)
        if path is None:
            raise MotionError(Outcome.PLANNING_FAILED, f"no collision-free path to '{name}'")
        self._execute(path, self.speeds.max_cartesian_speed)

    def set_gripper(self, opening: float) -> float:
        if self.dry_run:
            return self.gripper_opening()
        target = float(np.clip(opening, 0.0, self.robot_config.gripper.max_opening))
        return self.hardware.move_gripper(target, self.check_stop)

    def gripper_opening(self) -> float:
        return self.hardware.gripper_opening()

    def tool_pose(self) -> ToolPose:
        self._sync()
        position, orientation = self.robot.ee_pose()
        return ToolPose(position, orientation)

    def add_box_obstacle(self, name: str, centre, half_extents) -> None:
        self.remove_obstacle(name)
        self._obstacles[name] = _box(self._client, centre, half_extents)

    def remove_obstacle(self, name: str) -> None:
        if name in self._obstacles:
            pybullet.removeBody(self._obstacles.pop(name), physicsClientId=self._client)

    def _sync(self) -> np.ndarray:
        """The planning scene's arm put where the hardware's is; its joint positions."""
        q = self.hardware.arm_positions()
        self.robot.reset_arm(q)
        return q

    # --- planning -------------------------------------------------------------------

    def _setup_planner(self) -> None:
        low, high = self.robot.arm_limits()
        self._space = ob.RealVectorStateSpace(len(low))
        bounds = ob.RealVectorBounds(len(low))
        for i, (lo, hi) in enumerate(zip(low, high)):
            bounds.setLow(i, float(lo))
            bounds.setHigh(i, float(hi))
        self._space.setBounds(bounds)
        self._setup = og.SimpleSetup(self._space)
        self._setup.setStateValidityChecker(
            lambda state: self._state_valid(np.array([state[i] for i in range(len(low))])))
        self._setup.getSpaceInformation().setStateValidityCheckingResolution(0.01)
        self._setup.setPlanner(og.RRTConnect(self._setup.getSpaceInformation()))

    def _plan(self, start: np.ndarray, goal: np.ndarray) -> np.ndarray | None:
        """A collision-free joint path from start to goal (both included), or None."""
        inside = self._within_limits(start)
        free = self._free_start(inside)
        if not self._state_valid(goal):
            return None
        lead = _without_repeats([start, inside, free])
        if self._segment_valid(free, goal):
            return np.array([*lead, goal])
        self._setup.clear()
        self._setup.setStartAndGoalStates(self._state(free), self._state(goal))
        if not self._setup.solve(self.params.planning_time_s) or \
                not self._setup.haveExactSolutionPath():
            return None
        self._setup.simplifySolution()
        solution = self._setup.getSolutionPath()
        dims = len(start)
        return np.array([*lead, *([solution.getState(i)[j] for j in range(dims)]
                                  for i in range(1, solution.getStateCount()))])

    def _free_start(self, start: np.ndarray) -> np.ndarray:
        """`start`, or when the arm starts touching the planning scene (stopped mid-grasp
        a few millimetres above the table) the first free state found by jiggling it, each
        joint by at most `start_jiggle_fraction` of its range, as MoveIt's
        FixStartStateCollision adapter does. MotionError COLLISION when none is found."""
        if self._state_valid(start):
            return start
        low, high = self.robot.arm_limits()
        reach = self.params.start_jiggle_fraction * (high - low)
        attempts = self.params.start_jiggle_attempts
        for attempt in range(1, attempts + 1):      # the nearest free states are tried first
            jiggle = self._rng.uniform(-1.0, 1.0, len(start)) * reach * attempt / attempts
            candidate = np.clip(start + jiggle, low, high)
            if self._state_valid(candidate):
                return candidate
        raise MotionError(Outcome.COLLISION, "the arm starts in contact with the planning scene "
                                             f"and no state within start_jiggle_fraction "
                                             f"{self.params.start_jiggle_fraction} of it is free; "
                                             "move it clear before planning")

    def _within_limits(self, q: np.ndarray) -> np.ndarray:
        """The nearest joint positions within the limits, which OMPL and IK keep to: contact
        (a blocked push) can leave a joint a little past one. MotionError when further past
        than `limit_slack_rad`."""
        low, high = self.robot.arm_limits()
        inside = np.clip(q, low, high)
        past = np.abs(q - inside)
        if past.max() > self.params.limit_slack_rad:
            joint = int(np.argmax(past))
            raise MotionError(Outcome.PLANNING_FAILED, f"joint {joint} is {past[joint]:.3f} rad past "
                                                       f"its limit, more than limit_slack_rad "
                                                       f"{self.params.limit_slack_rad}")
        return inside

    def _state(self, q):
        state = self._space.allocState()
        for i, value in enumerate(q):
            state[i] = float(value)
        return state

    def _segment_valid(self, a: np.ndarray, b: np.ndarray) -> bool:
        steps = max(2, int(np.ceil(np.max(np.abs(b - a)) / 0.02)))
        return all(self._state_valid(a + (b - a) * t) for t in np.linspace(0, 1, steps))

    def _state_valid(self, q: np.ndarray) -> bool:
        """The arm at q touches nothing in the planning scene (table, boxes) and keeps the
        tool in the workspace box. Checked kinematically; the arm is put back. The fixed
        parts of the robot (base, torso) are not checked: they never move."""
        current = self.robot.arm_positions()
        self.robot.reset_arm(q)
        try:
            if not self.workspace.contains(self.robot.ee_pose()[0]):
                return False
            margin = self.params.collision_margin_m
            return not any(point[3] in self._moving_links
                           for body in (self.table, *self._obstacles.values())
                           for point in pybullet.getClosestPoints(self.robot.body, body, margin,
                                                                  physicsClientId=self._client))
        finally:
            self.robot.reset_arm(current)

    def _random_configuration(self) -> np.ndarray:
        low, high = self.robot.arm_limits()
        return self._rng.uniform(low, high)

    # --- execution ------------------------------------------------------------------

    def _execute(self, path: np.ndarray, speed: float) -> None:
        """Send the joint path to the arm's controller (unless this is a dry run), timed so
        that neither the tool speed nor the joint velocity limit is exceeded, every tool
        point checked against the workspace box first."""
        tool_points = self.tool_path(path)
        trajectory = timed(self.robot_config.arm_joints, path, tool_points,
                           min(speed, self.speeds.max_cartesian_speed),
                           self.robot.execution_velocity_limits())
        self.execute_planned(tool_points,
                             lambda: self.hardware.execute(trajectory, self.check_stop))

    def tool_path(self, path: np.ndarray) -> np.ndarray:
        """The tool's position at each joint configuration of `path` (N, 3)."""
        current = self.robot.arm_positions()
        points = []
        for q in path:
            self.robot.reset_arm(q)
            points.append(self.robot.ee_pose()[0])
        self.robot.reset_arm(current)
        return np.array(points)


def _without_repeats(states: list[np.ndarray]) -> list[np.ndarray]:
    """`states` without those equal to the one before: the states a path from the arm's
    goes through before planning proper (back within the joint limits, clear of contact)."""
    return [q for i, q in enumerate(states) if i == 0 or not np.array_equal(q, states[i - 1])]


def _interpolate(start: ToolPose, end: ToolPose, step_m: float) -> list[ToolPose]:
    """Poses from start (excluded) to end (included), at most step_m apart; orientation by
    normalised linear blend of the quaternions (they are close on these short paths)."""
    distance = np.linalg.norm(end.position - start.position)
    count = max(1, int(np.ceil(distance / step_m)))
    q0, q1 = start.orientation_xyzw, end.orientation_xyzw
    if np.dot(q0, q1) < 0:
        q1 = -q1
    poses = []
    for t in np.linspace(0, 1, count + 1)[1:]:
        q = (1 - t) * q0 + t * q1
        poses.append(ToolPose(start.position + (end.position - start.position) * t, q / np.linalg.norm(q)))
    return poses


def _box(client: int, centre, half_extents) -> int:
    return pybullet.createMultiBody(
        0, pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=list(half_extents),
                                         physicsClientId=client),
        -1, basePosition=list(centre), physicsClientId=client)

