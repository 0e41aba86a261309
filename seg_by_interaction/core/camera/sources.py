"""Where camera frames come from when no camera driver publishes them: a recorded
folder or a USB camera (OpenCV). The simulated world publishes its own frames.

Recorded-folder layout (also what `sbi dataset make` writes):

    <folder>/camera_info.yaml   width, height, fx, fy, cx, cy (optional; else the robot config's)
    <folder>/rgb/<name>.png     8-bit colour
    <folder>/depth/<name>.png   16-bit, millimetres, 0 = no reading (optional per frame)
"""
from __future__ import annotations

import dataclasses
import logging
import pathlib
from typing import Iterator

import cv2
import numpy as np
import yaml

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.images import ImageError, depth_to_metres
from seg_by_interaction.core.validated import ConfigError, from_dict, setting

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CameraNodeParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    camera: str = setting("", "camera name in the robot config ('' = the first)")
    source: str = setting("folder", "where frames come from", choices=("folder", "usb"))
    folder: str = setting("", "recorded folder (source=folder)")
    device: int = setting(0, "video device index (source=usb)", min=0, max=63)
    loop: bool = setting(True, "replay the folder from the start when it ends")
    publish_rate_hz: float = setting(10.0, "frames per second", min=0.1, max=120.0, dynamic=True)


def read_rgb_png(path: pathlib.Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_depth_png(path: pathlib.Path) -> np.ndarray:
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise ImageError(f"{path}: not a readable image")
    if raw.dtype != np.uint16 or raw.ndim != 2:
        raise ImageError(f"{path}: depth PNGs must be 16-bit single-channel millimetres, "
                         f"got {raw.dtype} with shape {raw.shape}")
    return depth_to_metres(raw, "16UC1")


def read_intrinsics(path: pathlib.Path) -> PinholeIntrinsics:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from error
    return from_dict(PinholeIntrinsics, data, where=str(path))


class FolderSource:
    """Frames of a recorded folder in name order; a malformed file is reported once and
    left out, so one bad frame does not stop a replay."""

    def __init__(self, folder: str | pathlib.Path, default_intrinsics: PinholeIntrinsics,
                 loop: bool = True):
        self.folder = pathlib.Path(folder)
        self.rgb_paths = sorted((self.folder / "rgb").glob("*.png"))
        if not self.rgb_paths:
            raise FileNotFoundError(f"{self.folder}: no rgb/*.png frames")
        info = self.folder / "camera_info.yaml"
        self.intrinsics = read_intrinsics(info) if info.is_file() else default_intrinsics
        self.loop = loop

    def frames(self) -> Iterator[RGBDView]:
        while self.rgb_paths:
            for path in list(self.rgb_paths):
                frame = self._load(path)
                if frame is None:
                    self.rgb_paths.remove(path)
                    continue
                yield frame
            if not self.loop:
                return

    def _load(self, path: pathlib.Path) -> RGBDView | None:
        depth_path = self.folder / "depth" / path.name
        try:
            rgb = read_rgb_png(path)
            size = (self.intrinsics.height, self.intrinsics.width)
            if rgb.shape[:2] != size:
                raise ImageError(f"{path}: {rgb.shape[1]}x{rgb.shape[0]} frame, but the intrinsics "
                                 f"are for {size[1]}x{size[0]}; add a camera_info.yaml")
            depth = read_depth_png(depth_path) if depth_path.is_file() else None
            if depth is not None and depth.shape != rgb.shape[:2]:
                raise ImageError(f"{depth_path}: depth {depth.shape} and rgb {rgb.shape[:2]} differ in size")
        except ImageError as error:
            log.warning("skipping frame: %s", error)
            return None
        return RGBDView(rgb, depth, self.intrinsics)


class UsbSource:
    """Colour frames from a V4L2 camera through OpenCV (no depth)."""

    def __init__(self, device: int, intrinsics: PinholeIntrinsics):
        self.capture = cv2.VideoCapture(device)
        if not self.capture.isOpened():
            raise OSError(f"cannot open camera device {device}")
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, intrinsics.width)
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, intrinsics.height)
        self.intrinsics = intrinsics

    def frames(self) -> Iterator[RGBDView]:
        count = 0
        while True:
            ok, bgr = self.capture.read()
            if not ok:
                raise OSError("camera stopped delivering frames")
            if bgr.shape[:2] != (self.intrinsics.height, self.intrinsics.width):
                raise OSError(f"camera delivers {bgr.shape[1]}x{bgr.shape[0]}, but its intrinsics "
                              f"are for {self.intrinsics.width}x{self.intrinsics.height}")
            count += 1
            yield RGBDView(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), None, self.intrinsics)
