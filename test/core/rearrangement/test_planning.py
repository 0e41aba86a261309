"""Object errors and the choice of the next move: the farthest misplaced object whose
goal spot is free, else the object standing in a goal spot moved aside."""
import numpy as np
import pytest

from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.rearrangement.matching import Match, Matching
from seg_by_interaction.core.rearrangement.planning import next_move, object_errors, retry_grasp

METRES_PER_PX = 0.002


def square(u, v, side=10, name="s") -> Hypothesis:
    mask = np.zeros((120, 160), bool)
    mask[v:v + side, u:u + side] = True
    shape = mask_shape(mask)
    cu, cv = shape.centroid_px
    grasp = Grasp(np.array([cu * METRES_PER_PX, cv * METRES_PER_PX, 0.02]), 0.0, 0.03)
    return Hypothesis(name, "test", 1.0, mask, shape, grasp)


def matched(*pairs) -> Matching:
    return Matching(tuple(Match(c, g, 0.9) for c, g in pairs), (), ())


def test_errors_are_centroid_distances_in_pixels_and_grasp_distances_in_metres():
    errors = object_errors(matched((0, 0)), [square(10, 10)], [square(40, 50)])
    assert errors[0].error_px == pytest.approx(50.0)
    assert errors[0].error_m == pytest.approx(50 * METRES_PER_PX)


def test_the_farthest_misplaced_object_goes_to_its_goal_first():
    current = [square(10, 10), square(100, 10), square(60, 80)]
    goal = [square(30, 10), square(100, 90), square(62, 80)]
    errors = object_errors(matched((0, 0), (1, 1), (2, 2)), current, goal)
    move = next_move(errors, current, goal, tolerance_px=15, given_up=set(), occupied_share=0.15)
    assert (move.kind, move.goal) == ("to_goal", 1)
    assert move.segment is current[1]
    assert np.allclose(move.place_xy, goal[1].grasp.position[:2])
    assert next_move(errors, current, goal, 15, given_up={0, 1}, occupied_share=0.15) is None


def test_an_object_standing_in_the_only_free_goal_spot_is_moved_aside_first():
    # object 0 belongs where object 1 stands; object 1 belongs where object 0 stands
    current = [square(10, 10), square(100, 80)]
    goal = [square(100, 80), square(10, 10)]
    errors = object_errors(matched((0, 0), (1, 1)), current, goal)
    move = next_move(errors, current, goal, tolerance_px=15, given_up=set(), occupied_share=0.15)
    assert move.kind == "aside" and move.place_xy is None
    assert move.segment is current[1 if move.goal == 0 else 0]


def test_a_spot_taken_by_an_unmatched_object_is_cleared_and_free_spots_come_first():
    current = [square(10, 10), square(100, 80), square(50, 50, name="stranger")]
    goal = [square(52, 52), square(130, 100)]
    errors = object_errors(matched((0, 0), (1, 1)), current, goal)
    first = next_move(errors, current, goal, 15, set(), 0.15)
    assert (first.kind, first.goal) == ("to_goal", 1)            # free, though nearer
    second = next_move(errors, current, goal, 15, {1}, 0.15)
    assert second.kind == "aside" and second.segment.id == "stranger"


def test_nothing_moves_when_every_object_is_within_tolerance():
    current, goal = [square(10, 10)], [square(15, 14)]
    errors = object_errors(matched((0, 0)), current, goal)
    assert next_move(errors, current, goal, 15, set(), 0.15) is None


def test_an_object_whose_grasps_failed_is_not_moved_aside_again():
    current = [square(10, 10), square(100, 80)]
    goal = [square(100, 80), square(10, 10)]
    errors = object_errors(matched((0, 0), (1, 1)), current, goal)
    assert next_move(errors, current, goal, 15, given_up={1}, occupied_share=0.15) is None


@pytest.mark.parametrize("yaw, turned", [(0.0, -np.pi / 2), (0.5, 0.5 - np.pi / 2),
                                         (-0.5, np.pi / 2 - 0.5)])
def test_a_retry_turns_the_fingers_a_quarter_turn_and_opens_them_fully(yaw, turned):
    assert retry_grasp(yaw) == (pytest.approx(turned), 0.0)
