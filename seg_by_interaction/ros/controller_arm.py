"""The arm through the standard ros2_control interfaces (core/interaction/trajectory.py's
`ArmHardware` over ROS): `trajectory_msgs/JointTrajectory` to the joint trajectory
controller's topic (an empty trajectory stops the arm), `std_msgs/Float64MultiArray`
finger positions to the gripper's forward position controller (or its control_msgs
gripper action where the robot config names one, ros/gripper_action.py), and `/joint_states`,
from which progress, arrival and the time each motion ended are judged. The simulated
world node serves the same interfaces, as Gazebo with ros2_control would.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from typing import Callable

import numpy as np
from builtin_interfaces.msg import Duration, Time as TimeMsg
from rclpy.node import Node
from rclpy.time import Time
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory as JointTrajectoryMsg
from trajectory_msgs.msg import JointTrajectoryPoint

from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.interaction.trajectory import (Arrival, ArrivalMonitor,
                                                            ArrivalParams, ArmHardware,
                                                            GripperMonitor, JointTrajectory)
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.gripper_action import GripperAction

POLL_S = 0.05
FIRST_STATE_WAIT_S = 60.0    # the arm's drivers (or the simulated world) may still be starting


@dataclasses.dataclass(frozen=True)
class JointSample:
    stamp: TimeMsg
    seconds: float
    arm: np.ndarray
    gripper_opening: float


def trajectory_msg(trajectory: JointTrajectory) -> JointTrajectoryMsg:
    points = [JointTrajectoryPoint(positions=[float(v) for v in q],
                                   time_from_start=Duration(sec=int(t), nanosec=int((t % 1) * 1e9)))
              for q, t in zip(trajectory.positions, trajectory.times)]
    return JointTrajectoryMsg(joint_names=list(trajectory.joint_names), points=points)


def trajectory_from_msg(msg: JointTrajectoryMsg) -> JointTrajectory | None:
    """None for an empty trajectory (stop); ValueError for a malformed one."""
    if not msg.points:
        return None
    times = [p.time_from_start.sec + p.time_from_start.nanosec * 1e-9 for p in msg.points]
    if any(len(p.positions) != len(msg.joint_names) for p in msg.points):
        raise ValueError("every trajectory point needs one position per joint")
    return JointTrajectory(tuple(msg.joint_names), np.array([p.positions for p in msg.points]),
                           np.array(times))


def finger_positions(robot: RobotConfig, opening: float) -> list[float]:
    """Each finger joint travels half the opening."""
    return [float(opening) / 2.0] * len(robot.gripper.joints)


class ControllerArm(ArmHardware):
    """Blocking calls from a worker thread; the joint states arrive on another."""

    def __init__(self, node: Node, robot: RobotConfig, params: ArrivalParams, *,
                 trajectory_topic: str, gripper_topic: str, joint_states_topic: str,
                 joint_states_timeout_s: float, callback_group=None):
        super().__init__(robot.arm_joints, params)
        self.robot = robot
        self.joint_states_timeout_s = joint_states_timeout_s
        self._clock = node.get_clock()
        self._trajectory_pub = node.create_publisher(JointTrajectoryMsg, trajectory_topic,
                                                     qos.RELIABLE)
        self._gripper_pub = node.create_publisher(Float64MultiArray, gripper_topic, qos.RELIABLE)
        self._gripper_action = GripperAction(node, robot, callback_group) \
            if robot.controllers.gripper_action else None
        self._topic = joint_states_topic
        self._latest: JointSample | None = None
        self._end: TimeMsg | None = None
        self._condition = threading.Condition()
        node.create_subscription(JointState, joint_states_topic, self._on_joint_state,
                                 qos.SENSOR_DATA, callback_group=callback_group)

    # --- ArmHardware --------------------------------------------------------------------

    def arm_positions(self) -> np.ndarray:
        return self._sample().arm

    def gripper_opening(self) -> float:
        return self._sample().gripper_opening

    def execute(self, trajectory: JointTrajectory, check_stop: Callable[[], None]) -> None:
        monitor = ArrivalMonitor(trajectory, self.params)
        sample = self._sample()
        start = sample.seconds
        self._publish_when_heard(self._trajectory_pub, trajectory_msg(trajectory), check_stop)
        state = Arrival.MOVING
        while state == Arrival.MOVING:
            sample = self._next(sample, check_stop)
            state = monitor.update(sample.seconds - start, sample.arm)
        self._end = sample.stamp
        if state == Arrival.BLOCKED:
            self.stop()
            raise monitor.blocked_error(sample.arm)

    def move_gripper(self, opening: float, check_stop: Callable[[], None]) -> float:
        if self._gripper_action is not None:
            reached = self._gripper_action.move(opening, check_stop)
            self._end = self._sample().stamp
            return reached
        monitor = GripperMonitor(opening, self.params)
        sample = self._sample()
        start = sample.seconds
        self._publish_when_heard(self._gripper_pub,
                                 Float64MultiArray(data=finger_positions(self.robot, opening)),
                                 check_stop)
        done = False
        while not done:
            sample = self._next(sample, check_stop)
            done = monitor.update(sample.seconds - start, sample.gripper_opening)
        self._end = sample.stamp
        return sample.gripper_opening

    # --- the rest -----------------------------------------------------------------------

    def stop(self) -> None:
        """The arm holds where it is (an empty trajectory to its controller)."""
        self._trajectory_pub.publish(JointTrajectoryMsg(joint_names=list(self.arm_joints)))

    def end_stamp(self) -> TimeMsg:
        """When the last motion was judged done, once; afterwards the newest joint state's
        stamp (a goal that moved nothing ends when it is answered)."""
        end, self._end = self._end, None
        return end if end is not None else self._sample().stamp

    def _publish_when_heard(self, publisher, msg, check_stop: Callable[[], None]) -> None:
        """Publishes once the controller's subscription has matched: a command published
        before that is lost, and the arm would wait for a motion that never comes (joint
        states flowing the other way say nothing about this direction)."""
        deadline = time.monotonic() + self.joint_states_timeout_s
        while publisher.get_subscription_count() == 0:
            check_stop()
            if time.monotonic() > deadline:
                raise MotionError(Outcome.FAILED, f"nothing subscribes to '{publisher.topic_name}'"
                                  f" within {self.joint_states_timeout_s:.0f} s: is the "
                                  f"controller running?")
            time.sleep(POLL_S)
        publisher.publish(msg)

    def _on_joint_state(self, msg: JointState) -> None:
        positions = dict(zip(msg.name, msg.position))
        if not all(name in positions for name in (*self.arm_joints, *self.robot.gripper.joints)):
            return     # another publisher's joints (e.g. a head or a second arm)
        stamp = msg.header.stamp
        if stamp.sec == 0 and stamp.nanosec == 0:
            stamp = self._clock.now().to_msg()
        fingers = [positions[name] for name in self.robot.gripper.joints]
        sample = JointSample(stamp, Time.from_msg(stamp).nanoseconds * 1e-9,
                             np.array([positions[name] for name in self.arm_joints]),
                             2.0 * float(np.mean(fingers)))
        with self._condition:
            self._latest = sample
            self._condition.notify_all()

    def _sample(self) -> JointSample:
        """The newest joint state, waiting for the first."""
        with self._condition:
            if self._condition.wait_for(lambda: self._latest is not None, FIRST_STATE_WAIT_S):
                return self._latest
        raise MotionError(Outcome.FAILED, f"no joint states on '{self._topic}' within "
                                          f"{FIRST_STATE_WAIT_S:.0f} s")

    def _next(self, previous: JointSample, check_stop: Callable[[], None]) -> JointSample:
        """A joint state newer than `previous`; stops the arm and raises when `check_stop`
        does or when the joint states stop coming."""
        deadline = time.monotonic() + self.joint_states_timeout_s
        with self._condition:
            while True:
                try:
                    check_stop()
                    if time.monotonic() > deadline:
                        raise MotionError(Outcome.FAILED, f"the joint states on '{self._topic}' "
                                          f"stopped for {self.joint_states_timeout_s:.0f} s")
                except MotionError:
                    self.stop()
                    raise
                if self._latest is not previous:
                    return self._latest
                self._condition.wait(POLL_S)
