"""Learning from labels: memory bank, losses, training steps, the online trainer."""
from __future__ import annotations

from seg_by_interaction.core.registry import Part, Registry

_LOSSES = "seg_by_interaction.core.training.losses"
_BOOTSTRAPPING = "seg_by_interaction.core.training.bootstrapping"
_SELECTION = "seg_by_interaction.core.training.sample_selection"

MASK_LOSSES = Registry("mask loss", {
    "ce": Part(f"{_LOSSES}:CrossEntropyMaskLoss"),
    "rsl": Part(f"{_LOSSES}:RobustSetLoss", f"{_LOSSES}:RobustSetLossParams",
                "Pathak et al.'s robust set loss"),
    "hard_bootstrap": Part(f"{_BOOTSTRAPPING}:HardBootstrapping",
                           f"{_BOOTSTRAPPING}:HardBootstrappingParams",
                           "hard bootstrapping (Reed et al. 2015)"),
    "bootstrap_heuristic": Part(f"{_BOOTSTRAPPING}:BootstrappingHeuristic",
                                f"{_BOOTSTRAPPING}:BootstrappingHeuristicParams",
                                "hard bootstrapping after a warm-up, where the network is "
                                "confident"),
    "self_paced": Part(f"{_SELECTION}:SelfPaced", f"{_SELECTION}:SelfPacedParams",
                       "self-paced learning (Kumar et al. 2010)"),
    "small_loss": Part(f"{_SELECTION}:SmallLoss", f"{_SELECTION}:SmallLossParams",
                       "small-loss sampling"),
    "co_teaching": Part(f"{_SELECTION}:CoTeaching", f"{_SELECTION}:SmallLossParams",
                        "co-teaching (Han et al. 2018)"),
})
