"""A run's self-made labels as a COCO instance-segmentation dataset: one image per
positive label (the frame its mask is drawn on), annotated with that one mask. Other
objects in the image are not annotated, so the dataset suits training, not evaluation."""
from __future__ import annotations

import pathlib

import numpy as np

from seg_by_interaction.core.evaluation.coco import CocoWriter
from seg_by_interaction.core.run_store import RunStore


def export_labels(store: RunStore, out_dir: str | pathlib.Path,
                  min_confidence: float = 0.0) -> pathlib.Path | None:
    """Write the dataset; returns its annotations.json, or None when the run has no
    positive label."""
    writer = None
    for record_id in store.record_ids():
        labels = [label for label in store.intact(store.read_labels, record_id) or []
                  if label["positive"] and label["confidence"] >= min_confidence]
        record = store.intact(store.read_record, record_id) if labels else None
        if record is None:
            continue
        for label in labels:
            view = record.views[label["labelled_frame"]]
            if writer is None:
                writer = CocoWriter(out_dir, view.intrinsics)
            writer.add(view.rgb, view.depth, label["mask"].astype(np.uint16), record_id=record_id,
                       frame_pair=label["frame_pair"], confidence=label["confidence"],
                       camera_position=list(view.camera_pose.position),
                       camera_orientation_xyzw=list(view.camera_pose.orientation_xyzw))
    return writer.close() if writer is not None else None
