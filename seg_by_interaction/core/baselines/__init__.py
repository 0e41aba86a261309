"""Non-learning segmenters, the yardstick's baselines. Each is a callable taking a view
(`rgb`, `depth` in metres, `intrinsics`) and returning scored `Proposal`s, best first."""
from __future__ import annotations

import importlib

METHODS = {
    "bottom_up": "seg_by_interaction.core.baselines.bottom_up:BottomUp",
    "depth_clusters": "seg_by_interaction.core.baselines.depth_clusters:DepthClusters",
}


def make_method(name: str):
    if name not in METHODS:
        raise KeyError(f"unknown method '{name}'; available: {sorted(METHODS)}")
    module, cls = METHODS[name].split(":")
    return getattr(importlib.import_module(module), cls)()
