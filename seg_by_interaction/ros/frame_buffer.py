"""The latest synchronised frames of one camera (RGB, depth and, in simulation, the
ground-truth instances), and waiting for a frame taken after a given time: captures must
show the scene after the arm moved, not a frame from before."""
from __future__ import annotations

import threading

import numpy as np
from rclpy.node import Node
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image

from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.robot_config import CameraConfig
from seg_by_interaction.ros import images, qos


class Frame:
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
        self._condition = threading.Condition()
        self._latest: dict[str, dict[int, Image]] = {"rgb": {}, "depth": {}, "truth": {}}
        self._wanted = ("rgb", "depth", "truth") if with_ground_truth else ("rgb", "depth")
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
            frames = self._latest[kind]
            frames[stamp] = msg
            for old in sorted(frames)[:-4]:      # a few recent frames, to pair by stamp
                del frames[old]
            self._condition.notify_all()

    def latest(self) -> Frame | None:
        with self._condition:
            return self._newest_complete(-1)

    def wait_after(self, stamp_ns: int, timeout_s: float) -> Frame:
        """The newest complete frame stamped at or after `stamp_ns`."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._newest_complete(stamp_ns - 1), timeout_s):
                raise ImageError(f"no complete camera frame after t={stamp_ns / 1e9:.3f} s "
                                 f"within {timeout_s:.1f} s")
            return self._newest_complete(stamp_ns - 1)

    def _newest_complete(self, after_ns: int) -> Frame | None:
        stamps = set.intersection(*(set(self._latest[k]) for k in self._wanted))
        stamps = [s for s in stamps if s > after_ns]
        if not stamps:
            return None
        stamp = max(stamps)
        latest = self._latest
        return Frame(stamp, latest["rgb"][stamp], latest["depth"][stamp], latest["truth"].get(stamp))
