"""Label-quality figures, and the ground-truth oracle kept out of learning."""
import pathlib
import re

import numpy as np
import pytest

import seg_by_interaction
from seg_by_interaction.core.evaluation.label_quality import (LabelQuality, judge_label,
                                                              judge_stored_labels, labelled_objects,
                                                              moved_between_frames, moved_instances)
from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle

STILL = (0.0, 0.0, 0.0, 1.0)
TURNED_15 = (0.0, 0.0, np.sin(np.radians(7.5)), np.cos(np.radians(7.5)))


def test_moved_means_one_centimetre_ten_degrees_or_gone():
    before = {1: ((0, 0, 0), STILL), 2: ((1, 0, 0), STILL), 3: ((2, 0, 0), STILL), 4: ((3, 0, 0), STILL)}
    after = {1: ((0.005, 0, 0), STILL), 2: ((1.012, 0, 0), STILL), 3: ((2, 0, 0), TURNED_15)}
    assert moved_instances(before, after) == {2, 3, 4}


def scene():
    instances = np.zeros((40, 60), np.uint16)
    instances[5:15, 5:15] = 1
    instances[20:30, 30:50] = 2
    return instances


def test_figures_from_hand_built_labels():
    instances = scene()
    quality = LabelQuality()
    quality.add(judge_label(instances == 1, True, instances, moved={1}))          # perfect
    half = np.zeros_like(instances, bool)
    half[5:15, 5:10] = True
    quality.add(judge_label(half, True, instances, moved={1}))                    # IoU 0.5
    quality.add(judge_label(instances == 2, True, instances, moved=set()))        # nothing moved
    quality.add(judge_label(np.zeros_like(half), False, instances, moved={2}))    # missed a move
    quality.add(judge_label(np.zeros_like(half), False, instances, moved=set()))
    figures = quality.figures()
    assert figures["positives_good_share"] == pytest.approx(2 / 3)
    assert figures["positives_mean_iou"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert figures["moving_labelled_positive_share"] == pytest.approx(2 / 3)
    assert (figures["true_positive"], figures["false_positive"], figures["false_negative"],
            figures["true_negative"]) == (2, 1, 1, 1)


def test_the_oracle_must_be_asked_for_and_labels_what_moved():
    with pytest.raises(PermissionError, match="allow_ground_truth=True"):
        GroundTruthOracle()
    oracle = GroundTruthOracle(allow_ground_truth=True)
    instances = scene()
    poses = {1: ((0, 0, 0), STILL), 2: ((1, 0, 0), STILL)}
    moved = {1: ((0, 0, 0), STILL), 2: ((1.05, 0, 0), STILL)}
    mask, positive = oracle.label((40, 25), instances, poses, moved)
    assert positive and np.array_equal(mask, instances == 2)
    mask, positive = oracle.label((9, 9), instances, poses, moved)      # object 1 did not move
    assert not positive and not mask.any()
    mask, positive = oracle.label((52, 33), instances, poses, moved)    # nearest object: 2
    assert positive


def test_nothing_but_the_benchmarks_imports_the_oracle():
    package = pathlib.Path(seg_by_interaction.__file__).resolve().parent
    pattern = re.compile(r"^\s*(from\s+\S*oracle\s+import|import\s+\S*oracle|from\s+\S+\s+import\s+.*\boracle\b)",
                         re.MULTILINE)
    importers = {str(path.relative_to(package)) for path in package.rglob("*.py")
                 if pattern.search(path.read_text()) and path.name != "oracle.py"}
    assert all(name.startswith("benchmarks/") for name in importers), importers


def test_moved_between_frames_from_ground_truth_masks():
    before = scene()
    after = before.copy()
    after[after == 1] = 0
    after[8:18, 5:15] = 1                     # object 1 slid by 3 of its 10 rows: IoU 0.54
    after[after == 2] = 0                     # object 2 carried away
    assert moved_between_frames(before, after) == {1, 2}
    assert moved_between_frames(before, before) == set()


def test_stored_labels_judged_on_their_labelled_frame():
    before = scene()
    mid = before.copy()
    mid[mid == 2] = 0
    good = before == 2
    labels = [{"frame_pair": "before_mid", "labelled_frame": "before", "positive": True, "mask": good},
              {"frame_pair": "mid_after", "labelled_frame": "after", "positive": False,
               "mask": np.zeros_like(good)}]
    judgements = judge_stored_labels({"before": before, "mid": mid}, labels)
    assert len(judgements) == 1                # no after frame stored: the second is not judged
    assert judgements[0].object_moved and judgements[0].best_iou == 1.0 and judgements[0].matched_instance == 2


def test_coverage_counts_the_objects_of_a_before_frame_that_a_good_positive_covers():
    before = scene()
    objects = set(np.unique(before).tolist()) - {0}
    half = (before == 1) & (np.arange(before.shape[1]) < np.nonzero(before == 1)[1].min() + 1)
    labels = [{"frame_pair": "before_mid", "positive": True, "mask": before == 2},
              {"frame_pair": "carried_0", "positive": True, "mask": before == 2},   # the same one
              {"frame_pair": "carried_1", "positive": True, "mask": half},          # too little
              {"frame_pair": "mid_after", "positive": True, "mask": before == 1},   # another frame
              {"frame_pair": "carried_2", "positive": False, "mask": before == 1}]
    assert labelled_objects(before, labels) == (len(objects), 1)
    quality = LabelQuality()
    quality.add_coverage(len(objects), 1)
    quality.add_coverage(len(objects), 2)
    figures = quality.figures()
    assert figures["labelled_objects_per_frame"] == 1.5
    assert figures["labelled_object_share"] == pytest.approx(1.5 / len(objects))
