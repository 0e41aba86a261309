"""Rearrangement episodes in the simulated world, driven from outside the demo's nodes as
a user would: a new scene, its snapshot as the goal, objects displaced by the world, and
a Rearrange goal; the camera's frames with ground truth are kept for measuring (`sbi
rearrange`, `sbi bench rearrange`, the node test)."""
from __future__ import annotations

import dataclasses

from rclpy.action import ActionClient
from rclpy.time import Time

from seg_by_interaction.action import Rearrange
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros.rearrange_msgs import result_dict
from seg_by_interaction.ros.world_driver import WorldDriver
from seg_by_interaction.srv import DisplaceObjects, SnapshotGoal

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


class RearrangeDriver(WorldDriver):
    def __init__(self, robot: RobotConfig, **kwargs):
        super().__init__("rearrange_driver", robot, **kwargs)
        self.displace = self.create_client(DisplaceObjects, "/world_node/displace_objects",
                                           callback_group=self.group)
        self.snapshot = self.create_client(SnapshotGoal, "/rearrangement/snapshot_goal",
                                           callback_group=self.group)
        self.rearrange = ActionClient(self, Rearrange, "rearrange", callback_group=self.group)

    def episode(self, spec: EpisodeSpec, on_feedback=lambda feedback: None) -> Episode:
        """Raises RuntimeError when the world cannot make the scene or displace objects."""
        goal = self.new_scene(spec.split, spec.scene_seed, spec.objects)
        snapshot = self.call(self.snapshot, SnapshotGoal.Request(
            frame_after=Time(nanoseconds=round(goal.stamp * 1e9)).to_msg()))
        displaced = self.call(self.displace, DisplaceObjects.Request(
            count=spec.displace, min_distance_m=MIN_DISPLACEMENT_M, seed=spec.scene_seed))
        initial = self.view_after(displaced.stamp)
        result = self._rearrange(Rearrange.Goal(goal_id=snapshot.goal_id, segmenter=spec.segmenter,
                                                tolerance_px=spec.tolerance_px,
                                                max_interactions=spec.max_interactions,
                                                frame_after=displaced.stamp), on_feedback)
        final = self.view_now()
        return Episode(goal, initial, final, list(displaced.names), result_dict(result))

    def _rearrange(self, goal: Rearrange.Goal, on_feedback) -> Rearrange.Result:
        return self.send_goal(self.rearrange, goal, on_feedback, "rearrange")
