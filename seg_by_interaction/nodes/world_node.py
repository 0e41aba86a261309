"""world_node: the embedded simulated world, standing in for Gazebo and the robot.

Publishes, for each camera of the robot config (sensor-data QoS, simulated time):
  <rgb_topic> Image rgb8, <depth_topic> Image 32FC1 (noisy, metres), <camera_info_topic>,
  /<camera>/ground_truth/instances Image mono16 (0 = background; evaluation only),
and /joint_states, /clock, /diagnostics (objects that fell off the table), and the
robot's URDF with the TCP link on /robot_description (latched), as robot_state_publisher
would.
Plays the robot's hardware as Gazebo with ros2_control would (core/world/controllers.py):
  <controllers.arm_trajectory_topic> trajectory_msgs/JointTrajectory, followed with the
    physics (an empty one stops the arm),
  <controllers.gripper_command_topic> std_msgs/Float64MultiArray finger positions.
Serves ~/reset_scene (seg_by_interaction/srv/ResetScene) and ~/displace_objects
(seg_by_interaction/srv/DisplaceObjects: a goal scene turned into a task for the
rearrangement demo).
Physics runs as fast as it can while the arm or the gripper moves and at
`real_time_factor` while idle; the moment a motion ends its joint state and a camera
frame go out with the same stamp.
"""
from __future__ import annotations

import contextlib
import math
import threading
import time

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Float64MultiArray, Header, String
from trajectory_msgs.msg import JointTrajectory

from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.controllers import SimulatedController
from seg_by_interaction.core.world.params import WorldParams
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.camera_poses import DESCRIPTION_TOPIC
from seg_by_interaction.ros.controller_arm import finger_positions, trajectory_from_msg
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import DisplaceObjects, ResetScene


