"""Mask labelers: turn an interaction's frames into labelled masks (see `base`)."""
from __future__ import annotations

from seg_by_interaction.core.registry import Part, Registry

LABELERS = Registry("labeler", {
    "frame_difference": Part(
        "seg_by_interaction.core.labelers.frame_difference:FrameDifferenceLabeler",
        "seg_by_interaction.core.labelers.frame_difference:FrameDifferenceParams",
        "Pathak et al. 2018 frame-difference labeler"),
    "optical_flow": Part(
        "seg_by_interaction.core.labelers.optical_flow:OpticalFlowLabeler",
        "seg_by_interaction.core.labelers.optical_flow:OpticalFlowParams",
        "Eitel et al. 2019 optical-flow labeler"),
})
