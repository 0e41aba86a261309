"""Object proposals (full-image masks with scores) for one view, from either kind of
network (`make_segmenter`). For DeepMask, dense multi-scale inference:

Per scale, the image is resized, padded by half a window on every side (so windows can
centre on objects at the border) and run through the trunk; the score head then rates
every window at the network's stride of 16 px. At a window stride of 8 the trunk runs
again on the image shifted by 8 px across, down and both, so windows are centred every
8 px (issue 15; measured in benchmarks/model/README.md: with quarter-octave scales it
adds little for 3.7 times the time, so 16 stays the default). The best-scoring windows
of a scale, over all shifts, get a mask, which is upsampled to the window's extent in
the original image. Proposals of all scales go through non-maximum
suppression by mask IoU.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.masks import Proposal, WindowMask
from seg_by_interaction.core.model.embedding_segmenter import ClusteringParams, EmbeddingSegmenter
from seg_by_interaction.core.model.inputs import check_rgb
from seg_by_interaction.core.model.network import DeepMask
from seg_by_interaction.core.model.spec import FEATURE_STRIDE
from seg_by_interaction.core.validated import setting

# Quarter-octave steps 2^(i/4 - 1), i = 0..8, as Pathak et al. (2018) (2^(i/4 - 1.25),
# i = 0..6, on 350x430 frames with 192-px windows): at half-octave steps the stride-16
# grid kept a window with mask IoU >= 0.5 for only 31 % of test objects, against 77 % at
# the exact position and scale. Objects are 18-66 px on the 320x240 Sawyer camera and a
# 64-px window is meant to hold an object of about 32 px, so 0.5 x suits the largest
# objects and 2 x the smallest.
DEFAULT_SCALES = tuple(2.0 ** (i / 4 - 1) for i in range(9))


@dataclasses.dataclass(frozen=True, kw_only=True)
class SegmenterParams:
    scales: tuple[float, ...] = setting(DEFAULT_SCALES, "image scales the network sees",
                                        min=0.0625, max=8.0)
    max_proposals: int = setting(50, "proposals returned per image", min=1, max=1000)
    nms_iou: float = setting(0.5, "a proposal whose mask overlaps a better one's by this "
                                  "IoU or more is dropped", min=0.0, max=1.0)
    min_score: float = setting(0.0, "windows scoring below this (sigmoid) are ignored",
                               min=0.0, max=1.0)
    mask_threshold: float = setting(0.5, "mask probability above which a pixel is in the "
                                         "object", min=0.0, max=1.0)
    masks_per_scale: int = setting(40, "best-scoring windows per scale that get a mask",
                                   min=1, max=10000)
    window_stride_px: int = setting(16, "windows are centred every this many pixels of a "
                                        "scaled image: 16 (the network's stride), 8 or 4 (the "
                                        "trunk runs (16 / stride)^2 times per scale)",
                                    choices=(16, 8, 4))
    threads: int = setting(0, "torch intra-op threads (process-wide); 0 leaves them as they "
                              "are", min=0, max=256)
    clustering: ClusteringParams = setting(ClusteringParams(), "dense networks: grouping "
                                                               "pixels into objects")

    def __post_init__(self):
        if not self.scales:
            raise ValueError("scales must name at least one scale")


def single_scale(params: SegmenterParams) -> SegmenterParams:
    """The same settings at scale 1 only."""
    return dataclasses.replace(params, scales=(1.0,))


def suppress_duplicates(candidates: list[WindowMask], iou_threshold: float,
                        limit: int) -> list[WindowMask]:
    """Greedy non-maximum suppression: best first, each kept unless its IoU with a kept
    one reaches `iou_threshold`; at most `limit` kept."""
    kept: list[WindowMask] = []
    for candidate in sorted(candidates, key=lambda c: c.score, reverse=True):
        if len(kept) == limit:
            break
        if all(candidate.iou(better) < iou_threshold for better in kept):
            kept.append(candidate)
    return kept


def make_segmenter(network, params: SegmenterParams = SegmenterParams()):
    """The segmenter for `network`: an object with `segment(view) -> proposals`. Dense
    networks ignore the DeepMask-only settings (scales, NMS, windows)."""
    if params.threads:
        torch.set_num_threads(params.threads)
    if network.spec.dense:
        return EmbeddingSegmenter(network, params.clustering, params.max_proposals)
    return Segmenter(network, params)


class ShiftedWindows(NamedTuple):
    """One pass of the trunk over a scaled image, its windows shifted by (dy, dx)."""
    features: torch.Tensor
    scores: torch.Tensor           # flattened, row-major over `columns` columns
    columns: int
    corner: tuple[int, int]        # the top-left of window (0, 0) in the scaled image


class Segmenter:
    """Runs a DeepMask `network` (switched to eval mode for each call) on views."""

    def __init__(self, network: DeepMask, params: SegmenterParams = SegmenterParams()):
        self.network = network
        self.params = params
        spec = network.spec
        self._mean = np.asarray(spec.mean, np.float32)
        self._std = np.asarray(spec.std, np.float32)

    def segment(self, view: RGBDView) -> list[Proposal]:
        """Object proposals for a view's HxWx3 uint8 RGB image, best first."""
        rgb = view.rgb
        check_rgb(rgb)
        height, width = rgb.shape[:2]
        training = self.network.training
        self.network.eval()
        try:
            with torch.inference_mode():
                candidates = [c for scale in self.params.scales
                              for c in self._candidates(rgb, scale)]
        finally:
            self.network.train(training)
        kept = suppress_duplicates(candidates, self.params.nms_iou, self.params.max_proposals)
        return [Proposal(c.full_size(height, width), c.score) for c in kept]

    def _candidates(self, rgb: np.ndarray, scale: float) -> list[WindowMask]:
        height, width = rgb.shape[:2]
        scaled = _resize(rgb, scale)
        scale_yx = (scaled.shape[0] / height, scaled.shape[1] / width)
        shifts = range(0, FEATURE_STRIDE, self.params.window_stride_px)
        passes = [self._windows(scaled, (dy, dx)) for dy in shifts for dx in shifts]
        best, index = torch.cat([p.scores for p in passes]).topk(
            min(self.params.masks_per_scale, sum(len(p.scores) for p in passes)))
        keep = best >= self.params.min_score
        best, index = best[keep], index[keep]
        candidates, first = [], 0
        for windows in passes:
            mine = (index >= first) & (index < first + len(windows.scores))
            in_pass = index[mine] - first
            rows, cols = in_pass // windows.columns, in_pass % windows.columns
            masks = self._window_masks(windows.features, rows, cols, scale_yx)
            for row, col, score, mask in zip(rows.tolist(), cols.tolist(), best[mine].tolist(),
                                             masks):
                top = round((FEATURE_STRIDE * row + windows.corner[0]) / scale_yx[0])
                left = round((FEATURE_STRIDE * col + windows.corner[1]) / scale_yx[1])
                candidate = _clipped(score, top, left, mask, height, width)
                if candidate is not None:
                    candidates.append(candidate)
            first += len(windows.scores)
        return candidates

    def _windows(self, scaled: np.ndarray, shift: tuple[int, int]) -> ShiftedWindows:
        """The windows centred on the scaled image at (16 row + dy, 16 col + dx)."""
        pad = self.network.spec.window_px // 2
        features = self.network.reduce(self.network.trunk(self._input(scaled, pad, shift)))
        # Windows centred past the image's far edges are there only because the input is
        # a multiple of 16. In double precision, confident windows keep distinct scores
        # (and ranks) where float32's sigmoid would round them all to 1.
        rows, columns = ((side - offset) // FEATURE_STRIDE + 1
                         for side, offset in zip(scaled.shape[:2], shift))
        scores = torch.sigmoid(self.network.score_logits(features)[0].double())
        return ShiftedWindows(features, scores[:rows, :columns].flatten(), columns,
                              (shift[0] - pad, shift[1] - pad))

    def _input(self, scaled: np.ndarray, pad: int, shift: tuple[int, int]) -> torch.Tensor:
        """Normalised image padded with zeros (the normalised mean colour) by `pad` less
        the shift at the top and left, by `pad` at the bottom and right, and further there
        to a multiple of the feature stride. Channels-last: on CPU it makes the trunk about
        a quarter faster."""
        normalised = (scaled.astype(np.float32) / 255.0 - self._mean) / self._std
        tensor = torch.from_numpy(normalised).permute(2, 0, 1)[None]
        top, left = pad - shift[0], pad - shift[1]
        extra_y = -(scaled.shape[0] + top + pad) % FEATURE_STRIDE
        extra_x = -(scaled.shape[1] + left + pad) % FEATURE_STRIDE
        padded = F.pad(tensor, (left, pad + extra_x, top, pad + extra_y))
        return padded.contiguous(memory_format=torch.channels_last)

    def _window_masks(self, features: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor,
                      scale_yx: tuple[float, float]) -> list[np.ndarray]:
        """Boolean masks of the given windows, each at the window's size in the original
        image."""
        if not len(rows):
            return []
        cells = self.network.spec.window_cells
        windows = torch.stack([features[0, :, r:r + cells, c:c + cells]
                               for r, c in zip(rows.tolist(), cols.tolist())])
        probabilities = torch.sigmoid(self.network.mask_logits(windows)[:, 0, 0])
        window = self.network.spec.window_px
        size = (max(1, round(window / scale_yx[0])), max(1, round(window / scale_yx[1])))
        upsampled = F.interpolate(probabilities[:, None], size=size, mode="bilinear",
                                  align_corners=False)[:, 0]
        return list((upsampled > self.params.mask_threshold).numpy())


def _clipped(score: float, top: int, left: int, mask: np.ndarray, height: int,
             width: int) -> WindowMask | None:
    """The part of a window's mask inside the image; None if it is empty there."""
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + mask.shape[0], height), min(left + mask.shape[1], width)
    if y1 <= y0 or x1 <= x0:
        return None
    candidate = WindowMask(score, y0, x0, mask[y0 - top:y1 - top, x0 - left:x1 - left])
    return candidate if candidate.area else None


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    return cv2.resize(rgb, size, interpolation=interpolation)
