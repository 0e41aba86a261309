"""The mask labeler's side of the loop: an interaction record (from a message or from the
run directory) in, labels out, stored beside the record and turned into examples."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.interaction.executor import NOT_ATTEMPTED
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.base import Frame, Interaction, Label
from seg_by_interaction.core.run_store import View
from seg_by_interaction.core.validated import setting

# The frame a pair's mask is drawn on.
LABELLED_FRAME = {"before_mid": "before", "mid_after": "after", "before_after": "before"}


@dataclasses.dataclass(frozen=True, kw_only=True)
@LABELERS.sections
class LabelerNodeParams:
    """The labeler to use, and a section of parameters for each labeler."""
    labeler: str = LABELERS.choice("frame_difference", "which labeler")
    run_dir: str = setting("", "run directory: labels are stored beside their records, and "
                               "records left unlabelled by a killed labeler are labelled at start")


def interaction_from_record(primitive: str, outcome: Outcome, views: dict[str, View],
                            action_px, place_px, hypothesis_mask: np.ndarray | None) -> Interaction | None:
    """The labeler's view of a recorded interaction; None for reset sweeps and records
    without a before frame or action pixel (nothing to label)."""
    if primitive == "reset_sweep" or "before" not in views or action_px is None:
        return None
    frames = {name: Frame(view.rgb, view.depth.astype(np.float32)) for name, view in views.items()}
    return Interaction(primitive=primitive, attempted=outcome not in NOT_ATTEMPTED,
                       succeeded=outcome == Outcome.OK, before=frames["before"],
                       mid=frames.get("mid"), after=frames.get("after"),
                       action_px=tuple(action_px), place_px=_inside(place_px, frames["before"]),
                       hypothesis_mask=hypothesis_mask)


def _inside(pixel, frame: Frame):
    """A place pixel outside the image (object put down out of view) is no place pixel."""
    if pixel is None:
        return None
    height, width = frame.size
    u, v = pixel
    return (float(u), float(v)) if 0 <= u <= width - 1 and 0 <= v <= height - 1 else None


def label_records(labels: list[Label]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """What RunStore.write_labels stores: the decisions as plain data, masks by pair."""
    decisions = [{"frame_pair": label.frame_pair, "labelled_frame": LABELLED_FRAME[label.frame_pair],
                  "positive": label.positive, "confidence": label.confidence,
                  "action_px": [float(c) for c in label.action_px], "reason": label.reason,
                  "quality": {k: float(v) for k, v in label.quality.items()}} for label in labels]
    return decisions, {label.frame_pair: label.mask for label in labels}
