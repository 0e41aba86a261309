"""Pathak et al. (2018)'s labeler: what changed between the two frames of a pair, around
the action pixel.

In each pair the labelled frame L shows the object at the action pixel and the other
frame O shows that spot without it (see `base.frame_pairs`). The rule:

1. Window: a square of `window_px` (240 px at Pathak's 350x430 frames) centred on the
   action pixel, scaled with the image's shorter side (165 px at 320x240) and clipped
   to the image. Nothing outside it is looked at.
2. Changed pixels: a colour channel differs by at least `colour_threshold`, or the
   depth by at least `depth_threshold_m` where both frames have a reading (depth
   changes alone first pass an opening of `depth_opening_px`, depth noise being denser
   than colour noise). An opening (`opening_px`) removes specks and thin lines, then a
   closing (`closing_px`) joins parts split by thin unchanged gaps (an edge that sits
   in the same place in both frames).
3. The changed component containing the action pixel, or the nearest one within
   `max_action_distance_px` (scaled like the window). None: negative.
4. Its convex hull, minus the pixels where L does not show an object, is the mask: a
   pushed object covers the pixels where its old and new places overlap in both
   frames, unchanged, so the mask may not stop at the changed pixels. Where L has depth
   and the table plane around the hull is found (RANSAC), L shows an object where its
   surface stands at least the depth threshold above the table: this drops shadows,
   the object's new place in O, and background in the hull. Elsewhere a changed pixel
   stays if L's colour is at least as far as O's from the colours of the unchanged
   pixels outside the hull (the background), an unchanged one if the component
   encloses it.
5. The largest part of that, after another opening, is positive when its area reaches
   `min_component_px` (at 350x430, scaled with the image area) and, with depth, when
   the object left it or it covers the object: at least `min_object_coverage` of the
   mask shows, in O, a surface at least the depth threshold farther than in L (what
   stood there is gone: lifted, or pushed off its place, even if it touched another
   object), or, failing that, the mask covers at least `min_object_coverage` of the
   surface above the table it lies on (4-connected, split where neighbouring depths
   step by over 2 cm): a pushed object changes all of it, a nudged one only its rims.
   Otherwise negative; a negative's mask is the hypothesis acted on if it is on the
   labelled frame, else the window. A pair that may only say what moved
   (`FramePair.positives_only`, a pick blocked before it lifted) gives no negative, and
   a positive only when the object left its place (depth is needed): a finger that
   nudged an object changes its rims, which a coverage test can mistake for a move.

Confidence is the margin from the decision. Positive: (1 - area threshold / area) times
the share left or the coverage, whichever passed (with a table), times
`cut_off_confidence` if the mask reaches the window's edge (the object may be cut off,
or the change is not one object). Negative: 1 when nothing changed near the action,
1 - area / area threshold for a small component, 1 - coverage / minimum coverage for a
partial one.

Known limits: without depth, shadows stay in the mask and a pushed uniform object may
lose the part it still covers, and an object lifted off another of the same height is
judged by coverage alone (negative); a uniform object pushed along itself by less than
its length changes two separate strips, and the one taken covers too little of the
object: negative.

Defaults were tuned on the simulated train split (Sawyer camera, 320x240; 40 scenes of
lifting, pushing by 4 cm and nudging by 4 mm one object, and 40 real pick-and-places).
Pathak's area threshold of 1000 px (510 px at 320x240) would reject the lifts of the
smallest third of those objects (135 to 450 px), so it is 200 here (102 px at
320x240); the coverage test, not the area, keeps nudges negative.
"""
from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import has_reading, table_depth
from seg_by_interaction.core.labelers.base import (FramePair, Label, PairLabeler, action_window,
                                                   negative_label, scaled_area_px)
from seg_by_interaction.core.labelers.change import (COLOUR_THRESHOLD, DEPTH_OPENING_PX,
                                                      DEPTH_THRESHOLD_M, changed_pixels)
from seg_by_interaction.core.labelers.morphology import (close_mask, component_near, dilate,
                                                        fill_holes, largest_part, open_mask)
from seg_by_interaction.core.validated import setting

