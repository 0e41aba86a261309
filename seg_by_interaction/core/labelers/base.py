"""What every mask labeler reads and makes: one interaction's frames and action pixels
in; labels out, each a mask on one frame, positive ("this is an object") or negative,
with a confidence, a reason in words and the figures behind it.

Frame pairs (Pathak et al. 2018): a pick-and-place is labelled from (before, mid), the
object in `before` around the grasp pixel, and from (mid, after), the object in `after`
around the place pixel; a push or poke from (before, after), the object in `before`
around the action pixel. In each pair one frame shows the object at the action pixel
(the labelled frame) and the other frame shows that spot without it.

A pick-and-place blocked before it lifted (a collision: no mid frame) is labelled from
(before, after) like a push, positives only: if the fingers moved what they hit, that is
an object's mask; if not, nothing is learnt, since a blocked arm says the grasp failed,
not that no object was there (a negative would teach that real objects are background).
"""
from __future__ import annotations

import abc
import dataclasses
import math

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import pixel_in_image
from seg_by_interaction.core.interaction.kinds import KINDS, LABELLED

# Each pair by name: (the labelled frame, the other frame). The labelled frame's pixel is
# the action pixel on `before`, the place pixel on `after`.
FRAME_PAIRS = {"before_mid": ("before", "mid"), "mid_after": ("after", "mid"),
               "before_after": ("before", "after")}
# Labels carried forward (`carry_forward`) are named carried_0, carried_1, ... in place of
# a frame pair: a mask on the before frame, with no other frame.
CARRIED_PREFIX = "carried_"
Pixel = tuple[float, float]     # (u, v) = (column, row)


@dataclasses.dataclass(frozen=True)
class Interaction:
    """One interaction as a labeler sees it; checked on construction (ValueError)."""
    primitive: str                          # one of kinds.LABELLED
    attempted: bool                         # the arm touched the scene (False: nothing to label)
    succeeded: bool                         # the primitive did what it was asked
    before: RGBDView
    mid: RGBDView | None                    # pick_place only: the object carried out of view
    after: RGBDView | None
    action_px: Pixel                        # on `before`
    place_px: Pixel | None = None           # pick_place: where the object went down, on `after`
    hypothesis_mask: np.ndarray | None = None   # HxW bool on `before`: the mask acted on

    def __post_init__(self):
        if self.primitive not in LABELLED:
            raise ValueError(f"unknown primitive '{self.primitive}'; one of {list(LABELLED)}")
        height, width = _check_frame("before", self.before)
        for name in ("mid", "after"):
            frame = getattr(self, name)
            if frame is not None and _check_frame(name, frame) != (height, width):
                raise ValueError(f"the {name} frame is {frame.size[1]}x{frame.size[0]} but the "
                                 f"before frame is {width}x{height}")
        _check_pixel("action pixel", self.action_px, "before", (height, width))
        if self.place_px is not None:
            _check_pixel("place pixel", self.place_px, "after", (height, width))
        mask = self.hypothesis_mask
        if mask is not None and (mask.dtype != bool or mask.shape != (height, width)):
            raise ValueError(f"the hypothesis mask must be a {width}x{height} bool array, got "
                             f"shape {mask.shape} of {mask.dtype}")


@dataclasses.dataclass(frozen=True)
class FramePair:
    name: str                  # one of FRAME_PAIRS
    labelled: RGBDView         # shows the object at the action pixel; the mask is on it
    other: RGBDView            # the same view without the object there
    action_px: Pixel           # on `labelled`
    is_before: bool            # `labelled` is the before frame (where the hypothesis was)
    positives_only: bool = False   # only what moved is learnt from it, never a negative


def pair_frames(frame_pair: str) -> tuple[str, str | None]:
    """(labelled frame, other frame) of a label's frame pair, or of a carried label
    (other frame None); ValueError for any other name."""
    if frame_pair in FRAME_PAIRS:
        return FRAME_PAIRS[frame_pair]
    if frame_pair.startswith(CARRIED_PREFIX) and frame_pair[len(CARRIED_PREFIX):].isdigit():
        return "before", None
    raise ValueError(f"unknown frame pair '{frame_pair}'; one of {list(FRAME_PAIRS)} or "
                     f"{CARRIED_PREFIX}<n>")


def frame_pairs(interaction: Interaction) -> tuple[list[FramePair], dict[str, str]]:
    """The pairs the interaction can be labelled from, and for each other pair of its
    primitive why it cannot."""
    i = interaction
    kind = KINDS[i.primitive]
    stopped = i.attempted and i.mid is None and bool(kind.stopped_pairs)
    pairs, skipped = [], {}
    for name in kind.stopped_pairs if stopped else kind.frame_pairs:
        reason = _why_not(i, name)
        if reason:
            skipped[name] = reason
            continue
        labelled, other = FRAME_PAIRS[name]
        is_before = labelled == "before"
        pairs.append(FramePair(name, getattr(i, labelled), getattr(i, other),
                               i.action_px if is_before else i.place_px, is_before, stopped))
    return pairs, skipped


