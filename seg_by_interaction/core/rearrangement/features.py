"""What tells one segment from another (Pathak et al. 2018, section 6.3): an ImageNet
feature of a tight crop around the segment, its colour and its size.

The appearance feature is a convolutional trunk (stride 16) run on the crop, averaged
over the cells the segment covers and scaled to unit length. Trunks by name: `imagenet`,
EfficientNet-Lite0 with the offline ImageNet weights (Pathak used AlexNet's), or
`trained`, the trunk of a learned checkpoint.
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.validated import setting

CROP_PX = 96                   # 6 x 6 trunk cells
CROP_MARGIN = 0.15             # of the segment's larger side, around its box
HUE_BINS, SATURATION_BINS = 12, 4


@dataclasses.dataclass(frozen=True)
class Descriptor:
    appearance: np.ndarray          # unit vector
    colour: np.ndarray              # hue-saturation histogram, sums to 1
    area_px: int
    position_xy: np.ndarray         # the grasp point on the table, planning frame, metres


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrainedTrunkParams:
    checkpoint: str = setting("", "checkpoint whose trunk describes the crops")


class CropFeatures:
    """Describes segments of an RGB image with `trunk`, fed pixels normalised by `mean`
    and `std` (per channel, on 0-1 values)."""

    def __init__(self, trunk: nn.Module, mean, std):
        self.trunk = trunk.eval()
        self._mean = np.asarray(mean, np.float32)
        self._std = np.asarray(std, np.float32)

    def describe(self, rgb: np.ndarray, segments: list[Hypothesis]) -> list[Descriptor]:
        if not segments:
            return []
        crops, masks = zip(*(tight_crop(rgb, s.mask) for s in segments))
        appearance = self._appearance(np.stack(crops), np.stack(masks))
        return [Descriptor(vector, colour_histogram(rgb, s.mask), s.shape.area_px,
                           np.asarray(s.grasp.position[:2], float))
                for vector, s in zip(appearance, segments)]

    def _appearance(self, crops: np.ndarray, masks: np.ndarray) -> np.ndarray:
        normalised = (crops.astype(np.float32) / 255.0 - self._mean) / self._std
        with torch.inference_mode():
            features = self.trunk(torch.from_numpy(normalised).permute(0, 3, 1, 2))
            weights = F.adaptive_avg_pool2d(torch.from_numpy(masks[:, None].astype(np.float32)),
                                            features.shape[-2:])
            pooled = (features * weights).sum((2, 3)) / weights.sum((2, 3)).clamp_min(1e-6)
        return F.normalize(pooled, dim=1).numpy()


def tight_crop(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The square window around the mask's box (with a margin), and the mask in it, both
    resized to CROP_PX."""
    rows, cols = np.nonzero(mask)
    centre_v, centre_u = (rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2
    side = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    half = side * (0.5 + CROP_MARGIN)
    top, left = int(round(centre_v - half)), int(round(centre_u - half))
    size = max(int(round(2 * half)), 1)
    padded_rgb = _window(rgb, top, left, size)
    padded_mask = _window(mask.astype(np.uint8), top, left, size)
    return (cv2.resize(padded_rgb, (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA),
            cv2.resize(padded_mask, (CROP_PX, CROP_PX), interpolation=cv2.INTER_NEAREST) > 0)


def _window(image: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    """image[top:top+size, left:left+size], padded by edge replication where it leaves
    the image."""
    height, width = image.shape[:2]
    pad = ((max(-top, 0), max(top + size - height, 0)), (max(-left, 0), max(left + size - width, 0)))
    padded = np.pad(image, pad + ((0, 0),) * (image.ndim - 2), mode="edge")
    top, left = top + pad[0][0], left + pad[1][0]
    return padded[top:top + size, left:left + size]


def colour_histogram(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Hue-saturation histogram of the masked pixels, summing to 1."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([hsv], [0, 1], mask.astype(np.uint8), [HUE_BINS, SATURATION_BINS],
                             [0, 180, 0, 256]).flatten()
    return histogram / max(histogram.sum(), 1.0)


def imagenet_features() -> CropFeatures:
    from seg_by_interaction.core.model.build import (LITE0_MEAN, LITE0_STD, efficientnet_lite0_trunk,
                                                     load_lite0_imagenet_weights)

    trunk, _ = efficientnet_lite0_trunk()
    load_lite0_imagenet_weights(trunk)
    return CropFeatures(trunk, LITE0_MEAN, LITE0_STD)


def trained_features(params: TrainedTrunkParams) -> CropFeatures:
    from seg_by_interaction.core.model.checkpoint import load_checkpoint

    if not params.checkpoint:
        raise ValueError("the 'trained' crop features need a checkpoint (matching.trained.checkpoint)")
    network, _ = load_checkpoint(params.checkpoint)
    if network.spec.inputs != "rgb":
        raise ValueError(f"the 'trained' crop features describe colour crops; "
                         f"{params.checkpoint} is an {network.spec.inputs} model: use the "
                         "'imagenet' features or an RGB model's checkpoint")
    return CropFeatures(network.trunk, network.spec.mean, network.spec.std)


FEATURE_TRUNKS = Registry("feature trunk", {
    "imagenet": Part("seg_by_interaction.core.rearrangement.features:imagenet_features",
                     description="EfficientNet-Lite0, offline ImageNet weights"),
    "trained": Part("seg_by_interaction.core.rearrangement.features:trained_features",
                    "seg_by_interaction.core.rearrangement.features:TrainedTrunkParams",
                    "the trunk of a learned checkpoint"),
})
