"""The run directory: atomic records, resume by record ID, labels beside their record."""
import json

import numpy as np
import pytest

from seg_by_interaction.core.run_store import RunStore, View


def view(seed=0, with_truth=False):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    depth = rng.uniform(0.5, 1.5, (24, 32)).astype(np.float32)
    depth[0, 0] = np.nan
    truth = rng.integers(0, 4, (24, 32)).astype(np.uint16) if with_truth else None
    return View(rgb=rgb, depth=depth,
                camera_position=np.array([1.0, 0.0, 1.2]),
                camera_orientation_xyzw=np.array([0.0, 0.0, 0.0, 1.0]), stamp=12.5, ground_truth=truth)


def test_records_round_trip_with_depth_in_millimetres(tmp_path):
    store = RunStore(tmp_path)
    mask = np.zeros((24, 32), bool)
    mask[5:10, 5:12] = True
    record_id = store.next_record_id()
    store.write_record(record_id, {"primitive": "pick_place", "outcome": "OK"},
                       {"before": view(0, True), "after": view(1)}, mask)
    record = store.read_record(record_id)
    assert record_id == "r000001" and store.record_ids() == ["r000001"]
    assert record.meta["primitive"] == "pick_place" and record.meta["record_id"] == record_id
    np.testing.assert_array_equal(record.views["before"].rgb, view(0).rgb)
    original = view(0).depth
    np.testing.assert_allclose(record.views["before"].depth, original, atol=5e-4, equal_nan=True)
    assert np.isnan(record.views["before"].depth[0, 0])
    np.testing.assert_array_equal(record.ground_truth("before"), view(0, True).ground_truth)
    assert record.ground_truth("after") is None
    np.testing.assert_array_equal(record.hypothesis_mask, mask)
    assert record.views["after"].stamp == 12.5


def test_a_killed_writer_leaves_no_record_and_ids_continue(tmp_path):
    store = RunStore(tmp_path)
    store.write_record("r000001", {"primitive": "push"}, {"before": view()})
    (store.records_dir / ".r000002.partial").mkdir()          # killed mid-write
    assert store.record_ids() == ["r000001"]
    assert store.next_record_id() == "r000002"
    store.write_record("r000002", {"primitive": "reset_sweep"}, {"after": view()})
    assert RunStore(tmp_path).next_record_id() == "r000003"
    assert store.count_interactions() == 1                     # sweeps do not count
    store.write_record("r000003", {"primitive": "pick_place", "outcome": "CANCELLED"}, {"before": view()})
    assert store.count_interactions() == 1      # stopped before it ended: a resume makes it up
    with pytest.raises(FileExistsError):
        store.write_record("r000001", {"primitive": "push"}, {"before": view()})


def test_labels_are_stored_beside_their_record(tmp_path):
    store = RunStore(tmp_path)
    store.write_record("r000001", {"primitive": "pick_place"}, {"before": view()})
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
