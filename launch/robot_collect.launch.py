"""The self-supervised loop on a real arm with ros2_control (and MoveIt 2, if given): the
motion server and the loop's nodes, no world, no ground truth recorded (core/wiring.py,
the same graph as launch/sim_collect.launch.py without the simulator). Start the arm's
drivers and controllers, its robot_state_publisher and the camera driver first; the
robot config names the camera's topics, the controllers' topics and the TCP link the
robot description must hold (README.md, "On a robot computer").

    ros2 launch seg_by_interaction robot_collect.launch.py robot:=/path/to/ur5e.yaml \
        run_dir:=runs/ur5e-1 interactions:=200 [moveit_config:=ur_moveit_config]

The executor starts disarmed: after checking the workspace, arm it with
    ros2 service call /interaction_executor/arm std_srvs/srv/SetBool "{data: true}"
and stop any motion with `ros2 topic pub --once /soft_stop std_msgs/msg/Empty`.
The launch ends when the collector has spent its budget.
"""
import pathlib

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration

from seg_by_interaction.core.wiring import LoopRun, loop_wiring
from seg_by_interaction.ros.launching import loop_actions


def loop_nodes(context):
    def argument(name):
        return LaunchConfiguration(name).perform(context)

    return loop_actions(loop_wiring(LoopRun(
        run_dir=pathlib.Path(argument("run_dir")), interactions=int(argument("interactions")),
        robot=argument("robot"), seed=int(argument("seed")), simulated=False,
        moveit_config=argument("moveit_config"), exit_when_finished=True)))


def generate_launch_description():
    return LaunchDescription([
        # Fast DDS's default transports drop large images between processes.
        SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA"),
        DeclareLaunchArgument("robot", description="robot config name or path"),
        DeclareLaunchArgument("run_dir", description="run directory (records, bank, checkpoints)"),
        DeclareLaunchArgument("interactions", default_value="200", description="budget"),
        DeclareLaunchArgument("seed", default_value="0", description="seed of the choices"),
        DeclareLaunchArgument("moveit_config", default_value="",
                              description="the arm's MoveIt config package ('' = the embedded "
                                          "planner on the robot's model)"),
        OpaqueFunction(function=loop_nodes),
    ])
