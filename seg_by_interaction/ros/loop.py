"""Starting the self-supervised loop as core/wiring.py wires it: its nodes composed in
one process (`sbi collect`) or each in its own (the speed benchmark, the end-to-end
test), and the ROS graph a run uses."""
from __future__ import annotations

import json
import os

from seg_by_interaction.core.wiring import LoopWiring
from seg_by_interaction.ros.node_processes import node_command
from seg_by_interaction.ros.parameters import ros_arguments

DRAIN_TIMEOUT_S = 120.0
# Callbacks that wait on other nodes' answers (the executor on the world's motions) hold
# an executor thread each; a few more than the nodes keep every node responsive.
EXECUTOR_THREADS = 12
# Domains for runs that name none (the tests' isolated graphs use 1..101).
PRIVATE_DOMAINS = range(150, 230)


def loop_arguments(wiring: LoopWiring) -> list[str]:
    """ROS arguments of every node of the loop, for one process that composes them."""
    return ros_arguments(list(wiring.params_files), [
        f"{node}:{name}:={_ros_text(value)}"
        for node, values in wiring.parameters.items() for name, value in values.items()])


def loop_commands(wiring: LoopWiring) -> dict[str, list[str]]:
    """Command line of each node of the loop in its own process, as `ros2 launch` starts
    them; each node reads its own parameters from the loop's arguments."""
    arguments = loop_arguments(wiring)[2:]     # without `sbi --ros-args`
    return {node: node_command(node, *arguments) for node in wiring.nodes}


def _ros_text(value) -> str:
    """Strings as they are (ROS reads the text), anything else in YAML's flow style."""
    return value if isinstance(value, str) else json.dumps(value)


def use_private_domain() -> int:
    """The composed nodes answer each other by service and action names; two runs on one
    machine in the same ROS domain would answer each other's requests. Unless
    ROS_DOMAIN_ID is set, a run gets a domain of its own (printed, to attach tools)."""
    if "ROS_DOMAIN_ID" not in os.environ:
        os.environ["ROS_DOMAIN_ID"] = str(PRIVATE_DOMAINS[os.getpid() % len(PRIVATE_DOMAINS)])
        print(f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} (set ROS_DOMAIN_ID to choose)")
    return int(os.environ["ROS_DOMAIN_ID"])
