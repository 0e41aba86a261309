"""Thin ROS 2 nodes: each translates messages and parameters for one part of the core.

NODES maps executable names (as installed under lib/seg_by_interaction and used by the
launch files) to their node classes, for composing several in one process.
"""
from seg_by_interaction.core.registry import resolve

NODES = {
    "camera_node": "seg_by_interaction.nodes.camera_node:CameraNode",
    "world_node": "seg_by_interaction.nodes.world_node:WorldNode",
    "hypothesis_server": "seg_by_interaction.nodes.hypothesis_server:HypothesisServer",
    "interaction_executor": "seg_by_interaction.nodes.interaction_executor:InteractionExecutor",
    "mask_labeler": "seg_by_interaction.nodes.mask_labeler:MaskLabeler",
    "online_trainer": "seg_by_interaction.nodes.online_trainer:OnlineTrainer",
    "collector": "seg_by_interaction.nodes.collector:Collector",
}


def node_class(name: str):
    return resolve(NODES, name, "node")