class WorldNode(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("world_node", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, WorldParams)
        self.robot_config = load_robot_config(self.params.robot)
        self.arena = Arena(self.robot_config, self.params.arena)
        self.lock = threading.Lock()
        self._command_waiting = threading.Event()
        self.next_seed = self.params.seed + 1
        self.arena.reset_scene(self.params.split, self.params.seed)
        self._last_frame_sim = self._last_clock_sim = self._last_joints_sim = -np.inf
        self._last_render_wall = -np.inf
        self.controller = SimulatedController(self.arena, self.params.controller)
        self.rejections = Rejections(self)
        self._make_publishers()
        commands = MutuallyExclusiveCallbackGroup()
        topics = self.robot_config.controllers
        self.create_subscription(JointTrajectory, topics.arm_trajectory_topic, self._on_trajectory,
                                 qos.RELIABLE, callback_group=commands)
        self.create_subscription(Float64MultiArray, topics.gripper_command_topic, self._on_gripper,
                                 qos.RELIABLE, callback_group=commands)
        self.create_service(ResetScene, "~/reset_scene", self._reset_scene, callback_group=commands)
        self.create_service(DisplaceObjects, "~/displace_objects", self._displace_objects,
                            callback_group=commands)
        self.create_timer(1.0 / self.params.tick_hz, self._tick,
                          callback_group=ReentrantCallbackGroup())
        self.get_logger().info(f"world ready: {self.robot_config.name}, scene "
                               f"{self.arena.scene.scene_id}, {len(self.arena.objects())} objects")

    def _make_publishers(self) -> None:
        self.camera_publishers = {
            camera.name: (self.create_publisher(Image, camera.rgb_topic, qos.SENSOR_DATA),
                          self.create_publisher(Image, camera.depth_topic, qos.SENSOR_DATA),
                          self.create_publisher(CameraInfo, camera.camera_info_topic, qos.SENSOR_DATA),
                          self.create_publisher(Image, f"/{camera.name}/ground_truth/instances",
                                                qos.SENSOR_DATA))
            for camera in self.robot_config.cameras}
        self.joint_pub = self.create_publisher(
            JointState, self.robot_config.controllers.joint_states_topic, qos.SENSOR_DATA)
        self.clock_pub = self.create_publisher(Clock, "/clock", 10)
        self.create_publisher(String, DESCRIPTION_TOPIC, qos.LATCHED).publish(
            String(data=self.arena.robot.description))
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)

    # --- the idle loop ----------------------------------------------------------------

    def _tick(self) -> None:
        if not self.context.ok() or not self.lock.acquire(blocking=False):
            return  # shutting down, or a command or a reset holds the world
        try:
            if self.controller.busy:
                self._run_controllers()
            else:
                self.arena.pass_time(int(round(self.params.real_time_factor
                                               * self.arena.config.physics_hz
                                               / self.params.tick_hz)))
                self._publish_state()
        finally:
            self.lock.release()

    def _run_controllers(self) -> None:
        """Physics as fast as it goes for one tick's wall time, joint states at their rate;
        the moment the motion ends, its state and a frame."""
        slice_end = time.monotonic() + 1.0 / self.params.tick_hz
        while (self.controller.busy and time.monotonic() < slice_end
               and not self._command_waiting.is_set()):
            self.controller.step()
            self._publish_clock_and_joints()
        if not self.controller.busy:
            self._report_fallen_objects()
            self._publish_state(frame_now=True)

    def _publish_clock_and_joints(self, now: bool = False) -> None:
        """Each at its rate in simulated time, or both `now`. Every node on simulated time
        takes every /clock message, so the clock's rate costs once per node."""
        sim_time = self.arena.sim_time
        clock_due = now or sim_time - self._last_clock_sim >= 1.0 / self.params.clock_hz
        joints_due = now or sim_time - self._last_joints_sim >= 1.0 / self.params.joint_states_hz
        if not (clock_due or joints_due):
            return
        stamp = self._sim_stamp()
        if clock_due:
            self._last_clock_sim = sim_time
            self.clock_pub.publish(Clock(clock=stamp))
        if joints_due:
            self._last_joints_sim = sim_time
            self.joint_pub.publish(self._joint_state(stamp))

    def _publish_state(self, frame_now: bool = False) -> TimeMsg:
        """Clock and joints; camera frames at the configured rates, or at once after a
        motion or a reset, so that a capture sees the scene as the motion left it. The
        stamp of what was published."""
        if frame_now:
            self._pass_min_frame_gap()
        self._publish_clock_and_joints(now=frame_now)
        stamp = self._sim_stamp()
        due_sim = self.arena.sim_time - self._last_frame_sim >= 1.0 / self.params.publish_rate_hz
        due_wall = time.monotonic() - self._last_render_wall >= 1.0 / self.params.max_render_hz
        if frame_now or (due_sim and due_wall):
            self._last_frame_sim, self._last_render_wall = self.arena.sim_time, time.monotonic()
            for camera in self.robot_config.cameras:
                self._publish_camera(camera, stamp)
        return stamp

    def _pass_min_frame_gap(self) -> None:
        """Simulated time passes until a frame may follow the last one. Physics settles a
        reset's objects in a few steps: without the gap, its first frame was stamped within
        the pairing slop of the scene before, and a subscriber paired colour of one with
        depth or ground truth of the other."""
        missing_s = self._last_frame_sim + self.params.min_frame_gap_s - self.arena.sim_time
        if missing_s > 0:
            self.arena.pass_time(math.ceil(missing_s * self.arena.config.physics_hz))

    def _sim_stamp(self) -> TimeMsg:
        return Time(nanoseconds=int(self.arena.sim_time * 1e9)).to_msg()

    def _publish_camera(self, camera, stamp) -> None:
        view = self.arena.observe(camera.name)
        header = Header(stamp=stamp, frame_id=camera.optical_frame)
        rgb_pub, depth_pub, info_pub, truth_pub = self.camera_publishers[camera.name]
        rgb_pub.publish(images.to_msg(view.rgb, "rgb8", header))
        depth_pub.publish(images.to_msg(view.depth, "32FC1", header))
        info_pub.publish(images.camera_info_msg(camera.intrinsics.matrix(), camera.intrinsics.width,
                                                camera.intrinsics.height, header))
        truth_pub.publish(images.to_msg(view.instance_mask, "16UC1", header))

    def _joint_state(self, stamp) -> JointState:
        robot = self.arena.robot
        names = self.robot_config.arm_joints + self.robot_config.gripper.joints
        positions = [*robot.arm_positions().tolist(),
                     *finger_positions(self.robot_config, robot.gripper_opening())]
        return JointState(header=Header(stamp=stamp), name=names, position=positions)

    # --- the controllers' commands and scenes ---------------------------------------

    @contextlib.contextmanager
    def _commanding(self):
        """The world for a command; a slice of controller physics yields it at its next step
        (a stop must not wait for the slice to end)."""
        self._command_waiting.set()
        with self.lock:
            self._command_waiting.clear()
            yield

    def _on_trajectory(self, msg: JointTrajectory) -> None:
        try:
            trajectory = trajectory_from_msg(msg)
            with self._commanding():
                if trajectory is None:
                    self.controller.hold()
                else:
                    self.controller.follow(trajectory)
        except ValueError as error:
            self.rejections.reject(self.robot_config.controllers.arm_trajectory_topic, str(error))

    def _on_gripper(self, msg: Float64MultiArray) -> None:
        fingers = np.asarray(msg.data, float)
        joints = self.robot_config.gripper.joints
        max_opening = self.robot_config.gripper.max_opening
        opening = 2.0 * float(np.mean(fingers)) if len(fingers) else np.nan
        if len(fingers) != len(joints) or not 0.0 <= opening <= max_opening:
            self.rejections.reject(self.robot_config.controllers.gripper_command_topic,
                                   f"want {len(joints)} finger positions of "
                                   f"0..{max_opening / 2} m, got {fingers.tolist()}")
            return
        with self._commanding():
            self.controller.command_gripper(opening)

    def _report_fallen_objects(self) -> None:
        """Objects off the table are reported and taken out. A new scene comes only on
        request (~/reset_scene): starting one by itself could fall between the frames of
        one interaction."""
        fallen = self.arena.remove_objects_off_table()
        if not fallen:
            return
        message = (f"objects fell off the table: {[o.name for o in fallen]}; "
                   f"{len(self.arena.objects())} left")
        self.get_logger().warning(message)
        status = DiagnosticStatus(level=DiagnosticStatus.WARN, name="world: objects",
                                  message=message)
        self.diagnostics_pub.publish(DiagnosticArray(status=[status]))

    def _reset_scene(self, request: ResetScene.Request, response: ResetScene.Response):
        split = request.split or self.arena.scene.split
        seed = self.next_seed if request.seed < 0 else request.seed
        try:
            with self._commanding():
                scene = self._new_scene(split, seed, request.num_objects)
                self.controller.hold()
                response.stamp = self._publish_state(frame_now=True)
        except (ValueError, FileNotFoundError) as error:
            response.success, response.message = False, str(error)
            return response
        response.success, response.message = True, f"table '{scene.texture}'"
        response.scene_id, response.num_objects = scene.scene_id, len(scene.objects)
        return response

    def _displace_objects(self, request: DisplaceObjects.Request, response):
        if not (np.isfinite(request.min_distance_m) and 0 <= request.min_distance_m <= 1.0):
            response.success = False
            response.message = f"min_distance_m {request.min_distance_m} is not within 0..1 m"
            return response
        rng = np.random.default_rng(request.seed)
        try:
            with self._commanding():
                moved = self.arena.displace_objects(request.count, request.min_distance_m, rng)
                response.stamp = self._publish_state(frame_now=True)
        except ValueError as error:
            response.success, response.message = False, str(error)
            return response
        response.success = True
        response.names = [obj.name for obj, _ in moved]
        response.distances_m = [distance for _, distance in moved]
        response.message = ", ".join(f"{obj.name} by {distance * 100:.1f} cm" for obj, distance in moved)
        self.get_logger().info(f"displaced {response.message}")
        return response

    def interrupt(self) -> bool:
        """Shutdown: the hardware stays up while a controller in another process can still
        command it, as the motion server backing the tool away when it shuts down mid-motion
        (a terminal Ctrl-C reaches both at once); ros/node_main.py bounds the wait."""
        return not self._remote_commanders()

    def _remote_commanders(self) -> list[str]:
        """The nodes of other processes publishing on the controllers' command topics."""
        executor = self.executor
        local = ({(node.get_namespace(), node.get_name()) for node in executor.get_nodes()}
                 if executor is not None else set())
        topics = self.robot_config.controllers
        return [endpoint.node_name
                for topic in (topics.arm_trajectory_topic, topics.gripper_command_topic)
                for endpoint in self.get_publishers_info_by_topic(topic)
                if (endpoint.node_namespace, endpoint.node_name) not in local]

    def _new_scene(self, split: str, seed: int, num_objects: int = 0):
        scene = self.arena.reset_scene(split, seed, num_objects)
        self.next_seed = seed + 1
        self.get_logger().info(f"new scene {scene.scene_id}: {[o.name for o in scene.objects]}")
        return scene


def main(args=None) -> int:
    return run_node(WorldNode, args)
