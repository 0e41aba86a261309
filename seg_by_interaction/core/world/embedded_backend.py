"""The embedded motion backend: IK on the simulated robot, collision-free joint paths
from OMPL (RRTConnect, then shortcutting), and execution by the world's physics with
position-controlled joints, speed-limited.

Planned paths are checked state by state for collisions between the arm and the world
(table, objects, planning-scene obstacles) and for the tool staying inside the
workspace box; Cartesian segments are checked at every interpolated waypoint.
"""
from __future__ import annotations


import numpy as np
import pybullet
from ompl import base as ob
from ompl import geometric as og
from ompl import util as ou

from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.params import EmbeddedMotionParams

ou.setLogLevel(ou.LogLevel.LOG_WARN)


class EmbeddedMotionBackend(MotionBackend):
    def __init__(self, arena: Arena, params: EmbeddedMotionParams = EmbeddedMotionParams(),
                 seed: int = 0):
        super().__init__(arena.robot_config.workspace)
        if arena.robot is None:
            raise ValueError("the embedded backend needs an arena with a robot")
        self.arena = arena
        self.robot = arena.robot
        self.params = params
        self.speeds = arena.robot_config.speeds
        self._obstacles: dict[str, int] = {}
        self._ignored: set[int] = set()
        self._moving_links = self.robot.moving_link_ids()
        self._rng = np.random.default_rng(seed)
        ou.RNG.setSeed(seed + 1)
        self._setup_planner()

    # --- MotionBackend --------------------------------------------------------------

    def _move_to(self, goal: ToolPose, speed: float) -> None:
        start = self.robot.arm_positions()
        reachable = False
        for attempt in range(self.params.planning_attempts):
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
        path = [self.robot.arm_positions()]
        current = self.tool_pose()
        for waypoint in waypoints:
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
        named = self.arena.robot_config.named_poses
        if name not in named:
            raise MotionError(Outcome.INVALID_REQUEST, f"no named pose '{name}'; have {sorted(named)}")
        start, goal = self.robot.arm_positions(), np.array(named[name])
        if np.max(np.abs(start - goal)) < self.params.settle_tolerance_rad:
            return
        path = self._plan(start, goal)
        if path is None:
            raise MotionError(Outcome.PLANNING_FAILED, f"no collision-free path to '{name}'")
        self._execute(path, self.speeds.max_cartesian_speed)

    def set_gripper(self, opening: float) -> float:
        target = float(np.clip(opening, 0.0, self.arena.robot_config.gripper.max_opening))
        self.robot.set_gripper(target)
        previous = self.robot.gripper_opening()
        steps = int(self.params.gripper_timeout_s * self.arena.config.physics_hz)
        for step in range(steps):
            self._step()
            now = self.robot.gripper_opening()
            if abs(now - target) < 1e-3 or (step > 20 and abs(now - previous) < 1e-5):
                break
            previous = now
        return self.robot.gripper_opening()

    def gripper_opening(self) -> float:
        return self.robot.gripper_opening()

    def tool_pose(self) -> ToolPose:
        position, orientation = self.robot.ee_pose()
        return ToolPose(position, orientation)

    def add_box_obstacle(self, name: str, centre, half_extents) -> None:
        self.remove_obstacle(name)
        client = self.arena.client
        self._obstacles[name] = pybullet.createMultiBody(
            0, pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=list(half_extents),
                                             physicsClientId=client),
            -1, basePosition=list(centre), physicsClientId=client)

    def remove_obstacle(self, name: str) -> None:
        if name in self._obstacles:
            pybullet.removeBody(self._obstacles.pop(name), physicsClientId=self.arena.client)

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
        self._ignored = {o.body for o in self.arena.objects() if self.robot.finger_contacts(o.body)}
        if not self._state_valid(start):
            raise MotionError(Outcome.COLLISION, "the arm starts in contact with the world; "
                                                 "move it clear before planning")
        if not self._state_valid(goal):
            return None
        if self._segment_valid(start, goal):
            return np.array([start, goal])
        self._setup.clear()
        self._setup.setStartAndGoalStates(self._state(start), self._state(goal))
        if not self._setup.solve(self.params.planning_time_s) or \
                not self._setup.haveExactSolutionPath():
            return None
        self._setup.simplifySolution()
        solution = self._setup.getSolutionPath()
        dims = len(start)
        return np.array([[solution.getState(i)[j] for j in range(dims)]
                         for i in range(solution.getStateCount())])

    def _state(self, q):
        state = self._space.allocState()
        for i, value in enumerate(q):
            state[i] = float(value)
        return state

    def _segment_valid(self, a: np.ndarray, b: np.ndarray) -> bool:
        steps = max(2, int(np.ceil(np.max(np.abs(b - a)) / 0.02)))
        return all(self._state_valid(a + (b - a) * t) for t in np.linspace(0, 1, steps))

    def _state_valid(self, q: np.ndarray) -> bool:
        """The arm at q touches nothing in the world (but an object it holds) and keeps
        the tool in the workspace box. Checked kinematically; the arm is put back. The
        fixed parts of the robot (base, torso) are not checked: they never move."""
        current = self.robot.arm_positions()
        self.robot.reset_arm(q)
        try:
            if not self.workspace.contains(self.robot.ee_pose()[0]):
                return False
            client, margin = self.arena.client, self.params.collision_margin_m
            others = [self.arena.table, *self._obstacles.values(),
                      *(o.body for o in self.arena.objects() if o.body not in self._ignored)]
            return not any(point[3] in self._moving_links
                           for body in others
                           for point in pybullet.getClosestPoints(self.robot.body, body, margin,
                                                                  physicsClientId=client))
        finally:
            self.robot.reset_arm(current)

    def _random_configuration(self) -> np.ndarray:
        low, high = self.robot.arm_limits()
        return self._rng.uniform(low, high)

    # --- execution ------------------------------------------------------------------

    def _execute(self, path: np.ndarray, speed: float) -> None:
        """Follow the joint path with the physics, each segment timed so that neither the
        tool speed nor the joint velocity limit is exceeded."""
        speed = min(speed, self.speeds.max_cartesian_speed)
        joint_limit = self.arena.robot_config.simulation.joint_velocity_limit
        hz = self.arena.config.physics_hz
        tool_points = self._tool_positions(path)
        for i in range(1, len(path)):
            duration = max(np.linalg.norm(tool_points[i] - tool_points[i - 1]) / speed,
                           np.max(np.abs(path[i] - path[i - 1])) / joint_limit, 1.0 / hz)
            steps = int(np.ceil(duration * hz))
            for t in np.linspace(0, 1, steps + 1)[1:]:
                self.robot.command_arm(path[i - 1] + (path[i] - path[i - 1]) * t, joint_limit)
                self._step()
        self._settle_at(path[-1], joint_limit)

    def _tool_positions(self, path: np.ndarray) -> np.ndarray:
        current = self.robot.arm_positions()
        points = []
        for q in path:
            self.robot.reset_arm(q)
            points.append(self.robot.ee_pose()[0])
        self.robot.reset_arm(current)
        self.robot.command_arm(current, self.arena.robot_config.simulation.joint_velocity_limit)
        return np.array(points)

    def _settle_at(self, q: np.ndarray, joint_limit: float) -> None:
        """Wait up to a simulated second for the arm to reach q; a small residual error
        (contact, gravity sag) is accepted, a large one means something blocks the arm."""
        for _ in range(int(self.arena.config.physics_hz)):
            if np.max(np.abs(self.robot.arm_positions() - q)) < self.params.settle_tolerance_rad:
                return
            self.robot.command_arm(q, joint_limit)
            self._step()
        error = np.max(np.abs(self.robot.arm_positions() - q))
        if error > self.params.blocked_tolerance_rad:
            raise MotionError(Outcome.COLLISION, "the arm was blocked before reaching its target "
                                                 f"(joint error {error:.3f} rad)")

    def _step(self) -> None:
        self.check_stop()
        self.arena.step()


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
