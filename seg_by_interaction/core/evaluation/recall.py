"""Hypothesis recall (Pathak et al. 2018, Fig. 3b): the share of ground-truth objects that
at least one of a method's top-k proposals matches at IoU >= a threshold."""
from __future__ import annotations

import numpy as np

THRESHOLDS = (0.3, 0.5)
TOP_K = (1, 5, 10, 20, 50)


def best_ious(truth: list[np.ndarray], proposals: list[np.ndarray]) -> np.ndarray:
    """objects x proposals matrix, entry [i, j] = the best IoU of object i among the first
    j + 1 proposals (proposals best first)."""
    if not truth or not proposals:
        return np.zeros((len(truth), len(proposals)))
    truth_flat = np.stack([m.ravel() for m in truth]).astype(np.float32)
    proposal_flat = np.stack([m.ravel() for m in proposals]).astype(np.float32)
    intersection = truth_flat @ proposal_flat.T
    union = truth_flat.sum(1)[:, None] + proposal_flat.sum(1)[None, :] - intersection
    iou = intersection / np.maximum(union, 1.0)
    return np.maximum.accumulate(iou, axis=1)


class RecallCounter:
    """Accumulates matches image by image; `figures()` gives keys like `recall30_top10`."""

    def __init__(self, thresholds=THRESHOLDS, top_k=TOP_K):
        self.thresholds, self.top_k = thresholds, top_k
        self.objects = 0
        self.matched = {(t, k): 0 for t in thresholds for k in top_k}

    def add(self, truth: list[np.ndarray], proposals: list[np.ndarray]) -> None:
        self.objects += len(truth)
        running_best = best_ious(truth, proposals)
        for k in self.top_k:
            best = running_best[:, min(k, running_best.shape[1]) - 1] if running_best.shape[1] \
                else np.zeros(len(truth))
            for threshold in self.thresholds:
                self.matched[threshold, k] += int(np.sum(best >= threshold))

    def figures(self) -> dict[str, float]:
        return {f"recall{round(t * 100)}_top{k}": count / max(self.objects, 1)
                for (t, k), count in self.matched.items()}
