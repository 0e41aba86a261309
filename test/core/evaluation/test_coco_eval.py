"""COCO AP on hand-built cases, and agreement with pycocotools' own evaluation."""
import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from seg_by_interaction.core.evaluation.coco import CocoWriter
from seg_by_interaction.core.evaluation.coco_eval import evaluate, prediction_records
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.masks import Proposal


def square(x, y, size=20, shape=(64, 96)):
    mask = np.zeros(shape, bool)
    mask[y:y + size, x:x + size] = True
    return mask


@pytest.fixture
def ground_truth(tmp_path):
    """Two images, each with two 20x20 squares."""
    writer = CocoWriter(tmp_path, PinholeIntrinsics(width=96, height=64, fx=50.0, fy=50.0,
                                                    cx=48.0, cy=32.0))
    for _ in range(2):
        instances = np.zeros((64, 96), np.uint16)
        instances[square(5, 5)] = 1
        instances[square(50, 30)] = 2
        writer.add(np.zeros((64, 96, 3), np.uint8), np.ones((64, 96), np.float32), instances)
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(writer.close()))


def predictions(shift, extra=()):
    records = []
    for image_id in (1, 2):
        proposals = [Proposal(square(5 + shift, 5), 0.9), Proposal(square(50 + shift, 30), 0.8),
                     *extra]
        records += prediction_records(image_id, proposals)
    return records


def test_perfect_predictions_score_one(ground_truth):
    assert evaluate(ground_truth, predictions(0)) == {"ap": 1.0, "ap50": 1.0, "ap75": 1.0, "ap30": 1.0}


@pytest.mark.parametrize("shift, expected", [
    (4, {"ap": 0.4, "ap50": 1.0, "ap75": 0.0, "ap30": 1.0}),    # IoU 16/24 = 0.67
    (10, {"ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ap30": 1.0}),   # IoU 10/30 = 0.33
    (16, {"ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ap30": 0.0}),   # IoU 4/36 = 0.11
])
def test_shifted_masks_drop_as_their_iou_says(ground_truth, shift, expected):
    assert evaluate(ground_truth, predictions(shift)) == pytest.approx(expected, abs=1e-6)


def test_a_confident_false_positive_costs_precision(ground_truth):
    false_positive = Proposal(square(70, 2), 0.95)
    scores = evaluate(ground_truth, predictions(0, extra=[false_positive]))
    assert 0.5 < scores["ap50"] < 1.0
    low = Proposal(square(70, 2), 0.1)   # ranked last, it costs nothing
    assert evaluate(ground_truth, predictions(0, extra=[low]))["ap50"] == pytest.approx(1.0)


def test_no_predictions_and_empty_masks_score_zero(ground_truth):
    assert evaluate(ground_truth, []) == {"ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ap30": 0.0}
    assert prediction_records(1, [Proposal(np.zeros((64, 96), bool), 1.0)]) == []


def test_agrees_with_pycocotools_standard_summary(ground_truth):
    rng = np.random.default_rng(0)
    records = []
    for image_id in (1, 2):
        records += prediction_records(image_id, [
            Proposal(square(int(rng.integers(0, 70)), int(rng.integers(0, 40))), float(rng.random()))
            for _ in range(6)] + [Proposal(square(6, 5), 0.5)])
    ours = evaluate(ground_truth, records)
    with contextlib.redirect_stdout(io.StringIO()):
        reference = COCOeval(ground_truth, ground_truth.loadRes(records), iouType="segm")
        reference.evaluate()
        reference.accumulate()
        reference.summarize()
    assert ours["ap"] == pytest.approx(max(reference.stats[0], 0))
    assert ours["ap50"] == pytest.approx(max(reference.stats[1], 0))
    assert ours["ap75"] == pytest.approx(max(reference.stats[2], 0))
    assert ours["ap30"] >= ours["ap50"]
