"""The latest synchronised frames of one camera (RGB, depth and, in simulation, the
ground-truth instances), and waiting for a frame taken after a given time: captures must
show the scene after the arm moved, not a frame from before. Images that cannot belong to
the camera (size, encoding, layout, a stamp from the future, depth not registered to
colour) are rejected and counted; the last good frame stays."""
from __future__ import annotations

import threading
import time

import numpy as np
from rclpy.node import Node
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.sync import (FramePairer, FrameSyncParams, ImageHeader,
                                                 UnpairedTime, check_image)
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.robot_config import CameraConfig
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.camera_poses import CameraPoses
from seg_by_interaction.ros.rejections import Rejections

FRAME_WAIT_S = 10.0


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
    def __init__(self, node: Node, camera: CameraConfig, rejections: Rejections,
                 sync: FrameSyncParams = FrameSyncParams(), with_ground_truth: bool = False,
                 callback_group=None, poses: CameraPoses | None = None):
        """`poses`: where the camera was at each frame's time (needed for a camera on a
        moving link; without, the configured pose)."""
        self.camera = camera
        self.poses = poses
        self.sync = sync
        self._condition = threading.Condition()
        kinds = ("rgb", "depth", "truth") if with_ground_truth else ("rgb", "depth")
        self._pairer = FramePairer(kinds, sync)
        self._complete: FrameMessages | None = None
        self._unpaired = UnpairedTime()
        self.camera_info: CameraInfo | None = None
        self._node, self._rejections = node, rejections
        topics = {"rgb": camera.rgb_topic, "depth": camera.depth_topic,
                  "truth": f"/{camera.name}/ground_truth/instances"}
        for kind in kinds:
            node.create_subscription(Image, topics[kind],
                                     lambda m, k=kind: self._add(k, m, topics[k]),
                                     qos.SENSOR_DATA, callback_group=callback_group)
        node.create_subscription(CameraInfo, camera.camera_info_topic, self._set_info,
                                 qos.SENSOR_DATA, callback_group=callback_group)

    def _set_info(self, msg: CameraInfo) -> None:
        try:
            intrinsics_of(msg, self.camera)
        except ValueError as error:
            self._rejections.reject(self.camera.camera_info_topic, str(error), stream=True)
            return
        self.camera_info = msg

    def _add(self, kind: str, msg: Image, topic: str) -> None:
        header = ImageHeader(Time.from_msg(msg.header.stamp).nanoseconds, msg.header.frame_id,
                             msg.height, msg.width, msg.encoding, msg.step, len(msg.data))
        intrinsics = intrinsics_of(self.camera_info, self.camera)
        try:
            check_image(kind, header, (intrinsics.height, intrinsics.width),
                        self._node.get_clock().now().nanoseconds, self.sync)
            with self._condition:
                frame = self._pairer.add(kind, header, msg)
                if frame is None:
                    self._warn_if_unpaired()
                    return
                self._complete = FrameMessages(self._pairer.last_stamp_ns, frame["rgb"],
                                               frame["depth"], frame.get("truth"))
                self._unpaired.paired()
                self._condition.notify_all()
        except ImageError as error:
            self._rejections.reject(topic, str(error), stream=True)

    def _warn_if_unpaired(self) -> None:
        waited = self._unpaired.unpaired_for(time.monotonic())
        if waited > self.sync.unpaired_warning_s:
            self._node.get_logger().warning(
                f"images arrive on {self.camera.rgb_topic} and {self.camera.depth_topic} but none "
                f"paired for {waited:.0f} s: are colour and depth stamped within "
                f"{self.sync.slop_s * 1e3:.0f} ms (frames.slop_s) and registered?",
                throttle_duration_sec=self.sync.unpaired_warning_s)

    def latest(self) -> FrameMessages | None:
        with self._condition:
            return self._complete

    def current(self, after_ns: int = 0, timeout_s: float = FRAME_WAIT_S) -> FrameMessages:
        """The latest complete frame, or with `after_ns` the newest stamped at or after it,
        waited for (ImageError when there is none)."""
        if after_ns:
            ahead_s = (after_ns - self._node.get_clock().now().nanoseconds) / 1e9
            if ahead_s > timeout_s:              # no such frame can come: refused at once
                raise ImageError(f"no frame stamped after t={after_ns / 1e9:.3f} s can come within "
                                 f"{timeout_s:.0f} s: that is {ahead_s:.0f} s ahead of this "
                                 f"node's clock")
            return self.wait_after(after_ns, timeout_s)
        frame = self.latest()
        if frame is None:
            raise ImageError(f"no camera frame received yet on {self.camera.rgb_topic}")
        return frame

    def wait_after(self, stamp_ns: int, timeout_s: float) -> FrameMessages:
        """The newest complete frame stamped at or after `stamp_ns`."""
        with self._condition:
            if not self._condition.wait_for(
                    lambda: self._complete is not None and self._complete.stamp_ns >= stamp_ns, timeout_s):
                raise ImageError(f"no complete camera frame after t={stamp_ns / 1e9:.3f} s "
                                 f"within {timeout_s:.1f} s")
            return self._complete

    def view(self, frame: FrameMessages) -> RGBDView:
        """The frame decoded, with the camera's intrinsics and its pose at the frame's time
        (raises ImageError)."""
        pose = self.poses.at(frame.stamp_ns) if self.poses is not None else self.camera.pose
        return RGBDView(frame.rgb(), frame.depth(), intrinsics_of(self.camera_info, self.camera),
                        pose, frame.stamp_ns / 1e9, frame.truth())


def intrinsics_of(info: CameraInfo | None, camera: CameraConfig) -> PinholeIntrinsics:
    """From a camera info message, or the configured ones when there is none."""
    return images.intrinsics_from_msg(info) if info is not None and info.width else camera.intrinsics
