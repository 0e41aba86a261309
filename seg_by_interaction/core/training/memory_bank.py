"""A bounded memory of labelled examples on disk, which the trainer samples its batches
from (Lohmann et al. 2020 keep such a memory of past interactions).

Each example is one compressed `<example_id>.npz` (image, mask and its metadata as
JSON), so the files alone are enough to rebuild the bank; `index.json` lists the examples
the bank holds. Both are written atomically, the example first, so a killed writer leaves
at worst an example the index does not list yet, which the next opening adopts. Opening
a directory restores the bank: unreadable files are moved aside (by the `quarantine`
given, else renamed `.corrupt`) with a warning, and an unreadable or stale index is
rebuilt from the files that load. One process writes a bank.

Positives and negatives each have a capacity; beyond it the oldest example of that class
goes, oldest by `created_seq`, then by arrival. Sampling draws each class in proportion
to per-example priorities (1 until `set_priority` changes them; all equal is uniform).
Priorities live in memory only: a reopened bank samples uniformly again.

A bank on disk keeps only each example's metadata in memory, and the pixels of the last
`cache_examples` examples drawn: a frame with its depth and mask is about 0.6 MB at
320x240, so thousands of them held at once would grow the trainer by gigabytes over a
long run; an example not in the cache is read from its file again (about 5-12 ms here).
An example whose file no longer reads then is set aside as at opening and left out.

Without a directory the bank lives in memory only, for a fixed set of examples that is
already stored elsewhere (offline training on a recorded run's labels).
"""
from __future__ import annotations

import bisect
import collections
import dataclasses
import io
import json
import logging
import math
import pathlib
import re
import zipfile
from typing import Callable, Iterable, NamedTuple

import numpy as np

from seg_by_interaction.core.files import (remove_partial_writes, write_bytes_atomic,
                                           write_json_atomic)

log = logging.getLogger(__name__)

INDEX_NAME = "index.json"
UNLIMITED = 10 ** 9
EXAMPLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
UNREADABLE = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile)


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class Example:
    """One labelled window of a full frame."""
    example_id: str
    image: np.ndarray                 # HxWx3 uint8 RGB, the whole frame
    mask: np.ndarray                  # HxW bool: the object (positive) or the tried hypothesis
    positive: bool
    action_px: tuple[float, float]    # (u, v) where the interaction acted
    confidence: float = 1.0           # the labeler's, in [0, 1]
    record_id: str = ""
    frame_pair: str = ""
    labeler: str = ""
    created_seq: int = 0              # position in the labeler's stream; older goes first
    depth: np.ndarray | None = None   # HxW float32 metres of the same frame, if it has depth
    frame: str = ""                   # the record's frame labelled; examples of one frame
                                      # share it and are trained on together (dense models)

    @property
    def frame_key(self) -> str:
        """Examples of the same frame of the same record share it."""
        return f"{self.record_id}/{self.frame}" if self.frame else self.example_id

    def __post_init__(self):
        if not EXAMPLE_ID.fullmatch(self.example_id):
            raise ValueError(f"example_id {self.example_id!r} must match {EXAMPLE_ID.pattern} "
                             "(it names the example's file)")
        if self.image.dtype != np.uint8 or self.image.ndim != 3 or self.image.shape[2] != 3:
            raise ValueError(f"image must be HxWx3 uint8, got {self.image.dtype} {self.image.shape}")
        if self.mask.dtype != bool or self.mask.shape != self.image.shape[:2]:
            raise ValueError(f"mask must be a bool array of shape {self.image.shape[:2]}, "
                             f"got {self.mask.dtype} {self.mask.shape}")
        if self.depth is not None and (self.depth.dtype != np.float32 or
                                       self.depth.shape != self.image.shape[:2]):
            raise ValueError(f"depth must be a float32 array of shape {self.image.shape[:2]}, "
                             f"got {self.depth.dtype} {self.depth.shape}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")
        u, v = self.action_px
        object.__setattr__(self, "action_px", (float(u), float(v)))
        object.__setattr__(self, "positive", bool(self.positive))
        object.__setattr__(self, "confidence", float(self.confidence))
        object.__setattr__(self, "created_seq", int(self.created_seq))


METADATA = ("example_id", "positive", "action_px", "confidence", "record_id", "frame_pair",
            "labeler", "created_seq", "frame")


class Held(NamedTuple):
    """What the bank keeps in memory of each example it holds."""
    positive: bool
    created_seq: int
    frame_key: str
    record_id: str

    @classmethod
    def of(cls, example: Example) -> Held:
        return cls(example.positive, example.created_seq, example.frame_key, example.record_id)


