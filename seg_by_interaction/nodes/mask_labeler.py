"""mask_labeler: turns interaction records into labelled examples.

Subscribes: interaction_records (InteractionRecord, reliable).
Publishes:  labeled_examples (LabeledExample, reliable), one per frame pair labelled.
With run_dir set, the labels are stored beside their record (labels/), and at start the
records a killed labeler left unlabelled are labelled from disk.
"""
from __future__ import annotations

import pathlib

from geometry_msgs.msg import Point
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.core.hypotheses.hypothesis import project_point
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.interaction.executor import KINDS
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.labeling import (LabelerNodeParams, interaction_from_record,
                                                       label_records)
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.msg import InteractionRecord, LabeledExample, Metric
from seg_by_interaction.ros import hypothesis_msgs, images, interaction_msgs, poses, qos
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters


class MaskLabeler(Node):
    def __init__(self, **kwargs):
        super().__init__("mask_labeler", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, LabelerNodeParams)
        self.labeler = LABELERS.make_chosen(self.params, "labeler")
        self.store = RunStore(self.params.run_dir) if self.params.run_dir else None
        self.processed = 0
        group = MutuallyExclusiveCallbackGroup()
        self.examples_pub = self.create_publisher(LabeledExample, "labeled_examples", qos.RELIABLE)
        self.create_subscription(InteractionRecord, "interaction_records", self._on_record,
                                 qos.RELIABLE, callback_group=group)
        self._backlog_timer = self.create_timer(1.0, self._label_backlog, callback_group=group)
        self.get_logger().info(f"labeling with '{self.params.labeler}'")

    def _on_record(self, msg: InteractionRecord) -> None:
        try:
            self._label(msg.record_id, msg.record_dir, *self._from_msg(msg), msg.primitive.model_version)
        except (ImageError, ValueError) as error:
            self.get_logger().error(f"record {msg.record_id or '(unstored)'} not labelled: {error}")
        finally:
            self.processed += 1

    def _label_backlog(self) -> None:
        """Once, shortly after start: records a previous labeler did not finish."""
        self._backlog_timer.cancel()
        if self.store is None:
            return
        backlog = [r for r in self.store.record_ids() if self.store.read_labels(r) is None]
        for record_id in backlog:
            stored = self.store.read_record(record_id)
            meta = stored.meta
            self._label(record_id, str(stored.directory), meta["primitive"], Outcome[meta["outcome"]],
                        stored.views, meta.get("action_px"), meta.get("place_px"), stored.hypothesis_mask,
                        meta.get("model_version", 0))
        if backlog:
            self.get_logger().info(f"labelled {len(backlog)} records left from an earlier run")

    def _from_msg(self, msg: InteractionRecord):
        views = interaction_msgs.views_from_record(msg)
        primitive = msg.primitive
        hypothesis, action_px = None, None
        if primitive.hypothesis.id and "before" in views:
            height, width = views["before"].rgb.shape[:2]
            hypothesis = hypothesis_msgs.from_msg(primitive.hypothesis, height, width).mask
            action_px = (primitive.target_px.x, primitive.target_px.y)
        place_px = None
        if primitive.place.header.frame_id and "after" in views and msg.camera_info.width:
            place = poses.from_pose_stamped(primitive.place, primitive.place.header.frame_id)
            after = views["after"]
            place_px = project_point(place.position, images.intrinsics_from_msg(msg.camera_info),
                                     after.camera_position, after.camera_orientation_xyzw)
        return KINDS[primitive.type], Outcome(msg.outcome), views, action_px, place_px, hypothesis

    def _label(self, record_id: str, record_dir: str, primitive: str, outcome: Outcome, views,
               action_px, place_px, hypothesis_mask, model_version: int) -> None:
        interaction = interaction_from_record(primitive, outcome, views, action_px, place_px,
                                              hypothesis_mask)
        labels = self.labeler.label(interaction) if interaction is not None else []
        if record_id and record_dir:
            decisions, masks = label_records(labels)
            RunStore(pathlib.Path(record_dir).parent.parent).write_labels(record_id, decisions, masks)
        for label in labels:
            self.examples_pub.publish(self._example(record_id, record_dir, label, model_version))
            verdict = "positive" if label.positive else "negative"
            self.get_logger().info(f"{record_id} {label.frame_pair}: {verdict} ({label.reason})")

    def _example(self, record_id, record_dir, label, model_version) -> LabeledExample:
        header = Header(stamp=self.get_clock().now().to_msg())
        u, v = label.action_px
        return LabeledExample(
            header=header, example_id=f"{record_id}_{label.frame_pair}", record_id=record_id,
            record_dir=record_dir, image=images.to_msg(label.image, "rgb8", header),
            mask=images.to_msg(label.mask.astype("uint8") * 255, "mono8", header),
            positive=label.positive, action_px=Point(x=float(u), y=float(v)),
            labeler=self.params.labeler, frame_pair=label.frame_pair,
            confidence=float(label.confidence), model_version=model_version, reason=label.reason,
            quality=[Metric(name=k, value=float(v)) for k, v in label.quality.items()])


def main(args=None) -> int:
    return run_node(MaskLabeler, args)
