"""sensor_msgs/Image and CameraInfo to and from numpy (cv_bridge is not available on
every machine this stack runs on; numpy is)."""
from __future__ import annotations

import math

import numpy as np
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from seg_by_interaction.core import images
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.validated import ConfigError, from_dict


def to_array(msg: Image) -> np.ndarray:
    """The image's pixels; raises images.ImageError when the message is malformed."""
    return images.decode(msg.height, msg.width, msg.encoding, msg.step, bytes(msg.data),
                         bool(msg.is_bigendian))


def rgb_from_msg(msg: Image) -> np.ndarray:
    return images.to_rgb(to_array(msg), msg.encoding)


def depth_from_msg(msg: Image) -> np.ndarray:
    return images.depth_to_metres(to_array(msg), msg.encoding)


def to_msg(array: np.ndarray, encoding: str, header: Header) -> Image:
    height, width, step, data = images.encode(array, encoding)
    return Image(header=header, height=height, width=width, encoding=encoding,
                 is_bigendian=0, step=step, data=data)


def camera_info_msg(intrinsics: np.ndarray, width: int, height: int, header: Header) -> CameraInfo:
    """CameraInfo of an undistorted pinhole camera."""
    k = np.asarray(intrinsics, dtype=float)
    projection = np.hstack([k, np.zeros((3, 1))])
    return CameraInfo(header=header, width=width, height=height, distortion_model="plumb_bob",
                      d=[0.0] * 5, k=k.flatten().tolist(), r=np.eye(3).flatten().tolist(),
                      p=projection.flatten().tolist())


def intrinsics_from_msg(msg: CameraInfo) -> PinholeIntrinsics:
    """Raises ImageError on intrinsics no camera has (non-finite, focal length not positive,
    principal point outside the image)."""
    k = msg.k
    values = {"width": msg.width, "height": msg.height,
              "fx": k[0], "fy": k[4], "cx": k[2], "cy": k[5]}
    if not all(math.isfinite(v) for v in values.values()) or min(k[0], k[4]) <= 0:
        raise images.ImageError(f"camera info with unusable intrinsics {values}")
    try:
        return from_dict(PinholeIntrinsics, values, "camera info")
    except ConfigError as error:
        raise images.ImageError(str(error)) from error
