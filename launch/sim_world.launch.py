"""The embedded simulated world (the stand-in for Gazebo and the robot) as a ROS 2 node.

    ros2 launch seg_by_interaction sim_world.launch.py robot:=pr2 split:=test seed:=3

This machine has no `ros2 launch`; the same node runs here with
    sbi run world_node --params-file config/sim_world.yaml -p world_node:robot:=pr2
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue


def generate_launch_description():
    config = os.path.join(get_package_share_directory("seg_by_interaction"), "config")
    arguments = {  # name: (default, type, description)
        "robot": ("sawyer", str, "robot config name (config/<name>.yaml) or path"),
        "split": ("train", str, "object and texture split of the first scene"),
        "seed": ("0", int, "seed of the first scene"),
    }
    return LaunchDescription([
        # Fast DDS's default transports drop large images between processes.
        SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA"),
        DeclareLaunchArgument("params_file", default_value=os.path.join(config, "sim_world.yaml"),
                              description="world_node parameter file"),
        *[DeclareLaunchArgument(name, default_value=default, description=description)
          for name, (default, _, description) in arguments.items()],
        Node(package="seg_by_interaction", executable="world_node", name="world_node",
             output="screen",
             parameters=[LaunchConfiguration("params_file"),
                         {name: ParameterValue(LaunchConfiguration(name), value_type=value_type)
                          for name, (_, value_type, _) in arguments.items()}]),
    ])
