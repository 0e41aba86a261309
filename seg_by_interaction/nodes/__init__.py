"""Thin ROS 2 nodes: each translates messages and parameters for one part of the core.

One node per module, named as its executable; core/wiring.py's NODES lists them.
"""
from seg_by_interaction.core.registry import resolve
from seg_by_interaction.core.wiring import node_locations


def node_class(name: str):
    return resolve(node_locations("node_class"), name, "node")
