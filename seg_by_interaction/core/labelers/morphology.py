"""Morphology on boolean masks that the labelers share (OpenCV underneath)."""
from __future__ import annotations

import cv2
import numpy as np


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def open_mask(mask: np.ndarray, side: int) -> np.ndarray:
    return morphology(mask, cv2.MORPH_OPEN, side)


def close_mask(mask: np.ndarray, side: int) -> np.ndarray:
    return morphology(mask, cv2.MORPH_CLOSE, side)


def morphology(mask: np.ndarray, operation: int, side: int) -> np.ndarray:
    if side <= 1:
        return mask
    kernel = np.ones((side, side), np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), operation, kernel).astype(bool)


def component_near(mask: np.ndarray, point: tuple[int, int],
                    max_distance: float) -> tuple[np.ndarray | None, float | None]:
    """The connected component of `mask` nearest `point` (u, v) if within `max_distance`,
    and the distance to its nearest pixel (None if the mask is empty)."""
    _, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    rows, cols = np.nonzero(labels)
    if rows.size == 0:
        return None, None
    distances = np.hypot(cols - point[0], rows - point[1])
    nearest = int(np.argmin(distances))
    distance = float(distances[nearest])
    if distance > max_distance:
        return None, distance
    return labels == labels[rows[nearest], cols[nearest]], distance


def fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def largest_part(mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8),
                                                               connectivity=8)
    if count <= 1:
        return np.zeros(mask.shape, bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
