"""COCO instance-segmentation evaluation with pycocotools: AP (IoU .50:.95), AP50, AP75,
and AP at IoU 0.3, the threshold Pathak et al. 2018 report. Class-agnostic: every
ground-truth object and every prediction is category 1, "object"."""
from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from seg_by_interaction.core.evaluation.coco import mask_annotation
from seg_by_interaction.core.masks import Proposal


def prediction_records(image_id: int, proposals: list[Proposal]) -> list[dict]:
    """COCO results-format entries (RLE segmentation + score) of one image's proposals."""
    records = []
    for proposal in proposals:
        if not proposal.mask.any():
            continue
        record = mask_annotation(proposal.mask, 0, image_id)
        records.append({"image_id": image_id, "category_id": 1,
                        "segmentation": record["segmentation"], "score": float(proposal.score)})
    return records


def evaluate(ground_truth: COCO, predictions: list[dict], image_ids: list[int] | None = None) -> dict:
    """{"ap", "ap50", "ap75", "ap30"} in [0, 1] over the given (default: all) images.
    With no predictions every figure is 0."""
    ids = sorted(image_ids if image_ids is not None else ground_truth.getImgIds())
    if not predictions:
        return {"ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ap30": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):
        detections = ground_truth.loadRes(copy.deepcopy(predictions))   # loadRes edits its input
        standard = _run(ground_truth, detections, ids, iou_thresholds=None)
        at_30 = _run(ground_truth, detections, ids, iou_thresholds=np.array([0.3]))
    return {"ap": _clean(standard.stats[0]), "ap50": _clean(standard.stats[1]),
            "ap75": _clean(standard.stats[2]), "ap30": _clean(at_30.stats[0])}


def _run(ground_truth: COCO, detections: COCO, image_ids: list[int], iou_thresholds) -> COCOeval:
    evaluation = COCOeval(ground_truth, detections, iouType="segm")
    evaluation.params.imgIds = image_ids
    evaluation.params.maxDets = [1, 10, 100]
    if iou_thresholds is not None:
        evaluation.params.iouThrs = iou_thresholds
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return evaluation


def _clean(value: float) -> float:
    """pycocotools reports -1 where nothing could be measured; that is an AP of 0 here."""
    return max(float(value), 0.0)
