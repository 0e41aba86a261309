"""Label noise you can set, for controlled studies of the methods for noisy labels
(`bootstrapping.py`, `sample_selection.py`): the simulated world's labels are nearly
clean, so the trainer can corrupt a share of the positive labels it draws. Labels are
corrupted at training time only; nothing stored changes.

A label is corrupted or not, and how, by a generator seeded from `seed` and the example's
id: the same label is wrong the same way every time it is drawn, in every training seed
and on resume, as a labeler's mistake would be. Each corrupted label gets one of `kinds`:

- "dilate": grown by a disc of radius `strength` x the object's equivalent radius
  (sqrt(area / pi)), at least 1 px: the label takes in table and neighbours;
- "erode": shrunk by the same radius (the deepest pixels survive an erosion that would
  leave nothing): the label misses the object's rim;
- "merge": united with the mask of the nearest other labelled object of the same frame
  (two objects labelled as one); labels without another in their frame get one of the
  other kinds;
- "drop": the `strength` share of the mask beyond a straight cut at a random angle
  removed (a part of the object missed).
"""
from __future__ import annotations

import dataclasses
import math
import zlib

import cv2
import numpy as np

from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.core.validated import setting

KINDS = ("dilate", "erode", "merge", "drop")


@dataclasses.dataclass(frozen=True, kw_only=True)
class LabelNoiseParams:
    rate: float = setting(0.0, "share of the positive labels corrupted (0: none)",
                          min=0.0, max=1.0)
    strength: float = setting(0.3, "dilation and erosion radius relative to the object's "
                                   "equivalent radius; share of the mask dropped",
                              min=0.01, max=1.0)
    kinds: tuple[str, ...] = setting(KINDS, f"corruptions chosen from, at random: {KINDS}")
    seed: int = setting(0, "which labels are corrupted, and how", min=0)

    def __post_init__(self):
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown or not self.kinds:
            raise ValueError(f"label noise kinds must be some of {list(KINDS)}, "
                             f"got {list(self.kinds)}")


class LabelNoise:
    def __init__(self, params: LabelNoiseParams):
        self.params = params

    def corrupt(self, example: Example, frame_examples: list[Example]) -> Example:
        """`example` with its label corrupted, if it is one of the `rate` share chosen;
        `frame_examples`: the labelled examples of its frame (merge partners)."""
        p = self.params
        if not (example.positive and p.rate):
            return example
        rng = np.random.default_rng([p.seed, zlib.crc32(example.example_id.encode())])
        if rng.random() >= p.rate:
            return example
        others = [e.mask for e in frame_examples
                  if e.positive and e.example_id != example.example_id and e.mask.any()]
        kinds = [kind for kind in p.kinds if kind != "merge" or others]
        if not kinds:
            return example
        kind = kinds[int(rng.integers(len(kinds)))]
        return dataclasses.replace(example, mask=corrupted(example.mask, kind, p.strength,
                                                           rng, others))


def corrupted(mask: np.ndarray, kind: str, strength: float, rng: np.random.Generator,
              others: list[np.ndarray]) -> np.ndarray:
    radius = max(1.0, strength * math.sqrt(np.count_nonzero(mask) / math.pi))
    if kind == "dilate":
        return dilated(mask, radius)
    if kind == "erode":
        return eroded(mask, radius)
    if kind == "merge":
        return merged(mask, others)
    return dropped(mask, strength, rng.uniform(0.0, 2.0 * math.pi))


def dilated(mask: np.ndarray, radius: float) -> np.ndarray:
    return _distance_to(mask) <= radius


def eroded(mask: np.ndarray, radius: float) -> np.ndarray:
    depth = _distance_to(~mask)
    kept = depth > radius
    return kept if kept.any() else depth >= depth.max()


def merged(mask: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """`mask` united with the nearest of `others` (nearest pixel to pixel)."""
    distance = _distance_to(mask)
    nearest = min(others, key=lambda other: distance[other].min())
    return mask | nearest


def dropped(mask: np.ndarray, share: float, angle: float) -> np.ndarray:
    """`mask` without the `share` of its pixels furthest along the direction `angle`."""
    rows, cols = np.nonzero(mask)
    along = cols * math.cos(angle) + rows * math.sin(angle)
    cut = np.quantile(along, 1.0 - share)
    kept = mask.copy()
    kept[rows[along > cut], cols[along > cut]] = False
    return kept


def _distance_to(mask: np.ndarray) -> np.ndarray:
    """Each pixel's Euclidean distance to the nearest pixel of `mask` (0 on it)."""
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
