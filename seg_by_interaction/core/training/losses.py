"""Training losses of the segmentation network.

The score loss is DeepMask's: binary cross-entropy on the score logits, 1 for windows on
an object, 0 for negatives. Mask losses are chosen by name (the package's `MASK_LOSSES`):

- "ce": DeepMask's per-pixel binary cross-entropy against the noisy mask;
- "rsl": Pathak et al.'s robust set loss (2018, §4.2 and Appendix A.1);
- the methods for noisy labels Eitel et al. (2019, Table III) compare, in
  `bootstrapping.py` and `sample_selection.py`.

Every mask loss is a `MaskLoss`: a per-pixel cross-entropy over samples, where a method
may change the targets (`targets`: bootstrapping, the robust set) and choose the samples
trained on (`keep`: self-paced learning, small-loss sampling, co-teaching). A sample is
one labelled object: a positive window's mask for DeepMask (every pixel of the window
counts), a labelled object's mask on the dense network's foreground logits (its pixels
only), or for a `whole_window` loss the object's predicted mask in a window around it
(`dense_trainer.py`). Called on DeepMask's mask logits (B, m, m), noisy targets
(B, m, m) in {0, 1} and optional per-example weights (B,), a mask loss returns a scalar:
the weighted mean over the kept examples of each example's mean over pixels.
"""
from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

from seg_by_interaction.core.validated import setting

# The default `iouTh` of the authors' released robust_set_loss.py
# (github.com/pathak22/seg-by-interaction).
PATHAK_IOU_THRESHOLD = 0.75


