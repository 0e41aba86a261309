"""Labels carried forward and back: a positive mask labelled on one frame also labels its
object on the other frames of the same scene while the object has not moved, so frames
carry labels of more objects than the one an interaction moved. Forward: a later frame
gets the masks of earlier labels. Back: when an interaction labels an object that earlier
frames showed where it stood (it stayed put until it was acted on), those frames get its
mask too; their records' stored labels are extended.

Whether a mask is still valid is judged from the frames alone, with no scene id or pose
(a real robot has neither): the other frame must show, under the mask, the colour and
depth the labelled frame showed there (`min_unchanged_share` of the pixels within
`colour_tolerance` on every channel and, where both frames have a reading,
`depth_tolerance_m`). An object that was moved, covered, or put down on, a new scene or
a reset sweep changes them, and the mask is forgotten for good (forward) or carried no
further back. Each frame is compared with the frame the mask was labelled on, never with
the last frame it was carried to, so small changes cannot add up.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.labelers.base import CARRIED_PREFIX, Label, pair_frames
from seg_by_interaction.core.validated import setting

SAME_OBJECT_OVERLAP = 0.5   # masks overlapping this much of the smaller label one object


@dataclasses.dataclass(frozen=True, kw_only=True)
class CarryForwardParams:
    enabled: bool = setting(True, "carry positive masks forward to later frames while their "
                                  "object has not moved")
    colour_tolerance: int = setting(30, "a pixel is unchanged when no colour channel differs by "
                                        "more than this (0-255)", min=0, max=255)
    depth_tolerance_m: float = setting(0.005, "... and its depth by no more than this, where both "
                                              "frames have a reading", min=0.0, max=1.0)
    min_unchanged_share: float = setting(0.95, "a mask is still valid when at least this share "
                                               "of its pixels is unchanged", min=0.0, max=1.0)
    max_objects: int = setting(20, "most masks remembered at once (the oldest are forgotten)",
                               min=1, max=1000)
    back_frames: int = setting(10, "earlier before-frames a new mask may be carried back to "
                                   "(0 = carry forward only)", min=0, max=100)


@dataclasses.dataclass(frozen=True)
class _Labelled:
    mask: np.ndarray            # HxW bool, on the frame it was labelled on
    rgb: np.ndarray             # K x 3: that frame's colours under the mask
    depth: np.ndarray | None    # K: its depths there (NaN = no reading), None without depth
    confidence: float
    source: str                 # "<record id> <frame pair>"


@dataclasses.dataclass
class _Frame:
    record_id: str
    view: RGBDView              # the record's before frame
    masks: list[np.ndarray]     # the positive masks it carries
    carried: int                # carried labels it has (the next one's number)


class StillObjects:
    """The positive masks labelled so far whose objects have not moved since, and the
    recent before-frames that masks may be carried back to."""

    def __init__(self, params: CarryForwardParams = CarryForwardParams()):
        self.params = params
        self._labelled: list[_Labelled] = []
        self._frames: list[_Frame] = []

    def carry(self, frame: RGBDView, labels: list[Label]) -> list[Label]:
        """Positive labels on `frame` for the remembered objects it shows unchanged, except
        those `labels` (made on the same record) already label; masks whose object changed
        are forgotten."""
        shares = {id(known): self._unchanged_share(known, frame) for known in self._labelled}
        unchanged = {key: share for key, share in shares.items()
                     if share >= self.params.min_unchanged_share}
        self._labelled = [known for known in self._labelled if id(known) in unchanged]
        on_frame = [label.mask for label in labels
                    if label.positive and pair_frames(label.frame_pair)[0] == "before"]
        carried = [known for known in self._labelled
                   if not any(_same_object(known.mask, mask) for mask in on_frame)]
        return [_carried_label(index, known, frame, unchanged[id(known)])
                for index, known in enumerate(carried)]

    def remember(self, record_id: str, views: dict[str, RGBDView], labels: list[Label]) -> None:
        """The positive labels an interaction made (not those carried), on their frames; an
        older mask of the same spot is replaced."""
        for label in labels:
            frame = pair_frames(label.frame_pair)[0]
            carried = label.frame_pair.startswith(CARRIED_PREFIX)
            if not label.positive or carried or frame not in views:
                continue
            self._labelled = [known for known in self._labelled
                              if not _same_object(known.mask, label.mask)]
            self._labelled.append(_labelled(label, views[frame], f"{record_id} {label.frame_pair}"))
        del self._labelled[:-self.params.max_objects]

    def carry_back(self, record_id: str, before: RGBDView, labels: list[Label]
                   ) -> dict[str, list[Label]]:
        """Labels, by earlier record, of the objects that `labels` (all of the record's,
        carried ones included) label on its before frame and that earlier before-frames
        showed unchanged: newest first, as far back as each stayed put. The before frame is
        then remembered as one that later masks may be carried back to."""
        on_frame = [label for label in labels
                    if label.positive and pair_frames(label.frame_pair)[0] == "before"]
        carried: dict[str, list[Label]] = {}
        for label in on_frame:
            if label.frame_pair.startswith(CARRIED_PREFIX):
                continue
            known = _labelled(label, before, f"{record_id} {label.frame_pair}")
            for earlier in reversed(self._frames):
                share = self._unchanged_share(known, earlier.view)
                if share < self.params.min_unchanged_share:
                    break
                if any(_same_object(known.mask, mask) for mask in earlier.masks):
                    continue
                carried.setdefault(earlier.record_id, []).append(
                    _carried_label(earlier.carried, known, earlier.view, share))
                earlier.masks.append(known.mask)
                earlier.carried += 1
        if self.params.back_frames:
            count = sum(label.frame_pair.startswith(CARRIED_PREFIX) for label in labels)
            self._frames.append(_Frame(record_id, before, [label.mask for label in on_frame],
                                       count))
            del self._frames[:-self.params.back_frames]
        return carried

    def _unchanged_share(self, known: _Labelled, frame: RGBDView) -> float:
        if frame.rgb.shape[:2] != known.mask.shape:
            return 0.0
        p = self.params
        colour = np.abs(frame.rgb[known.mask].astype(np.int16) - known.rgb).max(axis=1)
        same = colour <= p.colour_tolerance
        if known.depth is not None and frame.depth is not None:
            depth = frame.depth[known.mask]
            with np.errstate(invalid="ignore"):
                moved = np.abs(depth - known.depth) > p.depth_tolerance_m   # False if no reading
            same &= ~moved
        return float(np.count_nonzero(same) / same.size)


def _labelled(label: Label, view: RGBDView, source: str) -> _Labelled:
    depth = None if view.depth is None else view.depth[label.mask]
    return _Labelled(label.mask, view.rgb[label.mask], depth, label.confidence, source)


def _same_object(first: np.ndarray, second: np.ndarray) -> bool:
    overlap = np.count_nonzero(first & second)
    return overlap >= SAME_OBJECT_OVERLAP * min(np.count_nonzero(first), np.count_nonzero(second))


def _carried_label(index: int, known: _Labelled, frame: RGBDView, share: float) -> Label:
    rows, cols = np.nonzero(known.mask)
    centre = (float(cols.mean()), float(rows.mean()))
    return Label(f"{CARRIED_PREFIX}{index}", frame.rgb, known.mask, True, known.confidence, centre,
                 f"carried from {known.source}: {share:.0%} of it unchanged",
                 {"unchanged_share": share, "component_area_px": float(rows.size)},
                 labeler="carry_forward")
