"""The trainer's side of the loop: stored labels into the memory bank (once each), training
paced by the data, checkpoints with provenance, resume after a kill past damaged files;
offline training on a run; the hypothesis server's proposer swapping models without
dropping a request, and refusing announcements it must not load."""
import dataclasses
import os
import shutil
import types

import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.hypotheses.proposer import HypothesisServerParams, Proposer
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.model.checkpoint import (CheckpointError, checkpoint_name,
                                                      load_checkpoint)
from seg_by_interaction.core.model.segmenter import SegmenterParams
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.run_store import RecordMeta, RunStore
from seg_by_interaction.core.training.online import (TRAINER_STATE, OnlineLearner,
                                                     OnlineTrainerParams, examples_from_run,
                                                     train_offline)
from seg_by_interaction.core.training.trainer import TrainerParams

SMALL = TrainerParams(batch_size=4, min_positives=1)
PATHAK = ModelSpec(architecture="resnet18_deepmask")


def make_run(root, interactions=4):
    """Records with one positive label each: a coloured square on a textured table."""
    store = RunStore(root)
    rng = np.random.default_rng(0)
    for number in range(1, interactions + 1):
        rgb = np.clip(170 + rng.normal(0, 8, (96, 128, 3)), 0, 255).astype(np.uint8)
        top, left = rng.integers(10, 60, 2)
        rgb[top:top + 24, left:left + 24] = rng.integers(0, 255, 3)
        mask = np.zeros((96, 128), bool)
        mask[top:top + 24, left:left + 24] = True
        record_id = f"r{number:06d}"
        before = RGBDView(rgb=rgb, depth=np.ones((96, 128), np.float32),
                          camera_pose=Pose(position=(0.0, 0.0, 0.0)))
        store.write_record(record_id, RecordMeta(primitive="pick_place", outcome=Outcome.OK),
                           {"before": before})
        store.write_labels(record_id, [{"frame_pair": "before_mid", "labelled_frame": "before",
                                        "positive": True, "confidence": 1.0,
                                        "action_px": [float(left + 12), float(top + 12)],
                                        "reason": "", "quality": {}}], {"before_mid": mask})
    return store


def params(run_dir, **overrides):
    return OnlineTrainerParams(run_dir=str(run_dir), training=SMALL, first_model_after=3,
                               checkpoint_every_steps=2, steps_per_example=1.0, log_every_steps=2,
                               **overrides)


def test_training_is_paced_by_data_and_checkpoints_resume(tmp_path):
    store = make_run(tmp_path)
    learner = OnlineLearner(params(tmp_path), {"command": "test"})
    assert learner.adopt_stored_labels() == 4 and learner.adopt_stored_labels() == 0
    steps = 0
    while learner.can_train():
        learner.train_step()
        steps += 1
    assert steps == 4                                  # one step per example received
    assert learner.checkpoint_due()
    path, sha256, metadata = learner.save_checkpoint()
    assert metadata.version == 1 and metadata.interactions_seen == 4 and metadata.step == 4
    assert metadata.provenance["command"] == "test" and metadata.loss == "rsl"
    _, loaded = load_checkpoint(path, expected_spec=ModelSpec(), sha256=sha256)
    assert loaded.version == 1

    resumed = OnlineLearner(params(tmp_path), {})      # a killed trainer starts again
    assert resumed.version == 1 and resumed.trainer.steps == 4 and len(resumed.bank) == 4
    assert store.trainer_log.read_text().count("\n") == 2         # steps 2 and 4


def test_a_resumed_trainer_paces_by_every_example_seen_not_the_ones_its_full_bank_kept(tmp_path):
    make_run(tmp_path, interactions=6)
    small_bank = params(tmp_path, bank_positives=2)
    learner = OnlineLearner(small_bank, {})
    assert learner.adopt_stored_labels() == 6 and len(learner.bank) == 2
    while learner.can_train():
        learner.train_step()
    learner.save_checkpoint()
    resumed = OnlineLearner(small_bank, {})
    assert resumed.trainer.steps == 6 and resumed.examples_received == 6
    make_run(tmp_path / "more", interactions=1)
    new = examples_from_run(RunStore(tmp_path / "more"))
    assert resumed.add(dataclasses.replace(next(new), example_id="late", created_seq=99))
    assert resumed.can_train(), "one new example is worth one more step"


def test_no_model_before_enough_interactions(tmp_path):
    make_run(tmp_path, interactions=2)
    learner = OnlineLearner(params(tmp_path), {})
    learner.adopt_stored_labels()
    learner.train_step()
    assert not learner.checkpoint_due()


def test_a_run_directory_is_required(tmp_path):
    with pytest.raises(ValueError, match="run_dir"):
        OnlineLearner(OnlineTrainerParams(), {})


