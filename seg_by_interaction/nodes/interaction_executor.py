"""interaction_executor: runs one interaction primitive per `Interact` goal.

Drives the arm through the `motion` action (the motion server, whichever backend it
runs) with the primitives of the core, captures the
before / mid / after frames from the camera topics (frames stamped after the arm
stopped), stores the record atomically under the run directory, and returns it.

Action:   interact (seg_by_interaction/action/Interact): one goal at a time, cancellable,
          a time limit per goal; feedback names the phase.
          ~/singulate (Singulate): segment through the hypothesis server, push where the
          segmentation is uncertain, segment again (ros/singulation_server.py); shares the
          one-goal-at-a-time rule with interact.
Calls:    <segment_service> (Segment) for ~/singulate.
Services: ~/resume (std_srvs/Trigger): accept goals again after max_consecutive_failures.
          ~/arm (std_srvs/SetBool): with require_arming (real robots), goals are refused
          until this arms the executor; false disarms it.
Subscribes: the camera's rgb, depth and camera_info topics (sensor-data QoS), and in
          simulation /<camera>/ground_truth/instances when record_ground_truth is set;
          <soft_stop_topic> (std_msgs/Empty): stops the interaction under way and disarms.
Publishes its state on /diagnostics: armed, consecutive failures, breaker, last outcome.
"""
from __future__ import annotations

import threading
import time
import traceback

import numpy as np
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.time import Time
from diagnostic_msgs.msg import DiagnosticStatus
from std_msgs.msg import Empty, Header
from std_srvs.srv import SetBool, Trigger

from seg_by_interaction.action import Interact
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.hypothesis import project_point
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.interaction.executor import (ExecutorParams, FailureCounter,
                                                          InteractionRequest, run_interaction)
from seg_by_interaction.core.interaction.kinds import KINDS
from seg_by_interaction.core.interaction.motion import MotionError, Outcome, ToolPose
from seg_by_interaction.core.interaction.primitives import Primitives
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import HypothesisRef, RecordMeta, RunStore, StorageError
from seg_by_interaction.msg import InteractionRecord
from seg_by_interaction.ros import hypothesis_msgs, interaction_msgs, poses, qos
from seg_by_interaction.ros.camera_poses import CameraPoses
from seg_by_interaction.ros.frame_buffer import FrameBuffer, intrinsics_of
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.ros.remote_motion import RemoteMotionBackend
from seg_by_interaction.ros.singulation_server import SingulationServer
from seg_by_interaction.ros.status import StatusPublisher

FEEDBACK = Interact.Feedback
PHASES = {"open": FEEDBACK.PHASE_APPROACHING, "approach": FEEDBACK.PHASE_APPROACHING,
          "descend": FEEDBACK.PHASE_APPROACHING, "close": FEEDBACK.PHASE_GRASPING,
          "lift": FEEDBACK.PHASE_LIFTING, "capture_before": FEEDBACK.PHASE_CAPTURING_BEFORE,
          "capture_mid": FEEDBACK.PHASE_CAPTURING_MID, "capture_after": FEEDBACK.PHASE_CAPTURING_AFTER,
          "carry": FEEDBACK.PHASE_PLACING, "lower": FEEDBACK.PHASE_PLACING,
          "release": FEEDBACK.PHASE_PLACING, "retreat": FEEDBACK.PHASE_RETREATING,
          "lift_clear": FEEDBACK.PHASE_RETREATING, "out_of_view": FEEDBACK.PHASE_RETREATING}
PHASE_NAMES = {value: name[len("PHASE_"):].lower() for name, value in vars(FEEDBACK).items()
               if name.startswith("PHASE_")}
MAX_GOAL_TIMEOUT_S = 3600.0
# An interaction holds a thread while it waits for the motion server's answers and camera
# frames; they, goal requests and soft stops need others (the machine may have two cores).
THREADS = 4


