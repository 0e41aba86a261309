"""The gripper through its controller's action, control_msgs `GripperCommand` or
`ParallelGripperCommand` (the robot config's `controllers.gripper_action`), for the motion
server's backends (ros/controller_arm.py): the goal and the meaning of the answer come
from core/interaction/gripper_action.py; a stop cancels the goal.

control_msgs is imported only when a robot config names a gripper action: the ros-*
wheels this project installs do not include it, so this runs on robot computers only
(README, "What CI exercises").
"""
from __future__ import annotations

import threading
from typing import Callable

from rclpy.action import ActionClient
from rclpy.node import Node
from sensor_msgs.msg import JointState

from seg_by_interaction.core.interaction.gripper_action import (GripperAnswer, GripperGoal,
                                                                gripper_goal, opening_reached)
from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.ros.futures import wait_for

SERVER_WAIT_S = 5.0
ACCEPT_WAIT_S = 5.0
POLL_S = 0.05


class GripperAction:
    """Blocking calls from a worker thread while the node's executor spins elsewhere."""

    def __init__(self, node: Node, robot: RobotConfig, callback_group=None):
        try:
            from control_msgs import action
        except ImportError as error:
            raise ConfigError(f"robot '{robot.name}' names the gripper action "
                              f"'{robot.controllers.gripper_action}', but control_msgs is not "
                              f"installed (apt install ros-$ROS_DISTRO-control-msgs)") from error
        self.robot = robot
        self._parallel = robot.controllers.gripper_action_type == "ParallelGripperCommand"
        self._action = getattr(action, robot.controllers.gripper_action_type)
        self._client = ActionClient(node, self._action, robot.controllers.gripper_action,
                                    callback_group=callback_group)

    def move(self, opening: float, check_stop: Callable[[], None]) -> float:
        """The opening reached (MotionError when the controller fails or is stopped)."""
        name = self.robot.controllers.gripper_action
        if not self._client.wait_for_server(timeout_sec=SERVER_WAIT_S):
            raise MotionError(Outcome.FAILED, f"no gripper action server on '{name}'")
        handle = wait_for(self._client.send_goal_async(self._goal(gripper_goal(self.robot, opening))),
                          ACCEPT_WAIT_S, f"the gripper goal on '{name}'")
        if not handle.accepted:
            raise MotionError(Outcome.FAILED, f"the gripper controller on '{name}' refused the goal")
        result = handle.get_result_async()
        done = threading.Event()
        result.add_done_callback(lambda _: done.set())
        try:
            while not done.wait(POLL_S):
                check_stop()
        except MotionError:
            handle.cancel_goal_async()
            raise
        response = result.result()
        return opening_reached(self._answer(response.status, response.result))

    def _goal(self, goal: GripperGoal):
        if self._parallel:
            return self._action.Goal(command=JointState(name=[goal.joint], position=[goal.position],
                                                        effort=[goal.max_effort]))
        message = self._action.Goal()
        message.command.position, message.command.max_effort = goal.position, goal.max_effort
        return message

    def _answer(self, status: int, result) -> GripperAnswer:
        if self._parallel:
            if not len(result.state.position):
                raise MotionError(Outcome.FAILED, "the gripper controller's result holds no "
                                                  "finger position")
            position = result.state.position[0]
        else:
            position = result.position
        return GripperAnswer(status, float(position), bool(result.reached_goal),
                             bool(result.stalled))
