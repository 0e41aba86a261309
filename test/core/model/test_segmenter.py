"""Dense multi-scale inference: windows tile the image at every scale (also centred on its
border), proposals are full-size masks sorted by score without duplicates, and a network
trained on a bright square finds it."""
import dataclasses

import cv2
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.network import DeepMask
from seg_by_interaction.core.model.segmenter import (Segmenter, SegmenterParams, WindowMask,
                                                     make_segmenter, single_scale,
                                                     suppress_duplicates)
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.validated import ConfigError, from_dict

SPEC = ModelSpec(architecture="resnet18_deepmask")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small ops on two threads slow down badly when other processes share the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def patch_network() -> DeepMask:
    """DeepMask's heads on a one-layer trunk (16x16 patches at stride 16): fast to run
    and to train."""
    return DeepMask(SPEC, nn.Sequential(nn.Conv2d(3, 32, 16, 16), nn.ReLU()), 32)


def textured(rng, height, width) -> np.ndarray:
    noise = rng.integers(40, 150, (height, width, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 1.5)


def with_square(image: np.ndarray, centre, side: int) -> tuple[np.ndarray, np.ndarray]:
    top, left = (max(c - side // 2, 0) for c in centre)
    mask = np.zeros(image.shape[:2], bool)
    mask[top:max(centre[0] + side - side // 2, 0), left:max(centre[1] + side - side // 2, 0)] = True
    image[mask] = 235
    return image, mask


def training_batch(rng, size=32):
    """Window crops, half centred on a square (within 8 px), half with the square at least
    24 px off centre or outside; the positives' mask targets at the mask resolution."""
    positive = np.arange(size) % 2 == 0
    crops, targets = [], []
    for is_positive in positive:
        offset = (rng.integers(-8, 9, 2) if is_positive
                  else rng.choice([-1, 1], 2) * rng.integers(24, 60, 2))
        crop, mask = with_square(textured(rng, 64, 64), 32 + offset, int(rng.integers(26, 38)))
        crops.append(crop)
        targets.append(cv2.resize(mask.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA))
    pixels = (np.stack(crops) / 255.0 - SPEC.mean) / SPEC.std
    images = torch.from_numpy(pixels).float().permute(0, 3, 1, 2)
    return images, torch.from_numpy(np.stack(targets)), torch.from_numpy(positive)


@pytest.fixture(scope="module")
def square_finder() -> DeepMask:
    """Trained for a few dozen steps with plain BCE (Pathak et al. 2018) on squares."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    network = patch_network()
    optimiser = torch.optim.Adam(network.parameters(), 1e-3)
    for _ in range(40):
        images, targets, positive = training_batch(rng)
        scores, masks = network.forward_windows(images)
        loss = (F.binary_cross_entropy_with_logits(scores, positive.float())
                + F.binary_cross_entropy_with_logits(masks[positive], targets[positive]))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return network.eval()


@pytest.fixture
def random_network() -> DeepMask:
    torch.manual_seed(0)
    return patch_network().eval()


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / (a | b).sum()


def test_a_trained_network_ranks_the_square_first(square_finder):
    image, square = with_square(textured(np.random.default_rng(1), 240, 320), (130, 200), 30)
    best = Segmenter(square_finder, single_scale(SegmenterParams())).segment(RGBDView(image))[0]
    assert iou(best.mask, square) > 0.6
    # Trained at one object size, it may prefer a part of the square at another scale.
    best_of_all_scales = Segmenter(square_finder).segment(RGBDView(image))[0].mask
    assert (best_of_all_scales & square).sum() > 0.8 * best_of_all_scales.sum()


def test_proposals_are_full_size_masks_best_first(square_finder):
    image = textured(np.random.default_rng(2), 90, 130)
    proposals = Segmenter(square_finder).segment(RGBDView(image))
    assert proposals
    assert all(p.mask.shape == (90, 130) and p.mask.dtype == bool for p in proposals)
    scores = [p.score for p in proposals]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("stride", [16, 8])
def test_windows_tile_the_image_and_centre_on_its_border(random_network, scale, stride):
    """With every window kept and a mask threshold of 0, each proposal is its window:
    side 64 / scale, centred every stride / scale from the image's top-left corner to its
    far edges, clipped to the image."""
    height, width = 48, 80
    params = SegmenterParams(scales=(scale,), mask_threshold=0.0, nms_iou=1.0,
                             masks_per_scale=10000, max_proposals=1000, window_stride_px=stride)
    image = textured(np.random.default_rng(3), height, width)
    proposals = Segmenter(random_network, params).segment(RGBDView(image))
    side, step = round(64 / scale), round(stride / scale)

    def extents(size):
        return {(max(centre - side // 2, 0), min(centre + side // 2, size))
                for centre in range(0, size + 1, step)}

    expected = {(y, x) for y in extents(height) for x in extents(width)}
    assert {_box(p.mask) for p in proposals} == expected
    assert all(p.mask.sum() == _area(_box(p.mask)) for p in proposals)   # whole rectangles


def _box(mask):
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return (rows[0], rows[-1] + 1), (cols[0], cols[-1] + 1)


def _area(box):
    (y0, y1), (x0, x1) = box
    return (y1 - y0) * (x1 - x0)


def test_duplicates_are_suppressed_and_the_better_one_kept():
    block = np.ones((10, 10), bool)
    best = WindowMask(0.9, 0, 0, block)
    shifted = WindowMask(0.8, 1, 1, block)         # IoU with best 81 / 119 = 0.68
    elsewhere = WindowMask(0.7, 5, 8, block)       # IoU with best 10 / 190
    kept = suppress_duplicates([elsewhere, shifted, best], iou_threshold=0.5, limit=10)
    assert kept == [best, elsewhere]
    assert suppress_duplicates([elsewhere, shifted, best], 0.7, limit=2) == [best, shifted]


def test_returned_proposals_do_not_duplicate_each_other(square_finder):
    image = textured(np.random.default_rng(4), 120, 160)
    proposals = Segmenter(square_finder, SegmenterParams(nms_iou=0.3)).segment(RGBDView(image))
    assert len(proposals) > 1
    for i, a in enumerate(proposals):
        assert all(iou(a.mask, b.mask) < 0.3 for b in proposals[i + 1:])


def test_at_most_max_proposals_are_returned(random_network):
    image = textured(np.random.default_rng(5), 120, 160)
    params = SegmenterParams(max_proposals=3, nms_iou=1.0, mask_threshold=0.0)
    assert len(Segmenter(random_network, params).segment(RGBDView(image))) == 3


def test_min_score_drops_unconvincing_windows(square_finder):
    image = textured(np.random.default_rng(6), 120, 160)   # no square
    assert Segmenter(square_finder, SegmenterParams(min_score=0.999)).segment(RGBDView(image)) == []


def test_the_networks_training_mode_is_restored(random_network):
    random_network.train()
    Segmenter(random_network, single_scale(SegmenterParams())).segment(
        RGBDView(textured(np.random.default_rng(7), 64, 64)))
    assert random_network.training


def test_resnet18_network_segments_a_camera_sized_image():
    torch.manual_seed(0)
    segmenter = Segmenter(build_network(SPEC), single_scale(SegmenterParams(max_proposals=5)))
    proposals = segmenter.segment(RGBDView(textured(np.random.default_rng(8), 240, 320)))
    assert 1 <= len(proposals) <= 5 and proposals[0].mask.shape == (240, 320)


@pytest.mark.parametrize("image, complaint", [
    (np.zeros((32, 32, 3), np.float32), "uint8"),
    (np.zeros((32, 32), np.uint8), "HxWx3"),
    (np.zeros((32, 32, 4), np.uint8), "HxWx3"),
    (np.zeros((0, 32, 3), np.uint8), "empty"),
    ([[0, 0, 0]], "list"),
])
def test_malformed_images_are_refused(random_network, image, complaint):
    with pytest.raises(ValueError, match=complaint):
        Segmenter(random_network).segment(RGBDView(image))


def test_default_scales_are_quarter_octaves_from_half_to_double():
    assert SegmenterParams().scales == pytest.approx(
        (0.5, 0.5946, 0.7071, 0.8409, 1.0, 1.1892, 1.4142, 1.6818, 2.0), abs=1e-4)
    assert single_scale(SegmenterParams(max_proposals=7)) == SegmenterParams(max_proposals=7,
                                                                             scales=(1.0,))


def test_params_are_validated():
    assert from_dict(SegmenterParams, {"scales": [1, 2]}).scales == (1.0, 2.0)
    for bad in ({"scales": []}, {"scales": [0.0]}, {"nms_iou": 1.5}, {"max_proposals": 0}):
        with pytest.raises(ConfigError):
            from_dict(SegmenterParams, bad)


def test_threads_sets_torchs_intra_op_threads(random_network):
    before = torch.get_num_threads()
    try:
        make_segmenter(random_network, dataclasses.replace(SegmenterParams(), threads=1))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
