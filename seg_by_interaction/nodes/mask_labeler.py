"""mask_labeler: turns interaction records into labelled examples.

Subscribes: interaction_records (InteractionRecord, reliable): each names a record the
            labeler reads from its run_dir, as it reads the records a killed labeler left
            unlabelled at start.
Publishes:  labeled_examples (LabeledExample, reliable), one per frame pair labelled and
            one per earlier positive mask carried to the record's before frame
            (`carry_forward.*`: its object has not moved since).
The labels are stored beside their record (labels/).
"""
from __future__ import annotations

from geometry_msgs.msg import Point
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from std_msgs.msg import Header

from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.carry_forward import StillObjects
from seg_by_interaction.core.labelers.labeling import (LabelerNodeParams, label_record,
                                                       label_records, read_record)
from seg_by_interaction.core.run_store import RunStore, StorageError, StoredRecord
from seg_by_interaction.msg import InteractionRecord, LabeledExample, Metric
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections


class MaskLabeler(Node):
    def __init__(self, **kwargs):
        super().__init__("mask_labeler", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, LabelerNodeParams)
        self.labeler = LABELERS.make_chosen(self.params, "labeler")
        self.store = RunStore(self.params.run_dir) if self.params.run_dir else None
        carry = self.params.carry_forward
        self.still_objects = StillObjects(carry) if carry.enabled else None
        self.processed = 0
        self.rejections = Rejections(self)
        group = MutuallyExclusiveCallbackGroup()
        self.examples_pub = self.create_publisher(LabeledExample, "labeled_examples", qos.RELIABLE)
        self.create_subscription(InteractionRecord, "interaction_records", self._on_record,
                                 qos.RELIABLE, callback_group=group)
        self._backlog_timer = self.create_timer(1.0, self._label_backlog, callback_group=group)
        self.get_logger().info(f"labeling with '{self.params.labeler}'")

    def _on_record(self, msg: InteractionRecord) -> None:
        try:
            if self.store is None or not msg.record_id:
                raise ValueError("the labeler reads records from its run_dir, and the executor "
                                 "stores them there: set run_dir on both")
            self._label(read_record(self.store, msg.record_id))
        except (OSError, ValueError) as error:
            self.rejections.reject("interaction_records", f"record {msg.record_id or '(unstored)'} "
                                                          f"not labelled: {error}")
        finally:
            self.processed += 1

    def _label_backlog(self) -> None:
        """Once, shortly after start: records a previous labeler did not finish."""
        self._backlog_timer.cancel()
        if self.store is None:
            return
        store = self.store
        backlog = [r for r in store.record_ids() if store.intact(store.read_labels, r) is None]
        labelled = 0
        for record_id in backlog:
            try:
                if (record := store.intact(store.read_record, record_id)) is not None:
                    self._label(record)
                    labelled += 1
            except StorageError as error:
                self.get_logger().error(f"records left unlabelled: {error}")
                return
            except (OSError, ValueError) as error:
                self.rejections.reject("run_dir records", f"{record_id} not labelled: {error}")
        if labelled:
            self.get_logger().info(f"labelled {labelled} records left from an earlier run")

    def _label(self, record: StoredRecord) -> None:
        labels = label_record(self.labeler, self.still_objects, record)
        decisions, masks = label_records(labels)
        self.store.write_labels(record.record_id, decisions, masks)
        for label in labels:
            self.examples_pub.publish(self._example(record, label))
            verdict = "positive" if label.positive else "negative"
            self.get_logger().info(f"{record.record_id} {label.frame_pair}: {verdict} ({label.reason})")

    def _example(self, record: StoredRecord, label) -> LabeledExample:
        header = Header(stamp=self.get_clock().now().to_msg())
        u, v = label.action_px
        return LabeledExample(
            header=header, example_id=f"{record.record_id}_{label.frame_pair}",
            record_id=record.record_id, image=images.to_msg(label.image, "rgb8", header),
            mask=images.to_msg(label.mask.astype("uint8") * 255, "mono8", header),
            positive=label.positive, action_px=Point(x=float(u), y=float(v)),
            labeler=self.params.labeler, frame_pair=label.frame_pair,
            confidence=float(label.confidence), model_version=record.meta.model_version,
            reason=label.reason,
            quality=[Metric(name=k, value=float(v)) for k, v in label.quality.items()])


def main(args=None) -> int:
    return run_node(MaskLabeler, args)