def test_offline_training_on_the_first_interactions(tmp_path):
    make_run(tmp_path / "run", interactions=4)
    examples = examples_from_run(RunStore(tmp_path / "run"), max_interactions=2)
    path, metadata = train_offline(examples, tmp_path / "out", ModelSpec(),
                                   dataclasses.replace(SMALL, mask_loss="ce"), seed=3, steps=2,
                                   provenance={"trained_on": "run"})
    assert metadata.interactions_seen == 2 and metadata.step == 2 and metadata.loss == "ce"
    assert metadata.provenance["trained_on"] == "run" and metadata.provenance["training"]["mask_loss"] == "ce"
    assert load_checkpoint(path)[1].seed == 3


def test_a_model_that_proposes_nothing_leaves_the_frame_to_the_bootstrap(tmp_path):
    make_run(tmp_path)
    learner = OnlineLearner(params(tmp_path), {})
    learner.adopt_stored_labels()
    learner.train_step()
    path, sha256, _ = learner.save_checkpoint()
    rgb = RunStore(tmp_path).read_record("r000001").views["before"].rgb
    rows = np.arange(rgb.shape[0], dtype=np.float32)[:, None]
    bare_table = np.broadcast_to(1.0 / (0.8 + 0.004 * rows), rgb.shape[:2]).astype(np.float32)
    proposer = Proposer(HypothesisServerParams())
    proposer.load(path, sha256)
    view = types.SimpleNamespace(rgb=rgb, depth=bare_table, intrinsics=None)
    proposals, source, version = proposer.propose(view)
    assert source == "bottom_up" and version == 1 and proposals


def test_proposer_bootstraps_then_swaps_in_verified_models(tmp_path):
    make_run(tmp_path)
    learner = OnlineLearner(params(tmp_path, model=PATHAK, pretrained=False), {})
    learner.adopt_stored_labels()
    learner.train_step()
    path, sha256, _ = learner.save_checkpoint()
    rgb = RunStore(tmp_path).read_record("r000001").views["before"].rgb
    view = types.SimpleNamespace(rgb=rgb, depth=np.ones(rgb.shape[:2], np.float32), intrinsics=None)

    proposer = Proposer(HypothesisServerParams(model=PATHAK,
                                               segmenter=SegmenterParams(scales=(1.0,))))
    proposals, source, version = proposer.propose(view)
    assert source == "bottom_up" and version == 0 and proposals
    proposer.load(path, sha256)
    proposals, source, version = proposer.propose(view)
    assert source == "model" and version == 1 and proposals[0].mask.shape == rgb.shape[:2]

    (tmp_path / "corrupt.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        proposer.load(str(tmp_path / "corrupt.pt"))
    with pytest.raises(CheckpointError, match="sha256"):
        proposer.load(path, "0" * 64)
    other = Proposer(HypothesisServerParams(model=ModelSpec(window_px=96)))
    with pytest.raises(CheckpointError, match="window"):
        other.load(path)
    assert proposer.version == 1                        # the working model stays


def trained_versions(run_dir, versions):
    """A learner that trained a step before each of `versions` checkpoints."""
    make_run(run_dir)
    learner = OnlineLearner(params(run_dir), {})
    learner.adopt_stored_labels()
    saved = []
    for _ in range(versions):
        learner.train_step()
        saved.append(learner.save_checkpoint())
    return learner, saved


def truncate(path):
    path.write_bytes(path.read_bytes()[:100])


def test_resume_falls_back_to_the_newest_valid_checkpoint_with_a_fresh_optimiser(tmp_path):
    _, saved = trained_versions(tmp_path, 3)
    checkpoints = tmp_path / "checkpoints"
    truncate(checkpoints / checkpoint_name(3))
    (checkpoints / ".model_v000004.pt.x1.tmp").write_bytes(b"killed mid-write")
    resumed = OnlineLearner(params(tmp_path), {})
    assert resumed.version == 2 and resumed.trainer.steps == saved[1][2].step == 2
    assert (tmp_path / "quarantine" / "checkpoints__model_v000003.pt").exists()
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        checkpoint_name(1), checkpoint_name(2), TRAINER_STATE]
    assert resumed.save_checkpoint()[2].version == 3


def test_a_damaged_trainer_state_is_quarantined_and_training_goes_on(tmp_path, caplog):
    trained_versions(tmp_path, 2)
    truncate(tmp_path / "checkpoints" / TRAINER_STATE)
    resumed = OnlineLearner(params(tmp_path), {})
    assert resumed.version == 2 and resumed.trainer.steps == 2
    assert "fresh optimiser state" in caplog.text
    assert (tmp_path / "quarantine" / f"checkpoints__{TRAINER_STATE}").exists()
    resumed.train_step()


