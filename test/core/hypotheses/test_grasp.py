"""PCA grasps: centroid, closing line across the narrow side, lifted to the planning frame."""
import numpy as np
import pytest

from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.hypotheses.grasp import (checked_grasp, grasp_scene, lift_pixels,
                                                      mask_shape, top_down_grasp)
from seg_by_interaction.core.robot_config import GripperConfig
from top_down_boxes import DOWN, K, LOOKING_DOWN, boxes_seen_from_above
# The Sawyer's: opens 8.5 cm, at least 7.5 cm before descending; fingers 1.6 x 2.2 cm.
GRIPPER = GripperConfig(joints=["l", "r"], max_opening=0.085, max_force=40.0)


def rotated_bar(angle, length=60, width=14):
    v, u = np.mgrid[0:160, 0:200]
    du, dv = u - 100.0, v - 80.0
    along = du * np.cos(angle) + dv * np.sin(angle)
    across = -du * np.sin(angle) + dv * np.cos(angle)
    return (np.abs(along) <= length / 2) & (np.abs(across) <= width / 2)


@pytest.mark.parametrize("angle", [0.0, 0.4, -1.0, np.pi / 2])
def test_mask_shape_finds_centroid_and_major_axis(angle):
    shape = mask_shape(rotated_bar(angle))
    assert shape.centroid_px == pytest.approx((100.0, 80.0), abs=0.5)
    difference = (shape.major_axis_angle - angle + np.pi / 2) % np.pi - np.pi / 2
    assert abs(difference) < 0.03


def test_empty_masks_are_rejected():
    with pytest.raises(ValueError, match="empty mask"):
        mask_shape(np.zeros((4, 4), bool))


def test_lifting_inverts_the_projection():
    points = lift_pixels([100.0, 150.0], [80.0, 30.0], [1.0, 2.0], K,
                         Pose(position=(0.5, 0.0, 1.0), orientation_xyzw=DOWN))
    assert np.allclose(points[0], [0.5, 0.0, 0.0])
    assert np.allclose(points[1], [0.5 + 2 * 50 / 200, 2 * 50 / 200, -1.0])


@pytest.mark.parametrize("angle", [0.0, 0.7, -1.2])
def test_grasp_closes_across_the_bar_at_its_top_surface(angle):
    mask = rotated_bar(angle)
    depth = np.full(mask.shape, 1.0, np.float32)
    depth[mask] = 0.95                                # a 5 cm tall bar on a table at z = 0
    depth[mask & (np.arange(200)[None, :] % 7 == 0)] = np.nan   # some lost readings
    grasp = top_down_grasp(mask, depth, K, LOOKING_DOWN)
    assert grasp.position == pytest.approx([0.0, 0.0, 0.05], abs=0.005)
    # The image v axis is world -y, so the bar's world angle is -angle; closing is across it.
    world_major = -angle
    difference = (grasp.yaw - (world_major + np.pi / 2) + np.pi / 2) % np.pi - np.pi / 2
    assert abs(difference) < 0.03
    assert grasp.width_m == pytest.approx(14 * 0.95 / 200, rel=0.25)


def test_no_grasp_without_depth():
    mask = rotated_bar(0.0)
    assert top_down_grasp(mask, np.full(mask.shape, np.nan, np.float32), K, LOOKING_DOWN) is None


def test_no_grasp_where_the_camera_pose_lifts_to_no_finite_point():
    depth = np.full((160, 200), 0.9, np.float32)
    broken = Pose(position=(0.0, 0.0, np.nan), orientation_xyzw=DOWN)
    assert top_down_grasp(rotated_bar(0.0), depth, K, broken) is None


def check(*boxes):
    """The checked grasp of the first box among all of them."""
    depth, masks = boxes_seen_from_above(*boxes)
    scene = grasp_scene(depth, K, LOOKING_DOWN, GRIPPER, table_height=0.0)
    return checked_grasp(masks[0], depth, K, LOOKING_DOWN, scene)


def turn_from(yaw, reference):
    """Unsigned angle between two closing lines, degrees."""
    return abs(np.degrees((yaw - reference + np.pi / 2) % np.pi - np.pi / 2))


