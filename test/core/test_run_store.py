"""The run directory: atomic records, resume by record ID, labels beside their record;
damaged files quarantined, a full disk reported, record IDs only of the run's own naming."""
import dataclasses
import errno
import json
import logging

import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core import files
from seg_by_interaction.core.run_store import (DamagedFile, HypothesisRef, RecordMeta, RunStore,
                                               StorageError)


def view(seed=0, with_truth=False):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    depth = rng.uniform(0.5, 1.5, (24, 32)).astype(np.float32)
    depth[0, 0] = np.nan
    truth = rng.integers(0, 4, (24, 32)).astype(np.uint16) if with_truth else None
    return RGBDView(rgb=rgb, depth=depth, camera_pose=Pose(position=(1.0, 0.0, 1.2)), stamp=12.5,
                    ground_truth=truth)


def meta(primitive, outcome=Outcome.OK):
    return RecordMeta(primitive=primitive, outcome=outcome)


def test_records_round_trip_with_depth_in_millimetres(tmp_path):
    store = RunStore(tmp_path)
    mask = np.zeros((24, 32), bool)
    mask[5:10, 5:12] = True
    record_id = store.next_record_id()
    store.write_record(record_id, meta("pick_place"),
                       {"before": view(0, True), "after": view(1)}, mask)
    record = store.read_record(record_id)
    assert record_id == "r000001" and store.record_ids() == ["r000001"]
    assert record.meta == meta("pick_place") and record.record_id == record_id
    np.testing.assert_array_equal(record.views["before"].rgb, view(0).rgb)
    original = view(0).depth
    np.testing.assert_allclose(record.views["before"].depth, original, atol=5e-4, equal_nan=True)
    assert np.isnan(record.views["before"].depth[0, 0])
    np.testing.assert_array_equal(record.ground_truth("before"), view(0, True).ground_truth)
    assert record.ground_truth("after") is None
    np.testing.assert_array_equal(record.hypothesis_mask, mask)
    assert record.views["after"].stamp == 12.5


# record.json as the interaction executor has always written it
OLD_RECORD_JSON = {
    "primitive": "poke", "outcome": "NOTHING_GRASPED", "reason": "done", "robot": "sawyer",
    "camera": "head", "action_px": [10.5, 12.0], "place_px": None, "target": [0.6, 0.1, 0.8],
    "yaw": 0.25, "width": 0.04, "place_xy": None, "direction": [1.0, 0.0, 0.0],
    "magnitude": "heavy", "model_version": 3,
    "hypothesis": {"id": "h7", "source": "model", "score": 0.75},
    "timings": {"approach": 1.5, "stroke": 0.5}, "wall_time": 1700000000.25,
    "record_id": "r000001",
    "intrinsics": {"width": 32, "height": 24, "fx": 30.0, "fy": 30.0, "cx": 16.0, "cy": 12.0},
    "frames": {"before": {"stamp": 12.5, "camera_position": [1.0, 0.0, 1.2],
                          "camera_orientation_xyzw": [0.0, 0.0, 0.0, 1.0]}}}


def test_record_json_keeps_its_format_both_ways(tmp_path):
    store = RunStore(tmp_path)
    typed = RecordMeta(primitive="poke", outcome=Outcome.NOTHING_GRASPED, reason="done",
                       robot="sawyer", camera="head", action_px=(10.5, 12.0), target=(0.6, 0.1, 0.8),
                       yaw=0.25, width=0.04, direction=(1.0, 0.0, 0.0), magnitude="heavy",
                       model_version=3, hypothesis=HypothesisRef(id="h7", source="model", score=0.75),
                       timings={"approach": 1.5, "stroke": 0.5}, wall_time=1700000000.25)
    intrinsics = PinholeIntrinsics(width=32, height=24, fx=30.0, fy=30.0, cx=16.0, cy=12.0)
    before = dataclasses.replace(view(), intrinsics=intrinsics)
    written = store.write_record("r000001", typed, {"before": before})
    assert (written / "record.json").read_text() == json.dumps(OLD_RECORD_JSON, indent=1)
    (written / "record.json").write_text(json.dumps(OLD_RECORD_JSON))     # written the old way
    assert store.read_meta("r000001") == typed and store.read_record("r000001").meta == typed


