"""Superpixel refinement of positive masks: Lohmann et al.'s share rule on Felzenszwalb
superpixels and Eitel et al.'s SLIC + normalized cuts, on synthetic images and masks."""
import numpy as np
import pytest

from seg_by_interaction.core.labelers.base import Label
from seg_by_interaction.core.labelers.refinement import REFINEMENTS, regions_inside
from seg_by_interaction.core.validated import ConfigError


def two_objects() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An image of a red and a blue square on a grey table, and their masks."""
    rgb = np.full((80, 120, 3), 128, np.uint8)
    red, blue = np.zeros((80, 120), bool), np.zeros((80, 120), bool)
    red[20:50, 15:45] = True
    blue[25:55, 70:100] = True
    rgb[red], rgb[blue] = (210, 30, 30), (30, 40, 200)
    return rgb, red, blue


def label(rgb: np.ndarray, mask: np.ndarray, positive: bool = True) -> Label:
    return Label("before_after", rgb, mask, positive, 0.9, (30.0, 35.0), "moved", {})


def test_a_region_joins_when_its_share_in_the_mask_reaches_the_threshold():
    regions = np.repeat(np.arange(4), 25).reshape(10, 10)          # rows of 25 pixels each
    mask = np.zeros((10, 10), bool)
    mask.flat[0:7] = True           # 7 of region 0: 28 %
    mask.flat[25:30] = True         # 5 of region 1: 20 %
    mask.flat[50:75] = True         # all of region 2
    refined = regions_inside(mask, regions, 0.25)
    assert refined.flat[0:25].all() and refined.flat[50:75].all()
    assert not refined.flat[25:50].any() and not refined.flat[75:].any()


@pytest.mark.parametrize("method", ["felzenszwalb", "slic_ncut"])
def test_a_mask_short_of_its_object_grows_to_the_object_and_not_beyond(method):
    rgb, red, blue = two_objects()
    partial = red.copy()
    partial[:, :28] = False                 # the motion left the left part out (57 % of it)
    partial[30:35, 45:50] = True            # and smeared onto the table beside it
    refined = REFINEMENTS.make(method).refine(label(rgb, partial))
    assert np.count_nonzero(refined.mask & red) >= 0.95 * np.count_nonzero(red)
    assert not (refined.mask & blue).any()
    assert np.count_nonzero(refined.mask & ~red) <= 0.05 * np.count_nonzero(red)
    assert f"refined by {method}" in refined.reason
    assert refined.quality["refined_area_px"] == np.count_nonzero(refined.mask)


def test_the_share_is_configurable():
    rgb, red, _ = two_objects()
    sliver = np.zeros_like(red)
    sliver[20:50, 15:20] = True             # a sixth of the red square
    lohmann = REFINEMENTS.make("felzenszwalb")
    stricter = REFINEMENTS.make("felzenszwalb", {"min_share": 0.1})
    # the square's inside is one superpixel, a sixth of it in the sliver
    assert np.count_nonzero(lohmann.refine(label(rgb, sliver)).mask & red) < 0.5 * np.count_nonzero(red)
    assert np.count_nonzero(stricter.refine(label(rgb, sliver)).mask & red) == np.count_nonzero(red)


def test_negatives_and_no_refinement_keep_their_masks():
    rgb, red, _ = two_objects()
    partial = red.copy()
    partial[:, :28] = False
    negative = label(rgb, partial, positive=False)
    assert REFINEMENTS.make("felzenszwalb").refine(negative) is negative
    positive = label(rgb, partial)
    assert REFINEMENTS.make("none").refine(positive) is positive
    with pytest.raises(ConfigError, match="above the maximum"):
        REFINEMENTS.make("felzenszwalb", {"min_share": 1.5})