def test_damaged_records_are_quarantined_and_the_others_adopted(tmp_path):
    store = make_run(tmp_path)
    (store.record_dir("r000002") / "before_rgb.png").write_bytes(b"\x89PNG broken")
    record_json = store.record_dir("r000003") / "record.json"
    record_json.write_text(record_json.read_text()[:30])
    learner = OnlineLearner(params(tmp_path), {})
    assert learner.adopt_stored_labels() == 2
    assert learner.bank.record_ids() == {"r000001", "r000004"}
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == [
        "records__r000002", "records__r000003"]


def test_labels_are_banked_once_whether_delivered_or_only_stored(tmp_path):
    store = make_run(tmp_path, interactions=3)
    learner = OnlineLearner(params(tmp_path), {})
    delivered = next(examples_from_run(store))            # the labeler's message arrived
    assert learner.add(delivered) and not learner.add(delivered)
    assert learner.adopt_stored_labels() == 2             # written, never delivered
    make_run(tmp_path / "later", interactions=4)          # a label written after the start
    shutil.copytree(tmp_path / "later" / "records" / "r000004", store.record_dir("r000004"))
    assert learner.adopt_stored_labels() == 1 and learner.adopt_stored_labels() == 0
    assert len(learner.bank) == 4 and learner.examples_received == 4
    assert len(OnlineLearner(params(tmp_path), {}).bank) == 4


def announcing_proposer(checkpoint_dir):
    return Proposer(HypothesisServerParams(checkpoint_dir=str(checkpoint_dir),
                                           segmenter=SegmenterParams(scales=(1.0,))))


def test_announcements_load_only_newer_checkpoints_from_the_checkpoint_directory(tmp_path):
    _, saved = trained_versions(tmp_path / "run", 3)
    checkpoints = tmp_path / "run" / "checkpoints"
    proposer = announcing_proposer(checkpoints)
    path, sha256, _ = saved[1]
    outside = tmp_path / "elsewhere.pt"
    shutil.copy(path, outside)
    with pytest.raises(CheckpointError, match="outside the checkpoint directory"):
        proposer.load_announced(str(outside), None)
    (checkpoints / "link.pt").symlink_to(outside)
    with pytest.raises(CheckpointError, match="outside the checkpoint directory"):
        proposer.load_announced(str(checkpoints / "link.pt"), None)
    with pytest.raises(CheckpointError, match="outside"):
        proposer.load_announced(f"{checkpoints}/../../elsewhere.pt", None)
    with pytest.raises(CheckpointError, match="no checkpoint_dir"):
        announcing_proposer("").load_announced(path, sha256)
    os.mkfifo(checkpoints / "model_v000009.pt")
    with pytest.raises(CheckpointError, match="not a regular file"):
        proposer.load_announced(str(checkpoints / "model_v000009.pt"), None)

    assert proposer.load_announced(path, sha256).version == 2
    older, older_sha256, _ = saved[0]                    # announced as v3 or anything else
    with pytest.raises(CheckpointError, match=r"v1, step 1\) is not newer .*\(v2, step 2\)"):
        proposer.load_announced(older, older_sha256)
    assert proposer.version == 2
    assert proposer.load_announced(saved[2][0], saved[2][1]).version == 3


def test_the_newest_checkpoint_that_loads_is_the_start_model(tmp_path):
    trained_versions(tmp_path, 2)
    checkpoints = tmp_path / "checkpoints"
    truncate(checkpoints / checkpoint_name(2))
    proposer = announcing_proposer(checkpoints)
    assert proposer.load_newest(checkpoints).version == 1 and proposer.version == 1
    assert (checkpoints / checkpoint_name(2)).exists()        # the trainer quarantines, not it
    assert announcing_proposer(checkpoints).load_newest(tmp_path / "none") is None


def test_a_damaged_bank_example_is_quarantined_and_banked_again_from_its_record(tmp_path):
    make_run(tmp_path)
    OnlineLearner(params(tmp_path), {}).adopt_stored_labels()
    (tmp_path / "memory_bank" / "r000001_before_mid.npz").write_bytes(b"PK torn")
    resumed = OnlineLearner(params(tmp_path), {})
    assert len(resumed.bank) == 3 and resumed.adopt_stored_labels() == 1
    assert (tmp_path / "quarantine" / "memory_bank__r000001_before_mid.npz").exists()


def test_labels_just_written_wait_for_their_message(tmp_path):
    store = make_run(tmp_path, interactions=2)
    for record_id, written in (("r000001", 1000.0), ("r000002", 2000.0)):
        labels = store.record_dir(record_id) / "labels" / "labels.json"
        os.utime(labels, (written, written))
    learner = OnlineLearner(params(tmp_path), {})
    assert learner.adopt_stored_labels(written_before=2000.0) == 1        # r000002 waits
    assert learner.bank.record_ids() == {"r000001"}
    assert learner.adopt_stored_labels(written_before=2001.0) == 1
    assert learner.bank.record_ids() == {"r000001", "r000002"}
