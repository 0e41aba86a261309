"""What the motion server (nodes/motion_server.py) is made of: its motion backends by
name, each with its parameters, and the node's parameters. The builders live with the
ROS glue (seg_by_interaction/ros/motion_backends.py) and are imported only when chosen."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.interaction.motion import MotionGoalLimits, ToolPose
from seg_by_interaction.core.interaction.trajectory import ArrivalParams
from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.robot_config import WorkspaceBox
from seg_by_interaction.core.validated import setting

MOTION_BACKENDS = Registry("motion backend", {
    "embedded": Part("seg_by_interaction.ros.motion_backends:embedded",
                     "seg_by_interaction.core.world.params:EmbeddedMotionParams",
                     "the project's IK + OMPL planner on the robot's model, executed through "
                     "the arm's ros2_control controllers"),
    "moveit": Part("seg_by_interaction.ros.motion_backends:moveit",
                   "seg_by_interaction.core.interaction.moveit_plans:MoveItParams",
                   "MoveIt 2 through moveit_py (not installed on CI machines)"),
})


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShutdownRetreat:
    """What the arm does when the server shuts down during a motion: the motion stops,
    then the tool backs straight up, away from the objects it may be touching."""
    height_m: float = setting(0.05, "how far the tool rises (0 = it holds where it stopped); "
                                    "never above the workspace box", min=0.0, max=0.3)
    speed: float = setting(0.05, "tool speed of the retreat, m/s", min=0.01, max=0.25)
    timeout_s: float = setting(8.0, "wall seconds the retreat may take; launch's "
                                    "sigterm_timeout must leave it that long", min=1.0, max=30.0)


def retreat_target(tool: ToolPose, workspace: WorkspaceBox, height_m: float) -> ToolPose | None:
    """The tool `height_m` higher, capped at the workspace box's top; None when it cannot
    rise by a millimetre."""
    top = min(tool.position[2] + height_m, workspace.max[2])
    if top - tool.position[2] < 1e-3:
        return None
    return ToolPose(np.array([*tool.position[:2], top]), tool.orientation_xyzw)


@dataclasses.dataclass(frozen=True, kw_only=True)
@MOTION_BACKENDS.sections
class MotionServerParams:
    """The backend that plans, and how motions are judged and bounded."""
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    backend: str = MOTION_BACKENDS.choice("embedded", "which motion backend plans")
    seed: int = setting(0, "seed of the planner's random restarts", min=0)
    arrival: ArrivalParams = setting(ArrivalParams(), "when a motion counts as done, judged "
                                                      "from the joint states")
    joint_states_timeout_s: float = setting(5.0, "wall seconds without joint states after "
                                                 "which a motion fails", min=0.5, max=60.0)
    motion_goals: MotionGoalLimits = setting(MotionGoalLimits(), "what a motion goal may ask")
    dry_run: bool = setting(False, "plan everything, execute nothing (the planned tool paths "
                                   "go out on ~/planned_path)")
    soft_stop_topic: str = setting("/soft_stop", "std_msgs/Empty topic on which any node stops "
                                                 "the motion under way")
    shutdown_retreat: ShutdownRetreat = setting(ShutdownRetreat(), "the arm's retreat when the "
                                                                   "server shuts down mid-motion")
