"""Atomic writes: a file is either absent or complete, even if the process is killed."""
from __future__ import annotations

import json
import os
import pathlib
import tempfile

import cv2
import numpy as np


TMP_SUFFIX = ".tmp"


def write_bytes_atomic(path: str | pathlib.Path, data: bytes) -> None:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def remove_partial_writes(directory: pathlib.Path) -> None:
    """The temporary files of writers killed mid-write in `directory`."""
    for leftover in directory.glob(f".*{TMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def write_json_atomic(path: str | pathlib.Path, data) -> None:
    write_bytes_atomic(path, json.dumps(data, indent=1).encode())


def write_png_atomic(path: str | pathlib.Path, image: np.ndarray) -> None:
    """RGB (HxWx3 uint8) or single-channel (uint8/uint16) PNG."""
    colour = image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    single = image.ndim == 2 and image.dtype in (np.uint8, np.uint16)
    if not (colour or single):
        raise ValueError(f"cannot encode a {image.dtype} array of shape {image.shape} as PNG; "
                         "give HxWx3 uint8 or HxW uint8/uint16")
    ok, encoded = cv2.imencode(".png", image[:, :, ::-1] if colour else image)
    if not ok:
        raise ValueError(f"cannot encode a {image.dtype} array of shape {image.shape} as PNG")
    write_bytes_atomic(path, encoded.tobytes())
