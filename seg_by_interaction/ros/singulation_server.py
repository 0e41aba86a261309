"""The executor's `~/singulate` action (Eitel et al. 2019, Fig. 4): segment the camera's
frame through the hypothesis server, push where the segmentation is uncertain with the
executor's push, segment again (core/interaction/singulation.py has the rule).

Everything about a goal is checked before the arm moves; a goal that cannot be met as
given ends with success false and the reason."""
from __future__ import annotations

import threading
import traceback

from geometry_msgs.msg import Point
from rclpy.action import ActionServer, CancelResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.time import Time

from seg_by_interaction.action import Singulate
from seg_by_interaction.core.hypotheses.hypothesis import distinct
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.interaction.singulation import (SceneDepth, check_roi, choose_push,
                                                             in_region, resolved,
                                                             uncertain_regions)
from seg_by_interaction.ros import hypothesis_msgs, interaction_msgs
from seg_by_interaction.ros.futures import wait_for
from seg_by_interaction.srv import Segment

SERVER_WAIT_S = 10.0
FEEDBACK = Singulate.Feedback
PHASE_NAMES = {FEEDBACK.PHASE_SEGMENTING: "segmenting", FEEDBACK.PHASE_PUSHING: "pushing"}


class SingulationServer:
    def __init__(self, node: Node, busy: threading.Lock, accept_goal, perform):
        """On the executor `node`: `busy` is held while a goal runs, `accept_goal` decides
        whether one may start, `perform(primitive, timeout, interface, on_phase)` pushes."""
        self.node, self.busy, self.perform = node, busy, perform
        self.params = node.params
        self._cancelled = threading.Event()
        self.segment = node.create_client(Segment, self.params.segment_service,
                                          callback_group=ReentrantCallbackGroup())
        ActionServer(node, Singulate, "~/singulate", self._execute, goal_callback=accept_goal,
                     cancel_callback=self._cancel, callback_group=ReentrantCallbackGroup())

    def _cancel(self, _goal_handle) -> CancelResponse:
        self._cancelled.set()
        self.node.backend.cancel()
        return CancelResponse.ACCEPT

    def _execute(self, goal_handle) -> Singulate.Result:
        with self.busy:
            self._cancelled.clear()
            result = Singulate.Result()
            try:
                self._run(goal_handle, result)
            except ValueError as error:       # the goal as given (ImageError among them)
                self.node.rejections.reject("~/singulate", str(error))
                result.success, result.reason = False, str(error)
            except (TimeoutError, RuntimeError) as error:     # the hypothesis server
                result.success, result.reason = False, str(error)
            except Exception as error:   # noqa: BLE001 - a goal must end with a result, and the node keep running
                self.node.get_logger().error(f"singulation failed unexpectedly: {error!r}\n"
                                             f"{traceback.format_exc()}")
                result.success, result.reason = False, f"singulation error: {error!r}"
        if goal_handle.is_cancel_requested:
            goal_handle.canceled()
        elif result.success:
            goal_handle.succeed()
        else:
            goal_handle.abort()
        self.node.get_logger().info(f"singulation: {len(result.pushes)} pushes: {result.reason}")
        return result

    def _run(self, goal_handle, result: Singulate.Result) -> None:
        goal = goal_handle.request
        if goal.max_pushes == 0:
            raise ValueError("max_pushes is 0: a singulation needs at least one push")
        frame = self.node.frames.wait_after(0, self.params.capture_timeout_s)   # ImageError
        region = goal.region
        roi = None if region.width == region.height == 0 else (
            region.x_offset, region.y_offset, region.width, region.height)
        check_roi(roi, frame.rgb_msg.height, frame.rgb_msg.width)
        def feedback(phase: int, regions: int) -> None:
            goal_handle.publish_feedback(FEEDBACK(phase=phase, phase_name=PHASE_NAMES[phase],
                                                  pushes_done=len(result.pushes),
                                                  uncertain_regions=regions))
        feedback(FEEDBACK.PHASE_SEGMENTING, 0)
        array, hypotheses, scene = self._segmented(frame, roi)
        if not hypotheses:
            raise ValueError(f"no object hypotheses in the region of interest "
                             f"({len(array.hypotheses)} in the whole view)")
        regions = uncertain_regions(hypotheses, scene, self.params.singulation)
        result.before, result.uncertain_before = array, len(regions)
        while regions and len(result.pushes) < goal.max_pushes and not self._cancelled.is_set():
            chosen = self._push_for(regions, hypotheses, scene)
            if chosen is None:
                break
            pushed, push = chosen
            feedback(FEEDBACK.PHASE_PUSHING, len(regions))
            done = self._push(push, array)
            result.pushes.append(done.record.primitive)
            result.push_outcomes.append(Outcome(done.record.outcome).name)
            result.cues.append(pushed.cue)
            feedback(FEEDBACK.PHASE_SEGMENTING, len(regions))
            after_ns = Time.from_msg(done.record.after_rgb.header.stamp).nanoseconds
            array, hypotheses, scene = self._segmented(
                self.node.frames.wait_after(after_ns, self.params.capture_timeout_s), roi)
            regions = uncertain_regions(hypotheses, scene, self.params.singulation)
            result.resolved.append(resolved(pushed, regions))
            if not done.success:
                break
        result.after, result.uncertain_after = array, len(regions)
        result.success = not regions and all(o == Outcome.OK.name for o in result.push_outcomes)
        result.reason = _reason(result, len(regions), self._cancelled.is_set())

    def _push_for(self, regions, hypotheses, scene):
        """(region, push) of the most uncertain region that can be pushed, or None."""
        offset = self.params.primitives.push_start_offset_m
        for region in regions:
            push = choose_push(region, hypotheses, scene, offset, self.params.singulation)
            if push is not None:
                return region, push
        return None

    def _push(self, push, array):
        request = InteractionRequest(kind="push", target=push.target, direction=push.direction)
        primitive = interaction_msgs.request_to_msg(request, self.node.robot.base_frame,
                                                    push.hypothesis, array.model_version,
                                                    array.header)
        primitive.target_px = Point(x=float(push.target_px[0]), y=float(push.target_px[1]))
        return self.perform(primitive, 0.0, "~/singulate", lambda kind, phase: None)

    def _segmented(self, frame, roi):
        """(the server's answer, the hypotheses in the region of interest, the frame's
        depth) for one camera frame."""
        if not self.segment.wait_for_service(timeout_sec=SERVER_WAIT_S):
            raise RuntimeError(f"no segment service '{self.params.segment_service}'")
        request = Segment.Request(image=frame.rgb_msg, depth=frame.depth_msg,
                                  camera_info=self.node.frames.camera_info)
        response = wait_for(self.segment.call_async(request), self.params.segment_timeout_s,
                            "the segmentation")
        if not response.success:
            raise RuntimeError(f"segmentation failed: {response.message}")
        array = response.hypotheses
        hypotheses = [hypothesis_msgs.from_msg(h, array.image_height, array.image_width)
                      for h in array.hypotheses]
        view = self.node.frames.view(frame)
        scene = SceneDepth(view.depth, view.intrinsics, view.camera_pose, self.node.robot.table_height)
        kept = distinct(hypotheses, self.params.singulation.alternative_share)
        return array, in_region(kept, roi), scene


def _reason(result: Singulate.Result, left: int, cancelled: bool) -> str:
    pushes = len(result.pushes)
    if cancelled:
        return f"cancelled after {pushes} pushes"
    if pushes == 0:
        return ("nothing to singulate: no uncertain region in the region of interest" if not left
                else f"{left} uncertain regions, but none with a free spot to push from")
    failed = [o for o in result.push_outcomes if o != Outcome.OK.name]
    if failed:
        return f"push {pushes} failed ({failed[-1]}); {left} uncertain regions left"
    if not left:
        return f"singulated with {pushes} pushes: no uncertain region left"
    return f"{left} uncertain regions left after {pushes} pushes"
