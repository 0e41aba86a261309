"""Mask and score losses: the registry, cross-entropy, and the robust set loss's exact
bias search and its robustness to label noise that cross-entropy learns."""
import itertools

import cv2
import numpy as np
import pytest
import torch

from seg_by_interaction.core.training import MASK_LOSSES
from seg_by_interaction.core.training.losses import (PATHAK_IOU_THRESHOLD, CrossEntropyMaskLoss,
                                                     RobustSetLoss, RobustSetLossParams,
                                                     robust_set_targets, score_loss)
from seg_by_interaction.core.validated import ConfigError


def iou(a, b):
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum()
    return (a & b).sum() / union if union else 1.0


def test_losses_are_made_by_name():
    assert isinstance(MASK_LOSSES.make("ce"), CrossEntropyMaskLoss)
    assert MASK_LOSSES.make("rsl", {"iou_threshold": 0.6}) == RobustSetLoss(
        RobustSetLossParams(iou_threshold=0.6))
    assert MASK_LOSSES.make("rsl").params.iou_threshold == PATHAK_IOU_THRESHOLD == 0.75
    with pytest.raises(KeyError, match="unknown mask loss 'dice'; available: \\['bootstrap_heuristic', "
                                       "'ce', 'co_teaching', 'hard_bootstrap', 'rsl', 'self_paced', "
                                       "'small_loss'\\]"):
        MASK_LOSSES.make("dice")
    with pytest.raises(ConfigError, match="iou_threshold: 0.0 is below the minimum"):
        MASK_LOSSES.make("rsl", {"iou_threshold": 0.0})


def test_cross_entropy_is_the_weighted_mean_of_per_example_pixel_means():
    logits = torch.tensor([[[0.0, 0.0]], [[3.0, -3.0]]])
    targets = torch.tensor([[[1.0, 0.0]], [[1.0, 0.0]]])
    first, second = np.log(2), np.log1p(np.exp(-3.0))
    loss = CrossEntropyMaskLoss()
    assert loss(logits, targets).item() == pytest.approx((first + second) / 2)
    weighted = loss(logits, targets, torch.tensor([3.0, 1.0]))
    assert weighted.item() == pytest.approx((3 * first + second) / 4)
    assert loss(logits, targets, torch.zeros(2)).item() == 0.0


def test_score_loss_is_binary_cross_entropy():
    loss = score_loss(torch.tensor([2.0, -1.0]), torch.tensor([1, 0]))
    assert loss.item() == pytest.approx((np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-1.0))) / 2)


def brute_force_smallest_shifts(logits, noisy, b):
    """The least c_in + c_out over every shift at which some pixel changes side."""
    inside_candidates = [0.0] + [-z + 1e-9 for z in logits[noisy] if z <= 0]
    outside_candidates = [0.0] + [z for z in logits[~noisy] if z > 0]
    best = np.inf
    for c_in, c_out in itertools.product(inside_candidates, outside_candidates):
        shifted = np.where(noisy, logits + c_in, logits - c_out)
        if iou(shifted > 0, noisy) >= b:
            best = min(best, c_in + c_out)
    return best


@pytest.mark.parametrize("b", [0.5, 0.75, 0.9])
def test_the_bias_search_finds_the_smallest_shifts_that_reach_the_iou(b):
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 2.0, (12, 6, 6))
    noisy = rng.random((12, 6, 6)) < 0.4
    targets = robust_set_targets(torch.from_numpy(logits), torch.from_numpy(noisy), b)
    for i in range(12):
        c_in, c_out = targets.inside_shift[i].item(), targets.outside_shift[i].item()
        assert iou(targets.masks[i], noisy[i]) >= b
        shifted = np.where(noisy[i], logits[i] + c_in + 1e-9, logits[i] - c_out)
        assert np.array_equal(targets.masks[i].numpy(), shifted > 0), "a thresholded shift"
        assert c_in + c_out == pytest.approx(brute_force_smallest_shifts(logits[i], noisy[i], b),
                                             abs=1e-6)


def test_a_prediction_that_already_reaches_the_iou_is_its_own_target():
    noisy = torch.zeros(1, 8, 8, dtype=torch.bool)
    noisy[0, 2:6, 2:6] = True  # 16 pixels
    logits = torch.full((1, 8, 8), -3.0)
    logits[0, 2:6, 2:5] = 2.0   # 12 of them predicted
    logits[0, 0, 0] = 1.0       # and one outside: IoU 12 / 17 = 0.71
    for b, expected_shift in [(0.7, 0.0), (0.75, 1.0)]:
        targets = robust_set_targets(logits, noisy, b)
        if expected_shift == 0.0:
            assert torch.equal(targets.masks, logits > 0)
        assert targets.inside_shift.item() + targets.outside_shift.item() == expected_shift
    # at b = 0.75, dropping the outside pixel (cost 1) beats lifting an inside one (cost 3)
    assert iou(robust_set_targets(logits, noisy, 0.75).masks[0], noisy[0]) == 0.75


