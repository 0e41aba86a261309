"""Rearrangement episodes in the simulated world, driven from outside the demo's nodes as
a user would: a new scene, its snapshot as the goal, objects displaced by the world, and
a Rearrange goal; the camera's frames with ground truth are kept for measuring (`sbi
rearrange`, `sbi bench rearrange`, the node test)."""
from __future__ import annotations

import dataclasses
import time

from rclpy.action import ActionClient
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.time import Time

from seg_by_interaction.action import Rearrange
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.sync import FrameSyncParams
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros.frame_buffer import FrameBuffer
from seg_by_interaction.ros.futures import wait_for
from seg_by_interaction.ros.rearrange_msgs import result_dict
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import DisplaceObjects, ResetScene, SnapshotGoal

SERVICE_WAIT_S = 60.0
FRAME_WAIT_S = 30.0
SNAPSHOT_RETRY_S = 0.2
MIN_DISPLACEMENT_M = 0.05


@dataclasses.dataclass(frozen=True, kw_only=True)
class EpisodeSpec:
    scene_seed: int
    displace: int
    split: str = "test"
    objects: int = 0                 # 0 = the world's range
    segmenter: str = ""              # '' = the rearrangement node's default
    tolerance_px: float = Rearrange.Goal().tolerance_px
    max_interactions: int = Rearrange.Goal().max_interactions


@dataclasses.dataclass(frozen=True)
class Episode:
    goal: RGBDView                   # views with the world's ground truth
    initial: RGBDView
    final: RGBDView
    displaced: list[str]
    result: dict                     # rearrange_msgs.result_dict


class RearrangeDriver(Node):
    def __init__(self, robot: RobotConfig, **kwargs):
        super().__init__("rearrange_driver", **kwargs)
        group = ReentrantCallbackGroup()
        self.frames = FrameBuffer(self, robot.camera(), Rejections(self), FrameSyncParams(),
                                  with_ground_truth=True, callback_group=group)
        self.reset_scene = self.create_client(ResetScene, "/world_node/reset_scene", callback_group=group)
        self.displace = self.create_client(DisplaceObjects, "/world_node/displace_objects",
                                           callback_group=group)
        self.snapshot = self.create_client(SnapshotGoal, "/rearrangement/snapshot_goal",
                                           callback_group=group)
        self.rearrange = ActionClient(self, Rearrange, "rearrange", callback_group=group)

    def episode(self, spec: EpisodeSpec, on_feedback=lambda feedback: None) -> Episode:
        """Raises RuntimeError when the world cannot make the scene or displace objects."""
        before_reset = self.frames.wait_after(0, FRAME_WAIT_S).stamp_ns
        self._call(self.reset_scene, ResetScene.Request(split=spec.split, seed=spec.scene_seed,
                                                        num_objects=spec.objects))
        goal = self.frames.view(self.frames.wait_after(before_reset + 1, FRAME_WAIT_S))
        goal_id = self._snapshot_after(goal.stamp)
        displaced = self._call(self.displace, DisplaceObjects.Request(
            count=spec.displace, min_distance_m=MIN_DISPLACEMENT_M, seed=spec.scene_seed))
        initial = self._view_after(self._newest_stamp())
        result = self._rearrange(Rearrange.Goal(goal_id=goal_id, segmenter=spec.segmenter,
                                                tolerance_px=spec.tolerance_px,
                                                max_interactions=spec.max_interactions), on_feedback)
        final = self._view_after(self._newest_stamp())
        return Episode(goal, initial, final, list(displaced.names), result_dict(result))

    def _snapshot_after(self, stamp_s: float) -> str:
        """A goal snapshot of a frame no older than `stamp_s` (the node may not have
        received the new scene's first frame yet, or any frame)."""
        deadline = time.monotonic() + FRAME_WAIT_S
        while True:
            response = self._call(self.snapshot, SnapshotGoal.Request(), check=False)
            stamp_ns = Time.from_msg(response.image.header.stamp).nanoseconds
            if response.success and stamp_ns >= round(stamp_s * 1e9):
                return response.goal_id
            if time.monotonic() > deadline:
                raise RuntimeError(f"no goal snapshot of the new scene within {FRAME_WAIT_S:.0f} s "
                                   f"({response.message})")
            time.sleep(SNAPSHOT_RETRY_S)

    def _rearrange(self, goal: Rearrange.Goal, on_feedback) -> Rearrange.Result:
        if not self.rearrange.wait_for_server(timeout_sec=SERVICE_WAIT_S):
            raise RuntimeError("no rearrange action server")
        handle = wait_for(self.rearrange.send_goal_async(
            goal, feedback_callback=lambda msg: on_feedback(msg.feedback)), SERVICE_WAIT_S,
            "the rearrange goal")
        if not handle.accepted:
            raise RuntimeError("the rearrangement node refused the goal (busy)")
        return wait_for(handle.get_result_async(), None, "the rearrangement").result

    def _call(self, client, request, check: bool = True):
        """The response; RuntimeError when the service is missing, or (with `check`) when it
        answers with a failure."""
        if not client.wait_for_service(timeout_sec=SERVICE_WAIT_S):
            raise RuntimeError(f"no service {client.srv_name}")
        response = wait_for(client.call_async(request), SERVICE_WAIT_S, client.srv_name)
        if check and not response.success:
            raise RuntimeError(f"{client.srv_name}: {response.message}")
        return response

    def _newest_stamp(self) -> int:
        frame = self.frames.latest()
        return frame.stamp_ns if frame is not None else 0

    def _view_after(self, stamp_ns: int) -> RGBDView:
        """The first frame stamped after `stamp_ns`: the scene as it is now."""
        return self.frames.view(self.frames.wait_after(stamp_ns + 1, FRAME_WAIT_S))
