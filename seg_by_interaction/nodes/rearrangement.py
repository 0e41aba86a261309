"""rearrangement: puts the objects where a goal image shows them (Pathak et al. 2018,
section 6.3), with the executor's pick-and-place.

Segments the goal and the camera's scene (the current model by default; a baseline on
request, or ground truth where a benchmark hands it in), matches the segments by crop
features, colour, size and position, and moves the matched objects one by one until
each is within the tolerance of its goal or the budget is spent, segmenting again after
every move. A goal that cannot be met as given is refused with its reason before
anything moves.

Action:     rearrange (seg_by_interaction/action/Rearrange): one goal at a time,
            cancellable, feedback after every segmentation; no time limit of its own.
Services:   ~/snapshot_goal (SnapshotGoal): the camera's current scene as a goal, by id.
Calls:      interact (Interact action) for each pick-and-place.
Subscribes: the camera's rgb, depth and camera_info topics (sensor-data QoS), and in
            simulation /<camera>/ground_truth/instances when ground_truth_frames is set.
"""
from __future__ import annotations

import threading
import traceback

import numpy as np
from rclpy.action import ActionClient, ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.time import Time
from std_msgs.msg import Header

from seg_by_interaction.action import Interact, Rearrange
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.interaction.primitives import RELEASE
from seg_by_interaction.core.model.checkpoint import CheckpointError
from seg_by_interaction.core.rearrangement.controller import Acted, GoalError, Rearranger, Tools
from seg_by_interaction.core.rearrangement.features import FEATURE_TRUNKS
from seg_by_interaction.core.rearrangement.goals import GoalStore, check_goal_view, check_limits
from seg_by_interaction.core.rearrangement.params import RearrangementParams
from seg_by_interaction.core.rearrangement.segmenters import Segmenters
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import interaction_msgs, rearrange_msgs
from seg_by_interaction.ros.camera_poses import CameraPoses
from seg_by_interaction.ros.frame_buffer import FrameBuffer
from seg_by_interaction.ros.futures import settle_before_first_goal, wait_for
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.srv import SnapshotGoal

SERVER_WAIT_S = 30.0
REFUSALS = (ValueError, CheckpointError)    # GoalError, ImageError and ConfigError among them


