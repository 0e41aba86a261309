"""The acted-on object split out of a region that moved as one, on synthetic frames seen
from above: touching objects of two colours, one object with a lit top and a shaded side,
a many-coloured object, two objects of one colour, an RGB-only camera, the split off."""
import numpy as np
import pytest

from seg_by_interaction.core.labelers.object_split import ObjectSplitParams, split_at_action

RED, BLUE, DARK_RED = (200, 30, 30), (30, 40, 200), (110, 15, 15)


def scene(*boxes):
    """RGB and height of boxes ((row0, row1, col0, col1), colour, height_m) on a grey
    table; later boxes lie on top of earlier ones."""
    rgb = np.full((120, 160, 3), 128, np.uint8)
    height = np.zeros((120, 160), np.float32)
    for (row0, row1, col0, col1), colour, box_height in boxes:
        rgb[row0:row1, col0:col1] = colour
        height[row0:row1, col0:col1] = box_height
    return rgb, height


def region(*boxes):
    mask = np.zeros((120, 160), bool)
    for row0, row1, col0, col1 in boxes:
        mask[row0:row1, col0:col1] = True
    return mask


LEFT, RIGHT = (40, 80, 30, 70), (40, 80, 70, 110)


def test_touching_objects_of_two_colours_give_the_one_acted_on():
    rgb, height = scene((LEFT, RED, 0.04), (RIGHT, BLUE, 0.04))
    moved = region(LEFT, RIGHT)
    split = split_at_action(moved, rgb, height, (50, 60), ObjectSplitParams())
    assert np.array_equal(split, region(LEFT))
    split = split_at_action(moved, rgb, height, (90, 60), ObjectSplitParams())
    assert np.array_equal(split, region(RIGHT))


def test_a_lit_top_and_a_shaded_side_stay_one_object():
    top, side = (40, 70, 30, 70), (70, 80, 30, 70)
    rgb, height = scene((top, RED, 0.04), (side, DARK_RED, 0.03))
    moved = region(top, side)
    assert np.array_equal(split_at_action(moved, rgb, height, (50, 50),
                                          ObjectSplitParams()), moved)


def test_a_many_coloured_object_stays_whole():
    rgb, height = scene((LEFT, RED, 0.04))
    rows, cols = np.indices(rgb.shape[:2])
    patches = region(LEFT) & ((rows // 8 + cols // 8) % 2 == 0)
    rgb[patches] = BLUE
    rgb[region(LEFT) & (rows // 8 % 3 == 0)] = (240, 240, 240)
    moved = region(LEFT)
    assert np.array_equal(split_at_action(moved, rgb, height, (45, 50), ObjectSplitParams()), moved)


def test_objects_of_one_colour_that_moved_together_stay_together():
    rgb, height = scene((LEFT, RED, 0.04), (RIGHT, RED, 0.04))
    moved = region(LEFT, RIGHT)
    assert np.array_equal(split_at_action(moved, rgb, height, (50, 60), ObjectSplitParams()), moved)


@pytest.mark.parametrize("enabled", [True, False])
def test_an_rgb_only_camera_splits_by_colour_and_the_split_can_be_turned_off(enabled):
    rgb, _ = scene((LEFT, RED, 0.04), (RIGHT, BLUE, 0.04))
    moved = region(LEFT, RIGHT)
    split = split_at_action(moved, rgb, None, (50, 60), ObjectSplitParams(enabled=enabled))
    assert np.array_equal(split, region(LEFT) if enabled else moved)
