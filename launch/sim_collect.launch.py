"""The self-supervised loop on the simulated world: the world and every node of the loop
as separate processes, wired as `sbi collect` wires them (core/wiring.py): every node
reads config/sim_world.yaml and config/collect.yaml, then what the run fixes.

    ros2 launch seg_by_interaction sim_collect.launch.py robot:=sawyer run_dir:=runs/a \
        interactions:=1000 seed:=0

On a real robot, replace world_node by the robot's drivers, a MoveIt-backed `motion`
action server and the camera driver (remapped to the robot config's topics).
This machine has no `ros2 launch`; `sbi collect` composes the same nodes in one process.
"""
import pathlib

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from seg_by_interaction.core.wiring import LoopRun, loop_wiring
from seg_by_interaction.ros.launching import large_data_transports, wiring_nodes


def loop_nodes(context):
    def argument(name):
        return LaunchConfiguration(name).perform(context)

    wiring = loop_wiring(LoopRun(run_dir=pathlib.Path(argument("run_dir")),
                                 interactions=int(argument("interactions")),
                                 robot=argument("robot"), seed=int(argument("seed"))))
    return wiring_nodes(wiring)


def generate_launch_description():
    return LaunchDescription([
        large_data_transports(),
        DeclareLaunchArgument("robot", default_value="sawyer", description="robot config name"),
        DeclareLaunchArgument("run_dir", description="run directory (records, bank, checkpoints)"),
        DeclareLaunchArgument("interactions", default_value="1000", description="budget"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of scenes and choices"),
        OpaqueFunction(function=loop_nodes),
    ])
