"""The supervised upper bound (issue 6): the frames a run recorded, labelled with the
simulated world's instance masks instead of the labeler's, so that the same network,
step budget and examples show what perfect labels would give."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle
from seg_by_interaction.core.labelers.base import pair_frames
from seg_by_interaction.core.run_store import RunStore, StoredRecord
from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.core.training.online import labelled_interactions, record_examples


def ground_truth_examples(store: RunStore, max_interactions: int | None = None) -> Iterator[Example]:
    """For every stored label, the same frame and action pixel labelled by the oracle."""
    oracle = GroundTruthOracle(allow_ground_truth=True)
    for record_id, labels in labelled_interactions(store, max_interactions):
        record = store.read_record(record_id)
        yield from record_examples(record, [_relabel(oracle, record, label) for label in labels])


def _relabel(oracle: GroundTruthOracle, record: StoredRecord, label: dict) -> dict:
    labelled, other = pair_frames(label["frame_pair"])
    truth = record.ground_truth(labelled)
    # a carried label has no other frame: every object counts as if it had left, so the
    # oracle labels the object at its pixel
    other_truth = record.ground_truth(other) if other else np.zeros_like(truth)
    if truth is None or other_truth is None:
        raise ValueError(f"record {record.record_id} has no ground-truth masks of frames "
                         f"{label['frame_pair']}: the supervised bound needs a simulated run")
    mask, positive = oracle.label_frames(label["action_px"], truth, other_truth)
    # a negative keeps the tried mask: it only sizes the window of a failed interaction
    return {**label, "mask": mask if positive else label["mask"], "positive": positive,
            "confidence": 1.0}
