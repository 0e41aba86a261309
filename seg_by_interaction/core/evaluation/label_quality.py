"""How good a self-made label is, judged against the world's ground truth (for
measuring labelers, never for training): did an object really move (>= 1 cm or >= 10
degrees), how well does the label's mask cover that object, and the confusion of the
positive/negative decision with "something moved". A label carried forward or back
(`labelers.carry_forward`) is judged apart: how well its mask covers any object of its
frame. And the coverage of the frames trained on: how many of the objects a record's
before frame shows carry a good label there."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.geometry import quaternion_to_matrix
from seg_by_interaction.core.labelers.base import pair_frames

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
    carried: bool = False    # carried forward: matched against every object of its frame


def judge_label(label_mask: np.ndarray, positive: bool, instances_before: np.ndarray,
                moved: set[int], carried: bool = False) -> LabelJudgement:
    """Compare a label made from the frame `instances_before` shows with the objects that
    really moved (for a carried label: with every object there)."""
    best_iou, best_instance = 0.0, 0
    for instance in moved:
        truth = instances_before == instance
        union = np.count_nonzero(truth | label_mask)
        iou = np.count_nonzero(truth & label_mask) / union if union else 0.0
        if iou > best_iou:
            best_iou, best_instance = iou, instance
    return LabelJudgement(positive, bool(moved), best_iou, best_instance, carried)


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
        labelled_frame, other_frame = pair_frames(label["frame_pair"])
        if labelled_frame not in frames_truth:
            continue
        labelled = frames_truth[labelled_frame]
        if other_frame is None:
            every_object = set(np.unique(labelled).tolist()) - {0}
            judgements.append(judge_label(label["mask"], label["positive"], labelled,
                                          every_object, carried=True))
        elif other_frame in frames_truth:
            moved = moved_between_frames(labelled, frames_truth[other_frame])
            judgements.append(judge_label(label["mask"], label["positive"], labelled, moved))
    return judgements


def labelled_objects(instances: np.ndarray, labels: list[dict], frame: str = "before"
                     ) -> tuple[int, int]:
    """(objects the frame shows, those of them a positive label on it covers with IoU at
    least GOOD_IOU)."""
    objects = set(np.unique(instances).tolist()) - {0}
    masks = [label["mask"] for label in labels
             if label["positive"] and pair_frames(label["frame_pair"])[0] == frame]
    judgements = [judge_label(mask, True, instances, objects) for mask in masks]
    return len(objects), len({j.matched_instance for j in judgements if j.best_iou >= GOOD_IOU})


class LabelQuality:
    """Aggregates judgements into the figures the labelers are held to."""

    def __init__(self):
        self.judgements: list[LabelJudgement] = []
        self.coverage: list[tuple[int, int]] = []      # (objects, labelled) per frame

    def add(self, judgement: LabelJudgement) -> None:
        self.judgements.append(judgement)

    def add_coverage(self, objects: int, labelled: int) -> None:
        self.coverage.append((objects, labelled))

    def figures(self) -> dict[str, float]:
        """The figures of the interactions' own labels; those of carried labels beside
        them as carried_*."""
        judged = [j for j in self.judgements if not j.carried]
        carried = [j for j in self.judgements if j.carried]
        positives = [j for j in judged if j.positive]
        moving = [j for j in judged if j.object_moved]
        confusion = {
            "true_positive": sum(j.positive and j.object_moved for j in judged),
            "false_positive": sum(j.positive and not j.object_moved for j in judged),
            "false_negative": sum(not j.positive and j.object_moved for j in judged),
            "true_negative": sum(not j.positive and not j.object_moved for j in judged),
        }
        return {
            "labels": len(judged),
            "positives_good_share": _share(j.best_iou >= GOOD_IOU for j in positives),
            "positives_mean_iou": _mean_iou(positives),
            "moving_labelled_positive_share": _share(j.positive for j in moving),
            **confusion,
            "carried_labels": len(carried),
            "carried_good_share": _share(j.best_iou >= GOOD_IOU for j in carried),
            "carried_mean_iou": _mean_iou(carried),
            **self._coverage_figures(),
        }

    def _coverage_figures(self) -> dict[str, float]:
        if not self.coverage:
            return {}
        objects, labelled = np.sum(self.coverage, axis=0)
        return {"objects_per_frame": float(objects / len(self.coverage)),
                "labelled_objects_per_frame": float(labelled / len(self.coverage)),
                "labelled_object_share": float(labelled / objects) if objects else 0.0}


def _mean_iou(judgements: list[LabelJudgement]) -> float:
    return float(np.mean([j.best_iou for j in judgements])) if judgements else 0.0


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0
