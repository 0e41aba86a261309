"""Rotations and camera frames."""
import numpy as np
import pytest

from seg_by_interaction.core.geometry import (Pose, matrix_to_quaternion, optical_frame_looking_at,
                                              pose_matrix, quaternion_to_matrix)
from seg_by_interaction.core.validated import ConfigError


@pytest.mark.parametrize("seed", range(5))
def test_quaternion_matrix_round_trip(seed):
    q = np.random.default_rng(seed).normal(size=4)
    q /= np.linalg.norm(q)
    q *= np.sign(q[3])
    rotation = quaternion_to_matrix(q)
    assert np.allclose(rotation @ rotation.T, np.eye(3))
    assert np.allclose(matrix_to_quaternion(rotation), q)


def test_half_turns_keep_their_axis():
    for axis in ([1.0, -1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]):
        q = np.array([*(np.array(axis) / np.linalg.norm(axis)), 0.0])
        assert np.allclose(quaternion_to_matrix(matrix_to_quaternion(quaternion_to_matrix(q))),
                           quaternion_to_matrix(q))


def test_degenerate_inputs_raise():
    with pytest.raises(ValueError, match="not a rotation quaternion"):
        quaternion_to_matrix([0.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="must differ"):
        optical_frame_looking_at((1.0, 0.0, 1.0), (1.0, 0.0, 1.0))


def test_optical_frame_points_z_at_the_target_with_image_down_toward_the_floor():
    rotation = optical_frame_looking_at(eye=(1.0, 0.0, 1.0), target=(0.0, 0.0, 0.0))
    assert np.allclose(rotation[:, 2], np.array([-1.0, 0.0, -1.0]) / np.sqrt(2))
    assert rotation[2, 1] < 0  # image y (down) has a downward world component
    assert np.isclose(np.linalg.det(rotation), 1.0)
    with pytest.raises(ValueError, match="parallel"):
        optical_frame_looking_at((0, 0, 1), (0, 0, 0))


def test_pose_matrix_maps_points():
    transform = pose_matrix((1.0, 2.0, 3.0), (0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)))
    assert np.allclose(transform @ [1.0, 0.0, 0.0, 1.0], [1.0, 3.0, 3.0, 1.0])


def test_a_pose_is_a_value_that_maps_points_both_ways():
    turn = Pose(position=np.array([1.0, 2.0, 3.0]),
                orientation_xyzw=np.array([0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]))
    assert turn.position == (1.0, 2.0, 3.0) and turn == Pose(position=(1, 2, 3),
                                                             orientation_xyzw=turn.orientation_xyzw)
    assert np.allclose(turn.matrix(), pose_matrix(turn.position, turn.orientation_xyzw))
    assert np.allclose(turn.to_planning([[1.0, 0.0, 0.0]]), [[1.0, 3.0, 3.0]])
    assert np.allclose(turn.from_planning([1.0, 3.0, 3.0]), [1.0, 0.0, 0.0])
    with pytest.raises(ConfigError, match="not a unit quaternion"):
        Pose(position=(0, 0, 0), orientation_xyzw=(0, 0, 0, 0.5))
