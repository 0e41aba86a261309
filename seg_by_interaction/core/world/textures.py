"""Procedural table textures in families (wood, fabric, marble, noise, stripes), split
into train / val / test like Pathak et al. 2018's backgrounds, so that evaluation can
use backgrounds the robot never trained on.

A texture is named `<family>_<index>`; the name alone determines its pixels, and the
index ranges of the splits do not overlap.
"""
from __future__ import annotations

import zlib

import cv2
import numpy as np

FAMILIES = ("wood", "fabric", "marble", "noise", "stripes")
# Per family: train, val and test take disjoint index ranges.
SPLIT_INDICES = {"train": range(0, 6), "val": range(100, 102), "test": range(200, 202)}


def texture_names(split: str) -> list[str]:
    if split not in SPLIT_INDICES:
        raise ValueError(f"unknown split '{split}'; use one of {sorted(SPLIT_INDICES)}")
    return [f"{family}_{index}" for family in FAMILIES for index in SPLIT_INDICES[split]]


def make_texture(name: str, size: int = 256) -> np.ndarray:
    """The size x size x 3 uint8 RGB texture called `name`."""
    family, _, index = name.rpartition("_")
    if family not in FAMILIES or not index.isdigit():
        raise ValueError(f"'{name}' is not <family>_<index> with a family in {FAMILIES}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return _GENERATORS[family](rng, size)


def smooth_noise(rng: np.random.Generator, size: int, octaves: int = 4) -> np.ndarray:
    """Fractal value noise in [0, 1]: random grids of doubling resolution, upsampled."""
    total = np.zeros((size, size), np.float32)
    for octave in range(octaves):
        cells = 4 * 2 ** octave
        grid = rng.random((cells, cells)).astype(np.float32)
        total += cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC) / 2 ** octave
    total -= total.min()
    return total / max(total.max(), 1e-6)


def _blend(weight: np.ndarray, dark, light) -> np.ndarray:
    """Per-pixel mix of two RGB colours; weight 0 gives `dark`, 1 gives `light`."""
    weight = np.clip(weight, 0.0, 1.0)[:, :, None]
    mixed = (1 - weight) * np.asarray(dark, np.float32) + weight * np.asarray(light, np.float32)
    return mixed.astype(np.uint8)


def _random_colour(rng, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high, 3)


def _coordinates(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(0, 1, size, dtype=np.float32),
                       np.linspace(0, 1, size, dtype=np.float32))


def _wood(rng, size):
    x, y = _coordinates(size)
    centre = rng.uniform(-1.5, 2.5, 2)
    radius = np.hypot((x - centre[0]) * rng.uniform(0.2, 0.6), y - centre[1])
    rings = np.sin(radius * rng.uniform(40, 90) + 6 * smooth_noise(rng, size)) * 0.5 + 0.5
    base = np.array([rng.integers(90, 170), rng.integers(50, 100), rng.integers(20, 60)])
    return _blend(rings ** 1.5, base * 0.55, base)


def _fabric(rng, size):
    x, y = _coordinates(size)
    threads = rng.uniform(60, 140)
    warp, weft = np.sin(x * threads * np.pi) ** 2, np.sin(y * threads * np.pi) ** 2
    checker = (np.floor(x * threads) + np.floor(y * threads)) % 2
    weave = np.where(checker > 0, warp, weft) * 0.6 + 0.4 * smooth_noise(rng, size, octaves=2)
    return _blend(weave, _random_colour(rng, 20, 120), _random_colour(rng, 120, 255))


def _marble(rng, size):
    x, y = _coordinates(size)
    angle = rng.uniform(0, np.pi)
    along = x * np.cos(angle) + y * np.sin(angle)
    veins = np.abs(np.sin(along * rng.uniform(8, 20) + 8 * smooth_noise(rng, size, octaves=5)))
    light = _random_colour(rng, 190, 256)
    return _blend(veins ** 0.4, light * rng.uniform(0.3, 0.6), light)


def _noise(rng, size):
    return _blend(smooth_noise(rng, size, octaves=int(rng.integers(3, 7))),
                  _random_colour(rng, 0, 128), _random_colour(rng, 128, 256))


def _stripes(rng, size):
    x, y = _coordinates(size)
    angle = rng.uniform(0, np.pi)
    along = (x * np.cos(angle) + y * np.sin(angle)) * size
    widths = rng.integers(6, 40, 64)
    band = np.searchsorted(np.cumsum(widths), along - along.min())
    palette = rng.integers(0, 256, (int(rng.integers(2, 5)), 3))
    image = palette[band % len(palette)].astype(np.float32)
    image *= (0.85 + 0.15 * smooth_noise(rng, size, octaves=3))[:, :, None]
    return image.astype(np.uint8)


_GENERATORS = {"wood": _wood, "fabric": _fabric, "marble": _marble, "noise": _noise,
               "stripes": _stripes}
