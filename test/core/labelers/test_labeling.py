"""Records become labeler input; labels become stored decisions, memory-bank examples and
a COCO dataset."""
import dataclasses
import json

import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
from seg_by_interaction.core.evaluation.label_export import export_labels
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers.frame_difference import FrameDifferenceLabeler
from seg_by_interaction.core.labelers.labeling import (InteractionLabeler, LabelerNodeParams,
                                                       RecordError, interaction_from_record,
                                                       label_records, read_record)
from seg_by_interaction.core.labelers.optical_flow import OpticalFlowLabeler
from seg_by_interaction.core.labelers.refinement import FelzenszwalbRefinement
from seg_by_interaction.core.run_store import RecordMeta, RunStore, StoredRecord
from seg_by_interaction.core.training.online import examples_from_run
from seg_by_interaction.core.validated import ConfigError, from_dict

INTRINSICS = PinholeIntrinsics(width=96, height=72, fx=90.0, fy=90.0, cx=48.0, cy=36.0)


def textured(seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(180 + rng.normal(0, 6, (72, 96, 3)), 0, 255).astype(np.uint8)


def view(rgb, raised=None):
    """Flat table at 1 m; the square, where it stands, 3 cm closer to the camera."""
    depth = np.full(rgb.shape[:2], 1.0, np.float32)
    if raised is not None:
        depth[raised] = 0.97
    return RGBDView(rgb=rgb, depth=depth, intrinsics=INTRINSICS,
                    camera_pose=Pose(position=(0.0, 0.0, 0.0)))


def pick_place_views():
    """A red square at (20..36, 20..36) lifted away and put down at (50..66, 40..56)."""
    background = textured()
    before, after = background.copy(), background.copy()
    before[20:36, 20:36] = (200, 30, 30)
    after[40:56, 50:66] = (200, 30, 30)
    return {"before": view(before, np.s_[20:36, 20:36]), "mid": view(background),
            "after": view(after, np.s_[40:56, 50:66])}


def record(primitive, outcome=Outcome.OK, action_px=None, place_px=None):
    meta = RecordMeta(primitive=primitive, outcome=outcome, action_px=action_px, place_px=place_px)
    return StoredRecord("r000001", meta, pick_place_views())


def test_the_node_makes_the_chosen_labeler_from_its_own_section():
    params = from_dict(LabelerNodeParams, {"labeler": "frame_difference",
                                           "frame_difference": {"window_px": 200}})
    labeler = InteractionLabeler(params).labelers["push"]
    assert isinstance(labeler, FrameDifferenceLabeler) and labeler.params.window_px == 200
    with pytest.raises(ConfigError, match="frame_difference.colour_threshold: 0 is below"):
        from_dict(LabelerNodeParams, {"frame_difference": {"colour_threshold": 0}})
    with pytest.raises(ConfigError, match="'hsv' is not one of"):
        from_dict(LabelerNodeParams, {"labeler": "hsv"})
    with pytest.raises(ConfigError, match="refinement.method: 'watershed' is not one of"):
        from_dict(LabelerNodeParams, {"refinement": {"method": "watershed"}})


def test_a_record_s_primitive_chooses_its_labeler_and_labels_name_it():
    labeler = InteractionLabeler(from_dict(LabelerNodeParams, {"refinement": {"method": "felzenszwalb"}}))
    assert isinstance(labeler.labelers["push"], OpticalFlowLabeler)
    assert isinstance(labeler.labelers["pick_place"], FrameDifferenceLabeler)
    assert isinstance(labeler.refinement, FelzenszwalbRefinement)
    labels = labeler.label(interaction_from_record(record("pick_place", action_px=(28, 28),
                                                          place_px=(58, 48))))
    assert [label.labeler for label in labels] == ["frame_difference"] * 2
    assert all("refined by felzenszwalb" in label.reason for label in labels if label.positive)
    decisions, _ = label_records(labels)
    assert decisions[0]["labeler"] == "frame_difference" and decisions[0]["primitive"] == "pick_place"
    pushes = InteractionLabeler(from_dict(LabelerNodeParams, {"by_primitive": {"pick_place": "optical_flow"}}))
    assert [label.labeler for label in pushes.label(interaction_from_record(
        record("pick_place", action_px=(28, 28), place_px=(58, 48))))] == ["optical_flow"] * 2


def test_records_of_sweeps_or_without_an_action_give_no_interaction():
    assert interaction_from_record(record("reset_sweep", action_px=(28, 28))) is None
    assert interaction_from_record(record("pick_place")) is None


def test_planning_failures_are_not_attempts_and_off_image_place_pixels_are_dropped():
    unreachable = interaction_from_record(record("pick_place", Outcome.UNREACHABLE, (28, 28)))
    assert not unreachable.attempted and not unreachable.succeeded
    dropped = interaction_from_record(record("pick_place", Outcome.NOTHING_GRASPED, (28, 28), (500, 9)))
    assert dropped.attempted and not dropped.succeeded and dropped.place_px is None


def test_a_pick_place_record_is_labelled_stored_exported_and_banked(tmp_path):
    store = RunStore(tmp_path / "run")
    views = pick_place_views()
    store.write_record("r000001", RecordMeta(primitive="pick_place", outcome=Outcome.OK,
                                             action_px=(28.0, 28.0), place_px=(58.0, 48.0)), views)
    interaction = interaction_from_record(store.read_record("r000001"))
    labels = [dataclasses.replace(label, labeler="frame_difference")
              for label in FrameDifferenceLabeler().label(interaction)]
    decisions, masks = label_records(labels)
    store.write_labels("r000001", decisions, masks)
    assert [(d["frame_pair"], d["labelled_frame"], d["positive"]) for d in decisions] == \
        [("before_mid", "before", True), ("mid_after", "after", True)]

    examples = list(examples_from_run(store))
    assert [e.example_id for e in examples] == ["r000001_before_mid", "r000001_mid_after"]
    assert {e.labeler for e in examples} == {"frame_difference"}
    square_before = np.zeros((72, 96), bool)
    square_before[20:36, 20:36] = True
    iou = (examples[0].mask & square_before).sum() / (examples[0].mask | square_before).sum()
    assert iou > 0.8 and np.array_equal(examples[0].image, views["before"].rgb)
    assert np.array_equal(examples[1].image, views["after"].rgb)

    annotations = export_labels(store, tmp_path / "coco")
    dataset = CocoDataset(annotations.parent)
    assert len(dataset.image_ids()) == 2
    assert [len(dataset.instance_masks(i)) for i in dataset.image_ids()] == [1, 1]
    entry = json.loads(annotations.read_text())["images"][0]
    assert entry["record_id"] == "r000001" and entry["frame_pair"] == "before_mid"


def test_export_of_a_run_without_positives_writes_nothing(tmp_path):
    store = RunStore(tmp_path / "run")
    store.write_record("r000001", RecordMeta(primitive="push", outcome=Outcome.OK), pick_place_views())
    store.write_labels("r000001", [], {})
    assert export_labels(store, tmp_path / "coco") is None


def test_examples_stop_at_the_interaction_budget(tmp_path):
    store = RunStore(tmp_path / "run")
    views = pick_place_views()
    mask = np.zeros((72, 96), bool)
    mask[20:36, 20:36] = True
    label = {"frame_pair": "before_mid", "labelled_frame": "before", "positive": True, "confidence": 0.9,
             "action_px": [28.0, 28.0], "reason": "", "quality": {}}
    for number, primitive in enumerate(["pick_place", "reset_sweep", "pick_place", "pick_place"], 1):
        store.write_record(f"r{number:06d}", RecordMeta(primitive=primitive, outcome=Outcome.OK), views)
        store.write_labels(f"r{number:06d}", [label], {"before_mid": mask})
    assert [e.record_id for e in examples_from_run(store, max_interactions=2)] == ["r000001", "r000003"]
    assert [e.record_id for e in examples_from_run(store, min_confidence=0.95)] == []


@pytest.mark.parametrize("outcome", [Outcome.OK, Outcome.NOTHING_GRASPED])
def test_kinds_of_outcome_are_attempts(outcome):
    interaction = interaction_from_record(record("push", outcome, (28, 28)))
    assert interaction.attempted


@pytest.mark.parametrize("record_id, reason", [
    ("../../etc", "no record id"), ("r000001/../r000002", "no record id"),
    ("r000009", "no record r000009"), ("r000002", "malformed")])
def test_record_ids_from_messages_name_only_well_formed_records_of_the_run(tmp_path, record_id,
                                                                          reason):
    store = RunStore(tmp_path)
    store.write_record("r000001", RecordMeta(primitive="pick_place", outcome=Outcome.OK,
                                             action_px=(28.0, 28.0)), pick_place_views())
    (tmp_path / "records" / "r000002").mkdir()
    (tmp_path / "records" / "r000002" / "record.json").write_text('{"primitive": "pick_place"}')
    assert read_record(store, "r000001").meta.action_px == (28.0, 28.0)
    with pytest.raises(RecordError, match=reason):
        read_record(store, record_id)


def test_a_record_of_no_primitive_kind_is_refused():
    with pytest.raises(RecordError, match="no primitive kind"):
        interaction_from_record(record("juggle", action_px=(1.0, 1.0)))
