"""The loop on a real Willow Garage PR2 (config/pr2.yaml, right arm):
launch/robot_collect.launch.py with the PR2's config. The PR2's drivers (pr2_controller_manager) are ROS 1: run ros1_bridge as
README.md ("Sawyer and PR2 through ros1_bridge") describes, so that the camera topics,
/joint_states and the controller topics of the config's `controllers` section cross it.

    ros2 launch seg_by_interaction pr2.launch.py run_dir:=runs/pr2-1 interactions:=200
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackageShare

ROBOT = "pr2"


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
