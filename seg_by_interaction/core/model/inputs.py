"""What a dense network sees of a view: the colour normalised with the spec's mean and
std, and for RGB-D input the height above the table plane fitted in the view's depth,
in decimetres (so a 10 cm object reads 1.0, as bright as normalised colour), clipped to
[MIN_HEIGHT_M, MAX_HEIGHT_M]."""
from __future__ import annotations

import numpy as np
import torch

from seg_by_interaction.core.camera.table import height_above_table
from seg_by_interaction.core.model.spec import ModelSpec

HEIGHT_PER_UNIT_M = 0.1
MIN_HEIGHT_M, MAX_HEIGHT_M = -0.05, 0.3


def check_rgb(rgb) -> None:
    if not isinstance(rgb, np.ndarray):
        raise ValueError(f"expected an HxWx3 uint8 RGB array, got {type(rgb).__name__}")
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 RGB image, got a {rgb.dtype} array of "
                         f"shape {rgb.shape}")
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"the image is empty (shape {rgb.shape})")


def input_channels(rgb: np.ndarray, depth: np.ndarray | None, spec: ModelSpec,
                   height_m: np.ndarray | None = None) -> np.ndarray:
    """(H, W, C) float32: the network's input for one frame; `height_m`, if given, is the
    frame's `frame_height`."""
    check_rgb(rgb)
    colour = (rgb.astype(np.float32) / 255.0 - np.asarray(spec.mean, np.float32)) / \
        np.asarray(spec.std, np.float32)
    if spec.inputs == "rgb":
        return colour
    if height_m is None:
        height_m = frame_height(rgb, depth)
    return np.dstack([colour, scaled_height(height_m)])


def frame_height(rgb: np.ndarray, depth: np.ndarray | None) -> np.ndarray:
    """Height above the table of every pixel (metres; 0 without depth)."""
    if depth is not None and depth.shape != rgb.shape[:2]:
        raise ValueError(f"depth of shape {depth.shape} does not match the {rgb.shape[:2]} "
                         "colour image")
    return height_above_table(depth, rgb.shape[:2])


def scaled_height(height_m: np.ndarray) -> np.ndarray:
    return np.clip(height_m, MIN_HEIGHT_M, MAX_HEIGHT_M) / HEIGHT_PER_UNIT_M


def to_tensor(channels: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """(H, W, C) arrays -> one (B, C, H, W) float32 tensor."""
    stacked = np.stack(channels) if isinstance(channels, list) else channels[None]
    return torch.from_numpy(np.ascontiguousarray(stacked)).permute(0, 3, 1, 2).contiguous()
