"""ObjectHypothesis messages to and from the core's Hypothesis (masks cropped to their
box on the wire, full-size in the core)."""
from __future__ import annotations

import math

import numpy as np
from geometry_msgs.msg import Point
from sensor_msgs.msg import RegionOfInterest
from std_msgs.msg import Header

from seg_by_interaction.core.hypotheses.grasp import Grasp, MaskShape, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.interaction.motion import MotionError, ToolPose
from seg_by_interaction.msg import ObjectHypothesis
from seg_by_interaction.ros import images, poses


def to_msg(hypothesis: Hypothesis, header: Header) -> ObjectHypothesis:
    x, y, width, height = hypothesis.shape.bbox
    crop = hypothesis.mask[y:y + height, x:x + width].astype(np.uint8) * 255
    u, v = hypothesis.shape.centroid_px
    msg = ObjectHypothesis(id=hypothesis.id, source=hypothesis.source, score=float(hypothesis.score),
                           bbox=RegionOfInterest(x_offset=x, y_offset=y, width=width, height=height),
                           mask=images.to_msg(crop, "mono8", header),
                           centroid_px=Point(x=float(u), y=float(v)),
                           major_axis_angle=float(hypothesis.shape.major_axis_angle),
                           grasp_valid=hypothesis.grasp is not None)
    if hypothesis.grasp is not None:
        grasp_pose = ToolPose.top_down(hypothesis.grasp.position, hypothesis.grasp.yaw)
        msg.grasp_pose = poses.to_pose_stamped(grasp_pose, header)
        msg.grasp_width = float(hypothesis.grasp.width_m)
        msg.grasp_refusal = hypothesis.grasp.refusal
    return msg


def from_msg(msg: ObjectHypothesis, height: int, width: int) -> Hypothesis:
    """The hypothesis with its mask pasted into a height x width image; raises ValueError
    (ImageError for the mask) when it cannot be one of such an image."""
    if not (math.isfinite(msg.score) and math.isfinite(msg.centroid_px.x)
            and math.isfinite(msg.centroid_px.y) and math.isfinite(msg.major_axis_angle)):
        raise ValueError(f"hypothesis '{msg.id}' has non-finite score, centroid or axis")
    mask = np.zeros((height, width), bool)
    if msg.bbox.width and msg.bbox.height:
        try:
            crop = images.to_array(msg.mask) > 0
        except ImageError as error:
            raise ImageError(f"hypothesis '{msg.id}' mask: {error}") from error
        x, y = msg.bbox.x_offset, msg.bbox.y_offset
        if crop.shape != (msg.bbox.height, msg.bbox.width):
            raise ValueError(f"hypothesis '{msg.id}' mask of {crop.shape[1]}x{crop.shape[0]} does "
                             f"not fill its {msg.bbox.width}x{msg.bbox.height} box")
        if y + crop.shape[0] > height or x + crop.shape[1] > width:
            raise ValueError(f"hypothesis '{msg.id}' box lies outside the {width}x{height} image")
        mask[y:y + crop.shape[0], x:x + crop.shape[1]] = crop
    grasp = None
    if msg.grasp_valid:
        grasp = _grasp(msg)
    shape = mask_shape(mask) if mask.any() else MaskShape(0, (msg.centroid_px.x, msg.centroid_px.y),
                                                          msg.major_axis_angle, (0, 0, 0, 0))
    return Hypothesis(msg.id, msg.source, float(msg.score), mask, shape, grasp)


def _grasp(msg: ObjectHypothesis) -> Grasp:
    try:
        tool = poses.from_pose_stamped(msg.grasp_pose, msg.grasp_pose.header.frame_id)
    except MotionError as error:
        raise ValueError(f"hypothesis '{msg.id}' grasp: {error.reason}") from error
    if not 0.0 <= msg.grasp_width < math.inf:
        raise ValueError(f"hypothesis '{msg.id}' grasp width {msg.grasp_width} is no width")
    return Grasp(tool.position, tool.closing_yaw, float(msg.grasp_width), msg.grasp_refusal)
