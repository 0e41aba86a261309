"""Image buffers: round trips, malformed buffers and depth conventions."""
import numpy as np
import pytest

from seg_by_interaction.core import images
from seg_by_interaction.core.images import ImageError


@pytest.mark.parametrize("encoding, shape, dtype", [
    ("rgb8", (4, 5, 3), np.uint8), ("mono8", (4, 5), np.uint8),
    ("16UC1", (4, 5), np.uint16), ("32FC1", (4, 5), np.float32),
])
def test_encode_decode_round_trip(encoding, shape, dtype):
    array = (np.arange(np.prod(shape)) % 250).astype(dtype).reshape(shape)
    assert np.array_equal(images.decode(*_with_encoding(images.encode(array, encoding), encoding)), array)


def _with_encoding(encoded, encoding):
    height, width, step, data = encoded
    return height, width, encoding, step, data


def test_padded_rows_and_big_endian_buffers_decode():
    depth = np.array([[1.5, 2.0], [0.5, 3.25]], dtype=np.float32)
    padded = b"".join(row.astype(">f4").tobytes() + b"\0" * 4 for row in depth)
    decoded = images.decode(2, 2, "32FC1", 12, padded, is_bigendian=True)
    assert np.array_equal(decoded, depth)


@pytest.mark.parametrize("args, message", [
    ((2, 2, "yuv422", 4, b"\0" * 8), "unsupported encoding 'yuv422'"),
    ((2, 2, "rgb8", 5, b"\0" * 10), "step 5 is shorter than a row"),
    ((2, 2, "rgb8", 6, b"\0" * 11), "needs 12 bytes, got 11"),
    ((0, 2, "mono8", 2, b""), "empty image"),
])
def test_malformed_buffers_raise_clear_errors(args, message):
    with pytest.raises(ImageError, match=message):
        images.decode(*args)


def test_encode_checks_shape_and_dtype():
    with pytest.raises(ImageError, match="shape HxWx3"):
        images.encode(np.zeros((4, 5), np.uint8), "rgb8")
    with pytest.raises(ImageError, match="needs dtype float32"):
        images.encode(np.zeros((4, 5), np.float64), "32FC1")


def test_depth_is_metres_with_nan_for_missing_readings():
    millimetres = np.array([[0, 1500]], dtype=np.uint16)
    assert np.allclose(images.depth_to_metres(millimetres, "16UC1"), [[np.nan, 1.5]], equal_nan=True)
    metres = np.array([[np.nan, -1.0, np.inf, 0.75]], dtype=np.float32)
    assert np.allclose(images.depth_to_metres(metres, "32FC1"), [[np.nan] * 3 + [0.75]], equal_nan=True)
    with pytest.raises(ImageError, match="depth must be 32FC1"):
        images.depth_to_metres(np.zeros((1, 1), np.uint8), "mono8")


def test_metres_to_millimetres_inverts_and_marks_missing_as_zero():
    depth = np.array([[0.4, np.nan, 100.0]], dtype=np.float32)
    assert images.metres_to_millimetres(depth).tolist() == [[400, 0, 65535]]


def test_colour_conversions():
    bgr = np.zeros((1, 1, 3), np.uint8)
    bgr[0, 0] = (1, 2, 3)
    assert images.to_rgb(bgr, "bgr8")[0, 0].tolist() == [3, 2, 1]
    with pytest.raises(ImageError, match="cannot use a '32FC1' image as colour"):
        images.to_rgb(np.zeros((1, 1), np.float32), "32FC1")
