"""The latest synchronised frames of one camera (RGB, depth and, in simulation, the
ground-truth instances), and waiting for a frame taken after a given time: captures must
show the scene after the arm moved, not a frame from before."""
from __future__ import annotations

import threading

import numpy as np
from rclpy.node import Node
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.robot_config import CameraConfig
from seg_by_interaction.ros import images, qos

STALE_NS = 5_000_000_000     # a frame half waiting this long for its other half is dropped


class FrameMessages:
    """One synchronised set of a camera's image messages, decoded when asked."""
    def __init__(self, stamp_ns: int, rgb: Image, depth: Image, truth: Image | None):
        self.stamp_ns = stamp_ns
        self.rgb_msg, self.depth_msg, self.truth_msg = rgb, depth, truth

    def rgb(self) -> np.ndarray:
        return images.rgb_from_msg(self.rgb_msg)

    def depth(self) -> np.ndarray:
        return images.depth_from_msg(self.depth_msg)

    def truth(self) -> np.ndarray | None:
        return images.to_array(self.truth_msg) if self.truth_msg is not None else None


class FrameBuffer:
    def __init__(self, node: Node, camera: CameraConfig, with_ground_truth: bool = False,
                 callback_group=None):
        self.camera = camera
        self._condition = threading.Condition()
        self._latest: dict[str, dict[int, Image]] = {"rgb": {}, "depth": {}, "truth": {}}
        self._wanted = ("rgb", "depth", "truth") if with_ground_truth else ("rgb", "depth")
        self._complete: FrameMessages | None = None
        self.camera_info: CameraInfo | None = None
        self._logger = node.get_logger()
        subscribe = node.create_subscription
        subscribe(Image, camera.rgb_topic, lambda m: self._add("rgb", m), qos.SENSOR_DATA,
                  callback_group=callback_group)
        subscribe(Image, camera.depth_topic, lambda m: self._add("depth", m), qos.SENSOR_DATA,
                  callback_group=callback_group)
        subscribe(CameraInfo, camera.camera_info_topic, self._set_info, qos.SENSOR_DATA,
                  callback_group=callback_group)
        if with_ground_truth:
            subscribe(Image, f"/{camera.name}/ground_truth/instances",
                      lambda m: self._add("truth", m), qos.SENSOR_DATA, callback_group=callback_group)

    def _set_info(self, msg: CameraInfo) -> None:
        self.camera_info = msg

    def _add(self, kind: str, msg: Image) -> None:
        stamp = Time.from_msg(msg.header.stamp).nanoseconds
        with self._condition:
            self._latest[kind][stamp] = msg
            if all(stamp in self._latest[k] for k in self._wanted):
                latest = self._latest
                self._complete = FrameMessages(stamp, latest["rgb"][stamp], latest["depth"][stamp],
                                               latest["truth"].get(stamp))
                self._condition.notify_all()
            for frames in self._latest.values():   # halves of older frames never complete
                for old in [s for s in frames if s < stamp - STALE_NS or
                            (self._complete is not None and s <= self._complete.stamp_ns)]:
                    del frames[old]

    def latest(self) -> FrameMessages | None:
        with self._condition:
            return self._complete

    def wait_after(self, stamp_ns: int, timeout_s: float) -> FrameMessages:
        """The newest complete frame stamped at or after `stamp_ns`."""
        with self._condition:
            if not self._condition.wait_for(
                    lambda: self._complete is not None and self._complete.stamp_ns >= stamp_ns, timeout_s):
                raise ImageError(f"no complete camera frame after t={stamp_ns / 1e9:.3f} s "
                                 f"within {timeout_s:.1f} s")
            return self._complete

    def view(self, frame: FrameMessages) -> RGBDView:
        """The frame decoded (raises ImageError), with the camera's intrinsics and pose."""
        return RGBDView(frame.rgb(), frame.depth(), intrinsics_of(self.camera_info, self.camera),
                        self.camera.pose, frame.stamp_ns / 1e9, frame.truth())


def intrinsics_of(info: CameraInfo | None, camera: CameraConfig) -> PinholeIntrinsics:
    """From a camera info message, or the configured ones when there is none."""
    return images.intrinsics_from_msg(info) if info is not None and info.width else camera.intrinsics
