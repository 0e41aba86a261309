"""Model checkpoints: one file each, `model_v{version:06d}.pt`, holding the network's
state dict and its metadata as plain data, so `torch.load(weights_only=True)` reads it
without running pickled code. Files are written atomically, and loading refuses a file
that is truncated, altered (sha256), for another model spec, or missing tensors."""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import os
import pathlib
import re
import stat
from typing import Any

import torch

from seg_by_interaction.core.files import write_bytes_atomic
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.network import DeepMask
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.validated import ConfigError, from_dict, setting, to_dict

MAX_CHECKPOINT_MB = 1024
_NAME = re.compile(r"model_v(\d{6,})\.pt")
_SPEC_FIELD_LABELS = {"architecture": "architecture", "window_px": "window (px)",
                      "mask_size": "mask size", "mean": "normalisation mean",
                      "std": "normalisation std"}


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable, altered or does not fit the expected model."""


class CheckpointMismatch(CheckpointError):
    """An intact checkpoint made for another model spec."""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CheckpointMetadata:
    spec: ModelSpec = setting(description="the model the weights are for")
    version: int = setting(description="increases by one with each published model", min=0)
    step: int = setting(0, "optimiser steps taken", min=0)
    interactions_seen: int = setting(0, "robot interactions the training data came from", min=0)
    examples_seen: int = setting(0, "labelled examples trained on, with repetition", min=0)
    seed: int = setting(0, "random seed of the training run")
    loss: str = setting("", "training loss, e.g. 'bce'")
    created: str = dataclasses.field(default_factory=_now)   # ISO 8601, UTC
    provenance: dict[str, Any] = setting({}, "free-form: config, code commit, parent model...")
    metrics: dict[str, float] = setting({}, "evaluation figures, e.g. ap30")


def checkpoint_name(version: int) -> str:
    if version < 0:
        raise ValueError(f"checkpoint version {version} is negative")
    return f"model_v{version:06d}.pt"


def checkpoints_newest_first(directory: str | pathlib.Path) -> list[pathlib.Path]:
    """The checkpoints in `directory`, highest version first; [] if it has none."""
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return []
    versions = {int(match[1]): path for path in directory.iterdir()
                if (match := _NAME.fullmatch(path.name))}
    return [versions[version] for version in sorted(versions, reverse=True)]


def latest_checkpoint(directory: str | pathlib.Path) -> pathlib.Path | None:
    """The checkpoint with the highest version in `directory`; None if it has none."""
    return next(iter(checkpoints_newest_first(directory)), None)


def save_checkpoint(path: str | pathlib.Path, network: DeepMask,
                    metadata: CheckpointMetadata) -> str:
    """Write the checkpoint atomically; returns the sha256 (hex) of the file."""
    if network.spec != metadata.spec:
        raise ValueError(f"the network's spec {network.spec} is not the metadata's "
                         f"{metadata.spec}")
    plain_metadata = to_dict(metadata)
    try:
        json.dumps(plain_metadata)
    except TypeError as error:
        raise ValueError(f"checkpoint metadata must be plain data (dicts, lists, strings, "
                         f"numbers): {error}") from error
    state = {name: tensor.detach().cpu() for name, tensor in network.state_dict().items()}
    buffer = io.BytesIO()
    torch.save({"metadata": plain_metadata, "state_dict": state}, buffer)
    data = buffer.getvalue()
    write_bytes_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def load_checkpoint(path: str | pathlib.Path, expected_spec: ModelSpec | None = None,
                    sha256: str | None = None, max_mb: float = MAX_CHECKPOINT_MB
                    ) -> tuple[DeepMask, CheckpointMetadata]:
    """The network (in eval mode) and metadata stored at `path`, a regular file of at most
    `max_mb`. With `sha256`, the file must have that hash; with `expected_spec`, the
    checkpoint must be for that spec. Its weights must be finite."""
    path = pathlib.Path(path)
    data = read_checkpoint_bytes(path, max_mb)
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256.lower():
        raise CheckpointError(f"checkpoint {path} does not have the expected sha256 {sha256} "
                              "(altered or a different file)")
    payload = _payload(path, data)
    metadata = _metadata(path, payload["metadata"])
    if expected_spec is not None and metadata.spec != expected_spec:
        raise CheckpointMismatch(f"checkpoint {path} is for another model: "
                              f"{spec_differences(expected_spec, metadata.spec)}")
    network = build_network(metadata.spec)
    _load_state(path, network, payload["state_dict"])
    return network.eval(), metadata


def read_checkpoint_bytes(path: pathlib.Path, max_mb: float = MAX_CHECKPOINT_MB) -> bytes:
    """The file's bytes, if it is a regular file (not a link, FIFO or device, which could
    block the reader or never end) of at most `max_mb`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (OSError, ValueError) as error:   # ValueError: a NUL in the path
        raise CheckpointError(f"cannot read checkpoint {path}: "
                              f"{getattr(error, 'strerror', None) or error}") from error
    limit = int(max_mb * 2 ** 20)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise CheckpointError(f"checkpoint {path} is not a regular file")
        if status.st_size > limit:
            raise CheckpointError(f"checkpoint {path} has {status.st_size} bytes, more than "
                                  f"the {max_mb:g} MB allowed")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error.strerror}") from error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise CheckpointError(f"checkpoint {path} grew beyond the {max_mb:g} MB allowed")
    return data


