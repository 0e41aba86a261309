"""A run's report reads what loads and sets aside what is damaged, like the loop does."""
import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.run_report import labels_picture, run_summary
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.run_store import RecordMeta, RunStore

INTRINSICS = PinholeIntrinsics(width=32, height=24, fx=30.0, fy=30.0, cx=16.0, cy=12.0)


def stored_push(store: RunStore, record_id: str) -> None:
    rgb = np.full((24, 32, 3), 120, np.uint8)
    view = RGBDView(rgb, np.ones((24, 32), np.float32), INTRINSICS, Pose(position=(0.0, 0.0, 1.0)))
    meta = RecordMeta(primitive="push", outcome=Outcome.OK, action_px=(10.0, 10.0))
    store.write_record(record_id, meta, {"before": view, "after": view})
    mask = np.zeros((24, 32), bool)
    mask[5:15, 5:15] = True
    store.write_labels(record_id, [{"frame_pair": "before_after", "labelled_frame": "before",
                                    "positive": True, "confidence": 1.0, "action_px": [10.0, 10.0],
                                    "reason": "moved", "quality": {}}], {"before_after": mask})


def test_a_damaged_record_is_set_aside_and_the_rest_reported(tmp_path):
    store = RunStore(tmp_path)
    stored_push(store, "r000001")
    stored_push(store, "r000002")
    (store.record_dir("r000002") / "record.json").write_text('{"primitive": "pu')
    summary = run_summary(store)
    assert summary["outcomes"] == {"push:OK": 1} and summary["labels"] == {"before_after:positive": 1}
    assert (tmp_path / "quarantine" / "records__r000002").is_dir()
    assert labels_picture(store).shape[2] == 3
