"""The package's nodes.

NODES is the one table of the nodes. A node is the module seg_by_interaction/nodes/<name>.py,
installed as the executable lib/seg_by_interaction/<name> (CMakeLists.txt finds the
modules); the table names its node class and the dataclass that declares and checks its
parameters, as "module:attribute" strings imported only when used, so that checking a
parameter file needs no rclpy.
"""
from __future__ import annotations

import typing


class NodeEntry(typing.NamedTuple):
    node_class: str
    params_class: str


NODES = {
    "camera_node": NodeEntry("seg_by_interaction.nodes.camera_node:CameraNode",
                             "seg_by_interaction.core.camera_sources:CameraNodeParams"),
    "world_node": NodeEntry("seg_by_interaction.nodes.world_node:WorldNode",
                            "seg_by_interaction.core.world.params:WorldParams"),
    "hypothesis_server": NodeEntry(
        "seg_by_interaction.nodes.hypothesis_server:HypothesisServer",
        "seg_by_interaction.core.hypotheses.proposer:HypothesisServerParams"),
    "interaction_executor": NodeEntry(
        "seg_by_interaction.nodes.interaction_executor:InteractionExecutor",
        "seg_by_interaction.core.interaction.executor:ExecutorParams"),
    "mask_labeler": NodeEntry("seg_by_interaction.nodes.mask_labeler:MaskLabeler",
                              "seg_by_interaction.core.labelers.labeling:LabelerNodeParams"),
    "online_trainer": NodeEntry("seg_by_interaction.nodes.online_trainer:OnlineTrainer",
                                "seg_by_interaction.core.training.online:OnlineTrainerParams"),
    "collector": NodeEntry("seg_by_interaction.nodes.collector:Collector",
                           "seg_by_interaction.core.interaction.collection:CollectorParams"),
}


def node_locations(role: str) -> dict[str, str]:
    """Node name -> "module:attribute" of its `role` ("node_class" or "params_class")."""
    return {name: getattr(entry, role) for name, entry in NODES.items()}
