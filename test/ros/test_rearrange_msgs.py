"""Rearrange goals read whole (refused with the reason when unusable) and episodes as
results and plain data."""
import math

import numpy as np
import pytest
from std_msgs.msg import Header

from seg_by_interaction.action import Rearrange
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.rearrangement.controller import EpisodeResult, GoalError, MoveRecord, Scene
from seg_by_interaction.core.rearrangement.matching import Match, Matching
from seg_by_interaction.core.rearrangement.planning import ObjectError
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import rearrange_msgs

ROBOT = load_robot_config("sawyer")
CAMERA = ROBOT.camera()
VIEW = RGBDView(np.full((240, 320, 3), 90, np.uint8), np.full((240, 320), 0.9, np.float32),
                CAMERA.intrinsics, CAMERA.pose)


def goal(**changes) -> Rearrange.Goal:
    msgs = rearrange_msgs.view_msgs(VIEW, Header(frame_id=CAMERA.optical_frame), ROBOT.base_frame)
    goal = Rearrange.Goal(goal_image=msgs["image"], goal_depth=msgs["depth"],
                          camera_info=msgs["camera_info"], camera_pose=msgs["camera_pose"])
    for name, value in changes.items():
        setattr(goal, name, value)
    return goal


def test_a_goal_reads_back_as_the_view_it_was_made_from():
    view = rearrange_msgs.goal_view(goal(), ROBOT.base_frame)
    assert np.array_equal(view.rgb, VIEW.rgb) and np.array_equal(view.depth, VIEW.depth)
    assert view.intrinsics == VIEW.intrinsics
    assert np.allclose(view.camera_pose.position, CAMERA.pose.position)


def test_unusable_goals_are_refused_with_the_reason():
    mono = goal()
    mono.goal_image.encoding = "mono8"
    with pytest.raises(GoalError, match="encoding 'mono8'"):
        rearrange_msgs.goal_view(mono, ROBOT.base_frame)
    with pytest.raises(GoalError, match="no camera_info"):
        rearrange_msgs.goal_view(goal(camera_info=Rearrange.Goal().camera_info), ROBOT.base_frame)
    elsewhere = goal()
    elsewhere.camera_pose.header.frame_id = "camera"
    with pytest.raises(GoalError, match="camera_pose: pose is in frame 'camera'"):
        rearrange_msgs.goal_view(elsewhere, ROBOT.base_frame)


def segment(u, v) -> Hypothesis:
    mask = np.zeros((240, 320), bool)
    mask[v:v + 10, u:u + 10] = True
    return Hypothesis(f"s{u}", "test", 1.0, mask, mask_shape(mask),
                      Grasp(np.array([u / 100, v / 100, 0.0]), 0.0, 0.03))


def test_an_episode_becomes_a_result_and_plain_data():
    goal_scene = Scene(VIEW, [segment(10, 10), segment(100, 100)], [])
    final = Scene(VIEW, [segment(20, 10)], [])
    episode = EpisodeResult(
        False, "budget of 1 interactions spent", goal_scene, final, final,
        Matching((Match(0, 0, 0.8),), (), (1,)), [ObjectError(0, 0, 0.8, 10.0, 0.1)],
        [MoveRecord("aside", 1, (5.0, 5.0), None, "NO_FREE_SPOT", "no free spot")])
    result = rearrange_msgs.result_msg(episode)
    assert result.final_errors_px[0] == pytest.approx(10.0) and math.isnan(result.final_errors_px[1])
    assert result.matches[0].current_id == "s20" and list(result.unmatched_goal) == [1]
    plain = rearrange_msgs.result_dict(result)
    assert plain["final_errors_px"] == [10.0, None] and plain["moves"][0]["to_px"] is None
    assert plain["goal_centroids_px"] == [[14.5, 14.5], [104.5, 104.5]]
    assert plain["matches"][0]["similarity"] == pytest.approx(0.8)
