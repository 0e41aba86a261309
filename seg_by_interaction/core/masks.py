"""Binary masks: scored proposals (what every segmentation method returns) and shape
figures."""
from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class Proposal:
    """One predicted object: a boolean mask over the image and its score (higher = more
    confident); AP ranks proposals by score."""
    mask: np.ndarray
    score: float


@dataclasses.dataclass(frozen=True, eq=False)
class WindowMask:
    """A mask cut to its window: pixel (0, 0) of `mask` is the image's pixel (top, left).
    Kept this small while duplicates are judged, as IoUs need only the windows' overlap."""
    score: float
    top: int
    left: int
    mask: np.ndarray

    @functools.cached_property
    def area(self) -> int:
        return int(np.count_nonzero(self.mask))

    def iou(self, other: WindowMask) -> float:
        top, left = max(self.top, other.top), max(self.left, other.left)
        bottom = min(self.top + self.mask.shape[0], other.top + other.mask.shape[0])
        right = min(self.left + self.mask.shape[1], other.left + other.mask.shape[1])
        if bottom <= top or right <= left:
            return 0.0
        mine = self.mask[top - self.top:bottom - self.top, left - self.left:right - self.left]
        theirs = other.mask[top - other.top:bottom - other.top,
                            left - other.left:right - other.left]
        intersection = int(np.count_nonzero(mine & theirs))
        return intersection / (self.area + other.area - intersection)

    def full_size(self, height: int, width: int) -> np.ndarray:
        full = np.zeros((height, width), bool)
        rows, cols = self.mask.shape
        full[self.top:self.top + rows, self.left:self.left + cols] = self.mask
        return full


def compactness(mask: np.ndarray) -> float:
    """Area over convex-hull area, in [0, 1]: 1 for convex shapes, low for thin or
    ragged ones; 0 for an empty mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 0.0
    hull_area = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
    return float(min(1.0, mask.sum() / hull_area)) if hull_area > 0 else 0.0
