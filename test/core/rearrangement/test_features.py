"""Segment descriptors from the offline ImageNet trunk: a tight crop's feature, colour
and size; the same object looks alike wherever it stands."""
import cv2
import numpy as np
import pytest
import torch

from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.rearrangement.features import (CROP_PX, FEATURE_TRUNKS,
                                                            colour_histogram, tight_crop)
from seg_by_interaction.core.rearrangement.matching import similarities

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def features():
    return FEATURE_TRUNKS.make("imagenet")


def table(seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(120, 170, (240, 320, 3), dtype=np.uint8), (5, 5), 0)


def segment(mask: np.ndarray) -> Hypothesis:
    shape = mask_shape(mask)
    u, v = shape.centroid_px
    return Hypothesis("s", "test", 1.0, mask, shape, Grasp(np.array([u / 500, v / 500, 0.02]), 0.0, 0.03))


def draw(image: np.ndarray, kind: str, centre, colour) -> np.ndarray:
    mask = np.zeros(image.shape[:2], np.uint8)
    if kind == "box":
        cv2.rectangle(mask, (centre[0] - 12, centre[1] - 8), (centre[0] + 12, centre[1] + 8), 1, -1)
    else:
        cv2.circle(mask, centre, 14, 1, -1)
    cv2.line(image, (centre[0] - 6, centre[1]), (centre[0] + 6, centre[1]), (255, 255, 255), 2)
    image[mask > 0] = colour
    image[(mask > 0) & (np.indices(mask.shape)[0] % 6 < 2)] = (20, 20, 20)     # stripes
    return mask > 0


def test_the_same_object_elsewhere_is_more_alike_than_another_object(features):
    goal_image, scene_image = table(0), table(1)
    goal_box = draw(goal_image, "box", (80, 60), (200, 40, 40))
    goal_disc = draw(goal_image, "disc", (220, 160), (40, 60, 200))
    scene_box = draw(scene_image, "box", (240, 70), (200, 40, 40))
    scene_disc = draw(scene_image, "disc", (90, 170), (40, 60, 200))
    goal = features.describe(goal_image, [segment(goal_box), segment(goal_disc)])
    scene = features.describe(scene_image, [segment(scene_box), segment(scene_disc)])
    for descriptor in goal + scene:
        assert np.linalg.norm(descriptor.appearance) == pytest.approx(1.0, abs=1e-5)
        assert descriptor.colour.sum() == pytest.approx(1.0)
    appearance_only = similarities(scene, goal, _only("appearance"))
    assert appearance_only[0, 0] > appearance_only[0, 1]
    assert appearance_only[1, 1] > appearance_only[1, 0]


def _only(cue):
    from seg_by_interaction.core.rearrangement.matching import CUES, MatchingParams
    return MatchingParams(**{f"{name}_weight": float(name == cue) for name in CUES})


def test_a_crop_at_the_image_border_is_padded_to_the_crop_size():
    image = table()
    mask = np.zeros(image.shape[:2], bool)
    mask[0:10, 300:320] = True
    crop, crop_mask = tight_crop(image, mask)
    assert crop.shape == (CROP_PX, CROP_PX, 3) and crop_mask.shape == (CROP_PX, CROP_PX)
    assert 0.1 < crop_mask.mean() < 0.6


def test_the_colour_histogram_counts_only_the_segment():
    image = np.zeros((20, 20, 3), np.uint8)
    image[:, :10] = (255, 0, 0)
    image[:, 10:] = (0, 0, 255)
    left = np.zeros((20, 20), bool)
    left[:, :10] = True
    histogram = colour_histogram(image, left)
    assert histogram.max() == pytest.approx(1.0)
    assert np.argmax(histogram) != np.argmax(colour_histogram(image, ~left))


def test_the_trained_trunk_needs_a_checkpoint():
    with pytest.raises(ValueError, match="need a checkpoint"):
        FEATURE_TRUNKS.make("trained")