@dataclasses.dataclass(frozen=True)
class Label:
    frame_pair: str            # one of FRAME_PAIRS, or carried_<n>
    image: np.ndarray          # the RGB the mask labels
    mask: np.ndarray           # HxW bool: the object (positive) or what was tried (negative)
    positive: bool
    confidence: float          # 0..1
    action_px: Pixel           # on `image`
    reason: str
    quality: dict[str, float]
    labeler: str = ""          # the labeler's name (LABELERS), set where labelers are chosen
    primitive: str = ""        # the primitive of the interaction labelled ("" if carried)

    def __post_init__(self):
        pair_frames(self.frame_pair)
        if self.mask.dtype != bool or self.mask.shape != self.image.shape[:2]:
            raise ValueError(f"a label's mask must be a bool array of the image's size "
                             f"{self.image.shape[:2]}, got {self.mask.shape} of {self.mask.dtype}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")


class Labeler(abc.ABC):
    """Turns an interaction into labels. Registered in `LABELERS` with the validated
    dataclass of its parameters; the constructor takes one instance of it."""

    @abc.abstractmethod
    def label(self, interaction: Interaction) -> list[Label]:
        """One label per frame pair `frame_pairs` offers; none if nothing was attempted."""

class PairLabeler(Labeler):
    """A labeler that labels each frame pair on its own; a pair that may only say what
    moved (`FramePair.positives_only`) keeps only a positive."""

    def label(self, interaction: Interaction) -> list[Label]:
        pairs, _ = frame_pairs(interaction)
        labels = [self.label_pair(pair, interaction.hypothesis_mask if pair.is_before else None)
                  for pair in pairs]
        return [label for label, pair in zip(labels, pairs)
                if label.positive or not pair.positives_only]

    @abc.abstractmethod
    def label_pair(self, pair: FramePair, hypothesis_mask: np.ndarray | None) -> Label:
        """The pair's label; `hypothesis_mask` is the mask acted on, if on `pair.labelled`."""


def scaled_area_px(area_px: int, size: tuple[int, int], reference: tuple[int, int]) -> int:
    """An area given at `reference` (height, width) frames, at frames of `size`."""
    return max(1, round(area_px * size[0] * size[1] / (reference[0] * reference[1])))


def negative_label(pair: FramePair, hypothesis_mask: np.ndarray | None, window, quality: dict,
              reason: str, confidence: float) -> Label:
    """A negative label: its mask is the hypothesis acted on, or else the window (slices)."""
    if hypothesis_mask is None:
        hypothesis_mask = np.zeros(pair.labelled.size, bool)
        hypothesis_mask[window] = True
    return Label(pair.name, pair.labelled.rgb, hypothesis_mask, False, confidence, pair.action_px,
                 reason, quality)


def action_window(action_px, side: int,
            size: tuple[int, int]) -> tuple[tuple[slice, slice], tuple[int, int]]:
    """The window's slices, clipped to the image, and the action pixel in it (u, v)."""
    u, v = round(action_px[0]), round(action_px[1])
    top, left = v - side // 2, u - side // 2
    rows = slice(max(0, top), min(size[0], top + side))
    cols = slice(max(0, left), min(size[1], left + side))
    return (rows, cols), (u - cols.start, v - rows.start)


def _why_not(interaction: Interaction, pair: str) -> str:
    if not interaction.attempted:
        return "the arm did not touch the scene (not attempted)"
    if "mid" in pair and interaction.mid is None:
        return "the interaction has no mid frame"
    if "after" in pair and interaction.after is None:
        return "the interaction has no after frame"
    if pair == "mid_after" and not interaction.succeeded:
        return "the pick-and-place did not succeed, so nothing was put down"
    if pair == "mid_after" and interaction.place_px is None:
        return "the interaction has no place pixel"
    return ""


def _check_frame(name: str, frame: RGBDView) -> tuple[int, int]:
    rgb, depth = frame.rgb, frame.depth
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"the {name} rgb must be an HxWx3 array, got "
                         f"{getattr(rgb, 'shape', type(rgb).__name__)}")
    if rgb.dtype != np.uint8:
        raise ValueError(f"the {name} rgb has dtype {rgb.dtype}; expected uint8")
    if depth is not None:
        if not isinstance(depth, np.ndarray) or depth.shape != rgb.shape[:2]:
            got = getattr(depth, "shape", type(depth).__name__)
            raise ValueError(f"the {name} depth must be an array of the rgb's size "
                             f"{rgb.shape[:2]}, got {got}")
        if depth.dtype != np.float32:
            raise ValueError(f"the {name} depth has dtype {depth.dtype}; expected float32 metres")
    return frame.size


def _check_pixel(what: str, pixel, frame: str, size: tuple[int, int]) -> None:
    height, width = size
    if len(pixel) != 2 or not all(math.isfinite(c) for c in pixel):
        raise ValueError(f"the {what} must be two finite numbers (u, v), got {pixel!r}")
    u, v = pixel
    if not pixel_in_image(pixel, height, width):
        raise ValueError(f"the {what} (u={u}, v={v}) is outside the {width}x{height} "
                         f"{frame} image")
