"""Object errors and the choice of the next move: the farthest misplaced object whose
goal spot is free, else the object standing in a goal spot moved aside."""
import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape, top_down_grasp
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis, project_point
from seg_by_interaction.core.rearrangement.matching import Match, Matching
from seg_by_interaction.core.rearrangement.planning import (interior_part, next_move, object_errors,
                                                            retry_grasp)
from seg_by_interaction.core.robot_config import load_robot_config

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


def test_a_neighbour_standing_in_its_own_goal_is_not_moved_aside():
    # in the goal the two touch; the neighbour (1) is within tolerance of its own goal,
    # off by 12 px towards object 0's goal spot, which it then overlaps by a fifth
    current = [square(10, 10), square(52, 60)]
    goal = [square(60, 60), square(40, 60)]
    errors = object_errors(matched((0, 0), (1, 1)), current, goal)
    move = next_move(errors, current, goal, 15, set(), 0.15)
    assert (move.kind, move.goal) == ("to_goal", 0) and move.segment is current[0]


def test_nothing_moves_when_every_object_is_within_tolerance():
    current, goal = [square(10, 10)], [square(15, 14)]
    errors = object_errors(matched((0, 0)), current, goal)
    assert next_move(errors, current, goal, 15, set(), 0.15) is None


def test_an_object_whose_grasps_failed_is_not_moved_aside_again():
    current = [square(10, 10), square(100, 80)]
    goal = [square(100, 80), square(10, 10)]
    errors = object_errors(matched((0, 0), (1, 1)), current, goal)
    assert next_move(errors, current, goal, 15, given_up={1}, occupied_share=0.15) is None


def segment_of(mask, view) -> Hypothesis:
    return Hypothesis("s", "test", 1.0, mask, mask_shape(mask),
                      top_down_grasp(mask, view.depth, view.intrinsics, view.camera_pose))


def interior_grasp(segment, view, radius_px):
    return top_down_grasp(interior_part(segment.mask, radius_px), view.depth, view.intrinsics,
                          view.camera_pose)


def test_a_retry_grasps_the_most_interior_part_or_turns_the_fingers():
    camera = load_robot_config("sawyer").camera()
    view = RGBDView(np.zeros((240, 320, 3), np.uint8), np.full((240, 320), 0.9, np.float32),
                    camera.intrinsics, camera.pose)
    ell = np.zeros((240, 320), bool)
    ell[100:160, 100:112] = True                   # an L: its centroid lies off the object
    ell[148:160, 100:160] = True
    shaped = segment_of(ell, view)
    u, v = shaped.shape.centroid_px
    assert not ell[int(round(v)), int(round(u))]
    retried = retry_grasp(shaped, interior_grasp(shaped, view, radius_px=10))
    pixel = project_point(retried.position, view.intrinsics, view.camera_pose)
    assert ell[int(round(pixel[1])), int(round(pixel[0]))]
    box = np.zeros((240, 320), bool)
    box[100:120, 100:140] = True                   # convex: the same point, turned fingers
    convex = segment_of(box, view)
    turned = retry_grasp(convex, interior_grasp(convex, view, radius_px=30))
    assert np.allclose(turned.position, convex.grasp.position) and turned.width_m == 0.0
    assert abs(np.cos(turned.yaw - convex.grasp.yaw)) == pytest.approx(0.0, abs=1e-6)