def test_an_object_standing_alone_is_grasped_across_its_narrow_side():
    grasp = check((0.0, 0.0, 0.03, 0.05, 0.05))
    assert grasp.refusal == ""
    assert turn_from(grasp.yaw, 0.0) < 3        # closing along x, across the 3 cm side
    assert grasp.width_m == pytest.approx(0.03, abs=0.006)


def test_a_neighbour_under_a_finger_turns_the_grasp():
    # a box 4.5 cm away along the closing line, where a finger of the 7.5 cm opening lands
    grasp = check((0.0, 0.0, 0.03, 0.05, 0.05), (0.055, 0.0, 0.03, 0.03, 0.04))
    assert grasp.refusal == ""
    assert turn_from(grasp.yaw, 0.0) >= 30
    assert grasp.width_m > 0.03


def test_an_object_wider_than_the_opening_every_way_is_refused():
    grasp = check((0.0, 0.0, 0.10, 0.10, 0.04))
    assert "the gripper opens 8.5 cm" in grasp.refusal
    assert grasp.position == pytest.approx([0.0, 0.0, 0.04], abs=0.005)   # still a push target


def test_an_object_hemmed_in_on_all_sides_is_refused():
    ring = [(0.05 * np.cos(a), 0.05 * np.sin(a), 0.03, 0.03, 0.05)
            for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
    grasp = check((0.0, 0.0, 0.03, 0.03, 0.05), *ring)
    assert grasp.refusal.startswith("a finger would land on a surface 5.0 cm above the table")


def test_neighbours_below_the_fingertips_or_flat_do_not_block():
    tall = (0.0, 0.0, 0.03, 0.05, 0.09)          # fingertips reach down to 9 - 4 = 5 cm
    assert check(tall, (0.05, 0.0, 0.03, 0.03, 0.03)).refusal == ""
    card = (0.05, 0.0, 0.03, 0.03, 0.005)         # under the 1 cm depth-noise floor
    assert turn_from(check((0.0, 0.0, 0.03, 0.05, 0.05), card).yaw, 0.0) < 3


def check_put_down_at(place_xy, *boxes):
    """The checked grasp of the first box, to be put down at `place_xy` among the others."""
    depth, masks = boxes_seen_from_above(*boxes)
    others = grasp_scene(np.where(masks[0], 0.0, depth), K, LOOKING_DOWN, GRIPPER, table_height=0.0)
    return checked_grasp(masks[0], depth, K, LOOKING_DOWN, others, places=[place_xy])


def test_a_neighbour_of_the_place_turns_the_grasp_so_the_fingers_clear_it_there_too():
    # free where it stands; at (0.2, 0), a box 5.5 cm away along x is where a finger lands
    grasp = check_put_down_at((0.2, 0.0), (0.0, 0.0, 0.03, 0.05, 0.05),
                              (0.255, 0.0, 0.03, 0.03, 0.04))
    assert grasp.refusal == ""
    assert turn_from(grasp.yaw, 0.0) >= 30


def test_a_place_hemmed_in_on_all_sides_is_refused_with_where():
    ring = [(0.2 + 0.05 * np.cos(a), 0.05 * np.sin(a), 0.03, 0.03, 0.05)
            for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
    grasp = check_put_down_at((0.2, 0.0), (0.0, 0.0, 0.03, 0.03, 0.05), *ring)
    assert grasp.refusal.startswith("where it is put down, a finger would land")


def test_the_object_itself_does_not_block_its_own_place():
    # put down 4.5 cm along the closing line, where it stands now lies under a finger
    box = (0.0, 0.0, 0.03, 0.05, 0.05)
    grasp = check_put_down_at((0.045, 0.0), box)
    assert grasp.refusal == "" and turn_from(grasp.yaw, 0.0) < 3
    depth, masks = boxes_seen_from_above(box)
    with_itself = grasp_scene(depth, K, LOOKING_DOWN, GRIPPER, table_height=0.0)
    blocked = checked_grasp(masks[0], depth, K, LOOKING_DOWN, with_itself, places=[(0.045, 0.0)])
    assert blocked.refusal or turn_from(blocked.yaw, 0.0) >= 15
