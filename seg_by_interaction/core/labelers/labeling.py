"""The mask labeler's side of the loop: an interaction record (from a message or from the
run directory) in, labels out, stored beside the record and turned into examples."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import pixel_in_image
from seg_by_interaction.core.interaction.executor import NOT_ATTEMPTED
from seg_by_interaction.core.interaction.kinds import KINDS, LABELLED
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.base import Interaction, Label, Labeler, pair_frames
from seg_by_interaction.core.labelers.carry_forward import CarryForwardParams, StillObjects
from seg_by_interaction.core.labelers.refinement import REFINEMENTS, RefinementParams
from seg_by_interaction.core.run_store import RECORD_ID, UNREADABLE, RunStore, StoredRecord
from seg_by_interaction.core.validated import setting


BY_PRIMITIVE = "by_primitive"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PrimitiveLabelers:
    """The labeler of each labelled primitive's records (Eitel et al. 2019 label pushes
    by optical flow; Pathak et al. 2018 picks by frame difference)."""
    pick_place: str = LABELERS.choice("frame_difference", "labeler of pick-and-places")
    push: str = LABELERS.choice("optical_flow", "labeler of pushes")
    poke: str = LABELERS.choice("frame_difference", "labeler of pokes")


@dataclasses.dataclass(frozen=True, kw_only=True)
@LABELERS.sections
class LabelerNodeParams:
    """The labeler to use, and a section of parameters for each labeler."""
    labeler: str = setting(BY_PRIMITIVE, f"which labeler labels every record ('{BY_PRIMITIVE}' "
                                         f"= the one `by_primitive` names for its primitive)",
                           choices=(BY_PRIMITIVE, *LABELERS.names()))
    by_primitive: PrimitiveLabelers = setting(PrimitiveLabelers(), "labeler per primitive")
    refinement: RefinementParams = setting(RefinementParams(), "superpixel refinement of the "
                                                               "positive masks, for any labeler")
    run_dir: str = setting("", "run directory: records announced by id are read from it, "
                               "labels are stored beside them, and records left unlabelled by a "
                               "killed labeler are labelled at start ('' = nothing to label)")
    rescan_every_s: float = setting(5.0, "seconds between looks into run_dir for records that "
                                         "no message announced (stored by an executor whose "
                                         "result never reached the collector, or while this "
                                         "labeler was down)", min=0.5)
    carry_forward: CarryForwardParams = setting(CarryForwardParams(), "positive masks carried "
                                                                      "to later frames")


class InteractionLabeler(Labeler):
    """Labels an interaction with the labeler chosen for its primitive, then refines the
    positive masks; each label names its labeler and the primitive."""

    def __init__(self, params: LabelerNodeParams):
        self.names = {kind: getattr(params.by_primitive, kind) if params.labeler == BY_PRIMITIVE
                      else params.labeler for kind in LABELLED}
        built = {name: LABELERS.make(name, getattr(params, name, None))
                 for name in set(self.names.values())}
        self.labelers = {kind: built[name] for kind, name in self.names.items()}
        self.refinement = REFINEMENTS.make_chosen(params.refinement, "method")

    def label(self, interaction: Interaction) -> list[Label]:
        name = self.names[interaction.primitive]
        return [dataclasses.replace(self.refinement.refine(label), labeler=name,
                                    primitive=interaction.primitive)
                for label in self.labelers[interaction.primitive].label(interaction)]


class RecordError(ValueError):
    """A record named by a message, or left in the run directory, that cannot be labelled."""


def read_record(store: RunStore, record_id: str) -> StoredRecord:
    """The store's record `record_id`; RecordError when the id names none of its records
    (ids never name a path) or the record is malformed."""
    if not RECORD_ID.fullmatch(record_id):
        raise RecordError(f"'{record_id}' is no record id ({RECORD_ID.pattern})")
    if record_id not in store.record_ids():
        raise RecordError(f"no record {record_id} in {store.records_dir}")
    try:
        return store.read_record(record_id)
    except UNREADABLE as error:
        raise RecordError(f"record {record_id} is malformed: {error!r}") from error


def interaction_from_record(record: StoredRecord) -> Interaction | None:
    """The labeler's view of a recorded interaction; None for kinds never labelled (reset
    sweeps) and records without a before frame or action pixel (nothing to label)."""
    meta = record.meta
    if meta.primitive not in KINDS:
        raise RecordError(f"record {record.record_id} is of no primitive kind: '{meta.primitive}'")
    if not KINDS[meta.primitive].frame_pairs or "before" not in record.views or meta.action_px is None:
        return None
    views = record.views
    return Interaction(primitive=meta.primitive, attempted=meta.outcome not in NOT_ATTEMPTED,
                       succeeded=meta.outcome == Outcome.OK, before=views["before"],
                       mid=views.get("mid"), after=views.get("after"),
                       action_px=tuple(meta.action_px),
                       place_px=_inside(meta.place_px, views["before"]),
                       hypothesis_mask=record.hypothesis_mask)


def _inside(pixel, frame: RGBDView):
    """A place pixel outside the image (object put down out of view) is no place pixel."""
    if pixel is None:
        return None
    u, v = pixel
    return (float(u), float(v)) if pixel_in_image(pixel, *frame.size) else None


def label_record(labeler: Labeler, still: StillObjects | None, record: StoredRecord) -> list[Label]:
    """The labeler's labels of a record and, with `still` (fed the records in order), the
    masks of earlier labels carried to its before frame."""
    interaction = interaction_from_record(record)
    if interaction is None:
        return []
    labels = labeler.label(interaction)
    if still is None:
        return labels
    carried = still.carry(interaction.before, labels)
    still.remember(record.record_id, record.views, labels)
    return labels + carried


def carry_back(still: StillObjects | None, record: StoredRecord,
               labels: list[Label]) -> dict[str, list[Label]]:
    """Labels for earlier records' before frames of the objects that the record's `labels`
    (from `label_record`) show where those frames did (`StillObjects.carry_back`)."""
    if still is None or "before" not in record.views:
        return {}
    return still.carry_back(record.record_id, record.views["before"], labels)


def extended_labels(stored: list[dict], labels: list[Label]
                    ) -> tuple[list[dict], dict[str, np.ndarray]]:
    """What RunStore.write_labels stores to add `labels` to a record's `stored` ones (from
    RunStore.read_labels): every decision, and the new masks."""
    decisions, masks = label_records(labels)
    kept = [{key: value for key, value in label.items() if key != "mask"} for label in stored]
    return kept + decisions, masks


def label_records(labels: list[Label]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """What RunStore.write_labels stores: the decisions as plain data, masks by pair."""
    decisions = [{"frame_pair": label.frame_pair, "labeler": label.labeler,
                  "primitive": label.primitive,
                  "labelled_frame": pair_frames(label.frame_pair)[0],
                  "positive": label.positive, "confidence": label.confidence,
                  "action_px": [float(c) for c in label.action_px], "reason": label.reason,
                  "quality": {k: float(v) for k, v in label.quality.items()}} for label in labels]
    return decisions, {label.frame_pair: label.mask for label in labels}
