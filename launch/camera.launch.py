"""Replay a recorded folder (or serve a USB camera) on a robot config's camera topics.

    ros2 launch seg_by_interaction camera.launch.py robot:=sawyer folder:=/data/run1

This machine has no `ros2 launch`; the same node runs here with
    sbi run camera_node -p camera_node:robot:=sawyer -p camera_node:folder:=/data/run1
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue


def generate_launch_description():
    arguments = {  # name: (default, type, description)
        "robot": ("sawyer", str, "robot config name (config/<name>.yaml) or path"),
        "source": ("folder", str, "folder or usb"),
        "folder": ("", str, "recorded folder (source:=folder)"),
        "device": ("0", int, "video device index (source:=usb)"),
        "publish_rate_hz": ("10.0", float, "frames per second"),
        "use_sim_time": ("false", bool, "follow /clock"),
    }
    return LaunchDescription([
        # Fast DDS's default transports drop large images between processes.
        SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA"),
        *[DeclareLaunchArgument(name, default_value=default, description=description)
          for name, (default, _, description) in arguments.items()],
        Node(package="seg_by_interaction", executable="camera_node", name="camera_node",
             output="screen",
             parameters=[{name: ParameterValue(LaunchConfiguration(name), value_type=value_type)
                          for name, (_, value_type, _) in arguments.items()}]),
    ])
