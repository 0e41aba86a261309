"""online_trainer: trains the segmentation network on the labelled examples as they come.

Subscribes: labeled_examples (LabeledExample, reliable) into the memory bank on disk;
            every adopt_every_s, labels stored in the run directory at least that long
            ago that never arrived (the bank takes each example once).
Publishes:  model_updates (ModelUpdate, latched): each checkpoint with path, sha256 and
            version; trainer_status (TrainerStatus, latched) every few seconds.
Training runs in its own thread, paced by the data (steps_per_example) and scheduled
after the loop's work (niceness); a killed trainer resumes from its newest checkpoint and
its bank.
"""
from __future__ import annotations

import os
import threading
import time

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from std_msgs.msg import Header

from seg_by_interaction.core.provenance import provenance
from seg_by_interaction.core.training.online import OnlineLearner, OnlineTrainerParams
from seg_by_interaction.msg import LabeledExample, Metric, ModelUpdate, TrainerStatus
from seg_by_interaction.ros import interaction_msgs, qos
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections

IDLE_WAIT_S = 0.2
STATUS_PERIOD_S = 2.0


class OnlineTrainer(LeanNode):
    def __init__(self, **kwargs):
        # before anything can fail: the context destroys a node whose construction failed
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._train_loop, name="trainer", daemon=True)
        super().__init__("online_trainer", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, OnlineTrainerParams)
        self.learner = OnlineLearner(self.params, provenance())
        adopted = self.learner.adopt_stored_labels()
        self.state = TrainerStatus.STATE_WAITING
        self.message = f"{adopted} stored labels adopted" if adopted else "waiting for examples"
        self._lock = threading.Lock()           # the learner is used by two threads
        self._data = threading.Event()
        self.rejections = Rejections(self)
        self.update_pub = self.create_publisher(ModelUpdate, "model_updates", qos.LATCHED)
        self.status_pub = self.create_publisher(TrainerStatus, "trainer_status", qos.LATCHED)
        examples = MutuallyExclusiveCallbackGroup()
        self.create_subscription(LabeledExample, "labeled_examples", self._on_example,
                                 qos.INTERACTION_DATA, callback_group=examples)
        self.create_timer(self.params.adopt_every_s, self._adopt_stored_labels,
                          callback_group=examples)
        self.create_timer(STATUS_PERIOD_S, self._publish_status)
        self._thread.start()
        self.get_logger().info(f"online trainer ready: {len(self.learner.bank)} examples in the bank, "
                               f"model v{self.learner.version}, mask loss "
                               f"'{self.params.training.mask_loss}'")

    def _on_example(self, msg: LabeledExample) -> None:
        try:
            example = interaction_msgs.example_from_msg(msg)
        except ValueError as error:
            self.rejections.reject("labeled_examples", f"example '{msg.example_id}': {error}")
            return
        try:
            with self._lock:
                self.learner.add(example)
        except (ValueError, OSError) as error:
            self.get_logger().error(f"example '{msg.example_id}' dropped: {error}")
            return
        self._data.set()

    def _adopt_stored_labels(self) -> None:
        """The run directory, not the topic, is the record of every label: what the
        labeler stored but the subscription never delivered (published before it
        connected, or by a labeler killed before publishing) is banked from there."""
        try:
            with self._lock:
                added = self.learner.adopt_stored_labels(
                    written_before=time.time() - self.params.adopt_every_s)
        except OSError as error:
            self.get_logger().error(f"stored labels not adopted: {error}")
            return
        if added:
            self.get_logger().info(f"{added} stored labels banked that never arrived as messages")
            self._data.set()

    def _train_loop(self) -> None:
        lower_thread_priority(self.params.niceness)
        while not self._stop.is_set():
            with self._lock:
                trainable = self.learner.can_train()
            if not trainable:
                self.state = TrainerStatus.STATE_WAITING
                self._data.wait(IDLE_WAIT_S)
                self._data.clear()
                continue
            self.state = TrainerStatus.STATE_TRAINING
            try:
                with self._lock:
                    self.learner.train_step()
                    due = self.learner.checkpoint_due()
                if due:
                    self._checkpoint()
            except (ValueError, RuntimeError, OSError) as error:
                self.state, self.message = TrainerStatus.STATE_ERROR, str(error)
                self.get_logger().error(f"training step failed: {error}")
                self._stop.wait(1.0)

    def _checkpoint(self) -> None:
        self.state = TrainerStatus.STATE_CHECKPOINTING
        with self._lock:
            path, sha256, metadata = self.learner.save_checkpoint()
        update = ModelUpdate(header=Header(stamp=self.get_clock().now().to_msg()),
                             checkpoint_path=path, sha256=sha256, version=metadata.version,
                             architecture=metadata.spec.architecture,
                             interactions_seen=metadata.interactions_seen,
                             metrics=[Metric(name=k, value=float(v))
                                      for k, v in self.learner.last_losses.items()
                                      if isinstance(v, (int, float))])
        self.update_pub.publish(update)
        self.get_logger().info(f"model v{metadata.version} announced: step {metadata.step}, "
                               f"{metadata.interactions_seen} interactions")

    def finish(self) -> None:
        """Stop training, bank the stored labels that never arrived, and announce a final
        checkpoint of what was learned since the last. Once: `sbi collect` calls it before
        the node is destroyed, which calls it again."""
        if self._finished:
            return
        self._finished = True
        self._stop.set()
        self._thread.join()
        with self._lock:
            self.learner.adopt_stored_labels()
            trained_since = self.learner.trainer.steps > self.learner.checkpointed_step
        if trained_since:
            self._checkpoint()
        self.get_logger().info(f"final checkpoint at step {self.learner.checkpointed_step}")

    def _publish_status(self) -> None:
        learner = self.learner
        positives, negatives = learner.bank.counts()
        losses = learner.last_losses
        self.status_pub.publish(TrainerStatus(
            header=Header(stamp=self.get_clock().now().to_msg()), state=self.state,
            step=learner.trainer.steps, model_version=learner.version,
            examples_seen=learner.examples_received, positives_in_bank=positives,
            negatives_in_bank=negatives, loss=float(losses.get("loss", 0.0)),
            examples_per_second=float(learner.trainer.examples_per_second), message=self.message,
            metrics=[Metric(name=k, value=float(v)) for k, v in losses.items()
                     if isinstance(v, (int, float))]))

    def interrupt(self) -> bool:
        self._stop.set()
        return not self._thread.is_alive()

    def destroy_node(self):
        """Every shutdown path (the end of a launch, Ctrl-C, SIGTERM) writes the final
        checkpoint, the training thread joined first (a thread left in torch at exit
        aborts the process); a node whose construction failed never started training."""
        if self._thread.ident is not None:
            self.finish()
        return super().destroy_node()


def lower_thread_priority(niceness: int) -> None:
    """The calling thread's niceness raised by `niceness` (Linux schedules threads one by
    one, so the node's other threads keep theirs); elsewhere nothing changes."""
    if niceness == 0 or not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + niceness, 19))


def main(args=None) -> int:
    return run_node(OnlineTrainer, args)
