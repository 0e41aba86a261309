"""What the package's launch files share (imports ROS 2's `launch` and `launch_ros`, so
only launch files use it): one process per node of a wiring, the loop's run ending when
the collector has spent its budget, the middleware setting large images need, and the
named robots' launch files."""
from __future__ import annotations

from launch import LaunchDescription
from launch.actions import (DeclareLaunchArgument, EmitEvent, IncludeLaunchDescription,
                            RegisterEventHandler, SetEnvironmentVariable,
                            SetLaunchConfiguration)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from seg_by_interaction.core.wiring import BUDGET_NODE, SIGTERM_TIMEOUT_S, LoopWiring


def loop_actions(wiring: LoopWiring) -> list:
    """The loop's nodes, the run ending when the collector has spent its budget or when
    any node fails (a loop without one of its nodes only waits), each node given the
    time to end cleanly (the trainer with its final checkpoint, the arm backing away)."""
    nodes = dict(zip(wiring.nodes, wiring_nodes(wiring)))
    ending = RegisterEventHandler(OnProcessExit(
        target_action=nodes[BUDGET_NODE],
        on_exit=[EmitEvent(event=Shutdown(reason="the collector spent its budget"))]))
    failing = [RegisterEventHandler(OnProcessExit(target_action=node, on_exit=_shutdown_if_failed))
               for name, node in nodes.items() if name != BUDGET_NODE]
    return [patient_shutdown(), *nodes.values(), ending, *failing]


def _shutdown_if_failed(event, _context) -> list:
    if event.returncode == 0:
        return []
    return [EmitEvent(event=Shutdown(reason=f"{event.process_name} exited with code "
                                            f"{event.returncode}"))]


def patient_shutdown():
    """launch waits SIGTERM_TIMEOUT_S after SIGINT (default 5 s) so that every node ends
    cleanly: the motion server backing the tool away, the trainer's final checkpoint."""
    return SetLaunchConfiguration("sigterm_timeout", str(SIGTERM_TIMEOUT_S))


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


def wiring_nodes(wiring: LoopWiring) -> list:
    """A launch_ros Node per node of the wiring, reading the wiring's files then its values."""
    return [Node(package="seg_by_interaction", executable=name, name=name, output="screen",
                 parameters=[*wiring.params_files, values])
            for name, values in wiring.parameters.items()]


def large_data_transports():
    """Fast DDS's default transports drop large images between processes."""
    return SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA")
