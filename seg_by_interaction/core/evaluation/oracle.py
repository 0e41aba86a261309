"""The ground-truth oracle labeler: labels an interaction from the simulated world's
instance masks, to measure an upper bound for the real labelers.

It must never feed learning. It refuses to be built unless asked for explicitly, and a
test checks that no module on a learning path imports this one.
"""
from __future__ import annotations

import numpy as np

from seg_by_interaction.core.evaluation.label_quality import moved_between_frames, moved_instances
from seg_by_interaction.core.masks import Proposal


class GroundTruthOracle:
    def __init__(self, *, allow_ground_truth: bool = False):
        if not allow_ground_truth:
            raise PermissionError("the ground-truth oracle reads the world's masks; it exists "
                                  "only to measure upper bounds: pass allow_ground_truth=True")

    def label(self, action_px, instances_before: np.ndarray, poses_before: dict,
              poses_after: dict) -> tuple[np.ndarray, bool]:
        """(mask, positive): the object under the action pixel (or the nearest one) if it
        really moved, else an empty negative."""
        return _label(instances_before, action_px, moved_instances(poses_before, poses_after))

    def label_frames(self, action_px, instances_labelled: np.ndarray,
                     instances_other: np.ndarray) -> tuple[np.ndarray, bool]:
        """The same from the instance masks of a frame pair alone (what a run stores): the
        object at the action pixel of the labelled frame, positive if its mask differs
        in the other frame."""
        return _label(instances_labelled, action_px,
                      moved_between_frames(instances_labelled, instances_other))


    def segment(self, view) -> list[Proposal]:
        """Every object the view's ground-truth instances show, as a proposal of score 1
        (an upper bound for segmenters, measured, never learned from)."""
        if view.ground_truth is None:
            raise ValueError("this view carries no ground-truth instances (simulation only)")
        return [Proposal(view.ground_truth == instance, 1.0)
                for instance in np.unique(view.ground_truth) if instance]


def _label(instances: np.ndarray, action_px, moved: set[int]) -> tuple[np.ndarray, bool]:
    instance = _instance_at(instances, action_px)
    if instance and instance in moved:
        return instances == instance, True
    return np.zeros(instances.shape, bool), False


def _instance_at(instances: np.ndarray, action_px) -> int:
    u, v = int(round(action_px[0])), int(round(action_px[1]))
    if 0 <= v < instances.shape[0] and 0 <= u < instances.shape[1] and instances[v, u]:
        return int(instances[v, u])
    rows, cols = np.nonzero(instances)
    if len(rows) == 0:
        return 0
    nearest = np.argmin((rows - v) ** 2 + (cols - u) ** 2)
    return int(instances[rows[nearest], cols[nearest]])