def score_loss(score_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the score branch; labels 1 (object) or 0 (negative)."""
    return F.binary_cross_entropy_with_logits(score_logits, labels.float())


def sample_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                         pixels: torch.Tensor | None = None) -> torch.Tensor:
    """Each sample's mean binary cross-entropy over its pixels (all, or where `pixels`
    is set; 0 for a sample without any); logits and targets (N, h, w), returns (N,)."""
    losses = F.binary_cross_entropy_with_logits(logits, targets.float(), reduction="none")
    if pixels is None:
        return losses.flatten(1).mean(1)
    pixels = pixels.flatten(1).float()
    return (losses.flatten(1) * pixels).sum(1) / pixels.sum(1).clamp_min(1.0)


def weighted_mean(values: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    if weights is None:
        return values.mean()
    return (values * weights).sum() / weights.sum().clamp_min(1e-12)


class MaskLoss:
    """A mask loss over samples. `networks` is how many networks it trains side by side
    (2 for co-teaching); `step` is the trainer's step, for methods that change over
    training."""
    networks: int = 1
    # Whether the targets depend on the prediction around the noisy mask too (the robust
    # set's IoU does): the dense trainer then gives each object's predicted mask in a
    # window rather than the foreground at the object's pixels.
    whole_window: bool = False

    def targets(self, logits: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
        """The per-pixel targets (N, h, w) in [0, 1], without gradient, for the noisy
        labels (N, h, w) and one network's logits."""
        return labels.float()

    def keep(self, losses: torch.Tensor, step: int) -> torch.Tensor:
        """Which samples each network trains on: (networks, N) bool, from each network's
        per-sample losses (networks, N)."""
        return torch.ones_like(losses, dtype=torch.bool)

    def sample_losses(self, logits: list[torch.Tensor], labels: torch.Tensor, step: int,
                      pixels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(losses, kept), both (networks, N): each network's per-sample cross-entropy
        against its targets and the samples it trains on; `logits` one (N, h, w) tensor
        per network."""
        losses = torch.stack([sample_cross_entropy(network_logits,
                                                   self.targets(network_logits, labels, step),
                                                   pixels)
                              for network_logits in logits])
        return losses, self.keep(losses.detach(), step)

    def __call__(self, mask_logits: torch.Tensor, targets: torch.Tensor,
                 weights: torch.Tensor | None = None, step: int = 0) -> torch.Tensor:
        """One network's loss, the weighted mean over its kept samples."""
        losses, kept = self.sample_losses([mask_logits], targets, step)
        kept_weights = kept[0].to(losses.dtype)
        return weighted_mean(losses[0], kept_weights if weights is None else kept_weights * weights)


class CrossEntropyMaskLoss(MaskLoss):
    """Per-pixel binary cross-entropy against the noisy mask itself (DeepMask)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RobustSetLossParams:
    iou_threshold: float = setting(PATHAK_IOU_THRESHOLD, "least IoU of the target with the "
                                                         "noisy mask", min=0.05, max=1.0)


@dataclasses.dataclass(frozen=True)
class RobustSetLoss(MaskLoss):
    """Pathak et al.'s robust set loss: the noisy mask M stands for the set of masks whose
    IoU with it is at least b; the network is trained towards the member of that set
    closest to its own current prediction, rather than towards M itself.

    The closest member is found as the paper's Appendix A.1 does, by moving the network's
    logits with two common biases: one added to every pixel inside M, one subtracted from
    every pixel outside it, both >= 0, so the thresholded prediction (logit > 0) gains
    pixels of M and loses pixels outside it. Of the bias pairs whose thresholded mask
    reaches IoU >= b with M, the one with the smallest sum is taken (found exactly from
    the sorted logits, see `robust_set_targets`, where the authors' code steps greedily
    along a 0.1 grid), and its thresholded mask is the target of a per-pixel
    cross-entropy, with no gradient through the target. A prediction that already has
    IoU >= b is its own target: such an example only sharpens what the network predicts.
    """
    params: RobustSetLossParams = RobustSetLossParams()
    whole_window = True

    def targets(self, logits: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
        return robust_set_targets(logits, labels, self.params.iou_threshold).masks.float()


class RobustTargets(NamedTuple):
    masks: torch.Tensor          # (B, m, m) bool: the thresholded, shifted logits
    inside_shift: torch.Tensor   # (B,) added to the logits inside the noisy mask
    outside_shift: torch.Tensor  # (B,) subtracted from the logits outside it


def robust_set_targets(mask_logits: torch.Tensor, noisy_masks: torch.Tensor,
                       iou_threshold: float) -> RobustTargets:
    """The robust set loss's targets, for a whole batch at once.

    With I the pixels inside the noisy mask and a_1 >= a_2 >= ... their logits, and
    o_1 >= o_2 >= ... the logits outside it, a shift that turns the k most confident
    inside pixels on costs max(0, -a_k), and one that leaves at most j outside pixels on
    costs max(0, o_(j+1)). The IoU is then k / (|I| + j), so for each j the cheapest
    k is ceil(b (|I| + j)); minimising the summed cost over j in 0..|outside| gives the
    smallest shifts. Shifts are reported as their infimum (a logit lifted exactly to 0
    counts as on); pixels tied with the last one turned on are turned on too, and ties
    with the first one turned off go off, which only raises the IoU.
    """
    logits = mask_logits.detach().flatten(1).double()
    inside = noisy_masks.detach().flatten(1) > 0.5
    batch, pixels = logits.shape
    infinity = torch.full((batch, 1), math.inf, dtype=logits.dtype)
    inside_sorted = torch.where(inside, logits, -math.inf).sort(dim=1, descending=True).values
    outside_sorted = torch.where(inside, -math.inf, logits).sort(dim=1, descending=True).values
    kth_inside = torch.cat([infinity, inside_sorted], dim=1)     # [:, k] = a_k; a_0 = +inf
    next_outside = torch.cat([outside_sorted, -infinity], dim=1)  # [:, j] = o_(j+1)

    n_inside = inside.sum(dim=1, keepdim=True)
    kept_outside = torch.arange(pixels + 1).expand(batch, -1)
    needed_inside = torch.ceil(iou_threshold * (n_inside + kept_outside).double() - 1e-9).long()
    feasible = (needed_inside <= n_inside) & (kept_outside <= pixels - n_inside)
    lift = kth_inside.gather(1, needed_inside.clamp(0, pixels))
    inside_cost = torch.relu(-lift)
    outside_cost = torch.relu(next_outside)
    total = torch.where(feasible, inside_cost + outside_cost, math.inf)
    best = total.argmin(dim=1, keepdim=True)

    lift_to = lift.gather(1, best)
    lower_below = next_outside.gather(1, best)
    on = logits > 0
    target = torch.where(inside, on | (logits >= lift_to), on & (logits > lower_below))
    dtype = mask_logits.dtype
    return RobustTargets(target.view_as(mask_logits), inside_cost.gather(1, best)[:, 0].to(dtype),
                         outside_cost.gather(1, best)[:, 0].to(dtype))
