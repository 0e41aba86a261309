"""The supervised upper bound: the frames a run labelled, with every object in them
labelled from the simulated world's instance masks instead of the labeler's one mask,
so that the same network and step budget on the same frames show what perfect labels
would give. Failed interactions keep the oracle's negative (a window on nothing)."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle
from seg_by_interaction.core.labelers.base import pair_frames
from seg_by_interaction.core.run_store import RunStore, StoredRecord
from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.core.training.online import labelled_interactions, record_examples


MIN_OBJECT_PX = 10


def ground_truth_examples(store: RunStore, max_interactions: int | None = None) -> Iterator[Example]:
    """Every object of every frame the labeler labelled, as a positive of that frame; the
    oracle's negatives of the same interactions."""
    oracle = GroundTruthOracle(allow_ground_truth=True)
    for record_id, labels in labelled_interactions(store, max_interactions):
        record = store.read_record(record_id)
        relabelled = [_relabel(oracle, record, label) for label in labels]
        yield from record_examples(record, [label for label in relabelled if not label["positive"]])
        for frame in sorted({label["labelled_frame"] for label in labels}):
            yield from _every_object(record, frame, labels[0])


def _every_object(record: StoredRecord, frame: str, label: dict) -> Iterator[Example]:
    truth = record.ground_truth(frame)
    view = record.views[frame]
    for instance in np.unique(truth[truth > 0]):
        mask = truth == instance
        if np.count_nonzero(mask) < MIN_OBJECT_PX:
            continue
        rows, cols = np.nonzero(mask)
        yield Example(example_id=f"{record.record_id}_{frame}_object{instance}", image=view.rgb,
                      depth=None if view.depth is None else view.depth.astype(np.float32),
                      mask=mask, positive=True, action_px=(cols.mean(), rows.mean()),
                      record_id=record.record_id, frame=frame, labeler="ground_truth",
                      frame_pair=label["frame_pair"], created_seq=int(record.record_id[1:]))


def _relabel(oracle: GroundTruthOracle, record: StoredRecord, label: dict) -> dict:
    labelled, other = pair_frames(label["frame_pair"])
    truth = record.ground_truth(labelled)
    # a carried label has no other frame: every object counts as if it had left, so the
    # oracle labels the object at its pixel
    other_truth = record.ground_truth(other) if other else \
        (None if truth is None else np.zeros_like(truth))
    if truth is None or other_truth is None:
        raise ValueError(f"record {record.record_id} has no ground-truth masks of frames "
                         f"{label['frame_pair']}: the supervised bound needs a simulated run")
    mask, positive = oracle.label_frames(label["action_px"], truth, other_truth)
    # a negative keeps the tried mask: it only sizes the window of a failed interaction
    return {**label, "mask": mask if positive else label["mask"], "positive": positive,
            "confidence": 1.0}
