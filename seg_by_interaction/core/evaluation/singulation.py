"""Singulation measured against the simulated world's ground truth (`sbi bench
singulate`): the touching pairs of a scene and whether a segmentation separates them,
before and after a singulation push.

Two objects touch when their ground-truth masks come within `TOUCHING_GAP_PX` of each
other in the image. A segmentation separates a pair when each of the two objects is
matched by a segment of its own at IoU >= 0.5; after the push the same two objects are
looked up in the ground truth of the frame after it (an object gone from view is not
matched)."""
from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import ndimage

from seg_by_interaction.core.evaluation.recall import best_ious

TOUCHING_GAP_PX = 1
MATCH_IOU = 0.5


def touching_pairs(truth: np.ndarray, gap_px: int = TOUCHING_GAP_PX) -> list[tuple[int, int]]:
    """(instance, instance) of every two objects whose masks come within `gap_px`."""
    instances = [int(i) for i in np.unique(truth) if i]
    near = ndimage.generate_binary_structure(2, 2)
    grown = {i: ndimage.binary_dilation(truth == i, near, iterations=gap_px + 1) for i in instances}
    return [(a, b) for n, a in enumerate(instances) for b in instances[n + 1:]
            if (grown[a] & (truth == b)).any()]


def separates(truth: np.ndarray, pair: tuple[int, int], masks: list[np.ndarray]) -> bool:
    """Whether each object of the pair is matched by a segment of its own at IoU >= 0.5."""
    objects = [truth == instance for instance in pair]
    if not masks or not all(o.any() for o in objects):
        return False
    ious = np.stack([best_ious(objects, [mask])[:, 0] for mask in masks], axis=1)
    matches = ious >= MATCH_IOU
    return any(matches[0, i] and matches[1, j]
               for i in range(len(masks)) for j in range(len(masks)) if i != j)


def scene_outcome(truth_before: np.ndarray, truth_after: np.ndarray,
                  masks_before: list[np.ndarray], masks_after: list[np.ndarray]) -> dict:
    """The scene's touching pairs and which of them each segmentation separates."""
    pairs = touching_pairs(truth_before)
    return {"pairs": [list(pair) for pair in pairs],
            "separated_before": [separates(truth_before, pair, masks_before) for pair in pairs],
            "separated_after": [separates(truth_after, pair, masks_after) for pair in pairs]}


def summary(outcomes: list[dict]) -> dict:
    """Over scenes: the share of touching pairs separated before and after the push, the
    pushes made, and how many pairs the push separated or joined."""
    before = [s for o in outcomes for s in o["separated_before"]]
    after = [s for o in outcomes for s in o["separated_after"]]
    share = lambda flags: float(np.mean(flags)) if flags else None   # noqa: E731
    return {
        "scenes": len(outcomes), "pairs": len(before),
        "separated_before": share(before), "separated_after": share(after),
        "pairs_newly_separated": sum(a and not b for a, b in zip(after, before)),
        "pairs_newly_joined": sum(b and not a for a, b in zip(after, before)),
        "scenes_pushed": sum(1 for o in outcomes if o["pushes"]),
        "push_outcomes": dict(Counter(name for o in outcomes for name in o["push_outcomes"])),
        "singulation_succeeded": sum(1 for o in outcomes if o["success"]),
    }