REFERENCE_SIZE = (350, 430)     # Pathak et al.'s frames (height, width) the sizes refer to
COLOUR_LEVELS = 16              # per channel, quantising colours for the background palette
TABLE_RING_DIVISOR = 16         # the table is fitted in a ring 1/16 of the window wide
SURFACE_STEP_M = 0.02           # neighbouring pixels this far apart in depth are two surfaces


@dataclasses.dataclass(frozen=True, kw_only=True)
class FrameDifferenceParams:
    window_px: int = setting(240, "side of the square window around the action pixel at "
                                  "350x430 frames; scaled with the shorter image side",
                             min=8, max=4000)
    colour_threshold: int = setting(COLOUR_THRESHOLD, "a pixel changed when a colour "
                                                      "channel differs by at least this (0-255)",
                                    min=1, max=255)
    use_depth: bool = setting(True, "use depth where the frames have it")
    depth_threshold_m: float = setting(DEPTH_THRESHOLD_M, "a pixel changed when its depth "
                                                          "differs by at least this; an object "
                                                          "stands at least this high above the "
                                                          "table", min=0.001, max=1.0)
    depth_opening_px: int = setting(DEPTH_OPENING_PX, "side of the square opening applied to "
                                                      "depth changes alone, before they join "
                                                      "the colour changes", min=1, max=31)
    opening_px: int = setting(3, "side of the square opening that removes specks and thin "
                                 "lines from the changed pixels (1 = none)", min=1, max=31)
    closing_px: int = setting(5, "side of the square closing that then joins changed parts "
                                 "split by thin unchanged gaps (1 = none)", min=1, max=31)
    max_action_distance_px: int = setting(20, "farthest the changed component may lie from "
                                              "the action pixel at 350x430 frames; scaled with "
                                              "the shorter image side", min=0, max=4000)
    max_place_distance_px: int = setting(60, "the same for the place pixel of a pick-and-place "
                                             "(mid_after pair): an object grasped off its centre "
                                             "lands off the place point by up to its size, and "
                                             "only the placed object changes between mid and "
                                             "after", min=0, max=4000)
    min_component_px: int = setting(200, "smallest positive mask at 350x430 frames; scaled "
                                         "with the image area", min=1)
    min_object_coverage: float = setting(0.7, "with depth, the share of the connected surface "
                                              "above the table a positive mask must cover",
                                         min=0.0, max=1.0)
    cut_off_confidence: float = setting(0.5, "confidence factor of a positive whose mask "
                                             "reaches the window's edge", min=0.0, max=1.0)

    def scaled_window_px(self, height: int, width: int) -> int:
        return max(1, round(self.window_px * _length_scale(height, width)))

    def scaled_action_distance_px(self, height: int, width: int, place: bool = False) -> int:
        distance = self.max_place_distance_px if place else self.max_action_distance_px
        return round(distance * _length_scale(height, width))

    def scaled_min_area_px(self, height: int, width: int) -> int:
        return scaled_area_px(self.min_component_px, (height, width), REFERENCE_SIZE)


