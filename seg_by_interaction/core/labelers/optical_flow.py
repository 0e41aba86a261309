"""Eitel et al. (2019)'s labeler (§III-B): what moved between the frames before and after
a push, segmented by its optical flow, with the push's start pixel as the prior.

The mask is on the before frame (the labelled frame of the `before_after` pair). The rule:

1. Flow: dense optical flow from the before to the after frame (OpenCV's DIS, or
   Farnebäck; FlowNet2, the paper's, needs a GPU and weights this project cannot fetch).
2. Table removal: where the before frame has depth and the table plane is found in it
   (`camera.table.table_depth`, the RANSAC fit the frame-difference labeler uses), flow
   on pixels less than `min_height_m` above the plane is set to zero: the table does not
   move, and flow there is the object's shadow or its edge smeared by the flow's
   smoothing. Flow shorter than `min_motion_px` is no motion.
3. Segments (the stand-in for the paper's normalized cuts on flow): the moving pixels are
   split into SLIC superpixels on the flow field (`superpixel_px` apart), the superpixels
   joined in a region adjacency graph whose edge weights are exp(-|mean flow difference|²
   / similarity²), and the graph cut recursively by Shi and Malik's normalized cut
   (`skimage.graph.cut_normalized`, threshold `ncut_threshold`). Objects moved together
   by one push share a segment only if they moved alike.
4. Rotation filter: a segment whose flow magnitudes have a standard deviation above
   `max_magnitude_std_px` (the paper's 15.0 at 640x480) is removed: a rotating object's
   flow varies along it, and its segment tends to cover only part of it.
5. Action prior: the segment containing the push's start pixel (the action pixel), or
   the nearest within `max_action_distance_px`, with holes filled, is the mask: positive
   when its area reaches `min_component_px`. Nothing moving near the action pixel, or a
   segment too small, is negative (the hypothesis acted on, or the window). A segment
   that the rotation filter removed gives a negative of confidence 0: the object moved,
   but its mask is not trusted either way.
6. Objects moved together (not in Eitel's rule; `object_split`, on by default): the
   mask is split by colour and the part at the action pixel kept, before its area is
   judged (`labelers.object_split`).

Sizes are given at the paper's 640x480 and scaled with the image's shorter side (areas
with the image area). Every decision keeps its reason and figures in `Label.quality`.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import has_reading, table_depth
from seg_by_interaction.core.labelers.base import (FramePair, Label, PairLabeler, action_window,
                                                   negative_label, scaled_area_px)
from seg_by_interaction.core.labelers.morphology import fill_holes, largest_part, open_mask
from seg_by_interaction.core.labelers.object_split import ObjectSplitParams, split_at_action
from seg_by_interaction.core.validated import setting

REFERENCE_SIZE = (480, 640)     # Eitel et al.'s Kinect frames (height, width) the sizes refer to
FLOW_METHODS = ("dis", "farneback")
NCUT_SEED = 0                   # the normalized cut's eigen-solver starts from random vectors
MAX_SUPERPIXELS = 150           # the normalized cut's cost grows fast with the graph's size


@dataclasses.dataclass(frozen=True, kw_only=True)
class OpticalFlowParams:
    method: str = setting("dis", "dense flow: OpenCV's DIS (medium preset) or Farnebäck",
                          choices=FLOW_METHODS)
    min_height_m: float = setting(0.005, "flow on pixels lower than this above the table plane "
                                         "is set to zero", min=0.0, max=0.1)
    min_motion_px: float = setting(2.0, "flow shorter than this at 640x480 is no motion; "
                                        "scaled with the shorter image side", min=0.0, max=100.0)
    opening_px: int = setting(3, "side of the square opening that removes specks from the "
                                 "moving pixels (1 = none)", min=1, max=31)
    superpixel_px: int = setting(16, "spacing of the flow superpixels at 640x480; scaled",
                                 min=2, max=200)
    similarity_px: float = setting(16.0, "flow difference at 640x480 (scaled) at which the "
                                        "graph's edge weight falls to 1/e", min=0.1, max=100.0)
    ncut_threshold: float = setting(0.1, "stop cutting a segment once its normalized cut "
                                         "would cost more than this (0-2)", min=0.0, max=2.0)
    max_magnitude_std_px: float = setting(15.0, "segments whose flow magnitudes have a "
                                                "larger standard deviation at 640x480 (scaled) "
                                                "are removed (Eitel: 15.0)", min=0.0)
    max_action_distance_px: int = setting(20, "farthest the segment may lie from the action "
                                              "pixel at 640x480; scaled", min=0, max=4000)
    window_px: int = setting(330, "side of the square a negative without a hypothesis mask "
                                  "covers, at 640x480; scaled", min=8, max=4000)
    min_component_px: int = setting(400, "smallest positive mask at 640x480; scaled with the "
                                         "image area", min=1)
    object_split: ObjectSplitParams = setting(ObjectSplitParams(), "the acted-on object split "
                                                                   "out of what moved together")

    def length_scale(self, height: int, width: int) -> float:
        return min(height, width) / min(REFERENCE_SIZE)

    def scaled_min_area_px(self, height: int, width: int) -> int:
        return scaled_area_px(self.min_component_px, (height, width), REFERENCE_SIZE)


class OpticalFlowLabeler(PairLabeler):
    def __init__(self, params: OpticalFlowParams = OpticalFlowParams()):
        self.params = params

    def label_pair(self, pair: FramePair, hypothesis_mask: np.ndarray | None) -> Label:
        p = self.params
        height, width = pair.labelled.size
        scale = p.length_scale(height, width)
        window, _ = action_window(pair.action_px, max(1, round(p.window_px * scale)), (height, width))
        quality: dict[str, float] = {"min_area_px": p.scaled_min_area_px(height, width)}

        def negative(reason: str, confidence: float) -> Label:
            return negative_label(pair, hypothesis_mask, window, quality, reason, confidence)

        height = self._height(pair.labelled)
        on_table = self._on_table(pair.labelled, height)
        other_table = self._on_table(pair.other, self._height(pair.other))
        quality["table_found"] = float(on_table is not None)
        flow = dense_flow(_blanked(pair.labelled.rgb, on_table), _blanked(pair.other.rgb, other_table),
                          p.method)
        if on_table is not None:
            flow[on_table] = 0.0
        magnitude = np.linalg.norm(flow, axis=2)
        moving = open_mask(magnitude >= p.min_motion_px * scale, p.opening_px)
        quality["moving_px"] = int(np.count_nonzero(moving))
        if not moving.any():
            return negative("no flow above the table", 1.0)
        segments = flow_segments(flow, moving, p, scale)
        if not segments.any():
            return negative("no flow segment above the table", 1.0)
        action = (round(pair.action_px[0]), round(pair.action_px[1]))
        reach = p.max_action_distance_px * scale
        segment, distance = _segment_near(segments, action, reach)
        quality.update(segments=int(segments.max()), distance_to_action_px=distance)
        if segment is None:
            return negative(f"no moving segment within {reach:.0f} px of the action (nearest at "
                            f"{distance:.0f} px)", 1.0)
        return self._decide(pair, segment, height, magnitude, quality, negative)

    def _height(self, frame: RGBDView) -> np.ndarray | None:
        """Metres above the table plane fitted in the frame's depth (the fit's tolerance is
        `min_height_m`); None without depth or a plane."""
        if frame.depth is None:
            return None
        valid = has_reading(frame.depth)
        table = table_depth(frame.depth, valid, max(self.params.min_height_m, 1e-3))
        if table is None:
            return None
        with np.errstate(invalid="ignore"):
            return np.where(valid, table - frame.depth, np.nan)

    def _on_table(self, frame: RGBDView, height: np.ndarray | None) -> np.ndarray | None:
        """Pixels with depth within `min_height_m` of the table plane."""
        if height is None:
            return None
        return has_reading(frame.depth) & (height < self.params.min_height_m)

    def _decide(self, pair: FramePair, segment: np.ndarray, height_m: np.ndarray | None,
                magnitude: np.ndarray, quality: dict, negative) -> Label:
        p = self.params
        height, width = pair.labelled.size
        spread = float(np.std(magnitude[segment]))
        limit = p.max_magnitude_std_px * p.length_scale(height, width)
        moved = largest_part(fill_holes(segment))
        mask = split_at_action(moved, pair.labelled.rgb, height_m, pair.action_px, p.object_split)
        quality["split_share"] = float(np.count_nonzero(mask) / max(1, np.count_nonzero(moved)))
        area, threshold = int(np.count_nonzero(mask)), quality["min_area_px"]
        quality.update(magnitude_std_px=spread, mean_flow_px=float(np.mean(magnitude[segment])),
                       component_area_px=area)
        if spread > limit:
            return negative(f"segment's flow magnitudes spread {spread:.1f} px > {limit:.1f} px "
                            f"(rotating): removed", 0.0)
        if area < threshold:
            return negative(f"segment of {area} px < {threshold} px threshold",
                            1.0 - area / threshold)
        confidence = (1.0 - threshold / area) * (1.0 - spread / limit if limit else 1.0)
        return Label(pair.name, pair.labelled.rgb, mask, True, confidence, pair.action_px,
                     f"segment of {area} px >= {threshold} px threshold, moving "
                     f"{quality['mean_flow_px']:.1f} px with spread {spread:.1f} px "
                     f"<= {limit:.1f} px", quality)


def dense_flow(first: np.ndarray, second: np.ndarray, method: str) -> np.ndarray:
    """HxWx2 float32 flow (du, dv) from RGB image `first` to `second`."""
    a, b = (cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in (first, second))
    if method == "dis":
        return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(a, b, None)
    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(a, b, None, pyr_scale=0.5, levels=5, winsize=15,
                                            iterations=3, poly_n=5, poly_sigma=1.1, flags=0)
    raise ValueError(f"unknown flow method '{method}'; one of {FLOW_METHODS}")


def flow_segments(flow: np.ndarray, moving: np.ndarray, params: OpticalFlowParams,
                  scale: float) -> np.ndarray:
    """Labels 1..n of the moving pixels' segments by normalized cuts on the flow (0 = not
    moving); see the module's step 3."""
    from skimage import graph, segmentation

    spacing = max(2.0, params.superpixel_px * scale)
    count = min(MAX_SUPERPIXELS, max(1, round(np.count_nonzero(moving) / spacing ** 2)))
    # compactness is in flow units: a superpixel's flow may vary by a similarity or so
    superpixels = segmentation.slic(flow, n_segments=count, compactness=params.similarity_px * scale,
                                    mask=moving, channel_axis=-1, start_label=1,
                                    enforce_connectivity=True, convert2lab=False)
    if superpixels.max() <= 1:
        return superpixels
    sigma = (params.similarity_px * scale) ** 2
    as_colour = np.dstack([flow, np.zeros(flow.shape[:2], flow.dtype)])  # the RAG wants 3 channels
    rag = graph.rag_mean_color(as_colour, superpixels, mode="similarity", sigma=sigma)
    if 0 in rag:
        rag.remove_node(0)
    cut = graph.cut_normalized(superpixels, rag, thresh=params.ncut_threshold,
                               rng=np.random.default_rng(NCUT_SEED))
    _, relabelled = np.unique(np.where(moving, cut + 1, 0), return_inverse=True)
    return relabelled.reshape(moving.shape)


def _blanked(rgb: np.ndarray, on_table: np.ndarray | None) -> np.ndarray:
    """The image with the table's pixels black: its texture, the same in both frames,
    would otherwise hold the flow of small or thin objects near zero."""
    if on_table is None:
        return rgb
    return np.where(on_table[..., None], 0, rgb).astype(np.uint8)


def _segment_near(segments: np.ndarray, point: tuple[int, int],
                  max_distance: float) -> tuple[np.ndarray | None, float]:
    """The segment of the labelled pixel nearest `point` (u, v) if within `max_distance`,
    and that pixel's distance."""
    rows, cols = np.nonzero(segments)
    distances = np.hypot(cols - point[0], rows - point[1])
    nearest = int(np.argmin(distances))
    if distances[nearest] > max_distance:
        return None, float(distances[nearest])
    return segments == segments[rows[nearest], cols[nearest]], float(distances[nearest])
