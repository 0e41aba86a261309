"""Label noise for controlled studies: each corruption does what it says, a set share of
the positive labels is corrupted, the same way for the same seed, and nothing else."""
import math

import numpy as np
import pytest

from seg_by_interaction.core.training.label_noise import (LabelNoise, LabelNoiseParams,
                                                          dilated, dropped, eroded, merged)
from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.core.validated import ConfigError, from_dict


def disc(centre, radius, shape=(120, 160)):
    rows, cols = np.ogrid[:shape[0], :shape[1]]
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius ** 2


def example(index, mask, positive=True, frame="before"):
    return Example(example_id=f"e{index}", image=np.zeros(mask.shape + (3,), np.uint8),
                   mask=mask, positive=positive, action_px=(0.0, 0.0), record_id="r0",
                   frame=frame)


def test_dilation_grows_the_mask_by_the_radius():
    mask = disc((60, 80), 20)
    grown = dilated(mask, 5)
    assert (grown >= mask).all()
    assert np.count_nonzero(grown) == pytest.approx(math.pi * 25 ** 2, rel=0.03)


def test_erosion_shrinks_it_and_never_empties_it():
    mask = disc((60, 80), 20)
    shrunk = eroded(mask, 5)
    assert (shrunk <= mask).all()
    assert np.count_nonzero(shrunk) == pytest.approx(math.pi * 15 ** 2, rel=0.05)
    deepest = eroded(mask, 50)
    assert deepest.any() and deepest[60, 80] and np.count_nonzero(deepest) < 10


def test_merging_unites_the_mask_with_its_nearest_neighbour():
    mask, near, far = disc((60, 40), 10), disc((60, 65), 10), disc((60, 140), 10)
    assert np.array_equal(merged(mask, [far, near]), mask | near)


def test_dropping_removes_the_share_beyond_a_straight_cut():
    mask = disc((60, 80), 20)
    kept = dropped(mask, 0.3, angle=0.0)       # along +x: the right part goes
    assert (kept <= mask).all()
    assert np.count_nonzero(kept) == pytest.approx(0.7 * np.count_nonzero(mask), rel=0.03)
    assert kept[60, 62] and not kept[60, 99]


def test_the_set_share_of_positive_labels_is_corrupted_the_same_way_for_a_seed():
    examples = [example(i, disc((60, 80), 15)) for i in range(300)]
    noise = LabelNoise(LabelNoiseParams(rate=0.3, kinds=("dilate", "erode", "drop")))
    corrupted = [noise.corrupt(e, [e]) for e in examples]
    changed = [not np.array_equal(c.mask, e.mask) for c, e in zip(corrupted, examples)]
    assert np.mean(changed) == pytest.approx(0.3, abs=0.06)
    again = [noise.corrupt(e, [e]) for e in examples]
    assert all(np.array_equal(a.mask, c.mask) for a, c in zip(again, corrupted))
    other_seed = LabelNoise(LabelNoiseParams(rate=0.3, seed=1, kinds=("dilate", "erode", "drop")))
    assert [not np.array_equal(other_seed.corrupt(e, [e]).mask, e.mask) for e in examples] != changed
    assert all(np.array_equal(e.mask, disc((60, 80), 15)) for e in examples), "nothing stored changes"


def test_negatives_and_a_zero_rate_are_left_alone():
    negative = example(0, disc((60, 80), 15), positive=False)
    assert LabelNoise(LabelNoiseParams(rate=1.0)).corrupt(negative, [negative]) is negative
    positive = example(1, disc((60, 80), 15))
    assert LabelNoise(LabelNoiseParams()).corrupt(positive, [positive]) is positive


def test_merge_takes_the_frames_other_labelled_object_and_needs_one():
    left, right = example(0, disc((60, 40), 10)), example(1, disc((60, 65), 10))
    merge = LabelNoise(LabelNoiseParams(rate=1.0, kinds=("merge",)))
    assert np.array_equal(merge.corrupt(left, [left, right]).mask, left.mask | right.mask)
    assert merge.corrupt(left, [left]) is left
    fallback = LabelNoise(LabelNoiseParams(rate=1.0, kinds=("merge", "dilate"), strength=0.5))
    assert (fallback.corrupt(left, [left]).mask > left.mask).any()


def test_the_strength_scales_with_the_object():
    small, large = example(0, disc((60, 80), 16)), example(1, disc((60, 80), 48))
    noise = LabelNoise(LabelNoiseParams(rate=1.0, kinds=("dilate",), strength=0.25))
    grown = [np.count_nonzero(noise.corrupt(e, [e]).mask) / np.count_nonzero(e.mask)
             for e in (small, large)]
    assert grown == pytest.approx([1.25 ** 2] * 2, rel=0.1)


def test_parameters_are_validated():
    params = from_dict(LabelNoiseParams, {"rate": 0.2, "kinds": ["dilate", "merge"]})
    assert params.kinds == ("dilate", "merge") and params.strength == 0.3
    with pytest.raises(ConfigError, match="kinds must be some of"):
        from_dict(LabelNoiseParams, {"kinds": ["blur"]})
    with pytest.raises(ConfigError, match="rate: 1.5 is above the maximum"):
        from_dict(LabelNoiseParams, {"rate": 1.5})
