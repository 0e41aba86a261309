"""A driver of the simulated world from outside the nodes it measures, as a user would:
new scenes through the world's services, the camera's frames with ground truth kept for
measuring, goals sent to an action (`rearrange_driver`, `singulate_driver`)."""
from __future__ import annotations

from builtin_interfaces.msg import Time as TimeMsg
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.time import Time

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.sync import FrameSyncParams
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros.frame_buffer import FrameBuffer
from seg_by_interaction.ros.futures import settle_before_first_goal, wait_for
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import ResetScene

SERVICE_WAIT_S = 60.0
VIEW_WAIT_S = 30.0      # longer than the nodes' own frame wait: drivers run beside a busy loop


class WorldDriver(LeanNode):
    def __init__(self, name: str, robot: RobotConfig, **kwargs):
        super().__init__(name, **kwargs)
        self.group = ReentrantCallbackGroup()
        self.frames = FrameBuffer(self, robot.camera(), Rejections(self), FrameSyncParams(),
                                  with_ground_truth=True, callback_group=self.group)
        self.reset_scene = self.create_client(ResetScene, "/world_node/reset_scene",
                                              callback_group=self.group)

    def new_scene(self, split: str, seed: int, objects: int = 0) -> RGBDView:
        """The world's new scene, as its first frame (RuntimeError when the world cannot
        make it)."""
        response = self.call(self.reset_scene, ResetScene.Request(split=split, seed=seed,
                                                                  num_objects=objects))
        return self.view_after(response.stamp)

    def view_after(self, stamp: TimeMsg) -> RGBDView:
        """The newest frame stamped at or after `stamp`. A frame published before a
        scene changed can arrive after the world answered that it did."""
        return self.frames.view(self.frames.wait_after(Time.from_msg(stamp).nanoseconds,
                                                       VIEW_WAIT_S))

    def send_goal(self, client, goal, on_feedback, what: str):
        """The action's result (RuntimeError when the server is missing or refuses)."""
        if not client.wait_for_server(timeout_sec=SERVICE_WAIT_S):
            raise RuntimeError(f"no {what} action server")
        settle_before_first_goal(client)
        handle = wait_for(client.send_goal_async(
            goal, feedback_callback=lambda msg: on_feedback(msg.feedback)), SERVICE_WAIT_S,
            f"the {what} goal")
        if not handle.accepted:
            raise RuntimeError(f"the {what} goal was refused (the server is busy)")
        return wait_for(handle.get_result_async(), None, f"the {what} goal's result").result

    def call(self, client, request, check: bool = True):
        """The response; RuntimeError when the service is missing, or (with `check`) when it
        answers with a failure."""
        if not client.wait_for_service(timeout_sec=SERVICE_WAIT_S):
            raise RuntimeError(f"no service {client.srv_name}")
        response = wait_for(client.call_async(request), SERVICE_WAIT_S, client.srv_name)
        if check and not response.success:
            raise RuntimeError(f"{client.srv_name}: {response.message}")
        return response

    def view_now(self) -> RGBDView:
        """The first frame stamped after the newest one received: the scene as it is now."""
        frame = self.frames.latest()
        newest = frame.stamp_ns if frame is not None else 0
        return self.frames.view(self.frames.wait_after(newest + 1, VIEW_WAIT_S))