def test_a_killed_writer_leaves_no_record_and_ids_continue(tmp_path):
    store = RunStore(tmp_path)
    store.write_record("r000001", meta("push"), {"before": view()})
    (store.records_dir / ".r000002.partial").mkdir()          # killed mid-write
    assert store.record_ids() == ["r000001"]
    assert store.next_record_id() == "r000002"
    store.write_record("r000002", meta("reset_sweep"), {"after": view()})
    assert RunStore(tmp_path).next_record_id() == "r000003"
    assert store.count_interactions() == 1                     # sweeps do not count
    store.write_record("r000003", meta("pick_place", Outcome.CANCELLED), {"before": view()})
    assert store.count_interactions() == 1      # stopped before it ended: a resume makes it up
    with pytest.raises(FileExistsError):
        store.write_record("r000001", meta("push"), {"before": view()})


def test_labels_are_stored_beside_their_record(tmp_path):
    store = RunStore(tmp_path)
    store.write_record("r000001", meta("pick_place"), {"before": view()})
    assert store.read_labels("r000001") is None
    mask = np.zeros((24, 32), bool)
    mask[2:4, 2:4] = True
    store.write_labels("r000001", [{"frame_pair": "before_mid", "positive": True}], {"before_mid": mask})
    labels = store.read_labels("r000001")
    assert labels[0]["positive"] and np.array_equal(labels[0]["mask"], mask)


def test_run_info_keeps_the_original_and_appends_resumes(tmp_path):
    store = RunStore(tmp_path)
    store.write_run_info({"command": "first"})
    store.write_run_info({"command": "again"})
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["command"] == "first" and info["resumed"] == [{"command": "again"}]


def test_a_truncated_record_json_names_the_file_and_is_quarantined(tmp_path, caplog):
    store = RunStore(tmp_path)
    for record_id in ("r000001", "r000002"):
        store.write_record(record_id, meta("push"), {"before": view()})
    path = store.record_dir("r000002") / "record.json"
    path.write_text(path.read_text()[:40])
    with pytest.raises(DamagedFile, match=r"r000002: does not load: .*record\.json"):
        store.read_meta("r000002")
    with caplog.at_level(logging.WARNING):
        assert store.count_interactions() == 1
    assert "quarantined records/r000002 as quarantine/records__r000002" in caplog.text
    assert store.record_ids() == ["r000001"]
    assert (tmp_path / "quarantine" / "records__r000002" / "record.json").exists()


def test_a_bad_png_quarantines_its_record_and_bad_labels_only_the_labels(tmp_path):
    store = RunStore(tmp_path)
    for record_id in ("r000001", "r000002"):
        store.write_record(record_id, meta("pick_place"), {"before": view()})
        store.write_labels(record_id, [{"frame_pair": "before_mid"}],
                           {"before_mid": np.ones((24, 32), bool)})
    (store.record_dir("r000001") / "before_rgb.png").write_bytes(b"\x89PNG broken")
    (store.record_dir("r000002") / "labels" / "before_mid_mask.png").write_bytes(b"")
    assert store.intact(store.read_record, "r000001") is None
    assert store.intact(store.read_labels, "r000002") is None
    assert store.record_ids() == ["r000002"] and store.read_labels("r000002") is None
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == [
        "records__r000001", "records__r000002__labels"]


def test_record_ids_come_only_from_the_runs_own_naming(tmp_path):
    store = RunStore(tmp_path)
    for hostile in ("../../etc", "/etc/passwd", "r000001/../../x", "", "r12"):
        with pytest.raises(ValueError, match="not a record id"):
            store.read_record(hostile)
    (store.records_dir / "notes").mkdir()
    (store.records_dir / "notes" / "record.json").write_text("{}")
    assert store.record_ids() == []


def test_a_full_disk_fails_the_record_write_leaving_nothing(tmp_path, monkeypatch):
    store = RunStore(tmp_path)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_bytes_atomic", full)
    with pytest.raises(StorageError, match="cannot store record r000001 .*No space left") as error:
        store.write_record("r000001", meta("push"), {"before": view()})
    assert error.value.errno == errno.ENOSPC
    with pytest.raises(StorageError, match="labels of r000001"):
        store.write_labels("r000001", [], {"before_mid": np.ones((24, 32), bool)})
    assert list(store.records_dir.iterdir()) == [] and store.next_record_id() == "r000001"


def test_free_space_below_the_minimum_is_a_problem(tmp_path):
    store = RunStore(tmp_path)
    assert store.free_space_problem(0) == ""
    assert "MB free on the file system mounted at" in store.free_space_problem(1e12)
