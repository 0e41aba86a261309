"""Non-learning segmenters, the yardstick's baselines. Each is a callable taking a view
(`rgb`, `depth` in metres, `intrinsics`) and returning scored `Proposal`s, best first."""
from __future__ import annotations

from seg_by_interaction.core.registry import resolve

METHODS = {
    "bottom_up": "seg_by_interaction.core.hypotheses.baselines.bottom_up:BottomUp",
    "depth_clusters": "seg_by_interaction.core.hypotheses.baselines.depth_clusters:DepthClusters",
}


def make_method(name: str):
    return resolve(METHODS, name, "method")()
