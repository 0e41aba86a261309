"""Training windows cut from full frames, as DeepMask samples them (Pinheiro et al. 2015;
Pathak et al. 2018, §4.1).

A window is a `window_px` square crop, resampled so that the object it is about fills
half of it: the larger side of the object's box becomes `window_px / 2`, times a scale
jitter of 2^U(-j, j) octaves (Pathak: j = 0.25). Image and mask go through one affine
warp; pixels outside the frame take the normalisation mean, so they are zero once
normalised.

- positive: centred on the object's box, give or take `shift_px` window pixels on each
  axis (8: half the feature stride, since dense evaluation places a window every 16 px);
  its target is the object's mask at `mask_size`.
- hard negative: the same object at the same scale, but the window's centre moved so far
  (an L1 shift beyond `min_shift_px`; Pathak: 64 px at a 192-px window, a third) that the
  window is no longer about it; its target is score 0 and no mask.
- scale negative: centred on the object, but at a scale off by `min_octaves` to twice
  that (Pinheiro et al.: a positive's object fills the window at its scale, within a
  tolerance; too small or too large is a negative), so that the finer scale grid does
  not make every neighbouring scale a confident duplicate;
- action window: centred where an interaction found nothing (a failed grasp, a push that
  moved nothing), at the scale of the hypothesis that was tried; a negative.

Crops are float32 (S, S, 3) RGB arrays, already normalised with the spec's mean and std.
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import torch

from seg_by_interaction.core.model.spec import ModelSpec


def positive_window(image: np.ndarray, mask: np.ndarray, spec: ModelSpec,
                    rng: np.random.Generator, scale_jitter_octaves: float = 0.25,
                    shift_px: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """A window on the object `mask` marks: (crop, mask target (m, m) float32 in {0, 1})."""
    centre, side = object_extent(mask)
    scale = _object_scale(side, spec, rng, scale_jitter_octaves)
    shift = rng.uniform(-shift_px, shift_px, size=2)
    channels = np.dstack([_unit_rgb(image), mask.astype(np.float32)])
    warped = _warp(channels, centre - shift / scale, scale, spec, fill=(*spec.mean, 0.0))
    target = cv2.resize(warped[:, :, 3], (spec.mask_size, spec.mask_size),
                        interpolation=cv2.INTER_AREA)
    return _normalise(warped[:, :, :3], spec), (target > 0.5).astype(np.float32)


def hard_negative_window(image: np.ndarray, mask: np.ndarray, spec: ModelSpec,
                         rng: np.random.Generator, min_shift_px: float | None = None,
                         scale_jitter_octaves: float = 0.25) -> np.ndarray:
    """A window at the object's scale whose centre is off the object's centre by an L1
    distance in (min_shift_px, 2 min_shift_px] window pixels: near enough to be hard, far
    enough to be a negative. `min_shift_px` defaults to a third of the window."""
    min_shift = spec.window_px / 3 if min_shift_px is None else min_shift_px
    centre, side = object_extent(mask)
    scale = _object_scale(side, spec, rng, scale_jitter_octaves)
    l1_shift = min_shift * (2.0 - rng.random())
    x_share = rng.random()
    shift = l1_shift * np.array([x_share, 1.0 - x_share]) * rng.choice([-1.0, 1.0], size=2)
    return _normalise(_warp(_unit_rgb(image), centre - shift / scale, scale, spec,
                            fill=spec.mean), spec)


def scale_negative_window(image: np.ndarray, mask: np.ndarray, spec: ModelSpec,
                          rng: np.random.Generator, min_octaves: float = 1.0) -> np.ndarray:
    """A window centred on the object at a scale 2^(+-U(min_octaves, 2 min_octaves)) off
    the one where it fills half the window."""
    centre, side = object_extent(mask)
    octaves = rng.uniform(min_octaves, 2 * min_octaves) * rng.choice([-1.0, 1.0])
    scale = spec.window_px / 2 * 2.0 ** octaves / side
    return _normalise(_warp(_unit_rgb(image), centre, scale, spec, fill=spec.mean), spec)


def action_window(image: np.ndarray, centre_px: Sequence[float], object_size_px: float,
                  spec: ModelSpec) -> np.ndarray:
    """A window centred on pixel (u, v) at the scale where `object_size_px` fills half of it."""
    if object_size_px <= 0:
        raise ValueError(f"object_size_px must be positive, got {object_size_px}")
    scale = spec.window_px / 2 / object_size_px
    return _normalise(_warp(_unit_rgb(image), np.asarray(centre_px, np.float64), scale, spec,
                            fill=spec.mean), spec)


def object_extent(mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (u, v) of a mask's bounding box and the box's larger side, in pixels."""
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise ValueError("the mask is empty: a window needs an object")
    centre = np.array([columns[0] + columns[-1], rows[0] + rows[-1]], np.float64) / 2
    side = max(columns[-1] - columns[0], rows[-1] - rows[0]) + 1
    return centre, float(side)


def to_tensor_batch(crops: Sequence[np.ndarray]) -> torch.Tensor:
    """Normalised crops (S, S, 3) -> one (B, 3, S, S) float32 tensor for the network."""
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).contiguous()


def _object_scale(side: float, spec: ModelSpec, rng: np.random.Generator,
                  jitter_octaves: float) -> float:
    """Window pixels per image pixel that make an object of `side` fill half the window."""
    return spec.window_px / 2 * 2.0 ** rng.uniform(-jitter_octaves, jitter_octaves) / side


def _warp(channels: np.ndarray, centre: np.ndarray, scale: float, spec: ModelSpec,
          fill: Sequence[float]) -> np.ndarray:
    """The window of side `window_px` whose centre is image point `centre`, `scale`
    window pixels per image pixel; pixel centres sit on integer coordinates."""
    middle = (spec.window_px - 1) / 2
    affine = np.array([[scale, 0.0, middle - scale * centre[0]],
                       [0.0, scale, middle - scale * centre[1]]])
    return cv2.warpAffine(channels, affine, (spec.window_px, spec.window_px),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=tuple(float(v) for v in fill))


def _unit_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 RGB image, got {image.dtype} {image.shape}")
    return image.astype(np.float32) / 255.0


def _normalise(rgb: np.ndarray, spec: ModelSpec) -> np.ndarray:
    mean = np.asarray(spec.mean, np.float32)
    std = np.asarray(spec.std, np.float32)
    return (rgb - mean) / std