class FrameDifferenceLabeler(PairLabeler):
    def __init__(self, params: FrameDifferenceParams = FrameDifferenceParams()):
        self.params = params

    def label_pair(self, pair: FramePair, hypothesis_mask: np.ndarray | None) -> Label:
        p = self.params
        height, width = pair.labelled.size
        side = p.scaled_window_px(height, width)
        reach = p.scaled_action_distance_px(height, width, place=not pair.is_before)
        window, action = action_window(pair.action_px, side, (height, width))
        here, other = self._crop(pair.labelled, window), self._crop(pair.other, window)
        changed = self._changed(here, other)
        component, distance = component_near(
            close_mask(open_mask(changed, p.opening_px), p.closing_px), action, reach)
        quality = {"window_px": side, "min_area_px": p.scaled_min_area_px(height, width),
                   "changed_fraction": float(changed.mean()), "component_area_px": 0}
        negative = functools.partial(negative_label, pair, hypothesis_mask, window, quality)
        if distance is None:
            return negative(f"nothing changed in the {side} px window", 1.0)
        quality["distance_to_action_px"] = distance
        if component is None:
            return negative(f"no changed pixel within {reach} px of the action (nearest at "
                            f"{distance:.0f} px)", 1.0)
        crop, coverage = self._object_mask(here, other, component, changed, quality)
        mask = np.zeros((height, width), bool)
        mask[window] = crop
        return self._decide(pair, mask, _reaches_edge(crop), coverage,
                            _left_share(crop, here, other, self.params.depth_threshold_m),
                            quality, negative)

    def _crop(self, frame: RGBDView, window) -> RGBDView:
        """The window of `frame`, with its depth only if depth is used."""
        depth = frame.depth[window] if self.params.use_depth and frame.depth is not None else None
        return RGBDView(frame.rgb[window], depth)

    def _changed(self, here: RGBDView, other: RGBDView) -> np.ndarray:
        p = self.params
        return changed_pixels(here, other, p.colour_threshold, p.depth_threshold_m,
                              p.depth_opening_px)

    def _object_mask(self, here: RGBDView, other: RGBDView, component: np.ndarray, changed: np.ndarray,
                     quality: dict) -> tuple[np.ndarray, float | None]:
        """The mask in the window (step 4) and the share of its surface above the table
        it covers (None without a table)."""
        region = _convex_hull(component)
        above = self._above_table(here, region, changed)
        background, query = ~changed & ~region, changed & region
        unlike_background = (_background_distance(here.rgb, background, query) >=
                             _background_distance(other.rgb, background, query))
        shows_object = np.where(changed, unlike_background, fill_holes(component))
        if above is not None:
            shows_object = np.where(has_reading(here.depth), above, shows_object)
        crop = largest_part(open_mask(region & shows_object, self.params.opening_px))
        quality.update(removed_px=int(np.count_nonzero(region & changed & ~shows_object)),
                       table_found=float(above is not None))
        if above is None or not crop.any():
            return crop, None
        return crop, _coverage(crop, open_mask(above, self.params.opening_px), here.depth)

    def _above_table(self, here: RGBDView, region: np.ndarray,
                     changed: np.ndarray) -> np.ndarray | None:
        """Pixels whose surface stands above the table plane fitted in a ring of unchanged
        pixels around `region`; None without depth or without a plane there."""
        if here.depth is None:
            return None
        has_depth = has_reading(here.depth)
        ring = dilate(region, max(1, max(region.shape) // TABLE_RING_DIVISOR))
        threshold = self.params.depth_threshold_m
        table = table_depth(here.depth, ring & ~region & ~changed & has_depth, threshold)
        if table is None:
            return None
        return has_depth & (table - np.where(has_depth, here.depth, table) >= threshold)

    def _decide(self, pair: FramePair, mask: np.ndarray, edge: bool, coverage: float | None,
                left: float | None, quality: dict, negative) -> Label:
        p = self.params
        area, threshold = int(np.count_nonzero(mask)), quality["min_area_px"]
        quality.update(component_area_px=area, reaches_window_edge=float(edge))
        if coverage is not None:
            quality["object_coverage"] = coverage
        if left is not None:
            quality["left_share"] = left
        if area < threshold:
            return negative(f"component of {area} px < {threshold} px threshold",
                            1.0 - area / threshold)
        reason = f"component of {area} px >= {threshold} px threshold"
        if left is not None and left >= p.min_object_coverage:
            coverage, reason = left, reason + f", {left:.0%} of it left"
        elif pair.positives_only:
            return negative(f"component of {area} px of which {left or 0:.0%} left: a blocked "
                            f"pick teaches only what its fingers moved off its place", 1.0)
        elif coverage is not None and coverage < p.min_object_coverage:
            return negative(f"component of {area} px covers {coverage:.0%} of the surface above "
                            f"the table it lies on (< {p.min_object_coverage:.0%}) and "
                            f"{left or 0:.0%} of it left: the object barely moved or moved "
                            f"with another", 1.0 - coverage / p.min_object_coverage)
        confidence = (1.0 - threshold / area) * (1.0 if coverage is None else coverage)
        if edge:
            confidence *= p.cut_off_confidence
            reason += ", reaching the window's edge"
        return Label(pair.name, pair.labelled.rgb, mask, True, confidence, pair.action_px,
                     reason, quality)


def _length_scale(height: int, width: int) -> float:
    return min(height, width) / min(REFERENCE_SIZE)


def _background_distance(rgb: np.ndarray, background: np.ndarray,
                         query: np.ndarray) -> np.ndarray:
    """At the `query` pixels of `rgb` (0 elsewhere), how far their colour is from the
    nearest colour of its `background` pixels, in colour bins of 256 / COLOUR_LEVELS."""
    occupied = np.bincount(_colour_bins(rgb[background]), minlength=COLOUR_LEVELS ** 3)
    palette = _bin_colours(np.flatnonzero(occupied))
    distances = np.zeros(rgb.shape[:2])
    if palette.size == 0:
        return distances
    colours, pixels = np.unique(_colour_bins(rgb[query]), return_inverse=True)
    gaps = np.linalg.norm(_bin_colours(colours)[:, None] - palette[None], axis=2).min(axis=1)
    distances[query] = gaps[pixels]
    return distances


def _colour_bins(rgb: np.ndarray) -> np.ndarray:
    levels = (rgb // (256 // COLOUR_LEVELS)).astype(np.intp)
    return (levels[..., 0] * COLOUR_LEVELS + levels[..., 1]) * COLOUR_LEVELS + levels[..., 2]


def _bin_colours(bins: np.ndarray) -> np.ndarray:
    return np.stack([bins // COLOUR_LEVELS ** 2, bins // COLOUR_LEVELS % COLOUR_LEVELS,
                     bins % COLOUR_LEVELS], axis=-1).astype(float)


def _left_share(crop: np.ndarray, here: RGBDView, other: RGBDView,
                threshold: float) -> float | None:
    """The share of the mask's pixels (with depth in both frames) where the other frame
    sees a surface at least `threshold` farther away: what stood there has gone. None
    without depth or without a reading under the mask."""
    if here.depth is None or other.depth is None:
        return None
    both = crop & has_reading(here.depth) & has_reading(other.depth)
    if not both.any():
        return None
    gone = other.depth[both] - here.depth[both] >= threshold
    return float(np.count_nonzero(gone) / gone.size)


def _coverage(mask: np.ndarray, above: np.ndarray, depth: np.ndarray) -> float:
    """The share of the surface above the table that `mask` lies on that it covers; one
    surface is 4-connected and has no depth step over SURFACE_STEP_M between neighbours
    (objects next to each other in the image are apart in depth)."""
    solid = (above | mask) & ~_depth_steps(depth)
    _, labels = cv2.connectedComponents(solid.astype(np.uint8), connectivity=4)
    surfaces, overlaps = np.unique(labels[mask & solid], return_counts=True)
    if surfaces.size == 0:
        return 0.0
    surface = labels == surfaces[np.argmax(overlaps)]
    return float(np.count_nonzero(mask & surface) / np.count_nonzero(surface))


def _depth_steps(depth: np.ndarray) -> np.ndarray:
    """Pixels whose depth differs from a 4-neighbour's by more than SURFACE_STEP_M."""
    steps = np.zeros(depth.shape, bool)
    with np.errstate(invalid="ignore"):
        rows = np.abs(np.diff(depth, axis=0)) > SURFACE_STEP_M
        cols = np.abs(np.diff(depth, axis=1)) > SURFACE_STEP_M
    steps[1:] |= rows
    steps[:-1] |= rows
    steps[:, 1:] |= cols
    steps[:, :-1] |= cols
    return steps


def _convex_hull(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    hull = cv2.convexHull(np.column_stack([cols, rows]).astype(np.int32))
    filled = np.zeros(mask.shape, np.uint8)
    cv2.fillConvexPoly(filled, hull, 1)
    return filled.astype(bool) | mask


def _reaches_edge(crop: np.ndarray) -> bool:
    return bool(crop[0].any() or crop[-1].any() or crop[:, 0].any() or crop[:, -1].any())
