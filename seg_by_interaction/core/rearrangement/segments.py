"""The objects a segmenter sees on the table: its proposals as hypotheses (mask, shape,
top-down grasp checked against the frame), kept when they look like one object standing
on the table."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import GraspCheckParams, grasp_scene
from seg_by_interaction.core.hypotheses.hypothesis import (Hypothesis, hypotheses_from_proposals,
                                                           overlap_share)
from seg_by_interaction.core.interaction.collection import grasp_over_table
from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.validated import setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class SegmentParams:
    max_segments: int = setting(12, "segments kept per image, best-scored first", min=1, max=100)
    min_area_px: int = setting(40, "smaller segments are noise", min=1)
    max_area_share: float = setting(0.08, "segments covering more of the image than this are "
                                          "table or clutter, not one object", min=0.0, max=1.0)
    min_height_m: float = setting(0.002, "a segment's top must stand this far above the table "
                                         "(bare table is no object)", min=0.0, max=0.1)
    max_overlap_better: float = setting(0.5, "a segment sharing this share of the smaller "
                                             "one's pixels with a better-scored kept one is a "
                                             "part of it or a merge with it, dropped",
                                        min=0.0, max=1.0)
    grasp_check: GraspCheckParams = setting(GraspCheckParams(), "grasps checked against the "
                                                                "frame where they are taken "
                                                                "and where they are put down")


def scene_segments(proposals: list[Proposal], view: RGBDView, robot: RobotConfig, source: str,
                   params: SegmentParams = SegmentParams()) -> list[Hypothesis]:
    """The proposals that look like objects on the table, best first, ids s0, s1, ..."""
    scene = (grasp_scene(view.depth, view.intrinsics, view.camera_pose, robot.gripper,
                         robot.table_height, params.grasp_check)
             if params.grasp_check.enabled else None)
    hypotheses = hypotheses_from_proposals(proposals, source, view.depth, view.intrinsics,
                                           view.camera_pose, len(proposals), scene)
    max_area = params.max_area_share * view.rgb.shape[0] * view.rgb.shape[1]
    kept: list[Hypothesis] = []
    for hypothesis in hypotheses:
        if len(kept) == params.max_segments:
            break
        if (params.min_area_px <= hypothesis.shape.area_px <= max_area
                and grasp_over_table(hypothesis, robot.table_area)
                and hypothesis.grasp.position[2] >= robot.table_height + params.min_height_m
                and all(overlap_share(hypothesis, other) <= params.max_overlap_better
                        for other in kept)):
            kept.append(hypothesis)
    return [dataclasses.replace(h, id=f"s{index}") for index, h in enumerate(kept)]

