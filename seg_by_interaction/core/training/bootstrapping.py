"""Bootstrapping (Reed et al. 2015), one of the methods for noisy labels Eitel et al.
(2019, Table III) fine-tune DeepMask with: the target of a pixel mixes the noisy label
with the network's own current decision, so a network that has learned what objects look
like is pulled less towards labels that contradict it.

- "hard_bootstrap": target = beta * label + (1 - beta) * [prediction > 0.5], beta 0.8
  (Reed et al.'s value for hard bootstrapping).
- "bootstrap_heuristic": the same mix, but only after a warm-up on the labels alone and
  only at pixels where the network is confident. The wording of Eitel et al.'s heuristic
  was not at hand; this is the project's reading of it: an untrained network's decisions
  carry no information, and an unconfident one's carry little.

Targets carry no gradient: they are fixed for the step, as in Reed et al.
"""
from __future__ import annotations

import dataclasses

import torch

from seg_by_interaction.core.training.losses import MaskLoss
from seg_by_interaction.core.validated import setting

REED_HARD_BETA = 0.8


@dataclasses.dataclass(frozen=True, kw_only=True)
class HardBootstrappingParams:
    beta: float = setting(REED_HARD_BETA, "weight of the noisy label in the target, the rest "
                                          "on the network's decision (Reed et al.: 0.8)",
                          min=0.0, max=1.0)


@dataclasses.dataclass(frozen=True)
class HardBootstrapping(MaskLoss):
    params: HardBootstrappingParams = HardBootstrappingParams()

    def targets(self, logits: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
        decisions = (logits.detach() > 0).to(torch.float32)
        return self.params.beta * labels.float() + (1.0 - self.params.beta) * decisions


@dataclasses.dataclass(frozen=True, kw_only=True)
class BootstrappingHeuristicParams(HardBootstrappingParams):
    warmup_steps: int = setting(100, "steps trained on the labels alone first", min=0)
    confidence: float = setting(0.9, "the network's decision is used only where its "
                                     "probability of its class is at least this",
                                min=0.5, max=1.0)


@dataclasses.dataclass(frozen=True)
class BootstrappingHeuristic(HardBootstrapping):
    params: BootstrappingHeuristicParams = BootstrappingHeuristicParams()

    def targets(self, logits: torch.Tensor, labels: torch.Tensor, step: int) -> torch.Tensor:
        if step < self.params.warmup_steps:
            return labels.float()
        probabilities = torch.sigmoid(logits.detach())
        confident = torch.maximum(probabilities, 1.0 - probabilities) >= self.params.confidence
        return torch.where(confident, super().targets(logits, labels, step), labels.float())