class MemoryBank:
    def __init__(self, directory: str | pathlib.Path | None, capacity_positive: int = 2000,
                 capacity_negative: int = 2000,
                 quarantine: Callable[[pathlib.Path, str], None] | None = None,
                 cache_examples: int = 256):
        if min(capacity_positive, capacity_negative, cache_examples) < 1:
            raise ValueError("capacities and the cache must be at least 1")
        self.directory = None if directory is None else pathlib.Path(directory)
        self._quarantine = quarantine or _rename_corrupt
        self._capacity = {True: capacity_positive, False: capacity_negative}
        self._cache_examples = UNLIMITED if directory is None else cache_examples
        self._held: dict[str, Held] = {}
        self._loaded: collections.OrderedDict[str, Example] = collections.OrderedDict()
        self._arrival: dict[str, int] = {}
        self._priority: dict[str, float] = {}
        self._by_age: dict[bool, list[str]] = {True: [], False: []}
        self._by_frame: dict[str, set[str]] = {}
        self._next_arrival = 0
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._restore()

    @classmethod
    def in_memory(cls, examples: Iterable[Example]) -> MemoryBank:
        """A bank without files or capacity limit, holding `examples`."""
        bank = cls(None, capacity_positive=UNLIMITED, capacity_negative=UNLIMITED)
        for example in examples:
            bank.add(example)
        return bank

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, example_id: str) -> bool:
        return example_id in self._held

    @property
    def pixels_held(self) -> int:
        """How many examples have their images, masks and depth in memory."""
        return len(self._loaded)

    def record_ids(self) -> set[str]:
        """The interaction records the held examples come from."""
        return {held.record_id for held in self._held.values() if held.record_id}

    def counts(self) -> tuple[int, int]:
        """(positives, negatives) held."""
        return len(self._by_age[True]), len(self._by_age[False])

    def add(self, example: Example) -> bool:
        """Store `example`; False if its id is already held, or if its class is full of
        newer examples (it would be evicted at once)."""
        if example.example_id in self._held:
            return False
        ages = self._by_age[example.positive]
        arrival = self._next_arrival
        if len(ages) >= self._capacity[example.positive] and \
                (example.created_seq, arrival) < self._age(ages[0]):
            return False
        if self.directory is None:
            self._insert(example, arrival)
            self._evict_beyond_capacity(example.positive)
            return True
        write_bytes_atomic(self._path(example.example_id), _encode(example, arrival))
        self._insert(example, arrival)
        evicted = self._evict_beyond_capacity(example.positive)
        self._write_index()
        for example_id in evicted:
            self._path(example_id).unlink(missing_ok=True)
        return True

    def sample(self, n_positive: int, n_negative: int,
               rng: np.random.Generator) -> list[Example]:
        """`n_positive` positives then `n_negative` negatives, each drawn in proportion to
        its priority; without replacement when the class holds enough."""
        return self._draw(True, n_positive, rng) + self._draw(False, n_negative, rng)

    def same_frame(self, example: Example) -> list[Example]:
        """The held examples of `example`'s frame (itself included if held), oldest first;
        ValueError if one no longer reads from its file (it is set aside)."""
        ids = sorted(self._by_frame.get(example.frame_key, ()), key=self._age)
        return [self._example(i) for i in ids]

    def set_priority(self, example_ids: Iterable[str], values: Iterable[float]) -> None:
        """Sampling weights (> 0) of the given examples; ids no longer held are ignored."""
        for example_id, value in zip(example_ids, values, strict=True):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"priority of {example_id} must be finite and > 0, got {value}")
            if example_id in self._priority:
                self._priority[example_id] = float(value)

    def _draw(self, positive: bool, n: int, rng: np.random.Generator) -> list[Example]:
        ids = self._by_age[positive]
        if n == 0:
            return []
        if not ids:
            raise ValueError(f"cannot sample {n} {'positive' if positive else 'negative'} "
                             "examples: the bank holds none")
        weights = np.array([self._priority[i] for i in ids])
        picks = rng.choice(len(ids), size=n, replace=n > len(ids), p=weights / weights.sum())
        chosen = [ids[i] for i in picks]       # drawing may forget an unreadable one from ids
        return [self._example(example_id) for example_id in chosen]

    def _example(self, example_id: str) -> Example:
        """The held example with its pixels: from the cache, else from its file."""
        if example_id in self._loaded:
            self._loaded.move_to_end(example_id)
            return self._loaded[example_id]
        path = self._path(example_id)
        try:
            example, _ = _decode(path)
        except UNREADABLE as error:
            self._forget([example_id])
            self._write_index()
            if path.exists():
                self._quarantine(path, f"memory bank: setting aside unreadable {path.name} "
                                       f"({error})")
            raise ValueError(f"memory bank example {example_id} no longer reads from "
                             f"{path}: {error}") from error
        self._cache(example)
        return example

    def _cache(self, example: Example) -> None:
        self._loaded[example.example_id] = example
        while len(self._loaded) > self._cache_examples:
            self._loaded.popitem(last=False)

    def _age(self, example_id: str) -> tuple[int, int]:
        return self._held[example_id].created_seq, self._arrival[example_id]

    def _insert(self, example: Example, arrival: int) -> None:
        self._held[example.example_id] = Held.of(example)
        self._cache(example)
        self._arrival[example.example_id] = arrival
        self._priority[example.example_id] = 1.0
        self._by_frame.setdefault(example.frame_key, set()).add(example.example_id)
        self._next_arrival = max(self._next_arrival, arrival + 1)
        bisect.insort(self._by_age[example.positive], example.example_id, key=self._age)

    def _evict_beyond_capacity(self, positive: bool) -> list[str]:
        ages = self._by_age[positive]
        evicted = ages[:max(0, len(ages) - self._capacity[positive])]
        self._forget(evicted)
        return evicted

    def _forget(self, example_ids: list[str]) -> None:
        for example_id in list(example_ids):
            held = self._held.pop(example_id)
            self._by_age[held.positive].remove(example_id)
            frame = self._by_frame[held.frame_key]
            frame.discard(example_id)
            if not frame:
                del self._by_frame[held.frame_key]
            self._loaded.pop(example_id, None)
            del self._arrival[example_id], self._priority[example_id]

    def _path(self, example_id: str) -> pathlib.Path:
        return self.directory / f"{example_id}.npz"

    def _write_index(self) -> None:
        write_json_atomic(self.directory / INDEX_NAME, {"format": 1, "examples": self._index()})

    def _index(self) -> list[str]:
        return sorted(self._held, key=self._arrival.__getitem__)

    def _restore(self) -> None:
        remove_partial_writes(self.directory)
        listed = self._read_index()
        for path in sorted(self.directory.glob("*.npz")):
            try:
                example, arrival = _decode(path)
            except UNREADABLE as error:
                self._quarantine(path, f"memory bank: skipping unreadable {path.name} ({error})")
                continue
            self._insert(example, arrival)
        evicted = self._evict_beyond_capacity(True) + self._evict_beyond_capacity(False)
        for example_id in evicted:
            self._path(example_id).unlink(missing_ok=True)
        if listed != self._index():
            if listed is not None:
                log.warning("memory bank %s: the index listed %d examples, the files hold %d; "
                            "rebuilding it", self.directory, len(listed), len(self))
            self._write_index()

    def _read_index(self) -> list[str] | None:
        """The ids the index lists; None if there is no readable index."""
        path = self.directory / INDEX_NAME
        if not path.exists():
            return None
        try:
            return list(json.loads(path.read_text())["examples"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("memory bank %s: unreadable index, rebuilding it (%s)", self.directory,
                        error)
            return None


def _rename_corrupt(path: pathlib.Path, reason: str) -> None:
    log.warning(f"{reason}, moved aside as {path.name}.corrupt")
    path.rename(path.with_name(f"{path.name}.corrupt"))


def _encode(example: Example, arrival: int) -> bytes:
    metadata = {name: getattr(example, name) for name in METADATA} | {"arrival": arrival}
    buffer = io.BytesIO()
    depth = {} if example.depth is None else {"depth": example.depth}
    np.savez_compressed(buffer, image=example.image, mask=example.mask,
                        metadata=np.array(json.dumps(metadata)), **depth)
    return buffer.getvalue()


def _decode(path: pathlib.Path) -> tuple[Example, int]:
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        image, mask = data["image"], data["mask"]
        depth = data["depth"] if "depth" in data.files else None
    arrival = int(metadata.pop("arrival"))
    if metadata["example_id"] != path.stem:
        raise ValueError(f"holds example {metadata['example_id']!r}")
    metadata["action_px"] = tuple(float(v) for v in metadata["action_px"])
    return Example(image=image, mask=mask, depth=depth, **metadata), arrival
