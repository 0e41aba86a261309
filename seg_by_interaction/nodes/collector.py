"""collector: the autonomous data-collection loop (Pathak et al. 2018, Algorithm 1).

Asks the hypothesis server for hypotheses on the latest frame, chooses one (mostly the
best, a share at random), has the executor interact with it, and publishes the record
for the labeler; sweeps the objects back every `reset_every` interactions, in simulation
starts new scenes, and stops after the budget. Before the trainer's first model the
hypotheses come from the bottom-up baseline (the server's bootstrap), never from ground
truth. While a server does not answer (restarted, overloaded) it retries with backoff for
up to outage_limit_s instead of stopping.

Publishes: interaction_records (InteractionRecord, reliable).
Calls:     ~/segment (Segment), interact (Interact action), reset_scene (simulation).
"""
from __future__ import annotations

import signal
import threading

import numpy as np
from action_msgs.msg import GoalStatus, GoalStatusArray
from builtin_interfaces.msg import Time as TimeMsg
from rclpy.action import ActionClient
from rclpy.callback_groups import ReentrantCallbackGroup
from std_msgs.msg import Header

from seg_by_interaction.action import Interact
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.hypothesis import SOURCE_RANDOM
from seg_by_interaction.core.interaction.collection import (STOPPED, CollectorParams,
                                                            HypothesisChooser, Schedule,
                                                            away_from_nearest, primitive_mix,
                                                            request_for)
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.kinds import Aim
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.retry import Backoff
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.msg import InteractionRecord, Primitive
from seg_by_interaction.ros import hypothesis_msgs, images, interaction_msgs, qos
from seg_by_interaction.ros.futures import Abandoned, settle_before_first_goal, wait_for
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.srv import ResetScene, Segment

SERVER_WAIT_S = 5.0       # per try; an absent server is retried with backoff
ANSWER_WAIT_S = 30.0
SEGMENT_TIMEOUT_S = 60.0
SEGMENT_RETRY_S = 1.0
EMPTY_FRAMES_BEFORE_RESET = 3


