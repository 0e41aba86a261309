"""Training windows: positives hold their object centred at half the window's size,
hard negatives are moved off it or hold it at a wrong scale, and whatever lies outside
the frame is the mean."""
import numpy as np
import pytest

from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.model.windows import (action_window, hard_negative_window,
                                                   object_extent, positive_window,
                                                   scale_negative_window, to_tensor_batch)

SPEC = ModelSpec(architecture="resnet18_deepmask")


def frame_with_box(left=140, top=100, width=30, height=20):
    rng = np.random.default_rng(0)
    image = rng.integers(60, 140, (240, 320, 3), dtype=np.uint8)
    mask = np.zeros((240, 320), bool)
    mask[top:top + height, left:left + width] = True
    image[mask] = (250, 20, 20)
    return image, mask


def box_of(target):
    rows, columns = np.flatnonzero(target.any(1)), np.flatnonzero(target.any(0))
    centre = np.array([columns[0] + columns[-1], rows[0] + rows[-1]]) / 2
    return centre, max(columns[-1] - columns[0], rows[-1] - rows[0]) + 1


def denormalised(crop):
    return crop * np.array(SPEC.std) + np.array(SPEC.mean)


def test_the_object_extent_is_its_box_centre_and_larger_side():
    _, mask = frame_with_box(left=10, top=20, width=30, height=20)
    centre, side = object_extent(mask)
    assert centre.tolist() == [24.5, 29.5] and side == 30
    with pytest.raises(ValueError, match="empty"):
        object_extent(np.zeros((4, 4), bool))


def test_without_jitter_the_object_fills_half_the_window_at_its_centre():
    image, mask = frame_with_box()
    crop, target = positive_window(image, mask, SPEC, np.random.default_rng(0),
                                   scale_jitter_octaves=0.0, shift_px=0.0)
    assert crop.shape == (64, 64, 3) and crop.dtype == np.float32
    assert target.shape == (32, 32) and set(np.unique(target)) == {0.0, 1.0}
    centre, side = box_of(target)
    assert np.allclose(centre, 15.5) and side == 16
    red = denormalised(crop)[:, :, 0] > 0.9
    assert np.allclose(box_of(red)[0], 31.5, atol=0.5) and abs(box_of(red)[1] - 32) <= 1


def test_positive_windows_stay_within_the_scale_and_shift_jitter():
    image, mask = frame_with_box()
    rng = np.random.default_rng(1)
    mask_cells_per_window_px = SPEC.mask_size / SPEC.window_px
    centres, sides = [], []
    for _ in range(60):
        _, target = positive_window(image, mask, SPEC, rng, scale_jitter_octaves=0.25,
                                    shift_px=8.0)
        centre, side = box_of(target)
        centres.append(centre - 15.5)
        sides.append(side)
    centres, sides = np.array(centres), np.array(sides)
    shift_cells = 8.0 * mask_cells_per_window_px
    assert np.abs(centres).max() <= shift_cells + 0.5
    assert centres.std(axis=0).min() > 1.0, "the centre jitters"
    assert 16 * 2 ** -0.25 - 1 <= sides.min() and sides.max() <= 16 * 2 ** 0.25 + 1
    assert sides.max() - sides.min() >= 3, "the scale jitters"


def coordinate_ramp():
    """A frame whose red and green encode each pixel's u and v."""
    u, v = np.meshgrid(np.arange(320), np.arange(240))
    return np.dstack([np.round(u * 255 / 319), np.round(v * 255 / 239),
                      np.zeros_like(u)]).astype(np.uint8)


def window_centre_px(crop):
    """The frame pixel (u, v) at the centre of a crop cut from `coordinate_ramp()`."""
    middle = denormalised(crop)[31:33, 31:33].mean(axis=(0, 1)) * 255
    return np.array([middle[0] * 319 / 255, middle[1] * 239 / 255])


def test_hard_negatives_are_moved_beyond_the_threshold():
    image = coordinate_ramp()
    mask = np.zeros((240, 320), bool)
    mask[110:131, 145:176] = True  # 31 x 21 around (160, 120)
    scale = 32 / 31
    rng = np.random.default_rng(2)
    shifts = []
    for _ in range(50):
        crop = hard_negative_window(image, mask, SPEC, rng, scale_jitter_octaves=0.0)
        shifts.append(np.abs((np.array([160, 120]) - window_centre_px(crop)) * scale).sum())
    decoding_error = 2 * 0.7 * scale
    assert min(shifts) > 64 / 3 - decoding_error
    assert max(shifts) <= 2 * 64 / 3 + decoding_error
    assert max(shifts) - min(shifts) > 10, "the shift varies"


def test_scale_negatives_hold_the_object_centred_at_least_an_octave_off():
    image, mask = frame_with_box()                       # 30 px: fills half the window at 32
    sides = []
    for seed in range(20):
        crop = scale_negative_window(image, mask, SPEC, np.random.default_rng(seed))
        red = denormalised(crop)[:, :, 0] > 0.9
        centre, side = box_of(red)
        if side < 64:                                     # a larger one overflows the window
            assert np.allclose(centre, 31.5, atol=1.0)
        sides.append(side)
    assert min(sides) <= 32 / 2 + 1 and all(s <= 17 or s >= 63 for s in sides)
    assert max(sides) >= 63, "both smaller and larger"


def test_outside_the_frame_is_the_normalisation_mean():
    image, mask = frame_with_box(left=0, top=0, width=20, height=20)
    crop, target = positive_window(image, mask, SPEC, np.random.default_rng(3),
                                   scale_jitter_octaves=0.0, shift_px=0.0)
    # the box's corner, image point (-0.5, -0.5), is at window pixel (15.5, 15.5)
    assert np.all(crop[:15, :15] == 0.0)
    assert np.allclose(denormalised(crop[:15, :15]), SPEC.mean)
    assert not np.any(crop[16:, 16:] == 0.0)
    assert target[:7].sum() == 0 and target[:, :7].sum() == 0 and target[8:24, 8:24].all()


def test_an_action_window_centres_the_pixel_at_the_object_scale():
    image, _ = frame_with_box()
    image[119:122, 159:162] = (0, 255, 0)
    crop = action_window(image, (160, 120), object_size_px=16, spec=SPEC)
    green = denormalised(crop)[:, :, 1] > 0.9
    assert np.allclose(box_of(green)[0], 31.5, atol=1.0)
    assert 4 <= box_of(green)[1] <= 6, "3 pixels, scaled by 2"
    with pytest.raises(ValueError, match="positive"):
        action_window(image, (160, 120), object_size_px=0, spec=SPEC)


def test_crops_stack_into_a_channels_first_batch():
    image, mask = frame_with_box()
    rng = np.random.default_rng(4)
    crops = [positive_window(image, mask, SPEC, rng)[0] for _ in range(3)]
    batch = to_tensor_batch(crops)
    assert batch.shape == (3, 3, 64, 64)
    assert np.array_equal(batch[1].permute(1, 2, 0).numpy(), crops[1])
