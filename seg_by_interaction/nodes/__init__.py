"""Thin ROS 2 nodes: each translates messages and parameters for one part of the core.

NODES maps executable names (as installed under lib/seg_by_interaction and used by the
launch files) to their node classes, for composing several in one process.
"""
import importlib

NODES = {
    "camera_node": "seg_by_interaction.nodes.camera_node:CameraNode",
    "world_node": "seg_by_interaction.nodes.world_node:WorldNode",
}


def node_class(name: str):
    if name not in NODES:
        raise KeyError(f"unknown node '{name}'; available: {sorted(NODES)}")
    module, cls = NODES[name].split(":")
    return getattr(importlib.import_module(module), cls)