class Rearrangement(LeanNode):
    def __init__(self, handed_in_segmenters=None, **kwargs):
        """`handed_in_segmenters`: more segmenters by name, e.g. a benchmark's ground truth."""
        super().__init__("rearrangement", automatically_declare_parameters_from_overrides=True,
                         **kwargs)
        self.params = declare_parameters(self, RearrangementParams)
        self.robot = load_robot_config(self.params.robot)
        self.camera = self.robot.camera(self.params.camera)
        p = self.params
        self.segmenters = Segmenters(p.checkpoint, p.checkpoint_dir, p.model, handed_in_segmenters)
        self.features = FEATURE_TRUNKS.make_chosen(p.matching, "features")
        self.goals = GoalStore(p.max_goals)
        self.rng = np.random.default_rng(p.seed)
        self._busy = threading.Lock()
        self._stopping = threading.Event()      # cancel or shutdown: abandon the interaction
        self._interaction = None                # the Interact goal under way
        io = ReentrantCallbackGroup()
        self.rejections = Rejections(self)
        self.frames = FrameBuffer(self, self.camera, self.rejections, p.frames,
                                  p.ground_truth_frames, io,
                                  CameraPoses(self, self.camera, self.robot, self.rejections, io))
        self.interact = ActionClient(self, Interact, p.interact_action, callback_group=io)
        ActionServer(self, Rearrange, "rearrange", self._execute, goal_callback=self._accept_goal,
                     cancel_callback=self._cancel,
                     callback_group=ReentrantCallbackGroup())
        self.create_service(SnapshotGoal, "~/snapshot_goal", self._snapshot, callback_group=io)
        self.get_logger().info(f"rearrangement ready on camera '{self.camera.name}', segmenter "
                               f"'{p.segmenter}', crop features '{p.matching.features}'")

    def _accept_goal(self, _goal) -> GoalResponse:
        if self._busy.locked():
            self.get_logger().warning("refusing goal: a rearrangement is already running")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    def _cancel(self, _goal_handle) -> CancelResponse:
        self._stop_interaction()
        return CancelResponse.ACCEPT

    def interrupt(self) -> bool:
        """Stop the rearrangement under way (shutdown); whether none runs any more."""
        self._stop_interaction()
        return not self._busy.locked()

    def _stop_interaction(self) -> None:
        self._stopping.set()
        handle = self._interaction
        if handle is not None:
            handle.cancel_goal_async()

    def _execute(self, goal_handle) -> Rearrange.Result:
        with self._busy:
            self._stopping.clear()
            try:
                result = self._run(goal_handle)
            except REFUSALS as error:
                self.rejections.reject("rearrange", str(error))
                result = Rearrange.Result(success=False, reason=str(error))
            except (TimeoutError, RuntimeError) as error:    # the executor gone or refusing
                self.get_logger().error(f"rearrangement stopped: {error}")
                result = Rearrange.Result(success=False, reason=str(error))
            except Exception as error:   # noqa: BLE001 - a goal must end with a result, and the node keep running
                self.get_logger().error(f"rearrangement failed unexpectedly: {error!r}\n"
                                        f"{traceback.format_exc()}")
                result = Rearrange.Result(success=False, reason=f"rearrangement error: {error!r}")
        if goal_handle.is_cancel_requested:
            result.reason = result.reason or "cancelled"
            goal_handle.canceled()
        elif result.success:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        self.get_logger().info(f"rearrangement {'succeeded' if result.success else 'failed'} "
                               f"after {result.moves_used} moves: {result.reason}")
        return result

    def _run(self, goal_handle) -> Rearrange.Result:
        """Everything about the goal is checked before the first move."""
        goal = goal_handle.request
        segmenter = goal.segmenter or self.params.segmenter
        check_limits(goal.tolerance_px, goal.max_interactions, segmenter)
        target = self._goal_view(goal)
        frame_after_ns = Time.from_msg(goal.frame_after).nanoseconds
        current = self._current_view(frame_after_ns)
        check_goal_view(target, current.size, current.camera_pose, self.params.goal_checks)
        tools = Tools(self.segmenters.get(segmenter), segmenter, self.features,
                      self._pick_and_place,
                      lambda: self._current_view(frame_after_ns))
        rearranger = Rearranger(tools, self.robot, self.params.segments, self.params.matching,
                                self.params.plan, self.rng)
        episode = rearranger.run(
            target, goal.tolerance_px, goal.max_interactions,
            progress=lambda p: goal_handle.publish_feedback(rearrange_msgs.feedback_msg(p)),
            cancelled=self._stopping.is_set)
        return rearrange_msgs.result_msg(episode)

    def _goal_view(self, goal: Rearrange.Goal):
        if goal.goal_id and goal.goal_image.data:
            raise GoalError("give either a goal_id or a goal image, not both")
        if goal.goal_id:
            return self.goals.get(goal.goal_id)
        return rearrange_msgs.goal_view(goal, self.robot.base_frame)

    def _current_view(self, after_ns: int = 0):
        return self.frames.view(self.frames.current(after_ns))

    def _pick_and_place(self, request: InteractionRequest) -> Acted:
        if not self.interact.wait_for_server(timeout_sec=SERVER_WAIT_S):
            raise RuntimeError(f"no interact action server '{self.params.interact_action}'")
        settle_before_first_goal(self.interact)
        primitive = interaction_msgs.request_to_msg(request, self.robot.base_frame, None, 0, Header())
        timeout = self.params.interaction_timeout_s
        handle = wait_for(self.interact.send_goal_async(Interact.Goal(primitive=primitive,
                                                                      timeout=timeout)),
                          SERVER_WAIT_S, "the interact goal")
        if not handle.accepted:
            raise RuntimeError("the executor refused the pick-and-place (its log says why)")
        self._interaction = handle
        try:
            result = wait_for(handle.get_result_async(), timeout + 30, "the pick-and-place",
                              abandon=self._stopping).result
        finally:
            self._interaction = None
        record = result.record
        after_ns = Time.from_msg(record.after_rgb.header.stamp).nanoseconds if record.after_rgb.data else 0
        return Acted(result.success, Outcome(record.outcome).name, result.reason,
                     self._current_view(after_ns), held=RELEASE in {m.name for m in record.timings})

    def _snapshot(self, request: SnapshotGoal.Request,
                  response: SnapshotGoal.Response) -> SnapshotGoal.Response:
        try:
            view = self._current_view(Time.from_msg(request.frame_after).nanoseconds)
        except ImageError as error:
            response.success, response.message = False, str(error)
            return response
        response.goal_id = self.goals.add(view)
        header = Header(stamp=Time(nanoseconds=int(view.stamp * 1e9)).to_msg(),
                        frame_id=self.camera.optical_frame)
        for name, msg in rearrange_msgs.view_msgs(view, header, self.robot.base_frame).items():
            setattr(response, name, msg)
        response.success, response.message = True, f"stored as {response.goal_id}"
        return response


def main(args=None) -> int:
    return run_node(Rearrangement, args)
