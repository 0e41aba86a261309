"""Singulation against ground truth: which objects touch, and whether a segmentation
separates a pair (each object matched by a segment of its own at IoU >= 0.5)."""
import numpy as np
import pytest

from seg_by_interaction.core.evaluation.singulation import (scene_outcome, separates, summary,
                                                            touching_pairs)


def truth_with(*boxes):
    truth = np.zeros((40, 60), np.uint16)
    for instance, (u0, v0, u1, v1) in enumerate(boxes, start=1):
        truth[v0:v1, u0:u1] = instance
    return truth


TOUCHING = truth_with((5, 5, 15, 15), (15, 5, 25, 15), (40, 20, 50, 30))


def test_objects_touch_when_their_masks_meet():
    assert touching_pairs(TOUCHING) == [(1, 2)]
    assert touching_pairs(truth_with((5, 5, 15, 15), (18, 5, 25, 15))) == []


def test_a_pair_is_separated_only_by_a_segment_for_each():
    one, two = TOUCHING == 1, TOUCHING == 2
    assert separates(TOUCHING, (1, 2), [one, two])
    assert not separates(TOUCHING, (1, 2), [one | two])              # merged
    assert not separates(TOUCHING, (1, 2), [one])                    # one missing
    shrunk = np.zeros_like(two)
    shrunk[5:15, 15:19] = True                                       # IoU 0.4
    assert not separates(TOUCHING, (1, 2), [one, shrunk])
    assert not separates(TOUCHING, (1, 2), [])


def test_after_the_push_the_same_objects_are_looked_up_where_they_went():
    after = truth_with((5, 5, 15, 15), (30, 5, 40, 15), (40, 20, 50, 30))
    merged = (TOUCHING == 1) | (TOUCHING == 2)
    outcome = scene_outcome(TOUCHING, after, [merged], [after == 1, after == 2])
    assert outcome == {"pairs": [[1, 2]], "separated_before": [False],
                       "separated_after": [True]}


def test_summary_over_scenes():
    outcomes = [
        {"separated_before": [False, True], "separated_after": [True, True], "pushes": 1,
         "push_outcomes": ["OK"], "success": True},
        {"separated_before": [True], "separated_after": [False], "pushes": 1,
         "push_outcomes": ["COLLISION"], "success": False},
        {"separated_before": [False], "separated_after": [False], "pushes": 0,
         "push_outcomes": [], "success": False},
    ]
    figures = summary(outcomes)
    assert figures["pairs"] == 4 and figures["scenes"] == 3
    assert figures["separated_before"] == pytest.approx(0.5)
    assert figures["separated_after"] == pytest.approx(0.5)
    assert (figures["pairs_newly_separated"], figures["pairs_newly_joined"]) == (1, 1)
    assert figures["scenes_pushed"] == 2 and figures["singulation_succeeded"] == 1
    assert figures["push_outcomes"] == {"OK": 1, "COLLISION": 1}
    assert summary([])["separated_before"] is None
