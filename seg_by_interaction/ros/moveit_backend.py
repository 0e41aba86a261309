"""The `moveit` motion backend: MoveIt 2 through moveit_py, kept thin. One MoveItPy per
process, configured from the robot's MoveIt configuration package (or the parameters the
node was given); a PlanningComponent for MOVE_TO and NAMED (OMPL by default) and Pilz LIN
for straight-line moves; the planning scene (the table at start-up, ADD_BOX and
REMOVE_OBSTACLE) through the planning scene monitor; the gripper through the robot's
gripper action (the config's `controllers.gripper_action`, control_msgs GripperCommand or
ParallelGripperCommand: ros/gripper_action.py) by way of ros/controller_arm.py. Every point of every planned trajectory
is checked against the workspace box before execution (core/interaction/moveit_plans.py,
unit-tested there); a cancellation stops the execution.

moveit_py is imported only when this backend is chosen: it is not installed on CI
machines, and nothing here runs in CI (README, "What CI exercises").
"""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import Pose
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.core.interaction.moveit_plans import MoveItParams, check_error_code
from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import poses
from seg_by_interaction.ros.controller_arm import ControllerArm

TABLE_ID = "sbi_table"


class MoveItBackend(MotionBackend):
    def __init__(self, node: Node, robot: RobotConfig, params: MoveItParams, arm: ControllerArm):
        from moveit.core.robot_state import RobotState
        from moveit.planning import MoveItPy, PlanRequestParameters

        super().__init__(robot.workspace)
        self.robot = robot
        self.params = params
        self.arm = arm
        self._RobotState = RobotState
        self.moveit = MoveItPy(node_name=f"{node.get_name()}_moveit",
                               config_dict=_config(robot, params))
        self.component = self.moveit.get_planning_component(robot.planning_group)
        self._free = self._request(PlanRequestParameters, params.pipeline, params.planner_id)
        self._linear = self._request(PlanRequestParameters, params.linear_pipeline,
                                     params.linear_planner_id)
        centre, half = robot.table_box()
        self.add_box_obstacle(TABLE_ID, centre, half)

    def _request(self, factory, pipeline: str, planner_id: str):
        request = factory(self.moveit, "")
        request.planning_pipeline, request.planner_id = pipeline, planner_id
        request.planning_time = self.params.planning_time_s
        request.max_velocity_scaling_factor = self.robot.speeds.velocity_scaling
        request.max_acceleration_scaling_factor = self.robot.speeds.acceleration_scaling
        return request

    def cancel(self) -> None:
        super().cancel()
        self.moveit.get_trajectory_execution_manager().stop_execution(True)

    # --- MotionBackend --------------------------------------------------------------------

    def _move_to(self, goal: ToolPose, speed: float) -> None:
        self.component.set_start_state_to_current_state()
        self.component.set_goal_state(pose_stamped_msg=self._pose(goal),
                                      pose_link=self.robot.tcp.link)
        self._plan_and_execute(self._free, "MOVE_TO")

    def _move_linear(self, waypoints: list[ToolPose], speed: float) -> None:
        for waypoint in waypoints:
            self.component.set_start_state_to_current_state()
            self.component.set_goal_state(pose_stamped_msg=self._pose(waypoint),
                                          pose_link=self.robot.tcp.link)
            self._plan_and_execute(self._linear, "LINEAR (Pilz LIN)")

    def move_to_named(self, name: str) -> None:
        if name not in self.robot.named_poses:
            raise MotionError(Outcome.INVALID_REQUEST, f"no named pose '{name}'")
        state = self._RobotState(self.moveit.get_robot_model())
        state.set_joint_group_positions(self.robot.planning_group,
                                        np.array(self.robot.named_poses[name]))
        state.update()
        self.component.set_start_state_to_current_state()
        self.component.set_goal_state(robot_state=state)
        self._plan_and_execute(self._free, f"NAMED '{name}'")

    def set_gripper(self, opening: float) -> float:
        if self.dry_run:
            return self.gripper_opening()
        return self.arm.move_gripper(opening, self.check_stop)

    def gripper_opening(self) -> float:
        return self.arm.gripper_opening()

    def tool_pose(self) -> ToolPose:
        with self.moveit.get_planning_scene_monitor().read_only() as scene:
            pose = scene.current_state.get_pose(self.robot.tcp.link)
        return _tool_pose(pose)

    def add_box_obstacle(self, name: str, centre, half_extents) -> None:
        from moveit_msgs.msg import CollisionObject
        from shape_msgs.msg import SolidPrimitive

        box = SolidPrimitive(type=SolidPrimitive.BOX,
                             dimensions=[2.0 * float(h) for h in half_extents])
        x, y, z = (float(v) for v in centre)
        pose = Pose()
        pose.position.x, pose.position.y, pose.position.z = x, y, z
        self._apply(CollisionObject(header=Header(frame_id=self.robot.base_frame), id=name,
                                    primitives=[box], primitive_poses=[pose],
                                    operation=CollisionObject.ADD))

    def remove_obstacle(self, name: str) -> None:
        from moveit_msgs.msg import CollisionObject

        self._apply(CollisionObject(header=Header(frame_id=self.robot.base_frame), id=name,
                                    operation=CollisionObject.REMOVE))

    # --- planning and execution ------------------------------------------------------------

    def _apply(self, collision_object) -> None:
        with self.moveit.get_planning_scene_monitor().read_write() as scene:
            scene.apply_collision_object(collision_object)
            scene.current_state.update()

    def _plan_and_execute(self, request, what: str) -> None:
        self.check_stop()
        plan = self.component.plan(single_plan_parameters=request)
        check_error_code(_code(plan.error_code), f"planning {what}")
        self.execute_planned(self._tool_points(plan.trajectory),
                             lambda: self._execute(plan.trajectory, what))

    def _execute(self, trajectory, what: str) -> None:
        self.check_stop()
        status = self.moveit.execute(trajectory, controllers=[])
        self.check_stop()
        if status is not None and not status:   # an ExecutionStatus is true when it succeeded
            raise MotionError(Outcome.FAILED, f"executing {what}: {status.status}")

    def _tool_points(self, trajectory) -> np.ndarray:
        """The tool's position at every waypoint of a planned trajectory."""
        message = trajectory.get_robot_trajectory_msg().joint_trajectory
        state = self._RobotState(self.moveit.get_robot_model())
        points = []
        for point in message.points:
            state.joint_positions = dict(zip(message.joint_names, point.positions))
            state.update()
            points.append(_tool_pose(state.get_pose(self.robot.tcp.link)).position)
        return np.array(points)

    def _pose(self, pose: ToolPose):
        return poses.to_pose_stamped(pose, Header(frame_id=self.robot.base_frame))


def _config(robot: RobotConfig, params: MoveItParams) -> dict | None:
    if not params.moveit_config_package:
        return None
    from moveit_configs_utils import MoveItConfigsBuilder

    builder = MoveItConfigsBuilder(robot.name, package_name=params.moveit_config_package)
    return builder.to_moveit_configs().to_dict()


def _code(error_code) -> int:
    return int(getattr(error_code, "val", error_code))


def _tool_pose(pose: Pose) -> ToolPose:
    p, q = pose.position, pose.orientation
    return ToolPose(np.array([p.x, p.y, p.z]), np.array([q.x, q.y, q.z, q.w]))
