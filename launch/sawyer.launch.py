"""The loop on a real Rethink Sawyer (config/sawyer.yaml): launch/robot_collect.launch.py
with the Sawyer's config. The Sawyer's drivers (intera) are ROS 1: run ros1_bridge as
README.md ("Sawyer and PR2 through ros1_bridge") describes, so that the camera topics,
/joint_states and the controller topics of the config's `controllers` section cross it.

    ros2 launch seg_by_interaction sawyer.launch.py run_dir:=runs/sawyer-1 interactions:=200
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackageShare

ROBOT = "sawyer"


def generate_launch_description():
    arguments = ("run_dir", "interactions", "seed", "moveit_config")
    return LaunchDescription([
        DeclareLaunchArgument("run_dir", description="run directory"),
        DeclareLaunchArgument("interactions", default_value="200", description="budget"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of the choices"),
        DeclareLaunchArgument("moveit_config", default_value="",
                              description="MoveIt config package ('' = the embedded planner)"),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution(
                [FindPackageShare("seg_by_interaction"), "launch", "robot_collect.launch.py"])),
            launch_arguments={"robot": ROBOT,
                              **{name: LaunchConfiguration(name) for name in arguments}}.items()),
    ])
