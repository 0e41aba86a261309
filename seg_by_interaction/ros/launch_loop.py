"""The loop as `ros2 launch` actions (for the launch files in launch/; imported only
there, where ROS 2's launch is installed):
one process per node of the wiring, the run ending when the collector has spent its
budget, launch waiting SIGTERM_TIMEOUT_S after SIGINT so that every node (the trainer
with its final checkpoint) ends cleanly."""
from __future__ import annotations

from launch import LaunchDescription
from launch.actions import (DeclareLaunchArgument, EmitEvent, IncludeLaunchDescription,
                            RegisterEventHandler, SetLaunchConfiguration)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

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


def named_robot_launch(robot: str) -> LaunchDescription:
    """launch/robot_collect.launch.py for one of the package's robot configs, its other
    arguments passed on (launch/sawyer.launch.py, launch/pr2.launch.py)."""
    arguments = {"run_dir": (None, "run directory"), "interactions": ("200", "budget"),
                 "seed": ("0", "seed of the choices"),
                 "moveit_config": ("", "MoveIt config package ('' = the embedded planner)")}
    return LaunchDescription([
        *[DeclareLaunchArgument(name, description=description,
                                **({} if default is None else {"default_value": default}))
          for name, (default, description) in arguments.items()],
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution(
                [FindPackageShare("seg_by_interaction"), "launch", "robot_collect.launch.py"])),
            launch_arguments={"robot": robot,
                              **{name: LaunchConfiguration(name) for name in arguments}}.items()),
    ])
