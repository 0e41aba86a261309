"""The simulated robot's controllers, standing in for ros2_control's joint trajectory
controller and gripper controller as Gazebo would run them: a trajectory is followed
step by step with the physics (position motors, speed-limited), a new one replaces the
one under way, an empty one holds the arm where it is.

`SimulatedController` is what the world node drives from its topics; `SimulatedArm`
drives it in process (the same hardware interface the motion server uses over ROS).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from seg_by_interaction.core.interaction.motion import MotionError
from seg_by_interaction.core.interaction.trajectory import (Arrival, ArrivalMonitor,
                                                            ArrivalParams, ArmHardware,
                                                            GripperMonitor, JointTrajectory)
from seg_by_interaction.core.world.arena import Arena


class SimulatedController:
    def __init__(self, arena: Arena, params: ArrivalParams = ArrivalParams()):
        self.arena = arena
        self.robot = arena.robot
        self.params = params
        self.arm_joints = tuple(arena.robot_config.arm_joints)
        self._joint_limit = arena.robot_config.simulation.joint_velocity_limit
        self._trajectory: ArrivalMonitor | None = None
        self._trajectory_start = 0.0
        self._gripper: GripperMonitor | None = None
        self._gripper_start = 0.0

    def follow(self, trajectory: JointTrajectory) -> None:
        """Follow `trajectory` from now (its joints in any order). ValueError for joints
        that are not the arm's."""
        if sorted(trajectory.joint_names) != sorted(self.arm_joints):
            raise ValueError(f"trajectory joints {list(trajectory.joint_names)} are not the arm's "
                             f"{list(self.arm_joints)}")
        order = [trajectory.joint_names.index(name) for name in self.arm_joints]
        ordered = JointTrajectory(self.arm_joints, trajectory.positions[:, order], trajectory.times)
        self._trajectory = ArrivalMonitor(ordered, self.params)
        self._trajectory_start = self.arena.sim_time

    def hold(self) -> None:
        """Stop where the arm is."""
        self._trajectory = None
        self.robot.command_arm(self.robot.arm_positions(), self._joint_limit)

    def command_gripper(self, opening: float) -> None:
        self.robot.set_gripper(opening)
        self._gripper = GripperMonitor(float(opening), self.params)
        self._gripper_start = self.arena.sim_time

    def step(self) -> None:
        """One physics step with the motors commanded along the trajectory."""
        if self._trajectory is not None:
            elapsed = self.arena.sim_time - self._trajectory_start
            self.robot.command_arm(self._trajectory.trajectory.at(elapsed), self._joint_limit)
        self.arena.step()
        self._update_busy()

    @property
    def busy(self) -> bool:
        """A trajectory or a gripper motion is still under way."""
        return self._trajectory is not None or self._gripper is not None

    def trajectory_state(self) -> Arrival:
        if self._trajectory is None:
            return Arrival.ARRIVED
        return self._trajectory.update(self.arena.sim_time - self._trajectory_start,
                                       self.robot.arm_positions())

    def _update_busy(self) -> None:
        if self._trajectory is not None and self.trajectory_state() != Arrival.MOVING:
            self._trajectory = None
        if self._gripper is not None and self._gripper.update(
                self.arena.sim_time - self._gripper_start, self.robot.gripper_opening()):
            self._gripper = None


class SimulatedArm(ArmHardware):
    """The simulated controllers driven in process: each motion steps the physics until
    the joint states show it done."""

    def __init__(self, controller: SimulatedController):
        super().__init__(controller.arm_joints, controller.params)
        self.controller = controller
        self.arena = controller.arena

    def arm_positions(self) -> np.ndarray:
        return self.controller.robot.arm_positions()

    def gripper_opening(self) -> float:
        return self.controller.robot.gripper_opening()

    def execute(self, trajectory: JointTrajectory, check_stop: Callable[[], None]) -> None:
        monitor = ArrivalMonitor(trajectory, self.params)
        start = self.arena.sim_time
        self.controller.follow(trajectory)
        state = Arrival.MOVING
        while state == Arrival.MOVING:
            self._step(check_stop)
            state = monitor.update(self.arena.sim_time - start, self.arm_positions())
        if state == Arrival.BLOCKED:
            self.controller.hold()
            raise monitor.blocked_error(self.arm_positions())

    def move_gripper(self, opening: float, check_stop: Callable[[], None]) -> float:
        monitor = GripperMonitor(opening, self.params)
        start = self.arena.sim_time
        self.controller.command_gripper(opening)
        done = False
        while not done:
            self._step(check_stop)
            done = monitor.update(self.arena.sim_time - start, self.gripper_opening())
        return self.gripper_opening()

    def _step(self, check_stop: Callable[[], None]) -> None:
        try:
            check_stop()
        except MotionError:
            self.controller.hold()
            raise
        self.controller.step()
