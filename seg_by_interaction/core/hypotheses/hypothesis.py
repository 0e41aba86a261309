"""Object hypotheses: scored masks with what acting on them needs, i.e. the mask's shape
and the top-down grasp lifted from it (Pathak et al. 2018, A.2)."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.hypotheses.grasp import (Grasp, GraspScene, MaskShape, checked_grasp,
                                                      mask_shape, top_down_grasp)
from seg_by_interaction.core.masks import Proposal

# ObjectHypothesis.SOURCE_*: a learned model, a baseline by its name (the bootstrap), or
# a hypothesis the collector picked at random for exploration.
SOURCE_MODEL = "model"
SOURCE_RANDOM = "random"


@dataclasses.dataclass(frozen=True)
class Hypothesis:
    id: str
    source: str
    score: float
    mask: np.ndarray            # HxW bool over the whole image
    shape: MaskShape
    grasp: Grasp | None         # None when no depth lay under the mask


def hypotheses_from_proposals(proposals: list[Proposal], source: str, depth: np.ndarray,
                              intrinsics: PinholeIntrinsics, camera_pose: Pose, limit: int,
                              scene: GraspScene | None = None) -> list[Hypothesis]:
    """The best `limit` non-empty proposals as hypotheses, best first, ids h0, h1, ...;
    with a `scene`, their grasps are checked against it (`grasp.checked_grasp`)."""
    hypotheses = []
    for proposal in sorted(proposals, key=lambda p: -p.score):
        if len(hypotheses) == limit:
            break
        if not proposal.mask.any():
            continue
        if scene is None:
            grasp = top_down_grasp(proposal.mask, depth, intrinsics, camera_pose)
        else:
            grasp = checked_grasp(proposal.mask, depth, intrinsics, camera_pose, scene)
        hypotheses.append(Hypothesis(f"h{len(hypotheses)}", source, float(proposal.score),
                                     proposal.mask, mask_shape(proposal.mask), grasp))
    return hypotheses


def project_point(point, intrinsics: PinholeIntrinsics,
                  camera_pose: Pose) -> tuple[float, float] | None:
    """Pixel (u, v) of a planning-frame point, or None when it is behind the camera."""
    x, y, z = camera_pose.from_planning(point)
    if z <= 0:
        return None
    return (intrinsics.fx * x / z + intrinsics.cx, intrinsics.fy * y / z + intrinsics.cy)


def overlap_share(a: Hypothesis, b: Hypothesis) -> float:
    """The share of the smaller hypothesis's pixels that the two share."""
    shared = int(np.count_nonzero(a.mask & b.mask))
    return shared / max(1, min(a.shape.area_px, b.shape.area_px))


def distinct(hypotheses: list[Hypothesis], max_share: float) -> list[Hypothesis]:
    """Best-scored first, the hypotheses sharing at most `max_share` of the smaller one's
    pixels with every better one kept: not a part of one, nor a merge with one (a dense
    model offers both beside an object's own mask)."""
    kept: list[Hypothesis] = []
    for hypothesis in sorted(hypotheses, key=lambda h: -h.score):
        if all(overlap_share(hypothesis, other) <= max_share for other in kept):
            kept.append(hypothesis)
    return kept
