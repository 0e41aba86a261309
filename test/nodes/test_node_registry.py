"""The table of nodes in core/wiring.py is the package's nodes: one module per node,
named as the executable CMakeLists.txt installs from it."""
import pathlib

import pytest
from rclpy.node import Node

import seg_by_interaction.nodes
from seg_by_interaction.core.wiring import NODES
from seg_by_interaction.nodes import node_class
from seg_by_interaction.ros.node_processes import node_command


def test_the_node_table_the_node_modules_and_the_installed_executables_agree():
    folder = pathlib.Path(seg_by_interaction.nodes.__file__).parent
    modules = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}
    installed = {path.name for path in pathlib.Path(node_command("any")[0]).parent.iterdir()}
    assert set(NODES) == modules == installed


@pytest.mark.parametrize("name", sorted(NODES))
def test_a_node_is_the_rclpy_node_its_module_defines(name):
    assert issubclass(node_class(name), Node)
    assert node_class(name).__module__ == f"seg_by_interaction.nodes.{name}"


def test_an_unknown_node_names_the_choices():
    with pytest.raises(KeyError, match="unknown node 'cmaera_node'; available: .*'camera_node'"):
        node_class("cmaera_node")
