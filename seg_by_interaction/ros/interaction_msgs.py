"""Primitive goals, interaction records and labelled examples: messages to and from the
core's requests, views and labels, checked whole on arrival."""
from __future__ import annotations

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Point, Vector3
from std_msgs.msg import Header

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import pixel_in_image
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.kinds import KINDS
from seg_by_interaction.core.interaction.motion import (MotionError, Outcome, ToolPose,
                                                        check_in_workspace)
from seg_by_interaction.core.interaction.primitives import POKE_MAGNITUDES
from seg_by_interaction.core.labelers.base import pair_frames
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.msg import InteractionRecord, LabeledExample, Metric, Primitive
from seg_by_interaction.ros import hypothesis_msgs, images, poses

# Primitive.msg's type constant of each kind is spelled like it.
KIND_OF_TYPE = {getattr(Primitive, name.upper()): name for name in KINDS}
DIRECTION_MIN_NORM = 1e-6
MAX_DISTANCE_M = 2.0        # a push longer than any table is no push


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


def request_from_msg(msg: Primitive, robot: RobotConfig, image_hw: tuple[int, int]
                     ) -> InteractionRequest:
    """The goal's request, checked whole before the arm moves: raises MotionError
    (INVALID_REQUEST, or OUTSIDE_WORKSPACE for a target or place outside the workspace
    box) naming what is wrong."""
    try:
        return _checked_request(msg, robot, image_hw)
    except ValueError as error:
        raise MotionError(Outcome.INVALID_REQUEST, str(error)) from error


def _checked_request(msg: Primitive, robot: RobotConfig, image_hw: tuple[int, int]
                     ) -> InteractionRequest:
    if msg.type not in KIND_OF_TYPE:
        raise ValueError(f"unknown primitive type {msg.type}")
    kind = KIND_OF_TYPE[msg.type]
    if msg.poke_magnitude >= len(POKE_MAGNITUDES):
        raise ValueError(f"unknown poke magnitude {msg.poke_magnitude}")
    if msg.hypothesis.id:
        _check_hypothesis(msg, image_hw)
    if "target" not in KINDS[kind].needs:
        return InteractionRequest(kind=kind)
    target = _in_workspace(poses.from_pose_stamped(msg.target, robot.base_frame), robot, "target")
    place = None
    if msg.place.header.frame_id:
        place = _in_workspace(poses.from_pose_stamped(msg.place, robot.base_frame), robot, "place")
    direction = np.array([msg.direction.x, msg.direction.y, 0.0])
    usable = np.all(np.isfinite(direction)) and np.linalg.norm(direction) > DIRECTION_MIN_NORM
    if "direction" in KINDS[kind].needs and not usable:
        raise ValueError(f"a {kind} needs a finite horizontal direction, got "
                         f"{direction[:2].tolist()}")
    if not 0.0 <= msg.distance <= MAX_DISTANCE_M:
        raise ValueError(f"distance {msg.distance} m is not within 0..{MAX_DISTANCE_M} m")
    if not 0.0 <= msg.grasp_width <= robot.gripper.max_opening:
        raise ValueError(f"grasp_width {msg.grasp_width} m is not within the gripper's "
                         f"0..{robot.gripper.max_opening} m")
    return InteractionRequest(
        kind=kind, target=target.position, yaw=target.closing_yaw, width=msg.grasp_width,
        place_xy=place.position[:2] if place is not None else None,
        direction=direction if "direction" in KINDS[kind].needs else None, distance=msg.distance,
        magnitude=POKE_MAGNITUDES[msg.poke_magnitude], half_extent=msg.grasp_width / 2)


def _in_workspace(pose: ToolPose, robot: RobotConfig, what: str) -> ToolPose:
    check_in_workspace(robot.workspace, [pose.position], what)
    return pose


def _check_hypothesis(msg: Primitive, image_hw: tuple[int, int]) -> None:
    """The hypothesis acted on must be one of an image of the camera's size (its mask is
    stored with the record), aimed at by a target pixel inside that image."""
    height, width = image_hw
    hypothesis_msgs.from_msg(msg.hypothesis, height, width)
    u, v = msg.target_px.x, msg.target_px.y
    if not pixel_in_image((u, v), height, width):
        raise ValueError(f"target pixel ({u}, {v}) lies outside the {width}x{height} image")


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


def example_from_msg(msg: LabeledExample) -> Example:
    """The memory-bank example; raises ValueError (ImageError for the images) naming what
    no labeler makes: an unknown frame pair, a positive with an empty mask, an action pixel
    off the image, a confidence outside [0, 1], depth of another size than the image."""
    labelled_frame, _ = pair_frames(msg.frame_pair)
    example = Example(example_id=msg.example_id, image=images.rgb_from_msg(msg.image),
                      mask=images.to_array(msg.mask) > 0, depth=_depth(msg.depth),
                      positive=msg.positive, action_px=(msg.action_px.x, msg.action_px.y),
                      confidence=msg.confidence, record_id=msg.record_id,
                      frame_pair=msg.frame_pair, frame=labelled_frame, labeler=msg.labeler,
                      created_seq=_sequence(msg.record_id))
    if example.positive and not example.mask.any():
        raise ValueError("a positive example with an empty mask")
    height, width = example.mask.shape
    u, v = example.action_px
    if not pixel_in_image((u, v), height, width):
        raise ValueError(f"action pixel ({u}, {v}) lies outside the {width}x{height} image")
    return example


def _depth(msg) -> np.ndarray | None:
    """An example's depth in metres, None when the message has none."""
    if msg.height == 0 and msg.width == 0 and not msg.data:
        return None
    return images.depth_from_msg(msg)


def _sequence(record_id: str) -> int:
    digits = "".join(c for c in record_id if c.isdigit())
    return int(digits) if digits else 0
