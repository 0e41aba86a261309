"""The rearrangement demo (Pathak et al. 2018, section 6.3): the interaction executor and
the rearrangement node, and in simulation the world, as separate processes wired as
`sbi rearrange` wires them (core/wiring.py): every node reads config/rearrange.yaml (and
in simulation config/sim_world.yaml), then what the arguments fix.

    ros2 launch seg_by_interaction rearrange.launch.py robot:=sawyer sim:=true
    ros2 launch seg_by_interaction rearrange.launch.py robot:=sawyer sim:=false \
        checkpoint:=/data/run1/checkpoints/model_v000009.pt

Then store a goal with `ros2 service call /rearrangement/snapshot_goal
seg_by_interaction/srv/SnapshotGoal`, move objects, and send the id it returned as a
`rearrange` action goal. On a real robot (sim:=false) the robot's drivers, a `motion`
action server (MoveIt-backed) and the camera driver, remapped to the robot config's
topics, must run beside it. This machine has no `ros2 launch`; `sbi rearrange` composes
the same nodes in one process.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from seg_by_interaction.core.wiring import RearrangeRun, rearrange_wiring
from seg_by_interaction.ros.launching import (large_data_transports, patient_shutdown,
                                               wiring_nodes)


def rearrange_nodes(context):
    def argument(name):
        return LaunchConfiguration(name).perform(context)

    wiring = rearrange_wiring(RearrangeRun(robot=argument("robot"), seed=int(argument("seed")),
                                           segmenter=argument("segmenter"),
                                           checkpoint=argument("checkpoint"),
                                           with_world=argument("sim").lower() == "true"))
    return [patient_shutdown(), *wiring_nodes(wiring)]


def generate_launch_description():
    return LaunchDescription([
        large_data_transports(),
        DeclareLaunchArgument("robot", default_value="sawyer", description="robot config name"),
        DeclareLaunchArgument("sim", default_value="true",
                              description="start the simulated world (false: a real arm)"),
        DeclareLaunchArgument("segmenter", default_value="model",
                              description="model, bottom_up or depth_clusters"),
        DeclareLaunchArgument("checkpoint", default_value="",
                              description="the model's checkpoint ('' = rearrange.yaml's)"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of the first scene"),
        OpaqueFunction(function=rearrange_nodes),
    ])
