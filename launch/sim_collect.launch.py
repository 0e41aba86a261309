"""The self-supervised loop on the simulated world: the world and every node of the loop
as separate processes, parameters from config/collect.yaml.

    ros2 launch seg_by_interaction sim_collect.launch.py robot:=sawyer run_dir:=runs/a \
        interactions:=1000 seed:=0

On a real robot, replace world_node by the robot's drivers, a MoveIt-backed `motion`
action server and the camera driver (remapped to the robot config's topics).
This machine has no `ros2 launch`; `sbi collect` composes the same nodes in one process.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue


def generate_launch_description():
    config = os.path.join(get_package_share_directory("seg_by_interaction"), "config")
    robot = ParameterValue(LaunchConfiguration("robot"), value_type=str)
    run_dir = ParameterValue(LaunchConfiguration("run_dir"), value_type=str)
    seed = ParameterValue(LaunchConfiguration("seed"), value_type=int)
    per_node = {
        "world_node": {"robot": robot, "seed": seed},
        "hypothesis_server": {"robot": robot,
                              "checkpoint_dir": ParameterValue(PathJoinSubstitution(
                                  [LaunchConfiguration("run_dir"), "checkpoints"]), value_type=str)},
        "interaction_executor": {"robot": robot, "run_dir": run_dir, "seed": seed,
                                 "record_ground_truth": True},
        "mask_labeler": {"run_dir": run_dir},
        "online_trainer": {"run_dir": run_dir, "seed": seed},
        "collector": {"robot": robot, "run_dir": run_dir, "seed": seed,
                      "interactions": ParameterValue(LaunchConfiguration("interactions"), value_type=int),
                      "reset_scene_service": "/world_node/reset_scene"},
    }
    nodes = [Node(package="seg_by_interaction", executable=name, name=name, output="screen",
                  parameters=[os.path.join(config, "sim_world.yaml" if name == "world_node"
                                           else "collect.yaml"), overrides])
             for name, overrides in per_node.items()]
    return LaunchDescription([
        # Fast DDS's default transports drop large images between processes.
        SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA"),
        DeclareLaunchArgument("robot", default_value="sawyer", description="robot config name"),
        DeclareLaunchArgument("run_dir", description="run directory (records, bank, checkpoints)"),
        DeclareLaunchArgument("interactions", default_value="1000", description="budget"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of scenes and choices"),
        *nodes,
    ])
