"""Primitive goals, interaction records and labelled examples: messages to and from the
core's requests, views and labels."""
from __future__ import annotations

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Point, Vector3
from std_msgs.msg import Header

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.kinds import KINDS
from seg_by_interaction.core.interaction.motion import ToolPose
from seg_by_interaction.core.interaction.primitives import POKE_MAGNITUDES
from seg_by_interaction.msg import InteractionRecord, Metric, Primitive
from seg_by_interaction.ros import hypothesis_msgs, images, poses

# Primitive.msg's type constant of each kind is spelled like it.
KIND_OF_TYPE = {getattr(Primitive, name.upper()): name for name in KINDS}


def request_to_msg(request: InteractionRequest, base_frame: str, hypothesis: Hypothesis | None,
                   model_version: int, header: Header) -> Primitive:
    msg = Primitive(type=getattr(Primitive, request.kind.upper()), model_version=model_version)
    if hypothesis is not None:
        msg.hypothesis = hypothesis_msgs.to_msg(hypothesis, header)
        u, v = hypothesis.shape.centroid_px
        msg.target_px = Point(x=float(u), y=float(v))
    frame = Header(stamp=header.stamp, frame_id=base_frame)
    if request.target is not None:
        msg.target = poses.to_pose_stamped(ToolPose.top_down(request.target, request.yaw), frame)
    if request.place_xy is not None:
        place = (*request.place_xy, float(request.target[2]))
        msg.place = poses.to_pose_stamped(ToolPose.top_down(place, request.yaw), frame)
    if request.direction is not None:
        msg.direction = Vector3(x=float(request.direction[0]), y=float(request.direction[1]))
    msg.distance = float(request.distance)
    msg.poke_magnitude = POKE_MAGNITUDES.index(request.magnitude)
    msg.grasp_width = float(request.width)
    return msg


def request_from_msg(msg: Primitive, base_frame: str) -> InteractionRequest:
    """Raises ValueError (or MotionError for a pose in another frame) on a bad goal."""
    if msg.type not in KIND_OF_TYPE:
        raise ValueError(f"unknown primitive type {msg.type}")
    kind = KIND_OF_TYPE[msg.type]
    if msg.poke_magnitude >= len(POKE_MAGNITUDES):
        raise ValueError(f"unknown poke magnitude {msg.poke_magnitude}")
    if "target" not in KINDS[kind].needs:
        return InteractionRequest(kind=kind)
    target = poses.from_pose_stamped(msg.target, base_frame)
    place = poses.from_pose_stamped(msg.place, base_frame) if msg.place.header.frame_id else None
    direction = np.array([msg.direction.x, msg.direction.y, 0.0])
    return InteractionRequest(
        kind=kind, target=target.position, yaw=target.closing_yaw, width=msg.grasp_width,
        place_xy=place.position[:2] if place is not None else None,
        direction=direction if "direction" in KINDS[kind].needs else None, distance=msg.distance,
        magnitude=POKE_MAGNITUDES[msg.poke_magnitude], half_extent=msg.grasp_width / 2)


def record_msg(record_id: str, primitive: Primitive, outcome: int, reason: str, camera_name: str,
               camera_info, views: dict[str, RGBDView], timings: dict[str, float], base_frame: str,
               header: Header) -> InteractionRecord:
    msg = InteractionRecord(header=header, record_id=record_id, primitive=primitive,
                            outcome=int(outcome), reason=reason, camera_name=camera_name,
                            timings=[Metric(name=k, value=float(v)) for k, v in timings.items()])
    if camera_info is not None:
        msg.camera_info = camera_info
    for name, view in views.items():
        image_header = Header(stamp=_stamp(view.stamp), frame_id=camera_info.header.frame_id
                              if camera_info is not None else "")
        setattr(msg, f"{name}_rgb", images.to_msg(view.rgb, "rgb8", image_header))
        setattr(msg, f"{name}_depth", images.to_msg(view.depth.astype(np.float32), "32FC1", image_header))
        camera_pose = ToolPose(view.camera_pose.position, view.camera_pose.orientation_xyzw)
        setattr(msg, f"camera_pose_{name}", poses.to_pose_stamped(
            camera_pose, Header(stamp=image_header.stamp, frame_id=base_frame)))
    return msg


def _stamp(seconds: float):
    nanoseconds = int(round(seconds * 1e9))
    return Time(sec=nanoseconds // 1_000_000_000, nanosec=nanoseconds % 1_000_000_000)