class InteractionExecutor(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("interaction_executor", automatically_declare_parameters_from_overrides=True,
                         **kwargs)
        self.params = declare_parameters(self, ExecutorParams)
        self.robot = load_robot_config(self.params.robot)
        self.camera = self.robot.camera(self.params.camera)
        self.store = RunStore(self.params.run_dir) if self.params.run_dir else None
        self.rng = np.random.default_rng(self.params.seed)
        self.failures = FailureCounter(self.params.max_consecutive_failures)
        self.storage_error = ""    # set once a record cannot be stored: no goal is taken after
        self.armed = not self.params.require_arming
        self.last_outcome = "none"
        self._busy = threading.Lock()
        io = ReentrantCallbackGroup()
        self.rejections = Rejections(self)
        self.frames = FrameBuffer(self, self.camera, self.rejections, self.params.frames,
                                  self.params.record_ground_truth, io,
                                  CameraPoses(self, self.camera, self.robot, self.rejections, io))
        self.backend = RemoteMotionBackend(self, self.robot, self.params.motion_action, io)
        ActionServer(self, Interact, "interact", self._execute, goal_callback=self._accept_goal,
                     cancel_callback=self._cancel, callback_group=ReentrantCallbackGroup())
        SingulationServer(self, self._busy, self._accept_goal, self.perform)
        self.create_service(Trigger, "~/resume", self._resume)
        self.create_service(SetBool, "~/arm", self._arm)
        self.create_subscription(Empty, self.params.soft_stop_topic, self._soft_stop, qos.RELIABLE,
                                 callback_group=io)
        StatusPublisher(self, self._status, callback_group=io)
        where = f"recording to {self.store.root}" if self.store else "not recording"
        self.get_logger().info(f"interaction executor ready on '{self.robot.name}', camera "
                               f"'{self.camera.name}', {where}")

    # --- goal handling ------------------------------------------------------------------

    def _accept_goal(self, _goal) -> GoalResponse:
        storage = self.storage_error or (self.store and
                                         self.store.free_space_problem(self.params.min_free_mb))
        if storage:
            self.get_logger().error(f"refusing goal: {storage}; free space and run again")
            return GoalResponse.REJECT
        if not self.armed:
            self.get_logger().error("refusing goal: not armed; call ~/arm (std_srvs/SetBool, "
                                    "data: true) once the robot is clear to move")
            return GoalResponse.REJECT
        if self.failures.tripped:
            self.get_logger().error(f"refusing goal: {self.failures.consecutive} interactions "
                                    "failed in a row; call ~/resume after checking the robot")
            return GoalResponse.REJECT
        if self._busy.locked():
            self.get_logger().warning("refusing goal: an interaction is already running")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def interrupt(self) -> bool:
        """Stop the motion under way (shutdown); whether no interaction runs any more."""
        self.backend.cancel()
        return not self._busy.locked()

    def _cancel(self, _goal_handle) -> CancelResponse:
        self.backend.cancel()
        return CancelResponse.ACCEPT

    def _arm(self, request: SetBool.Request, response: SetBool.Response) -> SetBool.Response:
        self.armed = request.data or not self.params.require_arming
        response.success = self.armed == request.data
        response.message = "armed" if self.armed else "disarmed"
        self.get_logger().warning(f"{response.message} by ~/arm")
        return response

    def _soft_stop(self, _msg: Empty) -> None:
        self.armed = not self.params.require_arming
        self.get_logger().warning("soft stop: stopping the interaction under way"
                                  + ("; disarmed" if not self.armed else ""))
        self.backend.cancel()

    def _status(self):
        tripped = self.failures.tripped
        level = DiagnosticStatus.WARN if tripped or not self.armed else DiagnosticStatus.OK
        state = "stopped after failures" if tripped else ("armed" if self.armed else "disarmed")
        return level, state, {
            "armed": self.armed, "consecutive_failures": self.failures.consecutive,
            "breaker": "open" if tripped else "closed", "last_outcome": self.last_outcome}

    def _resume(self, _request, response: Trigger.Response) -> Trigger.Response:
        self.failures.consecutive = 0
        response.success, response.message = True, "accepting goals again"
        return response

    def _execute(self, goal_handle) -> Interact.Result:
        with self._busy:
            try:
                result = self._run(goal_handle)
            except Exception as error:   # noqa: BLE001 - a goal must end with a result, and the node keep running
                self.get_logger().error(f"interaction failed unexpectedly: {error!r}\n"
                                        f"{traceback.format_exc()}")
                reason = f"executor error: {error!r}"
                result = Interact.Result(success=False, reason=reason, record=InteractionRecord(
                    primitive=goal_handle.request.primitive, outcome=Outcome.FAILED, reason=reason))
        if result.record.outcome == Outcome.CANCELLED and goal_handle.is_cancel_requested:
            goal_handle.canceled()
        elif result.success:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        return result

    def _run(self, goal_handle) -> Interact.Result:
        goal = goal_handle.request
        return self.perform(goal.primitive, goal.timeout, "interact",
                            lambda kind, phase: self._feedback(goal_handle, kind, phase))

    def perform(self, primitive, timeout: float, interface: str, on_phase) -> Interact.Result:
        """One primitive (a Primitive message), checked whole before the arm moves, run
        and recorded; `on_phase(kind, phase)` as each phase starts. The caller holds the
        executor (one interaction at a time)."""
        try:
            request = self._checked_request(primitive, timeout)
        except MotionError as error:
            self.rejections.reject(interface, error.reason)
            record = InteractionRecord(primitive=primitive, outcome=error.outcome,
                                       reason=error.reason)
            return Interact.Result(success=False, reason=error.reason, record=record)
        self.backend.reset(time.monotonic() + (timeout or self.params.default_timeout_s))
        primitives = Primitives(self.backend, self.robot, self._capture, self.params.primitives,
                                on_phase=lambda phase: on_phase(request.kind, phase))
        outcome = run_interaction(primitives, request, self.rng)
        if outcome.outcome == Outcome.TIMEOUT:
            self._recover(primitives)
        self.failures.add(outcome.outcome)
        self.last_outcome = outcome.outcome.name
        record = self._record(primitive, request, outcome)
        summary = f"{record.record_id or 'interaction'}: {request.kind} {outcome.outcome.name}: {outcome.reason}"
        if outcome.success:
            self.get_logger().info(summary)
        else:
            self.get_logger().warning(summary)
        if self.storage_error:
            return Interact.Result(success=False, reason=self.storage_error, record=record)
        return Interact.Result(success=outcome.success, reason=outcome.reason, record=record)

    def _checked_request(self, primitive, timeout: float) -> InteractionRequest:
        if not 0.0 <= timeout <= MAX_GOAL_TIMEOUT_S:
            raise MotionError(Outcome.INVALID_REQUEST, f"timeout {timeout} s is not within "
                                                       f"0..{MAX_GOAL_TIMEOUT_S} s")
        intrinsics = intrinsics_of(self.frames.camera_info, self.camera)
        return interaction_msgs.request_from_msg(primitive, self.robot,
                                                 (intrinsics.height, intrinsics.width))

    def _recover(self, primitives: Primitives) -> None:
        """Out of time, the arm stopped where it was; bring it out of view again so the
        next interaction can start."""
        self.backend.reset(time.monotonic() + self.params.recovery_timeout_s)
        try:
            primitives.retreat()
        except MotionError as error:
            self.get_logger().error(f"after the timeout the arm could not retreat: {error.reason}")

    def _feedback(self, goal_handle, kind: str, phase: str) -> None:
        if phase == "stroke":
            code = getattr(FEEDBACK, f"PHASE_{KINDS[kind].stroke_phase.upper()}")
        else:
            code = PHASES.get(phase, FEEDBACK.PHASE_PLANNING)
        goal_handle.publish_feedback(Interact.Feedback(phase=code, phase_name=PHASE_NAMES[code]))

    # --- frames and records -----------------------------------------------------------

    def _capture(self, _label: str) -> RGBDView:
        stamp = Time.from_msg(self.backend.stamp).nanoseconds if self.backend.stamp else 0
        try:
            return self.frames.view(self.frames.wait_after(stamp, self.params.capture_timeout_s))
        except ImageError as error:
            raise MotionError(Outcome.FAILED, f"camera: {error}") from error

    def _record(self, primitive, request: InteractionRequest, outcome):
        """The record of what happened, stored before it is returned; `primitive` is
        completed with the place actually chosen."""
        if outcome.place_xy is not None:
            place = ToolPose.top_down((*outcome.place_xy, request.target[2]), request.yaw)
            primitive.place = poses.to_pose_stamped(place, Header(frame_id=self.robot.base_frame))
        record_id = ""
        if self.store is not None and outcome.frames:
            record_id = self.store.next_record_id()
            try:
                self.store.write_record(record_id, self._record_meta(primitive, request, outcome),
                                        outcome.frames, _hypothesis_mask(primitive, outcome.frames))
            except StorageError as error:
                self.storage_error, record_id = str(error), ""
                self.get_logger().error(f"{error}; refusing further goals")
        info = self.frames.camera_info
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.robot.base_frame)
        return interaction_msgs.record_msg(record_id, primitive, outcome.outcome, outcome.reason,
                                           self.camera.name, info, outcome.frames, outcome.timings,
                                           self.robot.base_frame, header)

    def _record_meta(self, primitive, request: InteractionRequest, outcome) -> RecordMeta:
        after = outcome.frames.get("after")
        place_px = None
        if outcome.place_xy is not None and after is not None:
            place_px = project_point((*outcome.place_xy, request.target[2]), after.intrinsics,
                                     after.camera_pose)
        hypothesis = primitive.hypothesis
        return RecordMeta(
            primitive=request.kind, outcome=outcome.outcome, reason=outcome.reason,
            robot=self.robot.name, camera=self.camera.name,
            action_px=(primitive.target_px.x, primitive.target_px.y) if hypothesis.id else None,
            place_px=tuple(place_px) if place_px is not None else None,
            target=_floats(request.target), yaw=request.yaw, width=request.width,
            place_xy=_floats(outcome.place_xy), direction=_floats(request.direction),
            magnitude=request.magnitude if "magnitude" in KINDS[request.kind].needs else None,
            model_version=primitive.model_version,
            hypothesis=HypothesisRef(id=hypothesis.id, source=hypothesis.source,
                                     score=hypothesis.score) if hypothesis.id else None,
            timings=outcome.timings, wall_time=time.time())


def _hypothesis_mask(primitive, frames: dict[str, RGBDView]) -> np.ndarray | None:
    if not primitive.hypothesis.id or "before" not in frames:
        return None
    height, width = frames["before"].rgb.shape[:2]
    return hypothesis_msgs.from_msg(primitive.hypothesis, height, width).mask


def _floats(values) -> tuple[float, ...] | None:
    return None if values is None else tuple(float(v) for v in values)


def main(args=None) -> int:
    return run_node(InteractionExecutor, args, threads=THREADS)
