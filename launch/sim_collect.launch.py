"""The self-supervised loop on the simulated world, the same graph a real ros2_control arm
runs: the world (playing the arm's controllers and the camera), the motion server with
the embedded backend, and every node of the loop as separate processes, wired as
`sbi collect` wires them (core/wiring.py); every node but the world runs on simulated
time. The launch ends when the collector has spent its budget; the trainer writes its
final checkpoint on that and every other shutdown (Ctrl-C included).

    ros2 launch seg_by_interaction sim_collect.launch.py robot:=sawyer run_dir:=runs/a \
        interactions:=1000 seed:=0

A real arm: launch/robot_collect.launch.py. This machine has no `ros2 launch`;
`sbi collect` composes the same nodes in one process.
"""
import pathlib

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from seg_by_interaction.core.wiring import LoopRun, loop_wiring
from seg_by_interaction.ros.launching import large_data_transports, loop_actions


def loop_nodes(context):
    def argument(name):
        return LaunchConfiguration(name).perform(context)

    return loop_actions(loop_wiring(LoopRun(
        run_dir=pathlib.Path(argument("run_dir")), interactions=int(argument("interactions")),
        robot=argument("robot"), seed=int(argument("seed")), exit_when_finished=True)))


def generate_launch_description():
    return LaunchDescription([
        large_data_transports(),
        DeclareLaunchArgument("robot", default_value="sawyer", description="robot config name"),
        DeclareLaunchArgument("run_dir", description="run directory (records, bank, checkpoints)"),
        DeclareLaunchArgument("interactions", default_value="1000", description="budget"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of scenes and choices"),
        OpaqueFunction(function=loop_nodes),
    ])
