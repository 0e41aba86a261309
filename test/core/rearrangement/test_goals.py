"""Goals refused before anything moves: another image size, another camera pose, a
tolerance or budget that cannot be met, an unknown segmenter or goal id."""
import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.rearrangement.controller import GoalError
from seg_by_interaction.core.rearrangement.goals import (GoalStore, check_goal_view, check_limits,
                                                         rotation_angle)
from seg_by_interaction.core.robot_config import load_robot_config

CAMERA = load_robot_config("sawyer").camera()


def view(height=240, width=320, pose=CAMERA.pose) -> RGBDView:
    return RGBDView(np.zeros((height, width, 3), np.uint8), np.ones((height, width), np.float32),
                    CAMERA.intrinsics, pose)


def test_a_goal_of_the_camera_s_size_and_pose_passes():
    check_goal_view(view(), (240, 320), CAMERA.pose)


def test_a_goal_of_another_size_is_refused():
    with pytest.raises(GoalError, match="640x480 .* differ from the camera's 320x240"):
        check_goal_view(view(480, 640), (240, 320), CAMERA.pose)


def test_a_goal_from_another_camera_pose_is_refused():
    moved = Pose(position=np.add(CAMERA.pose.position, (0.05, 0, 0)),
                 orientation_xyzw=CAMERA.pose.orientation_xyzw)
    with pytest.raises(GoalError, match="another camera pose .*5.0 cm"):
        check_goal_view(view(pose=moved), (240, 320), CAMERA.pose)
    turn = np.radians(3) / 2
    turned = Pose(position=CAMERA.pose.position,
                  orientation_xyzw=(0.0, 0.0, np.sin(turn), np.cos(turn)))
    assert np.degrees(rotation_angle(turned, Pose(position=(0, 0, 0)))) == pytest.approx(3.0)


@pytest.mark.parametrize("tolerance, budget, segmenter, message", [
    (15.0, 0, "depth_clusters", "budget of 0"),
    (0.0, 10, "depth_clusters", "tolerance 0.0 px"),
    (float("nan"), 10, "depth_clusters", "tolerance nan px"),
    (15.0, 10, "crystal_ball", "unknown segmenter 'crystal_ball'"),
])
def test_limits_that_cannot_be_met_are_refused(tolerance, budget, segmenter, message):
    with pytest.raises(GoalError, match=message):
        check_limits(tolerance, budget, segmenter)


def test_snapshotted_goals_are_kept_by_id_up_to_the_capacity():
    store = GoalStore(capacity=2)
    first, second, third = (store.add(view()) for _ in range(3))
    assert (first, second, third) == ("goal_1", "goal_2", "goal_3")
    assert store.get(third).size == (240, 320)
    with pytest.raises(GoalError, match="no goal 'goal_1'"):
        store.get(first)
