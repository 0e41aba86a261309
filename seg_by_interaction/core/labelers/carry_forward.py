"""Labels carried forward: a positive mask labelled on one frame still labels its object on
a later frame of the same scene while the object has not moved, so later frames carry
labels of more objects than the one an interaction moved.

Whether a mask is still valid is judged from the frames alone, with no scene id or pose
(a real robot has neither): the later frame must show, under the mask, the colour and
depth the labelled frame showed there (`min_unchanged_share` of the pixels within
`colour_tolerance` on every channel and, where both frames have a reading,
`depth_tolerance_m`). An object that was moved, covered, or put down on, a new scene or
a reset sweep changes them, and the mask is forgotten for good. Each later frame is
compared with the frame the mask was labelled on, never with the last frame it was
carried to, so small changes cannot add up.
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


@dataclasses.dataclass(frozen=True)
class _Labelled:
    mask: np.ndarray            # HxW bool, on the frame it was labelled on
    rgb: np.ndarray             # K x 3: that frame's colours under the mask
    depth: np.ndarray | None    # K: its depths there (NaN = no reading), None without depth
    confidence: float
    source: str                 # "<record id> <frame pair>"


class StillObjects:
    """The positive masks labelled so far whose objects have not moved since."""

    def __init__(self, params: CarryForwardParams = CarryForwardParams()):
        self.params = params
        self._labelled: list[_Labelled] = []

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
            view = views[frame]
            self._labelled = [known for known in self._labelled
                              if not _same_object(known.mask, label.mask)]
            depth = None if view.depth is None else view.depth[label.mask]
            self._labelled.append(_Labelled(label.mask, view.rgb[label.mask], depth,
                                            label.confidence, f"{record_id} {label.frame_pair}"))
        del self._labelled[:-self.params.max_objects]

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
