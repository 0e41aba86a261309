"""Which camera images make one RGB-D frame: each image is checked on arrival (layout,
encoding, size, a stamp not from the future), and colour and depth are paired by
approximate time, as real drivers (Kinect, Orbbec) stamp them apart by a few ms."""
from __future__ import annotations

import dataclasses
from typing import Any

from seg_by_interaction.core.images import (COLOUR_ENCODINGS, DEPTH_ENCODINGS, ImageError,
                                            check_layout)
from seg_by_interaction.core.validated import setting

ENCODINGS_OF = {"rgb": COLOUR_ENCODINGS, "depth": DEPTH_ENCODINGS, "truth": ("mono16", "16UC1")}
STALE_NS = 5_000_000_000     # an image waiting this long for its other half is dropped


@dataclasses.dataclass(frozen=True, kw_only=True)
class FrameSyncParams:
    slop_s: float = setting(0.02, "colour and depth stamped at most this far apart form one "
                                  "frame; keep it under the camera's frame period, or images "
                                  "of consecutive frames can pair", min=0.0, max=1.0)
    max_future_s: float = setting(0.5, "images stamped further ahead of the node's clock are "
                                       "refused", min=0.0, max=60.0)
    depth_frame_id: str = setting("", "frame_id of depth images registered to the colour "
                                      "camera under another name ('' = the colour image's own)")
    unpaired_warning_s: float = setting(5.0, "warn when images arrive but none have paired for "
                                             "this long", min=0.1, max=600.0)
    restart_jump_s: float = setting(10.0, "a frame stamped this much before the last one is "
                                          "taken from a camera or simulator that restarted its "
                                          "clock, and kept; a frame less old is stale",
                                    min=0.0, max=1e9)


@dataclasses.dataclass(frozen=True)
class ImageHeader:
    """What is checked of an image before its pixels are decoded."""
    stamp_ns: int
    frame_id: str
    height: int
    width: int
    encoding: str
    step: int
    size: int


def check_image(kind: str, image: ImageHeader, expected_hw: tuple[int, int], now_ns: int,
                params: FrameSyncParams) -> None:
    """Raises ImageError when `image` cannot be the camera's `kind` image (rgb, depth, truth)
    of the expected size, or is stamped more than max_future_s after `now_ns` (0 = the
    clock has not started)."""
    check_layout(image.height, image.width, image.encoding, image.step, image.size)
    if image.encoding not in ENCODINGS_OF[kind]:
        raise ImageError(f"{kind} image in '{image.encoding}'; expected one of "
                         f"{ENCODINGS_OF[kind]}")
    if (image.height, image.width) != tuple(expected_hw):
        raise ImageError(f"{kind} image of {image.width}x{image.height}, the camera's are "
                         f"{expected_hw[1]}x{expected_hw[0]}")
    ahead_s = (image.stamp_ns - now_ns) / 1e9
    if now_ns > 0 and ahead_s > params.max_future_s:
        raise ImageError(f"{kind} image stamped {ahead_s:.3f} s in the future")


class FramePairer:
    """Pairs the images of each wanted kind whose stamps lie within the slop of the colour
    image's; a complete set is newer than the last, or so much older (restart_jump_s) that
    its source restarted its clock. Depth must be registered to colour."""

    def __init__(self, kinds: tuple[str, ...], params: FrameSyncParams):
        self.kinds = kinds
        self.params = params
        self._pending: dict[str, dict[int, tuple[ImageHeader, Any]]] = {k: {} for k in kinds}
        self.last_stamp_ns = -1

    def add(self, kind: str, header: ImageHeader, item: Any) -> dict[str, Any] | None:
        """The items of a complete frame (by kind) that this image completes, or None."""
        self._pending[kind][header.stamp_ns] = (header, item)
        colour = self._pending["rgb"]
        restarted_before_ns = self.last_stamp_ns - self.params.restart_jump_s * 1e9
        for rgb_stamp in sorted(colour, reverse=True):
            if restarted_before_ns < rgb_stamp <= self.last_stamp_ns:
                continue                                                  # stale
            matched = {k: self._nearest(k, rgb_stamp) for k in self.kinds}
            if all(m is not None for m in matched.values()):
                self._check_registered(matched["rgb"][0], matched["depth"][0])
                self.last_stamp_ns = rgb_stamp
                self._drop_through({k: m[0].stamp_ns for k, m in matched.items()})
                if rgb_stamp <= restarted_before_ns:     # what came before the restart never pairs
                    self._drop_after(rgb_stamp)
                return {k: m[1] for k, m in matched.items()}
        self._drop_stale(header.stamp_ns)
        return None

    def _nearest(self, kind: str, stamp_ns: int):
        slop_ns = self.params.slop_s * 1e9
        near = [s for s in self._pending[kind] if abs(s - stamp_ns) <= slop_ns]
        return self._pending[kind][min(near, key=lambda s: abs(s - stamp_ns))] if near else None

    def _check_registered(self, rgb: ImageHeader, depth: ImageHeader) -> None:
        expected = self.params.depth_frame_id or rgb.frame_id
        if depth.frame_id != expected:
            self._pending["depth"].pop(depth.stamp_ns)
            raise ImageError(f"depth in frame '{depth.frame_id}' is not registered to the colour "
                             f"frame '{rgb.frame_id}' (state depth_frame_id if it is)")

    def _drop_through(self, stamps: dict[str, int]) -> None:
        for kind, pending in self._pending.items():
            for stamp in [s for s in pending if s <= stamps[kind]]:
                del pending[stamp]

    def _drop_after(self, stamp_ns: int) -> None:
        for pending in self._pending.values():
            for stamp in [s for s in pending if s > stamp_ns]:
                del pending[stamp]

    def _drop_stale(self, newest_ns: int) -> None:
        for pending in self._pending.values():
            for stamp in [s for s in pending if s < newest_ns - STALE_NS]:
                del pending[stamp]


class UnpairedTime:
    """How long images have been arriving without making a frame: from the first image
    since the last frame, so that a camera silent for a while (the simulated one before it
    starts or during a motion) does not count as failing to pair."""

    def __init__(self):
        self._since_s: float | None = None

    def paired(self) -> None:
        self._since_s = None

    def unpaired_for(self, now_s: float) -> float:
        """Seconds since the first of the images that made no frame, this one included."""
        if self._since_s is None:
            self._since_s = now_s
        return now_s - self._since_s
