"""Positive masks are carried to later frames of a scene while their object has not moved,
and forgotten once it has."""
import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.label_quality import LabelQuality, judge_stored_labels
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers.carry_forward import CarryForwardParams, StillObjects
from seg_by_interaction.core.labelers.frame_difference import FrameDifferenceLabeler
from seg_by_interaction.core.labelers.labeling import (carry_back, extended_labels, label_record,
                                                       label_records)
from seg_by_interaction.core.run_store import RecordMeta, StoredRecord

RED, BLUE = (200, 30, 30), (30, 30, 200)
RED_AT_A = (np.s_[20:36, 20:36], RED)
RED_AT_B = (np.s_[40:56, 50:66], RED)
BLUE_AT_C = (np.s_[4:16, 70:82], BLUE)
BLUE_AT_D = (np.s_[52:64, 4:16], BLUE)
BACKGROUND = np.clip(180 + np.random.default_rng(0).normal(0, 6, (72, 96, 3)), 0,
                     255).astype(np.uint8)


def frame(*squares, noise_seed=None):
    """The textured table at 1 m with 3 cm tall squares on it, optionally re-rendered
    with sensor noise."""
    rgb, depth = BACKGROUND.copy(), np.full((72, 96), 1.0, np.float32)
    for where, colour in squares:
        rgb[where], depth[where] = colour, 0.97
    if noise_seed is not None:
        rng = np.random.default_rng(noise_seed)
        rgb = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)
        depth = (depth + rng.normal(0, 0.001, depth.shape)).astype(np.float32)
    return RGBDView(rgb, depth)


def mask_of(square):
    mask = np.zeros((72, 96), bool)
    mask[square[0]] = True
    return mask


def pick_place(number, before, mid, after, action_px, place_px):
    meta = RecordMeta(primitive="pick_place", outcome=Outcome.OK, action_px=action_px,
                      place_px=place_px)
    return StoredRecord(f"r{number:06d}", meta, {"before": before, "mid": mid, "after": after})


# Red is lifted from A and put down at B; blue is lifted from C and put down at D; red is
# lifted from B back to A. Every frame is rendered afresh, with its own noise.
RECORDS = [
    pick_place(1, frame(RED_AT_A, BLUE_AT_C, noise_seed=1), frame(BLUE_AT_C, noise_seed=2),
               frame(RED_AT_B, BLUE_AT_C, noise_seed=3), (28.0, 28.0), (58.0, 48.0)),
    pick_place(2, frame(RED_AT_B, BLUE_AT_C, noise_seed=4), frame(RED_AT_B, noise_seed=5),
               frame(RED_AT_B, BLUE_AT_D, noise_seed=6), (76.0, 10.0), (10.0, 58.0)),
    pick_place(3, frame(RED_AT_B, BLUE_AT_D, noise_seed=7), frame(BLUE_AT_D, noise_seed=8),
               frame(RED_AT_A, BLUE_AT_D, noise_seed=9), (58.0, 48.0), (28.0, 28.0)),
]


def iou(first, second):
    return np.count_nonzero(first & second) / np.count_nonzero(first | second)


def labelled_in_order(still):
    labeler = FrameDifferenceLabeler()
    return [label_record(labeler, still, record) for record in RECORDS]


def test_masks_of_objects_that_stayed_put_label_later_frames():
    first, second, third = labelled_in_order(StillObjects())
    assert [label.frame_pair for label in first] == ["before_mid", "mid_after"]
    # red, put down at B by the first interaction, still stands there before the second
    assert [label.frame_pair for label in second] == ["before_mid", "mid_after", "carried_0"]
    carried = second[2]
    assert carried.positive and carried.image is RECORDS[1].views["before"].rgb
    assert iou(carried.mask, mask_of(RED_AT_B)) > 0.8
    assert carried.reason.startswith("carried from r000001 mid_after")
    assert carried.confidence == second[2].confidence == first[1].confidence
    # before the third, red at B is what the interaction itself labels (not carried twice),
    # blue at D is carried; red at A and blue at C were left and are forgotten
    assert [label.frame_pair for label in third] == ["before_mid", "mid_after", "carried_0"]
    assert iou(third[2].mask, mask_of(BLUE_AT_D)) > 0.8


