"""hypothesis_server: class-agnostic object hypotheses on the camera's frames.

Runs the current segmentation model (DeepMask on ResNet-18, dense over several scales),
or the bottom-up baseline until the trainer announces a model; each hypothesis carries
its PCA top-down grasp lifted to 3D with depth, intrinsics and the camera pose, checked
against the frame's depth (the object's width against the gripper's opening, the fingers'
landing spots free of neighbours; `grasp_check.*`): turned if that helps, else carrying
the reason as `grasp_refusal`.

Services:   ~/segment (Segment): the latest frame, or the frame in the request.
Publishes:  hypotheses (ObjectHypothesisArray, reliable), ~/overlay (Image rgb8, sensor QoS).
Subscribes: the camera's rgb, depth, camera_info (sensor QoS); model_updates (ModelUpdate,
            latched): a new checkpoint is loaded in the background and swapped in when
            it is verified (sha256, model spec); requests meanwhile use the old model.
"""
from __future__ import annotations

import concurrent.futures
import math
import threading

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.time import Time
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import grasp_scene
from seg_by_interaction.core.hypotheses.hypothesis import hypotheses_from_proposals
from seg_by_interaction.core.hypotheses.proposer import HypothesisServerParams, Proposer
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.model.checkpoint import CheckpointError
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.visualize import hypotheses_overlay
from seg_by_interaction.msg import ModelUpdate, ObjectHypothesisArray
from seg_by_interaction.ros import hypothesis_msgs, images, qos
from seg_by_interaction.ros.camera_poses import CameraPoses
from seg_by_interaction.ros.frame_buffer import FrameBuffer, intrinsics_of
from seg_by_interaction.ros.futures import wait_for
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import Segment


class HypothesisServer(LeanNode):
    def __init__(self, **kwargs):
        # before anything can fail: the context destroys a node whose construction failed
        self._loaders: list[threading.Thread] = []
        self._segmenting = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="segment")
        super().__init__("hypothesis_server", automatically_declare_parameters_from_overrides=True,
                         **kwargs)
        self.params = declare_parameters(self, HypothesisServerParams)
        self.robot = load_robot_config(self.params.robot)
        self.camera = self.robot.camera(self.params.camera)
        self.proposer = Proposer(self.params)
        self._load_initial_checkpoint()
        self.rejections = Rejections(self)
        frames = ReentrantCallbackGroup()
        self.frames = FrameBuffer(self, self.camera, self.rejections, self.params.frames,
                                  callback_group=frames,
                                  poses=CameraPoses(self, self.camera, self.robot,
                                                    self.rejections, frames))
        self.hypotheses_pub = self.create_publisher(ObjectHypothesisArray, "hypotheses", qos.RELIABLE)
        self.overlay_pub = self.create_publisher(Image, "~/overlay", qos.SENSOR_DATA)
        self.create_service(Segment, "~/segment", self._segment, callback_group=ReentrantCallbackGroup())
        self.create_subscription(ModelUpdate, "model_updates", self._on_model_update, qos.LATCHED,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        self.get_logger().info(f"hypothesis server ready on camera '{self.camera.name}', model "
                               f"v{self.proposer.version}")

    def _load_initial_checkpoint(self) -> None:
        if self.params.checkpoint:   # a bad checkpoint named at start is a startup error
            self.proposer.load(self.params.checkpoint)
        elif self.params.checkpoint_dir:
            self.proposer.load_newest(self.params.checkpoint_dir)

    def _on_model_update(self, update: ModelUpdate) -> None:
        if update.version <= self.proposer.version:
            return
        loader = threading.Thread(target=self._load, args=(update,), name="model_loader")
        self._loaders.append(loader)
        loader.start()

    def destroy_node(self):
        for loader in self._loaders:     # a thread left in torch at exit aborts the process
            loader.join()
        self._segmenting.shutdown(wait=True, cancel_futures=True)
        return super().destroy_node()

    def _load(self, update: ModelUpdate) -> None:
        try:
            self.proposer.load_announced(update.checkpoint_path, update.sha256 or None)
        except CheckpointError as error:
            self.rejections.reject("model_updates", f"model update v{update.version} refused, "
                                                    f"keeping v{self.proposer.version}: {error}")

    def _segment(self, request: Segment.Request, response: Segment.Response) -> Segment.Response:
        try:
            self._check_request(request)
            view, header = self._view(request)
            proposals, source, version = self._propose(view)
        except (ValueError, TimeoutError) as error:     # ImageError is a ValueError
            response.success, response.message = False, str(error)
            self.rejections.reject("~/segment", str(error))
            return response
        limit = request.max_hypotheses or self.params.max_hypotheses
        proposals = [p for p in proposals if p.score >= request.min_score]
        hypotheses = hypotheses_from_proposals(proposals, source, view.depth, view.intrinsics,
                                               view.camera_pose, limit, self._grasp_scene(view))
        height, width = view.rgb.shape[:2]
        grasp_header = Header(stamp=header.stamp, frame_id=self.robot.base_frame)
        array = ObjectHypothesisArray(header=header, image_height=height, image_width=width,
                                      model_version=version,
                                      hypotheses=[hypothesis_msgs.to_msg(h, grasp_header)
                                                  for h in hypotheses])
        self.hypotheses_pub.publish(array)
        if self.params.publish_overlay:
            self.overlay_pub.publish(images.to_msg(hypotheses_overlay(view.rgb, hypotheses), "rgb8", header))
        response.success = True
        response.message = f"{len(hypotheses)} hypotheses from {source} v{version}"
        response.hypotheses = array
        return response

    def _grasp_scene(self, view: RGBDView):
        check = self.params.grasp_check
        if not check.enabled:
            return None
        return grasp_scene(view.depth, view.intrinsics, view.camera_pose, self.robot.gripper,
                           self.robot.table_height, check)

    def _propose(self, view: RGBDView):
        """The proposer's answer within the time limit (TimeoutError); a segmentation past
        it runs on while the request gets its error."""
        return wait_for(self._segmenting.submit(self.proposer.propose, view),
                        self.params.segment_timeout_s, "segmentation (segment_timeout_s)")

    def _check_request(self, request: Segment.Request) -> None:
        if not math.isfinite(request.min_score):
            raise ValueError(f"min_score {request.min_score} is not a number")
        image = request.image
        if image.width * image.height > self.params.max_pixels:
            raise ImageError(f"image of {image.width}x{image.height} has more than max_pixels "
                             f"{self.params.max_pixels} pixels")

    def _view(self, request: Segment.Request):
        """The frame to segment: the request's own, or the latest received (stamped at or
        after `frame_after` when given)."""
        if request.image.data:
            view = RGBDView(images.rgb_from_msg(request.image), images.depth_from_msg(request.depth),
                            intrinsics_of(request.camera_info, self.camera), self.camera.pose)
            header = request.image.header
        else:
            frame = self.frames.current(Time.from_msg(request.frame_after).nanoseconds)
            view, header = self.frames.view(frame), frame.rgb_msg.header
        intrinsics = view.intrinsics
        if view.depth.shape != view.size or (intrinsics.height, intrinsics.width) != view.size:
            raise ImageError(f"image {view.size}, depth {view.depth.shape} and camera info "
                             f"{(intrinsics.height, intrinsics.width)} differ in size")
        return view, header


def main(args=None) -> int:
    return run_node(HypothesisServer, args)
