"""Checkpoints: a saved network comes back bit-exact with its metadata; files are written
atomically and identified by sha256; anything truncated, altered or for another model is
refused with a message that says why, and reading is bounded: regular files only, of a
limited size, with finite weights."""
import dataclasses
import hashlib
import os
import time

import pytest
import torch

from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.checkpoint import (CheckpointError, CheckpointMetadata,
                                                      checkpoint_name, latest_checkpoint,
                                                      load_checkpoint, save_checkpoint)
from seg_by_interaction.core.model.spec import ModelSpec

SPEC = ModelSpec(architecture="resnet18_deepmask", window_px=32, mask_size=8)


@pytest.fixture(scope="module")
def network():
    torch.manual_seed(0)
    return build_network(SPEC).eval()


@pytest.fixture
def metadata():
    return CheckpointMetadata(spec=SPEC, version=3, step=1200, interactions_seen=400,
                              examples_seen=38400, seed=7, loss="bce",
                              provenance={"config": {"lr": 0.001}, "commit": "abc123"},
                              metrics={"ap30": 0.41})


@pytest.fixture
def saved(tmp_path, network, metadata):
    path = tmp_path / checkpoint_name(metadata.version)
    return path, save_checkpoint(path, network, metadata)


def test_a_loaded_checkpoint_computes_exactly_what_was_saved(saved, network, metadata):
    path, _ = saved
    loaded, loaded_metadata = load_checkpoint(path, expected_spec=SPEC)
    images = torch.randn(2, 3, 64, 80)
    with torch.no_grad():
        for before, after in zip(network(images), loaded(images)):
            assert torch.equal(before, after)
    assert loaded_metadata == metadata
    assert not loaded.training


def test_the_returned_sha256_is_the_files_and_is_checked(saved):
    path, sha256 = saved
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    load_checkpoint(path, sha256=sha256)
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(path, sha256="0" * 64)


def test_saving_leaves_only_the_checkpoint(saved, network, metadata):
    path, _ = saved
    save_checkpoint(path, network, dataclasses.replace(metadata, step=1300))   # overwrite
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert load_checkpoint(path)[1].step == 1300


@pytest.mark.parametrize("damage", [lambda data: data[:len(data) // 2],
                                    lambda data: b"not a checkpoint" + data[16:],
                                    lambda data: b""],
                         ids=["truncated", "corrupt", "empty"])
def test_damaged_files_are_refused(saved, damage):
    path, _ = saved
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(path)


@pytest.mark.parametrize("make", [
    lambda path: os.mkfifo(path),
    lambda path: path.symlink_to("/dev/zero"),
    lambda path: path.mkdir(),
], ids=["fifo", "link to /dev/zero", "directory"])
def test_only_regular_files_are_read_and_nothing_blocks(tmp_path, make):
    path = tmp_path / checkpoint_name(1)
    make(path)
    started = time.monotonic()
    with pytest.raises(CheckpointError, match="not a regular file|cannot read"):
        load_checkpoint(path)
    assert time.monotonic() - started < 1.0


def test_a_device_file_is_refused():
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_checkpoint("/dev/zero")


def test_a_file_beyond_the_size_limit_is_refused_unread(saved):
    path, _ = saved
    with pytest.raises(CheckpointError, match="more than the 0.01 MB allowed"):
        load_checkpoint(path, max_mb=0.01)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_weights_that_are_not_finite_are_refused(saved, value):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["reduce.0.bias"][0] = value
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"not finite .*reduce\.0\.bias"):
        load_checkpoint(path)


def test_values_that_are_not_tensors_are_refused(saved):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["reduce.0.bias"] = 3
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="not tensors"):
        load_checkpoint(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / checkpoint_name(1))


@pytest.mark.parametrize("change, named", [
    ({"architecture": "efficientnet_lite0_deepmask"}, "architecture"),
    ({"window_px": 64}, "window"),
    ({"mask_size": 16}, "mask size"),
    ({"mean": (0.5, 0.5, 0.5)}, "normalisation mean"),
])
def test_a_checkpoint_for_another_spec_is_refused_naming_the_difference(saved, change, named):
    path, _ = saved
    with pytest.raises(CheckpointError, match=f"another model: {named}") as refused:
        load_checkpoint(path, expected_spec=dataclasses.replace(SPEC, **change))
    assert str(list(change.values())[0]) in str(refused.value)


def test_missing_and_misshaped_tensors_are_refused(tmp_path, network, metadata, saved):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    del payload["state_dict"]["reduce.0.bias"]
    payload["state_dict"]["mask_head.2.weight"] = torch.zeros(3, 512, 1, 1)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"missing \['reduce.0.bias'\].*"
                                              r"mask_head.2.weight \(3, 512, 1, 1\)"):
        load_checkpoint(path)


def test_invalid_metadata_is_refused(saved):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    payload["metadata"]["version"] = "three"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="version"):
        load_checkpoint(path)


def test_metadata_must_be_plain_data_and_match_the_network(tmp_path, network, metadata):
    with pytest.raises(ValueError, match="plain data"):
        save_checkpoint(tmp_path / "a.pt", network,
                        dataclasses.replace(metadata, provenance={"when": object()}))
    with pytest.raises(ValueError, match="spec"):
        save_checkpoint(tmp_path / "b.pt", network,
                        dataclasses.replace(metadata, spec=ModelSpec()))
    assert not list(tmp_path.iterdir())


def test_latest_checkpoint_is_the_highest_version(tmp_path):
    assert latest_checkpoint(tmp_path / "absent") is None
    assert latest_checkpoint(tmp_path) is None
    for name in [checkpoint_name(2), checkpoint_name(10), checkpoint_name(9),
                 checkpoint_name(1_000_000), f".{checkpoint_name(2_000_000)}.x1.tmp",
                 "model_v12.pt", "notes.txt"]:
        (tmp_path / name).touch()
    assert latest_checkpoint(tmp_path) == tmp_path / "model_v1000000.pt"
    (tmp_path / "model_v1000000.pt").unlink()
    assert latest_checkpoint(tmp_path) == tmp_path / "model_v000010.pt"


def test_checkpoint_names_sort_by_version():
    assert checkpoint_name(7) == "model_v000007.pt"
    with pytest.raises(ValueError):
        checkpoint_name(-1)
