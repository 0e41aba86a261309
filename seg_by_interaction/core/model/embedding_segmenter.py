"""Object proposals from the dense network: foreground pixels grouped by their instance
embeddings (De Brabandere et al. 2017's clustering), at several settings at once.

One clustering per foreground threshold and bandwidth: at the network's stride-4
resolution, the most confident foreground pixel not yet taken seeds a cluster; the
cluster's centre is the mean embedding of the free foreground pixels within the
bandwidth of it, refined a few times (mean shift with a flat kernel); its members are
taken, and the next seed is drawn, until no foreground pixel is free. Then every
foreground pixel of the full-size image (the network's outputs upsampled) joins the
nearest centre within the bandwidth. Each connected part of a cluster is a mask (objects
apart on the table that the embeddings did not tell apart are still two).

Masks that several clusterings find (overlapping by `same_mask_iou`) are one proposal,
scored by the share of clusterings that found it, the mean foreground probability
breaking ties: an object's mask holds over a range of bandwidths and thresholds, while
a merge of two objects or a fragment of one appears at one end of it. One clustering at
one bandwidth offers a single guess per object, and a wrong guess cannot be made up for
further down the ranking.

With depth, pixels less than `min_height_m` above the fitted table plane, or without a
reading (`table.table_pixels`), are not foreground whatever the network
says (the rule that gives the table term in training, `embedding_loss.py`): a network
trained on the few tables of one collection takes a new table's texture for objects,
which no grouping recovers from.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import torch
from scipy import ndimage
from torch.nn import functional as F

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import table_pixels
from seg_by_interaction.core.masks import Proposal, WindowMask
from seg_by_interaction.core.model.embedding import EmbeddingNet
from seg_by_interaction.core.model.inputs import frame_height, input_channels, to_tensor
from seg_by_interaction.core.validated import setting

MEAN_SHIFT_ITERATIONS = 3
TIE_BREAK = 1e-3        # weight of the mean foreground probability in a proposal's score


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClusteringParams:
    # Chosen on a validation split (40 mixed-clutter val scenes): with one clustering
    # (threshold 0.5, bandwidth 1.3) AP50 0.567 for a ground-truth-trained model and 0.490
    # for a self-supervised one; with these, 0.689 and 0.647 (benchmarks/model/README.md).
    foreground_thresholds: tuple[float, ...] = setting(
        (0.2, 0.6), "foreground probabilities above which a pixel belongs to some object: "
                    "one clustering per threshold and bandwidth", min=0.0, max=1.0)
    bandwidths: tuple[float, ...] = setting(
        (1.3, 1.0, 1.6, 0.7, 2.0), "embedding distances within which pixels join a cluster "
                                   "(around the loss's pull and push margins)",
        min=0.05, max=10.0)
    # Above 0.5 a mask matches at most one of another clustering's (disjoint) masks.
    same_mask_iou: float = setting(0.8, "masks of two clusterings overlapping this much are "
                                        "one proposal, found by both", min=0.5, max=1.0)
    # Measured on the demo's test split (model trained on one demo's 236 labels): AP50
    # 0.24 without, 0.61 at 0.003, 0.57 at 0.006.
    min_height_m: float = setting(0.003, "with depth, pixels lower than this above the fitted "
                                         "table plane are background (0: the network alone "
                                         "decides)", min=0.0, max=0.1)
    min_area_px: int = setting(60, "smaller parts are dropped (full-size pixels; the smallest "
                                   "objects on the 320x240 Sawyer camera cover ~135)", min=1,
                               max=100000)

    def __post_init__(self):
        if not self.foreground_thresholds or not self.bandwidths:
            raise ValueError("clustering needs at least one foreground threshold and bandwidth")


@dataclasses.dataclass
class _Found:
    """A mask some clusterings found (scored by its mean foreground probability), and how
    many found it."""
    window: WindowMask
    support: int = 1


class EmbeddingSegmenter:
    """Runs `network` (switched to eval mode for each call) on views."""

    def __init__(self, network: EmbeddingNet, params: ClusteringParams = ClusteringParams(),
                 max_proposals: int = 50):
        self.network = network
        self.params = params
        self.max_proposals = max_proposals

    def segment(self, view: RGBDView) -> list[Proposal]:
        """Object proposals for a view (colour, and depth for RGB-D networks), best first."""
        height = frame_height(view.rgb, view.depth)
        probability, embeddings = self.predict(view, height)
        if view.depth is not None and self.params.min_height_m > 0:
            on_table = table_pixels(height, self.params.min_height_m)
            probability = np.where(on_table, 0.0, probability)
        return self.cluster(probability, embeddings)

    def predict(self, view: RGBDView, height_m: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Foreground probability (H, W) and embeddings (E, H, W) at the image's size;
        `height_m`, if given, is the view's `frame_height`."""
        channels = to_tensor(input_channels(view.rgb, view.depth, self.network.spec, height_m))
        training = self.network.training
        self.network.eval()
        try:
            with torch.inference_mode():
                logits, embeddings = self.network(channels)
                size = view.rgb.shape[:2]
                logits = F.interpolate(logits[:, None], size=size, mode="bilinear",
                                       align_corners=False)[0, 0]
                embeddings = F.interpolate(embeddings, size=size, mode="bilinear",
                                           align_corners=False)[0]
        finally:
            self.network.train(training)
        return torch.sigmoid(logits).numpy(), embeddings.numpy()

    def cluster(self, probability: np.ndarray, embeddings: np.ndarray) -> list[Proposal]:
        """Proposals from foreground probability (H, W) and embeddings (E, H, W), best
        first: each distinct mask of the clusterings, scored by the share that found it."""
        found: list[_Found] = []
        coarse_probability, coarse_embeddings = probability[::4, ::4], embeddings[:, ::4, ::4]
        for threshold in self.params.foreground_thresholds:
            foreground = probability > threshold
            pixels = embeddings[:, foreground].T                            # (N, E)
            for bandwidth in self.params.bandwidths:
                centres = self._centres(coarse_probability, coarse_embeddings,
                                        foreground[::4, ::4], bandwidth)
                for window in self._masks(probability, foreground, pixels, centres, bandwidth):
                    self._add(found, window)
        clusterings = len(self.params.foreground_thresholds) * len(self.params.bandwidths)
        proposals = [Proposal(f.window.full_size(*probability.shape),
                              f.support / clusterings + TIE_BREAK * f.window.score) for f in found]
        proposals.sort(key=lambda p: p.score, reverse=True)
        return proposals[:self.max_proposals]

    def _centres(self, probability: np.ndarray, embeddings: np.ndarray,
                 foreground: np.ndarray, bandwidth: float) -> list[np.ndarray]:
        candidates = foreground.reshape(-1)
        pixels = embeddings.reshape(embeddings.shape[0], -1).T[candidates]
        order = np.argsort(-probability.reshape(-1)[candidates], kind="stable")
        pixels = pixels[order]                          # most confident first
        free = np.ones(len(pixels), bool)
        centres = []
        while free.any() and len(centres) < self.max_proposals:
            seed = int(np.argmax(free))
            centre = pixels[seed]
            for _ in range(MEAN_SHIFT_ITERATIONS):
                members = free & (np.linalg.norm(pixels - centre, axis=1) < bandwidth)
                if members.any():
                    centre = pixels[members].mean(axis=0)
            members = free & (np.linalg.norm(pixels - centre, axis=1) < bandwidth)
            members[seed] = True
            free[members] = False
            centres.append(centre)
        return centres

    def _masks(self, probability: np.ndarray, foreground: np.ndarray, pixels: np.ndarray,
               centres: list[np.ndarray], bandwidth: float) -> list[WindowMask]:
        """Each connected part, large enough, of each cluster: the foreground pixels
        (embeddings `pixels`) nearest its centre and within `bandwidth` of it."""
        if not centres:
            return []
        centres = np.asarray(centres)
        squared = ((pixels ** 2).sum(axis=1)[:, None] - 2 * pixels @ centres.T
                   + (centres ** 2).sum(axis=1)[None])                # |pixel - centre|^2
        nearest = squared.argmin(axis=1)
        joined = squared[np.arange(len(pixels)), nearest] < bandwidth ** 2
        labels = np.zeros(foreground.shape, np.int32)
        labels[foreground] = np.where(joined, nearest + 1, 0)
        masks = []
        for index, box in enumerate(ndimage.find_objects(labels), start=1):
            if box is None:
                continue
            count, parts, stats, _ = cv2.connectedComponentsWithStats(
                (labels[box] == index).astype(np.uint8), connectivity=8)
            for part in range(1, count):
                left, top, width, height, area = stats[part]
                if area < self.params.min_area_px:
                    continue
                mask = parts[top:top + height, left:left + width] == part
                row, col = box[0].start + top, box[1].start + left     # in the image
                mean = float(probability[row:row + height, col:col + width][mask].mean())
                masks.append(WindowMask(mean, row, col, mask))
        return masks

    def _add(self, found: list[_Found], new: WindowMask) -> None:
        """Counts `new` for the found mask it matches, or adds it."""
        least = self.params.same_mask_iou
        for other in found:
            # IoU is at most the smaller area over the larger: most pairs end here
            if (min(new.area, other.window.area) >= least * max(new.area, other.window.area)
                    and new.iou(other.window) >= least):
                other.support += 1
                return
        found.append(_Found(new))
