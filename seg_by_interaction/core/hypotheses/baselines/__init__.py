"""Non-learning segmenters, the yardstick's baselines. Each is a callable taking a view
(`rgb`, `depth` in metres, `intrinsics`) and returning scored `Proposal`s, best first."""
from __future__ import annotations

from seg_by_interaction.core.registry import Part, Registry

METHODS = Registry("method", {
    "bottom_up": Part("seg_by_interaction.core.hypotheses.baselines.bottom_up:BottomUp",
                      "seg_by_interaction.core.hypotheses.baselines.bottom_up:BottomUpParams"),
    "depth_clusters": Part(
        "seg_by_interaction.core.hypotheses.baselines.depth_clusters:DepthClusters",
        "seg_by_interaction.core.hypotheses.baselines.depth_clusters:DepthClusterParams"),
})
