"""mask_labeler: turns interaction records into labelled examples.

Subscribes: interaction_records (InteractionRecord, reliable): each names a record the
            labeler reads from its run_dir; every rescan_every_s it also labels the
            records there that no message announced (left by a killed labeler, or whose
            message was lost).
Publishes:  labeled_examples (LabeledExample, reliable, with the labelled frame's depth),
            one per frame pair labelled, one per earlier positive mask carried to the
            record's before frame (`carry_forward.*`: its object has not moved since),
            and one per mask carried back to an earlier record's before frame (whose
            stored labels it joins: the object stood there unchanged until now).
The labels are stored beside their record (labels/).
"""
from __future__ import annotations

from geometry_msgs.msg import Point
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from seg_by_interaction.core.labelers.base import pair_frames
from seg_by_interaction.core.labelers.carry_forward import StillObjects
from seg_by_interaction.core.labelers.labeling import (InteractionLabeler, LabelerNodeParams,
                                                       carry_back, extended_labels, label_record,
                                                       label_records, read_record)
from seg_by_interaction.core.run_store import RunStore, StorageError, StoredRecord
from seg_by_interaction.msg import InteractionRecord, LabeledExample, Metric
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters
from seg_by_interaction.ros.rejections import Rejections


class MaskLabeler(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("mask_labeler", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, LabelerNodeParams)
        self.labeler = InteractionLabeler(self.params)
        self.store = RunStore(self.params.run_dir) if self.params.run_dir else None
        carry = self.params.carry_forward
        self.still_objects = StillObjects(carry) if carry.enabled else None
        self.processed = 0
        self.rejections = Rejections(self)
        group = MutuallyExclusiveCallbackGroup()
        self.examples_pub = self.create_publisher(LabeledExample, "labeled_examples",
                                                  qos.INTERACTION_DATA)
        self.create_subscription(InteractionRecord, "interaction_records", self._on_record,
                                 qos.INTERACTION_DATA, callback_group=group)
        self._labelled: set[str] = set()       # by this labeler: a message for one is a repeat
        self._refused: set[str] = set()
        self.create_timer(self.params.rescan_every_s, self._label_backlog, callback_group=group)
        self.get_logger().info(f"labeling with {self.labeler.names}, refinement "
                               f"'{self.params.refinement.method}'")

    def _on_record(self, msg: InteractionRecord) -> None:
        try:
            if self.store is None or not msg.record_id:
                raise ValueError("the labeler reads records from its run_dir, and the executor "
                                 "stores them there: set run_dir on both")
            if msg.record_id not in self._labelled:
                self._label(read_record(self.store, msg.record_id))
        except (OSError, ValueError) as error:
            self.rejections.reject("interaction_records", f"record {msg.record_id or '(unstored)'} "
                                                          f"not labelled: {error}")
        finally:
            self.processed += 1

    def _label_backlog(self) -> None:
        """Records in the run directory without labels that no message announced: left by
        a previous labeler, or stored while this one was down or its record message lost."""
        if self.store is None:
            return
        store = self.store
        seen = self._labelled | self._refused
        unseen = [r for r in store.record_ids() if r not in seen]
        labelled = 0
        for record_id in unseen:
            try:
                if store.intact(store.read_labels, record_id) is not None:
                    self._labelled.add(record_id)
                elif (record := store.intact(store.read_record, record_id)) is not None:
                    self._label(record)
                    labelled += 1
            except StorageError as error:
                self.get_logger().error(f"records left unlabelled: {error}")
                return
            except (OSError, ValueError) as error:
                self._refused.add(record_id)
                self.rejections.reject("run_dir records", f"{record_id} not labelled: {error}")
        if labelled:
            self.get_logger().info(f"labelled {labelled} records no message announced")

    def _label(self, record: StoredRecord) -> None:
        labels = label_record(self.labeler, self.still_objects, record)
        decisions, masks = label_records(labels)
        self.store.write_labels(record.record_id, decisions, masks)
        self._labelled.add(record.record_id)
        self._publish(record, labels)
        for record_id, carried in carry_back(self.still_objects, record, labels).items():
            try:
                self._add_labels(record_id, carried)
            except (OSError, ValueError) as error:     # the earlier record's files, damaged
                self.get_logger().warning(f"labels carried back to {record_id} not stored: "
                                          f"{error}")

    def _add_labels(self, record_id: str, labels: list) -> None:
        """Labels carried back to an earlier record: stored beside its own, published."""
        stored = self.store.read_labels(record_id)
        if stored is None:          # a record labelled, then removed by hand: nothing to add to
            return
        decisions, masks = extended_labels(stored, labels)
        self.store.write_labels(record_id, decisions, masks)
        self._publish(read_record(self.store, record_id), labels)

    def _publish(self, record: StoredRecord, labels: list) -> None:
        for label in labels:
            self.examples_pub.publish(self._example(record, label))
            verdict = "positive" if label.positive else "negative"
            self.get_logger().info(f"{record.record_id} {label.frame_pair}: {verdict} ({label.reason})")

    def _example(self, record: StoredRecord, label) -> LabeledExample:
        header = Header(stamp=self.get_clock().now().to_msg())
        u, v = label.action_px
        depth = record.views[pair_frames(label.frame_pair)[0]].depth
        return LabeledExample(
            header=header, example_id=f"{record.record_id}_{label.frame_pair}",
            record_id=record.record_id, image=images.to_msg(label.image, "rgb8", header),
            mask=images.to_msg(label.mask.astype("uint8") * 255, "mono8", header),
            depth=Image() if depth is None else images.to_msg(depth.astype("float32"), "32FC1",
                                                              header),
            positive=label.positive, action_px=Point(x=float(u), y=float(v)),
            labeler=label.labeler, frame_pair=label.frame_pair,
            confidence=float(label.confidence), model_version=record.meta.model_version,
            reason=label.reason,
            quality=[Metric(name=k, value=float(v)) for k, v in label.quality.items()])


def main(args=None) -> int:
    return run_node(MaskLabeler, args)