class Collector(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("collector", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, CollectorParams)
        self.robot = load_robot_config(self.params.robot)
        self.rng = np.random.default_rng(self.params.seed)
        self.chooser = HypothesisChooser(self.robot.table_area, self.params.random_share, self.rng,
                                         self.params.failure_radius_px,
                                         self.params.prefer_unvisited, self.params.visited_share)
        self.schedule = Schedule(self.params, self._already_done())
        self.mix = primitive_mix(self.params, self.robot)
        self.scene_id = ""
        self.scene_stamp = TimeMsg()     # frames from before it show the last scene
        self.finished = threading.Event()
        self.last_result: str = ""
        self.error = ""                 # why the collection stopped before its budget
        self.published = 0
        self._empty_frames = 0
        group = ReentrantCallbackGroup()
        self.records_pub = self.create_publisher(InteractionRecord, "interaction_records",
                                                 qos.INTERACTION_DATA)
        self.segment = self.create_client(Segment, self.params.segment_service, callback_group=group)
        self.interact = ActionClient(self, Interact, self.params.interact_action, callback_group=group)
        self._executor_busy = False          # any goal executing, as the action's status says
        self.create_subscription(GoalStatusArray, f"{self.params.interact_action}/_action/status",
                                 self._on_executor_status, qos.LATCHED)
        self.reset_scene = (self.create_client(ResetScene, self.params.reset_scene_service,
                                               callback_group=group)
                            if self.params.reset_scene_service else None)
        self._stop = threading.Event()
        self._goal_handle = None
        self._worker = threading.Thread(target=self._run, name="collector", daemon=True)
        self._worker.start()

    def _already_done(self) -> int:
        if not self.params.run_dir:
            return 0
        done = RunStore(self.params.run_dir).count_interactions()
        if done:
            self.get_logger().info(f"resuming: {done} interactions already recorded")
        return done

    def _on_executor_status(self, msg: GoalStatusArray) -> None:
        self._executor_busy = any(s.status == GoalStatus.STATUS_EXECUTING for s in msg.status_list)

    def interrupt(self) -> bool:
        """Stop the loop and cancel the interaction under way; whether the loop stopped."""
        self._stop.set()
        handle = self._goal_handle
        if handle is not None:
            handle.cancel_goal_async()
        return self.finished.is_set()

    # --- the loop (worker thread) -----------------------------------------------------

    def _run(self) -> None:
        backoff = Backoff(self.params.outage_limit_s)
        try:
            while not self.schedule.finished and not self._stop.is_set():
                try:
                    self._step()
                except Abandoned:
                    raise
                except TimeoutError as error:          # a server is away: wait, try again
                    delay = backoff.next_delay(error)
                    self.get_logger().warning(f"{error}; retrying in {delay:.0f} s")
                    self._stop.wait(delay)
                else:
                    backoff.answered()
            verdict = "stopped" if self._stop.is_set() else "finished"
            self.get_logger().info(f"collection {verdict}: {self.schedule.done} interactions")
        except Abandoned as error:
            self.get_logger().info(f"{STOPPED}{self.schedule.done} interactions ({error})")
        except RuntimeError as error:
            self.get_logger().error(f"{STOPPED}{error}")
            self.last_result = self.error = str(error)
        finally:
            self.finished.set()
            if self.params.exit_when_finished:
                signal.raise_signal(signal.SIGINT)    # the process's own clean shutdown

    def _step(self) -> None:
        """What is due next: a reset, or an interaction (a reset after several frames
        without anything to act on)."""
        due = self.schedule.due()
        if due in ("sweep", "new_scene"):
            self._reset(new_scene=due == "new_scene")
            self.schedule.mark(due)
            return
        acted = self._interact_with_a_hypothesis()     # None: no frame to segment yet
        if acted:
            self._empty_frames = 0
        elif acted is False:
            self._empty_frames += 1
            if self._empty_frames >= EMPTY_FRAMES_BEFORE_RESET:
                self.get_logger().warning("nothing to act on in several frames; resetting")
                self._reset()
                self._empty_frames = 0

    @staticmethod
    def _present(ready: bool, what: str) -> None:
        if not ready:
            raise TimeoutError(f"no {what} within {SERVER_WAIT_S:.0f} s")

    def _interact_with_a_hypothesis(self) -> bool | None:
        """One interaction on a chosen hypothesis; False when there was none to act on,
        None when segmentation failed (e.g. no camera frame yet)."""
        request = Segment.Request(max_hypotheses=self.params.max_hypotheses,
                                  frame_after=self.scene_stamp)
        self._present(self.segment.wait_for_service(timeout_sec=SERVER_WAIT_S),
                      f"segment service '{self.params.segment_service}'")
        response = wait_for(self.segment.call_async(request), SEGMENT_TIMEOUT_S, "segmentation")
        if not response.success:
            self.get_logger().warning(f"segmentation failed: {response.message}")
            self._stop.wait(SEGMENT_RETRY_S)
            return None
        array = response.hypotheses
        hypotheses = [hypothesis_msgs.from_msg(h, array.image_height, array.image_width)
                      for h in array.hypotheses]
        kind = self.mix.draw(self.rng)
        choice = self.chooser.choose(hypotheses, kind)
        if choice is None:
            self._log_nothing_to_act_on(hypotheses, kind)
            return False
        hypothesis, at_random = choice
        aim = Aim(self.params.poke_magnitude, away_from_nearest(hypothesis, hypotheses),
                  self.params.push_distance_m)
        request = request_for(kind, hypothesis, self.rng, aim)
        primitive = interaction_msgs.request_to_msg(request, self.robot.base_frame, hypothesis,
                                                    array.model_version, array.header)
        if at_random:
            primitive.hypothesis.source = SOURCE_RANDOM
        record = self._interact(primitive)
        outcome = Outcome(record.outcome)
        if outcome == Outcome.OK:
            self.chooser.scene_changed()
            if self.params.prefer_unvisited:
                self._remember_arrivals(record)
        else:
            self.chooser.remember_failure(hypothesis.shape.centroid_px)
        if outcome != Outcome.CANCELLED:           # a stop: the budget is not spent
            self.schedule.mark("interact")
        return True

    def _remember_arrivals(self, record: InteractionRecord) -> None:
        try:
            self.chooser.remember_arrivals(_view(record, "before"), _view(record, "after"))
        except ValueError as error:        # no frames, or malformed ones: nothing to note
            self.get_logger().warning(f"record {record.record_id or '(unstored)'}: where objects "
                                      f"came to rest is unknown ({error})")

    def _log_nothing_to_act_on(self, hypotheses, kind: str) -> None:
        refusals = [h.grasp.refusal for h in hypotheses if h.grasp is not None and h.grasp.refusal]
        skipped = f"; {len(refusals)} grasps do not fit, e.g. {refusals[0]}" if refusals else ""
        self.get_logger().info(f"no hypothesis of {len(hypotheses)} to {kind}{skipped}")

    def _interact(self, primitive: Primitive) -> InteractionRecord:
        """Run one interaction and publish its record; the record."""
        goal = Interact.Goal(primitive=primitive, timeout=self.params.interaction_timeout_s)
        self._present(self.interact.wait_for_server(timeout_sec=SERVER_WAIT_S),
                      f"interact action server '{self.params.interact_action}'")
        settle_before_first_goal(self.interact)
        handle = wait_for(self.interact.send_goal_async(goal), ANSWER_WAIT_S, "the interact goal")
        if not handle.accepted:
            if self._executor_busy:          # e.g. still on a goal of a collector killed since
                raise TimeoutError("the executor is busy with an earlier interaction")
            raise RuntimeError(f"the executor refused the interaction (its log says why; the last "
                               f"result: {self.last_result or 'none'})")
        self._goal_handle = handle
        try:
            result = wait_for(handle.get_result_async(), self.params.interaction_timeout_s + 30,
                              "the interaction", abandon=self._stop).result
        finally:
            self._goal_handle = None
        self.last_result = result.reason
        record = result.record
        record.scene_id = self.scene_id
        if record.before_rgb.data or record.after_rgb.data:
            self.records_pub.publish(record)
            self.published += 1
        return record

    def _reset(self, new_scene: bool = True) -> None:
        """A new scene where the world offers one (simulation), else the reset sweep."""
        if new_scene and self.reset_scene is not None:
            self._new_scene()
        else:
            sweep = InteractionRequest(kind="reset_sweep")
            self._interact(interaction_msgs.request_to_msg(sweep, self.robot.base_frame, None, 0, Header()))
            self.chooser.scene_reset()

    def _new_scene(self) -> None:
        request = ResetScene.Request(split=self.params.split, seed=self.schedule.scene_seed())
        self._present(self.reset_scene.wait_for_service(timeout_sec=SERVER_WAIT_S),
                      f"reset-scene service '{self.params.reset_scene_service}'")
        response = wait_for(self.reset_scene.call_async(request), ANSWER_WAIT_S, "the scene reset")
        if not response.success:
            raise RuntimeError(f"scene reset failed: {response.message}")
        self.scene_id, self.scene_stamp = response.scene_id, response.stamp
        self.chooser.scene_reset()
        self.get_logger().info(f"new scene {response.scene_id} with {response.num_objects} objects")


def _view(record: InteractionRecord, frame: str) -> RGBDView:
    depth = getattr(record, f"{frame}_depth")
    return RGBDView(images.rgb_from_msg(getattr(record, f"{frame}_rgb")),
                    images.depth_from_msg(depth) if depth.data else None)


def main(args=None) -> int:
    return run_node(Collector, args)