def spec_differences(expected: ModelSpec, found: ModelSpec) -> str:
    """'window (px) 64 expected, 96 found; ...' for every field where the specs differ."""
    differences = [f"{_SPEC_FIELD_LABELS.get(field.name, field.name)} "
                   f"{getattr(expected, field.name)!r} expected, "
                   f"{getattr(found, field.name)!r} found"
                   for field in dataclasses.fields(ModelSpec)
                   if getattr(expected, field.name) != getattr(found, field.name)]
    return "; ".join(differences)


def _payload(path: pathlib.Path, data: bytes) -> dict:
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # torch reports corruption with many exception types
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt: {error}") from error
    if not (isinstance(payload, dict) and isinstance(payload.get("metadata"), dict)
            and isinstance(payload.get("state_dict"), dict)):
        raise CheckpointError(f"{path} is not a checkpoint: it lacks metadata or a state dict")
    return payload


def _metadata(path: pathlib.Path, plain: dict) -> CheckpointMetadata:
    try:
        return from_dict(CheckpointMetadata, plain, where=f"{path} metadata")
    except ConfigError as error:
        raise CheckpointError(str(error)) from error


def _load_state(path: pathlib.Path, network: DeepMask, stored: dict) -> None:
    wanted = network.state_dict()
    not_tensors = [name for name, value in stored.items() if not isinstance(value, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"checkpoint {path} holds values that are not tensors: "
                              f"{_few(not_tensors)}")
    missing = [name for name in wanted if name not in stored]
    unexpected = [name for name in stored if name not in wanted]
    misshaped = [f"{name} {tuple(stored[name].shape)} (expected {tuple(tensor.shape)})"
                 for name, tensor in wanted.items()
                 if name in stored and stored[name].shape != tensor.shape]
    if missing or unexpected or misshaped:
        raise CheckpointError(f"checkpoint {path} does not fit a {network.spec.architecture} "
                              f"network: missing {_few(missing)}, unexpected "
                              f"{_few(unexpected)}, mis-shaped {_few(misshaped)}")
    not_finite = [name for name, tensor in stored.items()
                  if tensor.is_floating_point() and not torch.isfinite(tensor).all()]
    if not_finite:
        raise CheckpointError(f"checkpoint {path} has weights that are not finite (NaN or "
                              f"infinite): {_few(not_finite)}")
    network.load_state_dict(stored)


def _few(names: list[str]) -> str:
    return f"{names[:4]}{f' and {len(names) - 4} more' if len(names) > 4 else ''}"
