"""The motion backend interface over the `motion` action: the interaction executor drives
the motion server (nodes/motion_server.py, whichever backend it runs) exactly as the
primitives drive a backend in-process. A result without a stamp breaks Motion.Result's
contract and is refused: frames are captured only after the stamp."""
from __future__ import annotations

import time

from rclpy.action import ActionClient
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import poses
from seg_by_interaction.ros.futures import Abandoned, wait_for

SERVER_WAIT_S = 10.0
RESTART_WAIT_S = 60.0     # for a motion server to come (back), within the time limit
RESULT_GRACE_S = 5.0


class RemoteMotionBackend(MotionBackend):
    """Blocking calls from a worker thread (never from the executor's own callback of the
    same group); `cancel()` also cancels the goal under way on the server."""

    def __init__(self, node: Node, robot: RobotConfig, action_name: str = "motion",
                 callback_group=None):
        super().__init__(robot.workspace)
        self.robot = robot
        self.action_name = action_name
        self.client = ActionClient(node, Motion, action_name, callback_group=callback_group)
        self.stamp = None                  # time of the last motion's end, from its server
        self._goal_handle = None
        self._last_tool: ToolPose | None = None
        self._last_opening = 0.0

    def cancel(self) -> None:
        super().cancel()
        handle = self._goal_handle
        if handle is not None:
            handle.cancel_goal_async()

    # --- MotionBackend ------------------------------------------------------------------

    def _move_to(self, goal: ToolPose, speed: float) -> None:
        self._send(Motion.Goal(command=Motion.Goal.MOVE_TO, poses=[self._pose(goal)], speed=speed))

    def _move_linear(self, waypoints: list[ToolPose], speed: float) -> None:
        self._send(Motion.Goal(command=Motion.Goal.LINEAR, poses=[self._pose(w) for w in waypoints],
                               speed=speed))

    def move_to_named(self, name: str) -> None:
        self._send(Motion.Goal(command=Motion.Goal.NAMED, named_pose=name))

    def set_gripper(self, opening: float) -> float:
        self._send(Motion.Goal(command=Motion.Goal.GRIPPER, gripper_opening=float(opening)))
        return self._last_opening

    def gripper_opening(self) -> float:
        return self._last_opening

    def tool_pose(self) -> ToolPose:
        if self._last_tool is None:   # an empty Cartesian path moves nothing and reports the pose
            self._send(Motion.Goal(command=Motion.Goal.LINEAR, poses=[]))
        return self._last_tool

    def add_box_obstacle(self, name: str, centre, half_extents) -> None:
        goal = Motion.Goal(command=Motion.Goal.ADD_BOX, obstacle_name=name,
                           poses=[self._pose(ToolPose.top_down(centre, 0.0))])
        goal.box_size.x, goal.box_size.y, goal.box_size.z = (2.0 * float(h) for h in half_extents)
        self._send(goal)

    def remove_obstacle(self, name: str) -> None:
        self._send(Motion.Goal(command=Motion.Goal.REMOVE_OBSTACLE, obstacle_name=name))

    # --- the action round trip ---------------------------------------------------------

    def _pose(self, pose: ToolPose):
        return poses.to_pose_stamped(pose, Header(frame_id=self.robot.base_frame))

    def _send(self, goal: Motion.Goal) -> None:
        if self._cancelled.is_set():
            raise MotionError(Outcome.CANCELLED, "cancelled")
        remaining = self._remaining()
        goal.timeout = remaining if remaining is not None else 0.0
        server_wait_s = min(remaining, RESTART_WAIT_S) if remaining is not None else RESTART_WAIT_S
        if not self.client.wait_for_server(timeout_sec=server_wait_s):
            outcome = Outcome.TIMEOUT if server_wait_s == remaining else Outcome.FAILED
            raise MotionError(outcome, f"no motion server on '{self.action_name}' within "
                                       f"{server_wait_s:.1f} s")
        handle = self._wait(self.client.send_goal_async(goal), SERVER_WAIT_S,
                            "the motion goal's acceptance")
        if not handle.accepted:
            raise MotionError(Outcome.FAILED, "the motion server rejected the goal")
        self._goal_handle = handle
        try:
            wait_s = (remaining + RESULT_GRACE_S) if remaining is not None else None
            result = self._wait(handle.get_result_async(), wait_s, "the motion's result").result
        finally:
            self._goal_handle = None
        stamp = result.tool_pose.header.stamp
        if stamp.sec == 0 and stamp.nanosec == 0:
            raise MotionError(Outcome.FAILED, "the motion server's result has no stamp (Motion."
                              "Result: the time the motion ended, after which frames are "
                              f"captured); its outcome was {result.outcome}: {result.reason}")
        self._last_tool = poses.from_pose_stamped(result.tool_pose, self.robot.base_frame)
        self._last_opening = result.gripper_opening
        self.stamp = stamp
        if result.outcome != Outcome.OK:
            raise MotionError(Outcome(result.outcome), result.reason)

    def _wait(self, future, timeout_s: float | None, what: str):
        """The answer; a wait given up after a cancellation is CANCELLED, a late answer TIMEOUT."""
        try:
            return wait_for(future, timeout_s, what, abandon=self._cancelled)
        except Abandoned as error:
            raise MotionError(Outcome.CANCELLED, str(error)) from error
        except TimeoutError as error:
            raise MotionError(Outcome.TIMEOUT, str(error)) from error

    def _remaining(self) -> float | None:
        if self.deadline is None:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise MotionError(Outcome.TIMEOUT, "the interaction's time limit ran out")
        return remaining
