"""Learning from labels: memory bank, losses, training steps, the online trainer."""
from __future__ import annotations

from seg_by_interaction.core.registry import Part, Registry

MASK_LOSSES = Registry("mask loss", {
    "ce": Part("seg_by_interaction.core.training.losses:CrossEntropyMaskLoss"),
    "rsl": Part("seg_by_interaction.core.training.losses:RobustSetLoss",
                "seg_by_interaction.core.training.losses:RobustSetLossParams",
                "Pathak et al.'s robust set loss"),
})
