"""The loop as `ros2 launch` actions (for launch/sim_collect.launch.py and
launch/robot_collect.launch.py; imported only there, where ROS 2's launch is installed):
one process per node of the wiring, the run ending when the collector has spent its
budget, launch waiting SIGTERM_TIMEOUT_S after SIGINT so that every node (the trainer
with its final checkpoint) ends cleanly."""
from __future__ import annotations

from launch.actions import EmitEvent, RegisterEventHandler, SetLaunchConfiguration
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch_ros.actions import Node

from seg_by_interaction.core.wiring import BUDGET_NODE, SIGTERM_TIMEOUT_S, LoopWiring


def loop_actions(wiring: LoopWiring) -> list:
    nodes = {name: Node(package="seg_by_interaction", executable=name, name=name, output="screen",
                        parameters=[*wiring.params_files, values])
             for name, values in wiring.parameters.items()}
    ending = RegisterEventHandler(OnProcessExit(
        target_action=nodes[BUDGET_NODE],
        on_exit=[EmitEvent(event=Shutdown(reason="the collector spent its budget"))]))
    return [SetLaunchConfiguration("sigterm_timeout", str(SIGTERM_TIMEOUT_S)), *nodes.values(),
            ending]
