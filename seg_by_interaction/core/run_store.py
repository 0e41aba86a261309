"""The run directory: everything one data-collection run produced, stored as it happens.

    <run>/run.json                       what started the run (command, robot, seed, commit)
    <run>/records/<record_id>/           one interaction, written to a hidden temporary
        record.json                      directory and renamed into place when complete
        before_rgb.png  before_depth.png  (depth: 16-bit millimetres, 0 = no reading)
        mid_rgb.png     mid_depth.png     (pick-and-place only)
        after_rgb.png   after_depth.png
        hypothesis_mask.png               the mask acted on (when there was one)
        ground_truth_<frame>.png          simulated worlds only: instance ids, for measuring
                                          labels; nothing that learns reads them
        labels/labels.json                the labeler's decisions, written last
        labels/<frame_pair>_mask.png
    <run>/memory_bank/                   the online trainer's examples
    <run>/checkpoints/model_v<NNNNNN>.pt  and trainer_state.pt (optimiser, to resume)
    <run>/trainer_log.jsonl              training losses over steps
    <run>/quarantine/                    stored files that failed to load, moved aside

record.json holds a `RecordMeta` (the primitive and its parameters, the outcome and its
reason, the action and place pixels, the hypothesis acted on, the phase timings), then the
record ID, the camera intrinsics and the camera pose at each image's time. Record IDs
count up (`r000042`), so a killed run resumes after its last complete record; nothing else
names a record's directory. Only `write_record` writes a record; `read_record` (and
`read_meta`, without the images) read it, raising DamagedFile when it does not load, and
`intact` moves what is damaged (the record, or only its labels) into quarantine/ so the
run goes on without it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import pathlib
import re
import shutil
from typing import Any, Callable, Container, Iterator, TypeVar

import cv2
import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.files import write_json_atomic, write_png_atomic
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.images import depth_to_metres, metres_to_millimetres
from seg_by_interaction.core.interaction.kinds import COLLECTED
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.validated import from_dict, to_dict

log = logging.getLogger(__name__)

FRAMES = ("before", "mid", "after")
RECORD_PREFIX = "r"
RECORD_ID = re.compile(rf"{RECORD_PREFIX}\d{{6,}}")
QUARANTINE = "quarantine"
LABELS_FILE = "labels.json"
UNREADABLE = (OSError, ValueError, KeyError, TypeError)
T = TypeVar("T")


class StorageError(OSError):
    """The run directory does not take what is written to it (disk full, read-only, no
    permission): the collection must stop until it does."""


class DamagedFile(ValueError):
    """A stored file that does not load; `path` is what to move aside for the run to go
    on: a record's directory, or its labels."""

    def __init__(self, path: pathlib.Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path


@dataclasses.dataclass(frozen=True, kw_only=True)
class HypothesisRef:
    """The hypothesis an interaction acted on (its mask is stored beside the record)."""
    id: str
    source: str
    score: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class RecordMeta:
    """What one interaction was and how it went. Fields in record.json's order."""
    primitive: str                                  # a kind of kinds.KINDS
    outcome: Outcome
    reason: str = ""
    robot: str = ""
    camera: str = ""
    action_px: tuple[float, float] | None = None    # on the before frame
    place_px: tuple[float, float] | None = None     # pick_place: where it went down, on after
    target: tuple[float, ...] | None = None         # planning frame, metres
    yaw: float = 0.0
    width: float = 0.0
    place_xy: tuple[float, float] | None = None
    direction: tuple[float, ...] | None = None
    magnitude: str | None = None                    # poke only
    model_version: int = 0                          # of the model that proposed the hypothesis
    hypothesis: HypothesisRef | None = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    wall_time: float = 0.0

    @property
    def is_interaction(self) -> bool:
        """With the objects, of a kind the collector chooses (not a reset sweep)."""
        return self.primitive in COLLECTED

    @property
    def counts_as_interaction(self) -> bool:
        """Spends one of the collection's interactions: not a sweep, nor an interaction
        cancelled before it ended (a stop; a resumed run makes up for it)."""
        return self.is_interaction and self.outcome != Outcome.CANCELLED

    def to_json(self) -> dict:
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        hypothesis = self.hypothesis
        return {**fields, "outcome": self.outcome.name,
                "hypothesis": dataclasses.asdict(hypothesis) if hypothesis is not None else None}

    @classmethod
    def from_json(cls, data: dict) -> RecordMeta:
        fields = {field.name: _tupled(data[field.name]) for field in dataclasses.fields(cls)
                  if field.name in data}
        hypothesis = data.get("hypothesis")
        return cls(**{**fields, "outcome": Outcome[data["outcome"]],
                      "hypothesis": HypothesisRef(**hypothesis) if hypothesis else None})


@dataclasses.dataclass(frozen=True)
class StoredRecord:
    record_id: str
    meta: RecordMeta
    views: dict[str, RGBDView]
    hypothesis_mask: np.ndarray | None = None

    def ground_truth(self, frame: str) -> np.ndarray | None:
        return self.views[frame].ground_truth if frame in self.views else None


class RunStore:
    def __init__(self, run_dir: str | pathlib.Path):
        self.root = pathlib.Path(run_dir)
        self.records_dir = self.root / "records"
        self.records_dir.mkdir(parents=True, exist_ok=True)

    @property
    def memory_bank_dir(self) -> pathlib.Path:
        return self.root / "memory_bank"

    @property
    def checkpoint_dir(self) -> pathlib.Path:
        return self.root / "checkpoints"

    @property
    def trainer_log(self) -> pathlib.Path:
        """One JSON line per few training steps: step, losses, examples received."""
        return self.root / "trainer_log.jsonl"

    def record_ids(self) -> list[str]:
        """Complete records, oldest first (temporary directories of a killed writer are not
        records)."""
        return sorted(p.name for p in self.records_dir.iterdir()
                      if RECORD_ID.fullmatch(p.name) and (p / "record.json").is_file())

    def count_interactions(self) -> int:
        """Complete records of interactions with objects: reset sweeps do not count, nor
        interactions cancelled before they ended (a stop; a resumed run makes up for them)."""
        return sum(meta.counts_as_interaction for _, meta in self.metas())

    def metas(self, skip: Container[str] = ()) -> Iterator[tuple[str, RecordMeta]]:
        """(record_id, meta) of every record that loads and is not in `skip`, oldest
        first; damaged ones are quarantined."""
        for record_id in self.record_ids():
            if record_id in skip:
                continue
            if (meta := self.intact(self.read_meta, record_id)) is not None:
                yield record_id, meta

    def read_meta(self, record_id: str) -> RecordMeta:
        """A record's meta without its images."""
        with _damage_names(self.record_dir(record_id)):
            return RecordMeta.from_json(self._record_json(record_id))

    def _record_json(self, record_id: str) -> dict:
        return _read_json(self.record_dir(record_id) / "record.json")

    def next_record_id(self) -> str:
        ids = self.record_ids()
        number = int(ids[-1][len(RECORD_PREFIX):]) + 1 if ids else 1
        return f"{RECORD_PREFIX}{number:06d}"

    def record_dir(self, record_id: str) -> pathlib.Path:
        if not RECORD_ID.fullmatch(record_id):
            raise ValueError(f"{record_id!r} is not a record id ({RECORD_ID.pattern})")
        return self.records_dir / record_id

    def intact(self, read: Callable[[str], T], record_id: str) -> T | None:
        """`read(record_id)`, or None once what is damaged has been quarantined."""
        try:
            return read(record_id)
        except DamagedFile as damage:
            self.quarantine(damage.path, str(damage))
            return None

    def quarantine(self, path: pathlib.Path, reason: str) -> None:
        """Move a damaged file or directory of the run into quarantine/ (a rename: atomic),
        logged with its name and the reason. Several nodes may find the same damage: what
        another moved first is left alone."""
        name = path.relative_to(self.root).as_posix().replace("/", "__")
        folder = self.root / QUARANTINE
        target = folder / name
        copies = 1
        while target.exists():
            copies += 1
            target = folder / f"{name}.{copies}"
        try:
            folder.mkdir(exist_ok=True)
            os.rename(path, target)
        except FileNotFoundError:
            return
        except OSError as error:
            log.error(f"{path} does not load ({reason}) and cannot be moved aside: "
                      f"{error.strerror}")
            return
        log.warning(f"quarantined {path.relative_to(self.root)} as {target.relative_to(self.root)}"
                    f": {reason}")

    def write_record(self, record_id: str, meta: RecordMeta, views: dict[str, RGBDView],
                     hypothesis_mask: np.ndarray | None = None) -> pathlib.Path:
        """Write every file into a temporary directory, then rename it into place: a
        record is either complete or absent."""
        final = self.record_dir(record_id)
        if final.exists():
            raise FileExistsError(f"record {record_id} already exists in {self.records_dir}")
        staging = self.records_dir / f".{record_id}.partial"
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            for name, view in views.items():
                _write_view(staging, name, view)
            if hypothesis_mask is not None and hypothesis_mask.any():
                write_png_atomic(staging / "hypothesis_mask.png",
                                 hypothesis_mask.astype(np.uint8) * 255)
            intrinsics = next((v.intrinsics for v in views.values() if v.intrinsics is not None),
                              None)
            write_json_atomic(staging / "record.json", {
                **meta.to_json(), "record_id": record_id,
                "intrinsics": to_dict(intrinsics) if intrinsics is not None else None,
                "frames": {name: _view_meta(view) for name, view in views.items()}})
            os.rename(staging, final)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise StorageError(error.errno, f"cannot store record {record_id} in "
                                            f"{self.records_dir}: {error.strerror}") from error
        return final

    def read_record(self, record_id: str) -> StoredRecord:
        directory = self.record_dir(record_id)
        with _damage_names(directory):
            data = self._record_json(record_id)
            intrinsics = (from_dict(PinholeIntrinsics, data["intrinsics"])
                          if data.get("intrinsics") else None)
            views = {name: _read_view(directory, name, frame_meta, intrinsics)
                     for name, frame_meta in data["frames"].items()}
            mask_path = directory / "hypothesis_mask.png"
            mask = _read_png(mask_path) > 0 if mask_path.exists() else None
            return StoredRecord(record_id, RecordMeta.from_json(data), views, mask)

    def write_labels(self, record_id: str, labels: list[dict], masks: dict[str, np.ndarray]) -> None:
        """The labeler's decisions for one record; labels.json is written last, so its
        presence means the record is labelled."""
        labels_dir = self.record_dir(record_id) / "labels"
        try:
            for pair, mask in masks.items():
                write_png_atomic(labels_dir / f"{pair}_mask.png", mask.astype(np.uint8) * 255)
            write_json_atomic(labels_dir / LABELS_FILE, labels)
        except OSError as error:
            raise StorageError(error.errno, f"cannot store the labels of {record_id} in "
                                            f"{labels_dir}: {error.strerror}") from error

    def free_space_problem(self, min_free_mb: float) -> str:
        """Why the run directory cannot take another interaction ('' if it can)."""
        free_mb = shutil.disk_usage(self.root).free / 2 ** 20
        if free_mb < min_free_mb:
            return (f"only {free_mb:.0f} MB free on the file system mounted at "
                    f"{mount_point(self.root)}, which holds the run directory {self.root}: less "
                    f"than the {min_free_mb:g} MB an interaction may need")
        return ""

    def unlabelled_interactions(self) -> list[str]:
        """Records of interactions that have no labels stored yet."""
        return [record_id for record_id, meta in self.metas() if meta.counts_as_interaction
                and not (self.record_dir(record_id) / "labels" / LABELS_FILE).exists()]

    def labels_written_at(self, record_id: str) -> float:
        """When the record's labels were stored (seconds since the epoch)."""
        return (self.record_dir(record_id) / "labels" / LABELS_FILE).stat().st_mtime

    def read_labels(self, record_id: str) -> list[dict] | None:
        """Each label's decision with its `mask` (bool array) attached; None if unlabelled."""
        labels_dir = self.record_dir(record_id) / "labels"
        path = labels_dir / LABELS_FILE
        if not path.exists():
            return None
        with _damage_names(labels_dir):
            labels = _read_json(path)
            for label in labels:
                label["mask"] = _read_png(labels_dir / f"{label['frame_pair']}_mask.png") > 0
            return labels

    def write_run_info(self, info: dict[str, Any]) -> None:
        """run.json; a resumed run keeps its original and appends the resume."""
        path = self.root / "run.json"
        if path.exists():
            existing = json.loads(path.read_text())
            existing.setdefault("resumed", []).append(info)
            info = existing
        write_json_atomic(path, info)


def mount_point(path: pathlib.Path) -> pathlib.Path:
    """The mount point of the file system that holds `path`."""
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path


@contextlib.contextmanager
def _damage_names(path: pathlib.Path):
    """Whatever fails while reading the files under `path` is a DamagedFile naming it."""
    try:
        yield
    except UNREADABLE as error:
        raise DamagedFile(path, f"does not load: {type(error).__name__}: {error}") from error


def _read_json(path: pathlib.Path):
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from error


def _write_view(directory: pathlib.Path, name: str, view: RGBDView) -> None:
    write_png_atomic(directory / f"{name}_rgb.png", view.rgb)
    write_png_atomic(directory / f"{name}_depth.png", metres_to_millimetres(view.depth))
    if view.ground_truth is not None:
        write_png_atomic(directory / f"ground_truth_{name}.png", view.ground_truth.astype(np.uint16))


def _view_meta(view: RGBDView) -> dict:
    return {"stamp": view.stamp,
            "camera_position": list(view.camera_pose.position),
            "camera_orientation_xyzw": list(view.camera_pose.orientation_xyzw)}


def _read_view(directory: pathlib.Path, name: str, meta: dict,
               intrinsics: PinholeIntrinsics | None) -> RGBDView:
    truth_path = directory / f"ground_truth_{name}.png"
    return RGBDView(rgb=_read_png(directory / f"{name}_rgb.png")[:, :, ::-1].copy(),
                    depth=depth_to_metres(_read_png(directory / f"{name}_depth.png"), "16UC1"),
                    camera_pose=Pose(position=meta["camera_position"],
                                     orientation_xyzw=meta["camera_orientation_xyzw"]),
                    intrinsics=intrinsics, stamp=meta["stamp"],
                    ground_truth=_read_png(truth_path) if truth_path.exists() else None)


def _tupled(value):
    return tuple(value) if isinstance(value, list) else value


def _read_png(path: pathlib.Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot read image {path}")
    return image
