"""Thin ROS 2 nodes: each translates messages and parameters for one part of the core.

NODES maps executable names (as installed under lib/seg_by_interaction and used by the
launch files) to their node classes, for composing several in one process.
"""
from seg_by_interaction.core.registry import resolve

NODES = {
    "camera_node": "seg_by_interaction.nodes.camera_node:CameraNode",
    "world_node": "seg_by_interaction.nodes.world_node:WorldNode",
}


def node_class(name: str):
    return resolve(NODES, name, "node")
