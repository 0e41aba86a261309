"""Rearrange goals, feedback and results to and from the core's views and episodes."""
from __future__ import annotations

import math

import numpy as np
from geometry_msgs.msg import Point
from std_msgs.msg import Header

from seg_by_interaction.action import Rearrange
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.interaction.motion import MotionError, ToolPose
from seg_by_interaction.core.rearrangement.controller import EpisodeResult, GoalError, Progress
from seg_by_interaction.msg import RearrangeMatch, RearrangeMove
from seg_by_interaction.ros import images, poses

COLOUR_ENCODINGS = ("rgb8", "bgr8")
DEPTH_ENCODINGS = ("32FC1", "16UC1")


def goal_view(goal: Rearrange.Goal, base_frame: str) -> RGBDView:
    """The goal's images as a view; raises GoalError (or ImageError) naming what is wrong."""
    if goal.goal_image.encoding not in COLOUR_ENCODINGS:
        raise GoalError(f"goal image encoding '{goal.goal_image.encoding}' is not one of "
                        f"{list(COLOUR_ENCODINGS)}")
    if goal.goal_depth.encoding not in DEPTH_ENCODINGS:
        raise GoalError(f"goal depth encoding '{goal.goal_depth.encoding}' is not one of "
                        f"{list(DEPTH_ENCODINGS)}")
    if not goal.camera_info.width:
        raise GoalError("the goal carries no camera_info")
    try:
        camera = poses.from_pose_stamped(goal.camera_pose, base_frame)
    except MotionError as error:
        raise GoalError(f"goal camera_pose: {error.reason}") from error
    return RGBDView(images.rgb_from_msg(goal.goal_image), images.depth_from_msg(goal.goal_depth),
                    images.intrinsics_from_msg(goal.camera_info),
                    Pose(position=camera.position, orientation_xyzw=camera.orientation_xyzw))


def view_msgs(view: RGBDView, header: Header, base_frame: str) -> dict:
    """image, depth, camera_info and camera_pose of a view, as a goal carries them."""
    intrinsics = view.intrinsics
    pose = ToolPose(np.array(view.camera_pose.position), np.array(view.camera_pose.orientation_xyzw))
    return {"image": images.to_msg(view.rgb, "rgb8", header),
            "depth": images.to_msg(view.depth.astype(np.float32), "32FC1", header),
            "camera_info": images.camera_info_msg(intrinsics.matrix(), intrinsics.width,
                                                  intrinsics.height, header),
            "camera_pose": poses.to_pose_stamped(pose, Header(stamp=header.stamp,
                                                              frame_id=base_frame))}


def feedback_msg(progress: Progress) -> Rearrange.Feedback:
    return Rearrange.Feedback(objects_matched=progress.matched, moves_done=progress.moves,
                              goal_indices=[e.goal for e in progress.errors],
                              errors_px=[e.error_px for e in progress.errors])


def result_msg(episode: EpisodeResult) -> Rearrange.Result:
    goal_count = len(episode.goal.segments)
    errors_px, errors_m = [math.nan] * goal_count, [math.nan] * goal_count
    matches = []
    for error in episode.errors:
        errors_px[error.goal], errors_m[error.goal] = error.error_px, error.error_m
        matches.append(RearrangeMatch(
            goal_index=error.goal, current_id=episode.final.segments[error.current].id,
            similarity=error.similarity,
            goal_centroid_px=_point(episode.goal.segments[error.goal].shape.centroid_px),
            current_centroid_px=_point(episode.final.segments[error.current].shape.centroid_px),
            error_px=error.error_px, error_m=error.error_m))
    moves = [RearrangeMove(kind=m.kind, goal_index=m.goal, from_px=_point(m.from_px),
                           to_px=_point(m.to_px or (math.nan, math.nan)), outcome=m.outcome,
                           reason=m.reason) for m in episode.moves]
    return Rearrange.Result(success=episode.success, reason=episode.reason, matches=matches,
                            goal_centroids_px=[_point(s.shape.centroid_px)
                                               for s in episode.goal.segments],
                            final_errors_px=errors_px, final_errors_m=errors_m,
                            moves_used=len(episode.moves), moves=moves,
                            unmatched_goal=list(episode.matching.unmatched_goal),
                            unmatched_current=len(episode.matching.unmatched_current))


def result_dict(result: Rearrange.Result) -> dict:
    """The result as plain data (reports, benchmarks)."""
    return {"success": bool(result.success), "reason": result.reason,
            "moves_used": int(result.moves_used),
            "matches": [{"goal_index": int(m.goal_index), "current_id": m.current_id,
                         "similarity": float(m.similarity),
                         "goal_centroid_px": _uv(m.goal_centroid_px),
                         "current_centroid_px": _uv(m.current_centroid_px),
                         "error_px": float(m.error_px), "error_m": float(m.error_m)}
                        for m in result.matches],
            "goal_centroids_px": [_uv(p) for p in result.goal_centroids_px],
            "final_errors_px": [_number(e) for e in result.final_errors_px],
            "final_errors_m": [_number(e) for e in result.final_errors_m],
            "moves": [{"kind": m.kind, "goal_index": int(m.goal_index), "from_px": _uv(m.from_px),
                       "to_px": _uv(m.to_px), "outcome": m.outcome, "reason": m.reason}
                      for m in result.moves],
            "unmatched_goal": [int(i) for i in result.unmatched_goal],
            "unmatched_current": int(result.unmatched_current)}


def _uv(point: Point) -> list[float] | None:
    """None for the NaN point of a place never found."""
    return None if math.isnan(point.x) else [float(point.x), float(point.y)]


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _point(uv) -> Point:
    return Point(x=float(uv[0]), y=float(uv[1]))
