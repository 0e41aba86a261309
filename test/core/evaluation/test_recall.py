"""Hypothesis recall counts objects matched by the top-k proposals."""
import numpy as np
import pytest

from seg_by_interaction.core.evaluation.recall import RecallCounter, best_ious


def box(x, y, w=10, h=10):
    mask = np.zeros((40, 60), bool)
    mask[y:y + h, x:x + w] = True
    return mask


def test_best_ious_accumulate_over_the_ranking():
    truth = [box(0, 0), box(30, 20)]
    proposals = [box(45, 0), box(0, 0), box(33, 20)]
    ious = best_ious(truth, proposals)
    assert ious[0].tolist() == [0.0, 1.0, 1.0]
    assert ious[1, 2] == pytest.approx(70 / 130)


def test_recall_at_thresholds_and_top_k():
    counter = RecallCounter(thresholds=(0.3, 0.5), top_k=(1, 2, 5))
    counter.add([box(0, 0), box(30, 20)], [box(45, 0), box(0, 0), box(36, 20)])   # 2nd obj IoU 0.25
    counter.add([box(10, 10)], [box(10, 10)])
    counter.add([box(0, 0)], [])                                                    # nothing proposed
    figures = counter.figures()
    assert figures["recall50_top1"] == pytest.approx(1 / 4)
    assert figures["recall50_top2"] == pytest.approx(2 / 4)
    assert figures["recall30_top5"] == pytest.approx(2 / 4)
