"""The objects a segmenter sees on the table: its proposals as hypotheses (mask, shape,
top-down grasp checked against the frame), kept when they look like one object standing
on the table; a goal's proposals split where a change to the scene shows two objects,
and a scene's along the goal's segments where nothing changed."""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.ndimage import distance_transform_edt

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import GraspCheckParams, grasp_scene
from seg_by_interaction.core.hypotheses.hypothesis import (Hypothesis, hypotheses_from_proposals,
                                                           overlap_share)
from seg_by_interaction.core.interaction.collection import grasp_over_table
from seg_by_interaction.core.labelers.change import (COLOUR_THRESHOLD, DEPTH_THRESHOLD_M,
                                                      changed_pixels)
from seg_by_interaction.core.labelers.morphology import largest_part, open_mask
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
    split_by_change: bool = setting(True, "a goal segment whose part changed in the scene "
                                          "(a displaced object's vacated spot) and whose part "
                                          "did not is split into the two: one object that "
                                          "left and a neighbour it touched; a scene's segment "
                                          "covering unchanged parts of several goal segments "
                                          "is split along them")
    min_part_share: float = setting(0.1, "a part a segment is split into has at least this "
                                          "share of its pixels", min=0.0, max=0.5)
    min_cover_share: float = setting(0.4, "a scene's segment is split along the goal's that "
                                          "it covers, unchanged, by at least this share each",
                                     min=0.0, max=1.0)
    change_colour_threshold: int = setting(COLOUR_THRESHOLD, "a pixel changed when a colour "
                                                             "channel differs by at least this "
                                                             "(0-255)", min=1, max=255)
    change_depth_threshold_m: float = setting(DEPTH_THRESHOLD_M, "or its depth by at least this",
                                              min=0.001, max=1.0)
    change_opening_px: int = setting(5, "side of the square opening that removes the rims "
                                        "and specks of a change", min=1, max=31)
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



def split_by_change(proposals: list[Proposal], view: RGBDView, other: RGBDView,
                    params: SegmentParams = SegmentParams()) -> list[Proposal]:
    """`proposals` of `view`, each that covers both pixels that changed in `other` and
    pixels that did not split into its largest changed and unchanged parts (when each
    has `min_part_share` of it and `min_area_px`): in a goal image, a displaced object
    that touched a neighbour has left its spot, the neighbour has not."""
    changed = _changed(view, other, params)
    split = []
    for proposal in proposals:
        parts = [largest_part(proposal.mask & changed), largest_part(proposal.mask & ~changed)]
        least = max(params.min_area_px, params.min_part_share * proposal.mask.sum())
        if all(part.sum() >= least for part in parts):
            split.extend(Proposal(part, proposal.score) for part in parts)
        else:
            split.append(proposal)
    return split


def split_along(proposals: list[Proposal], view: RGBDView, other: RGBDView,
                other_masks: list[np.ndarray], params: SegmentParams = SegmentParams()
                ) -> list[Proposal]:
    """`proposals` of `view`, each that covers two or more of `other_masks` where nothing
    changed since `other` split along them, every pixel to the nearest part: objects that
    touch in both views, told apart in `other` (a goal's segments, for the scene once an
    object was put back beside its neighbour)."""
    unchanged = ~_changed(view, other, params)
    split = []
    for proposal in proposals:
        parts = [part for part, mask in ((proposal.mask & unchanged & m, m) for m in other_masks)
                 if part.sum() >= max(params.min_area_px, params.min_cover_share * mask.sum())]
        if len(parts) < 2:
            split.append(proposal)
            continue
        nearest = _nearest_part(parts)
        split.extend(Proposal(proposal.mask & (nearest == index), proposal.score)
                     for index in range(len(parts)))
    return split


def _changed(view: RGBDView, other: RGBDView, params: SegmentParams) -> np.ndarray:
    return open_mask(changed_pixels(view, other, params.change_colour_threshold,
                                    params.change_depth_threshold_m, params.change_opening_px),
                     params.change_opening_px)


def _nearest_part(parts: list[np.ndarray]) -> np.ndarray:
    """Per pixel, the index of the part whose nearest pixel is closest."""
    seeds = np.zeros(parts[0].shape, np.int32)
    for index, part in enumerate(parts):
        seeds[part & (seeds == 0)] = index + 1
    _, (rows, cols) = distance_transform_edt(seeds == 0, return_indices=True)
    return seeds[rows, cols] - 1
