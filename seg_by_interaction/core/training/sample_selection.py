"""Methods for noisy labels that choose which samples to train on, as compared by Eitel
et al. (2019, Table III): a network learns clean samples before it memorises wrong ones,
so early in training a wrong label shows as a large loss. A sample is one labelled object
(`losses.py`); selection is per batch, on the per-sample cross-entropy with the noisy
label, and a discarded sample contributes nothing to that step.

- "self_paced" (Kumar et al. 2010): samples whose loss is below a threshold; the
  threshold grows by a factor every so many steps, so harder samples join over training.
  Kumar et al. start it where half the samples are under it; here it is the batch's
  loss quantile `start_quantile` times the growth so far, so the pace does not depend on
  the loss's scale: an absolute threshold left the dense network without any object to
  learn (its table term drove every object's loss above it; `benchmarks/noisy_labels/`).
- "small_loss": the (1 - forget rate) share of the batch's samples with the smallest
  loss; the forget rate rises linearly from 0 to its final value over `ramp_steps`
  (Han et al. 2018's schedule R(T) = 1 - min(T / T_k * tau, tau), in steps).
- "co_teaching" (Han et al. 2018): two networks, each trained on the small-loss samples
  chosen by the other, with the same schedule; they err differently, so one filters
  out the wrong labels the other has started to fit.
"""
from __future__ import annotations

import dataclasses
import math

import torch

from seg_by_interaction.core.training.losses import MaskLoss
from seg_by_interaction.core.validated import setting

# Kumar et al. 2010: the threshold starts with half the samples under it and grows by
# the factor mu = 1.3.
KUMAR_START_SHARE = 0.5
KUMAR_GROWTH = 1.3


@dataclasses.dataclass(frozen=True, kw_only=True)
class SelfPacedParams:
    start_quantile: float = setting(KUMAR_START_SHARE, "the threshold before any growth: this "
                                                       "quantile of the batch's sample losses "
                                                       "(Kumar et al.: half the samples)",
                                    min=0.05, max=1.0)
    growth: float = setting(KUMAR_GROWTH, "factor the threshold grows by (Kumar et al.: 1.3)",
                            min=1.0, max=10.0)
    growth_every_steps: int = setting(100, "steps between two growths", min=1)


@dataclasses.dataclass(frozen=True)
class SelfPaced(MaskLoss):
    params: SelfPacedParams = SelfPacedParams()

    def growth(self, step: int) -> float:
        return self.params.growth ** (step // self.params.growth_every_steps)

    def keep(self, losses: torch.Tensor, step: int) -> torch.Tensor:
        if not losses.numel():      # a batch without samples has no quantile
            return super().keep(losses, step)
        start = losses.quantile(self.params.start_quantile, dim=1, keepdim=True)
        return losses <= start * self.growth(step)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SmallLossParams:
    forget_rate: float = setting(0.2, "share of each batch's samples discarded once ramped up "
                                      "(Han et al.: the estimated noise rate)",
                                 min=0.0, max=0.95)
    ramp_steps: int = setting(200, "steps over which the forget rate rises from 0 (Han et "
                                   "al.'s T_k)", min=0)


@dataclasses.dataclass(frozen=True)
class SmallLoss(MaskLoss):
    params: SmallLossParams = SmallLossParams()

    def keep(self, losses: torch.Tensor, step: int) -> torch.Tensor:
        return smallest(losses, forget_rate(self.params, step))


@dataclasses.dataclass(frozen=True)
class CoTeaching(MaskLoss):
    params: SmallLossParams = SmallLossParams()
    networks = 2

    def keep(self, losses: torch.Tensor, step: int) -> torch.Tensor:
        if losses.shape[0] != 2:
            raise ValueError(f"co-teaching trains two networks, got the losses of {losses.shape[0]}")
        return smallest(losses, forget_rate(self.params, step)).flip(0)


def forget_rate(params: SmallLossParams, step: int) -> float:
    ramp = min(1.0, step / params.ramp_steps) if params.ramp_steps else 1.0
    return params.forget_rate * ramp


def smallest(losses: torch.Tensor, forget: float) -> torch.Tensor:
    """Per row of `losses` (networks, N): the ceil((1 - forget) N) smallest, ties by order."""
    count = math.ceil((1.0 - forget) * losses.shape[1] - 1e-9)
    order = losses.argsort(dim=1, stable=True)[:, :count]
    kept = torch.zeros_like(losses, dtype=torch.bool)
    return kept.scatter(1, order, True)
