"""Mask labelers: turn an interaction's frames into labelled masks (see `base`)."""
from __future__ import annotations

from seg_by_interaction.core.labelers.base import Labeler
from seg_by_interaction.core.registry import resolve
from seg_by_interaction.core.validated import from_dict

LABELERS = {
    "frame_difference": "seg_by_interaction.core.labelers.frame_difference:FrameDifferenceLabeler",
}


def make_labeler(name: str, params: dict | None = None) -> Labeler:
    """The labeler `name` with its parameters built from `params` (defaults if None);
    KeyError for an unknown name, ConfigError for a bad parameter."""
    labeler_class = resolve(LABELERS, name, "labeler")
    return labeler_class(from_dict(labeler_class.params_class, params or {}, f"{name} labeler"))