def test_nothing_is_carried_when_disabled_or_when_noise_exceeds_the_tolerance():
    assert all(len(labels) == 2 for labels in labelled_in_order(None))
    still = StillObjects(CarryForwardParams(colour_tolerance=2))
    assert [len(labels) for labels in labelled_in_order(still)] == [2, 2, 2]


def test_a_covered_or_displaced_object_is_forgotten():
    labeler, still = FrameDifferenceLabeler(), StillObjects()
    label_record(labeler, still, RECORDS[0])
    covered = frame(RED_AT_B, BLUE_AT_C, noise_seed=4)
    covered.rgb[44:52, 54:62] = BLUE                       # something put down on red
    covered.depth[44:52, 54:62] = 0.94
    assert still.carry(covered, []) == []
    assert still.carry(frame(RED_AT_B, BLUE_AT_C, noise_seed=4), []) == []   # gone for good


def test_carried_labels_are_stored_and_judged_against_every_object_of_their_frame():
    second = labelled_in_order(StillObjects())[1]
    decisions, masks = label_records(second)
    assert decisions[2]["frame_pair"] == "carried_0" and decisions[2]["labelled_frame"] == "before"
    truth = np.zeros((72, 96), np.uint16)
    truth[mask_of(RED_AT_B)], truth[mask_of(BLUE_AT_C)] = 1, 2
    stored = [{**decision, "mask": masks[decision["frame_pair"]]} for decision in decisions]
    quality = LabelQuality()
    for judgement in judge_stored_labels({"before": truth}, stored):
        quality.add(judgement)
    figures = quality.figures()
    assert figures["carried_labels"] == 1 and figures["carried_good_share"] == 1.0
    assert figures["carried_mean_iou"] == pytest.approx(1.0, abs=0.1)
    assert figures["labels"] == 0          # the pairs need their other frames' truth


def test_an_object_labelled_where_it_stood_all_along_labels_the_earlier_frames_too():
    labeler, still = FrameDifferenceLabeler(), StillObjects()
    back = []
    for record in RECORDS:
        labels = label_record(labeler, still, record)
        back.append(carry_back(still, record, labels))
    # blue, lifted from C by the second interaction, stood at C before the first
    assert list(back[1]) == ["r000001"]
    (blue,) = back[1]["r000001"]
    assert blue.frame_pair == "carried_0" and blue.image is RECORDS[0].views["before"].rgb
    assert iou(blue.mask, mask_of(BLUE_AT_C)) > 0.8
    assert blue.reason.startswith("carried from r000002 before_mid")
    # red, lifted from B by the third, stood at B before the second, which carries it
    # already; before the first it stood at A: nothing goes back
    assert back[0] == {} and back[2] == {}


def test_carried_back_labels_join_the_stored_ones():
    labeler, still = FrameDifferenceLabeler(), StillObjects()
    first = label_record(labeler, still, RECORDS[0])
    carry_back(still, RECORDS[0], first)
    second = label_record(labeler, still, RECORDS[1])
    (blue,) = carry_back(still, RECORDS[1], second)["r000001"]
    decisions, masks = label_records(first)
    stored = [{**decision, "mask": masks[decision["frame_pair"]]} for decision in decisions]
    extended, new_masks = extended_labels(stored, [blue])
    assert [d["frame_pair"] for d in extended] == ["before_mid", "mid_after", "carried_0"]
    assert all("mask" not in d for d in extended) and list(new_masks) == ["carried_0"]


def test_nothing_is_carried_back_when_disabled():
    labeler, still = FrameDifferenceLabeler(), StillObjects(CarryForwardParams(back_frames=0))
    for record in RECORDS:
        assert carry_back(still, record, label_record(labeler, still, record)) == {}
