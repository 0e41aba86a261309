"""Pictures for people: depth as colour, instance masks as colour, side by side."""
from __future__ import annotations

import cv2
import numpy as np


def colourise_depth(depth: np.ndarray) -> np.ndarray:
    """Turbo-coloured depth (near = red), histogram-equalised so that both a table and
    the floor far behind it show their shape; missing readings black."""
    valid = np.isfinite(depth)
    scaled = np.zeros(depth.shape)
    values = depth[valid]
    if values.size:
        scaled[valid] = np.searchsorted(np.sort(values), values) / values.size
    coloured = cv2.applyColorMap(((1 - scaled) * 255).astype(np.uint8), cv2.COLORMAP_TURBO)[:, :, ::-1]
    coloured[~valid] = 0
    return coloured


def colourise_instances(instance_mask: np.ndarray) -> np.ndarray:
    """A distinct colour per instance id; background (0) dark grey."""
    rng = np.random.default_rng(7)
    palette = rng.integers(60, 256, (int(instance_mask.max()) + 1, 3)).astype(np.uint8)
    palette[0] = (30, 30, 30)
    return palette[instance_mask]


def side_by_side(images: list[np.ndarray], labels: list[str], gap: int = 4) -> np.ndarray:
    """RGB panels of equal height in a row, each captioned."""
    height = max(i.shape[0] for i in images)
    panels = []
    for image, label in zip(images, labels):
        panel = np.full((height + 22, image.shape[1], 3), 255, np.uint8)
        panel[22:22 + image.shape[0]] = image
        cv2.putText(panel, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        panels.append(panel)
        panels.append(np.full((height + 22, gap, 3), 255, np.uint8))
    return np.hstack(panels[:-1])


def masks_picture(shape, masks: list[np.ndarray]) -> np.ndarray:
    """Masks painted in distinct colours, later ones over earlier ones."""
    instances = np.zeros(shape[:2], np.int32)
    for index, mask in enumerate(reversed(masks)):
        instances[mask] = len(masks) - index
    return colourise_instances(instances)


def prediction_grid(examples) -> np.ndarray:
    """Rows of image | predictions (best-scored on top) | ground truth."""
    rows = [side_by_side([rgb, masks_picture(rgb.shape, predicted), masks_picture(rgb.shape, truth)],
                         ["image", f"predicted ({len(predicted)})", f"ground truth ({len(truth)})"])
            for rgb, predicted, truth in examples]
    width = max(row.shape[1] for row in rows)
    return np.vstack([np.pad(row, ((0, 4), (0, width - row.shape[1]), (0, 0)), constant_values=255)
                      for row in rows])


def hypotheses_overlay(rgb: np.ndarray, hypotheses, limit: int = 10) -> np.ndarray:
    """The best `limit` hypotheses over the image: mask tint, outline, rank and score, and
    the grasp's finger line across the major axis at the centroid."""
    overlay = rgb.copy()
    colours = colourise_instances(np.arange(limit + 1, dtype=np.int32))[1:]
    for rank, hypothesis in reversed(list(enumerate(hypotheses[:limit]))):
        colour = tuple(int(c) for c in colours[rank])
        overlay[hypothesis.mask] = (0.5 * overlay[hypothesis.mask] + 0.5 * colours[rank]).astype(np.uint8)
        contours, _ = cv2.findContours(hypothesis.mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(overlay, contours, -1, colour, 1)
        u, v = hypothesis.shape.centroid_px
        across = hypothesis.shape.major_axis_angle + np.pi / 2
        half = 8 * np.array([np.cos(across), np.sin(across)])
        cv2.line(overlay, (int(u - half[0]), int(v - half[1])), (int(u + half[0]), int(v + half[1])),
                 (255, 255, 255), 1, cv2.LINE_AA)
        cv2.putText(overlay, f"{rank}:{hypothesis.score:.2f}", (int(u) + 3, int(v) - 3),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.3, (255, 255, 255), 1, cv2.LINE_AA)
    return overlay
