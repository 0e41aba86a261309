"""Image buffers as ROS carries them (encoding, step, raw bytes) to and from numpy.

Depth is float32 metres everywhere inside the stack, with NaN where the sensor saw
nothing; 16UC1 millimetres (0 = no reading) is accepted on input.
"""
from __future__ import annotations

import numpy as np

# encoding -> (dtype, channels)
ENCODINGS = {
    "rgb8": (np.uint8, 3), "bgr8": (np.uint8, 3),
    "rgba8": (np.uint8, 4), "bgra8": (np.uint8, 4),
    "mono8": (np.uint8, 1), "8UC1": (np.uint8, 1),
    "mono16": (np.uint16, 1), "16UC1": (np.uint16, 1),
    "32FC1": (np.float32, 1),
}
DEPTH_ENCODINGS = ("32FC1", "16UC1")
COLOUR_ENCODINGS = ("rgb8", "bgr8", "rgba8", "bgra8", "mono8", "8UC1")


class ImageError(ValueError):
    """An image buffer is malformed or has an encoding this stack cannot use."""


def decode(height: int, width: int, encoding: str, step: int, data: bytes,
           is_bigendian: bool = False) -> np.ndarray:
    """A numpy view of a raw image buffer: HxW for one channel, HxWxC otherwise."""
    row_bytes = check_layout(height, width, encoding, step, len(data))
    dtype, channels = ENCODINGS[encoding]
    dtype = np.dtype(dtype).newbyteorder(">" if is_bigendian else "<")
    rows = np.frombuffer(data, dtype=np.uint8).reshape(height, step)[:, :row_bytes]
    array = rows.copy().view(dtype).reshape(height, width, channels).astype(dtype.newbyteorder("="))
    return array[:, :, 0] if channels == 1 else array


def check_layout(height: int, width: int, encoding: str, step: int, size: int) -> int:
    """The bytes of one row of pixels; raises ImageError unless `size` bytes hold such an
    image."""
    if encoding not in ENCODINGS:
        raise ImageError(f"unsupported encoding '{encoding}'; supported: {sorted(ENCODINGS)}")
    dtype, channels = ENCODINGS[encoding]
    row_bytes = width * channels * np.dtype(dtype).itemsize
    if height <= 0 or width <= 0:
        raise ImageError(f"empty image ({width}x{height})")
    if step < row_bytes:
        raise ImageError(f"step {step} is shorter than a row of {width} {encoding} pixels "
                         f"({row_bytes} bytes)")
    if size != step * height:
        raise ImageError(f"{encoding} image of {width}x{height} with step {step} needs "
                         f"{step * height} bytes, got {size}")
    return row_bytes


def encode(array: np.ndarray, encoding: str) -> tuple[int, int, int, bytes]:
    """(height, width, step, data) of `array` in `encoding`, little-endian."""
    if encoding not in ENCODINGS:
        raise ImageError(f"unsupported encoding '{encoding}'; supported: {sorted(ENCODINGS)}")
    dtype, channels = ENCODINGS[encoding]
    array = np.asarray(array)
    expected = (channels,) if channels > 1 else ()
    if array.ndim != 2 + len(expected) or array.shape[2:] != expected:
        raise ImageError(f"{encoding} needs an array of shape HxW{'x%d' % channels if expected else ''}, "
                         f"got {array.shape}")
    if array.dtype != dtype:
        raise ImageError(f"{encoding} needs dtype {np.dtype(dtype).name}, got {array.dtype}")
    contiguous = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    height, width = array.shape[:2]
    return height, width, width * channels * contiguous.itemsize, contiguous.tobytes()


def to_rgb(array: np.ndarray, encoding: str) -> np.ndarray:
    """HxWx3 uint8 RGB from any colour or mono8 encoding."""
    if encoding == "rgb8":
        return array
    if encoding == "bgr8":
        return array[:, :, ::-1].copy()
    if encoding == "rgba8":
        return array[:, :, :3].copy()
    if encoding == "bgra8":
        return array[:, :, 2::-1].copy()
    if encoding in ("mono8", "8UC1"):
        return np.repeat(array[:, :, None], 3, axis=2)
    raise ImageError(f"cannot use a '{encoding}' image as colour; send rgb8, bgr8 or mono8")


def depth_to_metres(array: np.ndarray, encoding: str) -> np.ndarray:
    """float32 metres with NaN where there is no valid reading."""
    if encoding == "16UC1":
        metres = array.astype(np.float32) / 1000.0
        metres[array == 0] = np.nan
        return metres
    if encoding == "32FC1":
        metres = array.astype(np.float32, copy=True)
        metres[~np.isfinite(metres) | (metres <= 0)] = np.nan
        return metres
    raise ImageError(f"depth must be 32FC1 (metres) or 16UC1 (millimetres), got '{encoding}'")


def metres_to_millimetres(depth: np.ndarray) -> np.ndarray:
    """uint16 millimetres (0 = no reading), as 16-bit depth PNGs store it."""
    millimetres = np.where(np.isfinite(depth) & (depth > 0), np.round(depth * 1000.0), 0)
    return np.clip(millimetres, 0, np.iinfo(np.uint16).max).astype(np.uint16)