def test_an_empty_noisy_mask_targets_an_empty_mask():
    targets = robust_set_targets(torch.randn(2, 4, 4), torch.zeros(2, 4, 4), 0.75)
    assert not targets.masks.any()


def test_no_gradient_flows_through_the_robust_target():
    logits = torch.randn(3, 8, 8, requires_grad=True)
    noisy = torch.rand(3, 8, 8) < 0.5
    RobustSetLoss()(logits, noisy.float()).backward()
    targets = robust_set_targets(logits, noisy, 0.75).masks.float()
    expected = (torch.sigmoid(logits) - targets) / (3 * 64)
    assert torch.allclose(logits.grad, expected, atol=1e-7)


SIDE = 32
ATTACHED = [(24, 15), (15, 24), (19, 13), (7, 21)]  # where each shape's neighbour sits


def clean_shapes():
    canvases = [np.zeros((SIDE, SIDE), np.uint8) for _ in range(4)]
    cv2.circle(canvases[0], (15, 15), 8, 1, -1)
    cv2.rectangle(canvases[1], (8, 10), (22, 21), 1, -1)
    cv2.rectangle(canvases[2], (8, 8), (14, 23), 1, -1)
    cv2.rectangle(canvases[2], (8, 18), (23, 23), 1, -1)
    cv2.ellipse(canvases[3], (16, 16), (11, 6), 30, 0, 360, 1, -1)
    return [c.astype(bool) for c in canvases]


def disk(centre, radius):
    canvas = np.zeros((SIDE, SIDE), np.uint8)
    cv2.circle(canvas, tuple(int(v) for v in centre), int(radius), 1, -1)
    return canvas.astype(bool)


def corrupted(clean, neighbour, with_neighbour, rng, min_iou=0.75):
    """A noisy label of `clean`: its boundary moved by a pixel, a neighbour (a shadow, an
    object that moved along) attached, blobs added and removed; drawn again until it is
    still within `min_iou` of the clean mask, as the robust set loss assumes."""
    while True:
        mask = clean.astype(np.uint8)
        draw = rng.random()
        if draw < 0.2:
            mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
        elif draw < 0.4:
            mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
        mask = mask.astype(bool)
        if with_neighbour:
            mask |= disk(neighbour, 4)
        if rng.random() < 0.3:
            mask |= disk(rng.integers(3, 29, 2), rng.integers(2, 4))
        if rng.random() < 0.3:
            mask &= ~disk(rng.integers(8, 24, 2), rng.integers(2, 4))
        if iou(mask, clean) >= min_iou:
            return mask


def learned_masks(loss, noisy, steps=150):
    """Free logits, one map per shape, fitted to all its noisy labels by gradient descent.
    They start at a background prior (sigmoid 0.12), as a mask head does before it has
    learned anything: pixels every label agrees on then turn on first."""
    shapes, labels = noisy.shape[:2]
    logits = torch.full((shapes, SIDE, SIDE), -2.0, requires_grad=True)
    targets = torch.from_numpy(noisy).float().flatten(0, 1)
    optimizer = torch.optim.SGD([logits], lr=0.5 * shapes * SIDE * SIDE)
    for _ in range(steps):
        repeated = logits[:, None].expand(-1, labels, -1, -1).flatten(0, 1)
        optimizer.zero_grad()
        loss(repeated, targets).backward()
        optimizer.step()
    return (logits > 0).detach().numpy()


def test_the_robust_set_loss_ignores_noise_that_cross_entropy_learns():
    rng = np.random.default_rng(0)
    clean = clean_shapes()
    labels = 48
    noisy = np.stack([np.stack([corrupted(shape, neighbour, i < 0.65 * labels, rng)
                                for i in range(labels)])
                      for shape, neighbour in zip(clean, ATTACHED)])
    label_iou = np.mean([iou(n, c) for shape_labels, c in zip(noisy, clean) for n in shape_labels])
    quality = {}
    for name in ("ce", "rsl"):
        learned = learned_masks(MASK_LOSSES.make(name), noisy)
        quality[name] = np.mean([iou(m, c) for m, c in zip(learned, clean)])
    # cross-entropy learns the per-pixel majority, which includes the neighbour; the
    # robust set loss stops following labels once its prediction is within their sets
    assert quality["ce"] < 0.9 and quality["rsl"] > 0.9, (quality, label_iou)
    assert quality["rsl"] > quality["ce"] + 0.08
