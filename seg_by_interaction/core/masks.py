"""Binary masks: scored proposals (what every segmentation method returns) and shape
figures."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class Proposal:
    """One predicted object: a boolean mask over the image and its score (higher = more
    confident); AP ranks proposals by score."""
    mask: np.ndarray
    score: float


def compactness(mask: np.ndarray) -> float:
    """Area over convex-hull area, in [0, 1]: 1 for convex shapes, low for thin or
    ragged ones; 0 for an empty mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 0.0
    hull_area = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
    return float(min(1.0, mask.sum() / hull_area)) if hull_area > 0 else 0.0
