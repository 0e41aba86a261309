"""How good a self-made label is, judged against the world's ground truth (for
measuring labelers, never for training): did an object really move (>= 1 cm or >= 10
degrees), how well does the label's mask cover that object, and the confusion of the
positive/negative decision with "something moved"."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.geometry import quaternion_to_matrix
from seg_by_interaction.core.labelers.base import FRAME_PAIRS

MOVED_TRANSLATION_M = 0.01
MOVED_ROTATION_DEG = 10.0
GOOD_IOU = 0.5


def rotation_angle_deg(q_before, q_after) -> float:
    relative = quaternion_to_matrix(q_before).T @ quaternion_to_matrix(q_after)
    return float(np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1.0, 1.0))))


def moved_instances(poses_before: dict, poses_after: dict,
                    translation_m: float = MOVED_TRANSLATION_M,
                    rotation_deg: float = MOVED_ROTATION_DEG) -> set[int]:
    """Instance ids whose pose changed enough; poses map id -> (position, quaternion xyzw).
    An object that disappeared (fell off, carried away) counts as moved."""
    moved = set()
    for instance, (position, orientation) in poses_before.items():
        if instance not in poses_after:
            moved.add(instance)
            continue
        position_after, orientation_after = poses_after[instance]
        if (np.linalg.norm(np.subtract(position_after, position)) >= translation_m or
                rotation_angle_deg(orientation, orientation_after) >= rotation_deg):
            moved.add(instance)
    return moved


@dataclasses.dataclass(frozen=True)
class LabelJudgement:
    positive: bool
    object_moved: bool
    best_iou: float          # the label mask's IoU with the best-matching moved object (0 if none)
    matched_instance: int    # that object's instance id (0 if none)


def judge_label(label_mask: np.ndarray, positive: bool, instances_before: np.ndarray,
                moved: set[int]) -> LabelJudgement:
    """Compare a label made from the frame `instances_before` shows with the objects that
    really moved."""
    best_iou, best_instance = 0.0, 0
    for instance in moved:
        truth = instances_before == instance
        union = np.count_nonzero(truth | label_mask)
        iou = np.count_nonzero(truth & label_mask) / union if union else 0.0
        if iou > best_iou:
            best_iou, best_instance = iou, instance
    return LabelJudgement(positive, bool(moved), best_iou, best_instance)


def moved_between_frames(instances_a: np.ndarray, instances_b: np.ndarray,
                         min_same_iou: float = 0.7) -> set[int]:
    """Instance ids of frame a whose ground-truth mask is gone or changed in frame b (mask
    IoU below `min_same_iou`: about 1 cm of motion for a 5 cm object, ~32 px on the Sawyer
    camera): the image-space stand-in for `moved_instances` where only the world's masks
    are stored."""
    moved = set()
    for instance in np.unique(instances_a):
        if instance == 0:
            continue
        a, b = instances_a == instance, instances_b == instance
        if np.count_nonzero(a & b) < min_same_iou * np.count_nonzero(a | b):
            moved.add(int(instance))
    return moved


def judge_stored_labels(frames_truth: dict[str, np.ndarray], labels: list[dict]) -> list[LabelJudgement]:
    """Judge a record's stored labels (`RunStore.read_labels`) with the ground-truth
    instances stored for its frames; a pair's moved objects are those that differ
    between its two frames, the label's mask is on its labelled frame."""
    judgements = []
    for label in labels:
        labelled_frame, other_frame = FRAME_PAIRS[label["frame_pair"]]
        if labelled_frame not in frames_truth or other_frame not in frames_truth:
            continue
        labelled, other = frames_truth[labelled_frame], frames_truth[other_frame]
        judgements.append(judge_label(label["mask"], label["positive"], labelled,
                                      moved_between_frames(labelled, other)))
    return judgements


class LabelQuality:
    """Aggregates judgements into the figures the labelers are held to."""

    def __init__(self):
        self.judgements: list[LabelJudgement] = []

    def add(self, judgement: LabelJudgement) -> None:
        self.judgements.append(judgement)

    def figures(self) -> dict[str, float]:
        positives = [j for j in self.judgements if j.positive]
        moving = [j for j in self.judgements if j.object_moved]
        confusion = {
            "true_positive": sum(j.positive and j.object_moved for j in self.judgements),
            "false_positive": sum(j.positive and not j.object_moved for j in self.judgements),
            "false_negative": sum(not j.positive and j.object_moved for j in self.judgements),
            "true_negative": sum(not j.positive and not j.object_moved for j in self.judgements),
        }
        return {
            "labels": len(self.judgements),
            "positives_good_share": _share(j.best_iou >= GOOD_IOU for j in positives),
            "positives_mean_iou": float(np.mean([j.best_iou for j in positives])) if positives else 0.0,
            "moving_labelled_positive_share": _share(j.positive for j in moving),
            **confusion,
        }


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0
