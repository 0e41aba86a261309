"""world_node: the embedded simulated world, standing in for Gazebo and the robot.

Publishes, for each camera of the robot config (sensor-data QoS, simulated time):
  <rgb_topic> Image rgb8, <depth_topic> Image 32FC1 (noisy, metres), <camera_info_topic>,
  /<camera>/ground_truth/instances Image mono16 (0 = background; evaluation only),
and /joint_states, /clock, /diagnostics (objects that fell off the table).
Serves:
  motion (seg_by_interaction/action/Motion): the embedded motion backend,
  ~/reset_scene (seg_by_interaction/srv/ResetScene),
  ~/displace_objects (seg_by_interaction/srv/DisplaceObjects): a goal scene turned into a
  task for the rearrangement demo.
Physics runs as fast as it can during a motion and at `real_time_factor` while idle.
"""
from __future__ import annotations

import threading
import time

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Header

from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend
from seg_by_interaction.core.world.params import WorldParams
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.motion_action import MotionActionServer
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import DisplaceObjects, ResetScene


class WorldNode(Node):
    def __init__(self, **kwargs):
        super().__init__("world_node", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, WorldParams)
        self.robot_config = load_robot_config(self.params.robot)
        self.arena = Arena(self.robot_config, self.params.arena)
        self.lock = threading.Lock()
        self.next_seed = self.params.seed + 1
        self.arena.reset_scene(self.params.split, self.params.seed)
        self._last_frame_sim = -np.inf
        self._last_render_wall = -np.inf
        self._make_publishers()
        motions = MutuallyExclusiveCallbackGroup()
        backend = EmbeddedMotionBackend(self.arena, self.params.motion, seed=self.params.seed)
        MotionActionServer(self, backend, self.robot_config, lock=self.lock,
                           finished=self._motion_finished, rejections=Rejections(self),
                           limits=self.params.motion_goals, callback_group=motions)
        self.create_service(ResetScene, "~/reset_scene", self._reset_scene, callback_group=motions)
        self.create_service(DisplaceObjects, "~/displace_objects", self._displace_objects,
                            callback_group=motions)
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
        self.joint_pub = self.create_publisher(JointState, "/joint_states", qos.SENSOR_DATA)
        self.clock_pub = self.create_publisher(Clock, "/clock", 10)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)

    # --- the idle loop ----------------------------------------------------------------

    def _tick(self) -> None:
        if not self.context.ok() or not self.lock.acquire(blocking=False):
            return  # shutting down, or a motion or reset is stepping the world
        try:
            self.arena.step(int(round(self.params.real_time_factor * self.arena.config.physics_hz
                                      / self.params.tick_hz)))
            self._publish_state()
        finally:
            self.lock.release()

    def _publish_state(self, frame_now: bool = False) -> None:
        """Clock and joints; camera frames at the configured rates, or at once after a
        motion or a reset, so that a capture sees the scene as the motion left it."""
        stamp = self._sim_stamp()
        self.clock_pub.publish(Clock(clock=stamp))
        self.joint_pub.publish(self._joint_state(stamp))
        due_sim = self.arena.sim_time - self._last_frame_sim >= 1.0 / self.params.publish_rate_hz
        due_wall = time.monotonic() - self._last_render_wall >= 1.0 / self.params.max_render_hz
        if frame_now or (due_sim and due_wall):
            self._last_frame_sim, self._last_render_wall = self.arena.sim_time, time.monotonic()
            for camera in self.robot_config.cameras:
                self._publish_camera(camera, stamp)

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
        finger = robot.gripper_opening() / 2
        names = self.robot_config.arm_joints + self.robot_config.gripper.joints
        positions = [*robot.arm_positions().tolist(), *[finger] * len(self.robot_config.gripper.joints)]
        return JointState(header=Header(stamp=stamp), name=names, position=positions)

    # --- motion and scenes ----------------------------------------------------------

    def _motion_finished(self) -> TimeMsg:
        self._report_fallen_objects()
        self._publish_state(frame_now=True)
        return self._sim_stamp()

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
            with self.lock:
                scene = self._new_scene(split, seed, request.num_objects)
                self._publish_state(frame_now=True)
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
            with self.lock:
                moved = self.arena.displace_objects(request.count, request.min_distance_m, rng)
                self._publish_state(frame_now=True)
        except ValueError as error:
            response.success, response.message = False, str(error)
            return response
        response.success = True
        response.names = [obj.name for obj, _ in moved]
        response.distances_m = [distance for _, distance in moved]
        response.message = ", ".join(f"{obj.name} by {distance * 100:.1f} cm" for obj, distance in moved)
        self.get_logger().info(f"displaced {response.message}")
        return response

    def _new_scene(self, split: str, seed: int, num_objects: int = 0):
        scene = self.arena.reset_scene(split, seed, num_objects)
        self.next_seed = seed + 1
        self.get_logger().info(f"new scene {scene.scene_id}: {[o.name for o in scene.objects]}")
        return scene


def main(args=None) -> int:
    return run_node(WorldNode, args)
