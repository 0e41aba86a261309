"""Which pixels changed between two frames of one camera: a colour channel differs by a
threshold, or the depth does where both frames have a reading (depth changes alone first
pass an opening, depth noise being denser than colour noise)."""
from __future__ import annotations

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import has_reading
from seg_by_interaction.core.labelers.morphology import open_mask

# Defaults shared by the labeler and the rearrangement's change test: colour noise of the
# cameras stays below 30 of 255, an object stands at least 5 mm above the table, and depth
# noise leaves specks that a 3 px opening removes.
COLOUR_THRESHOLD = 30
DEPTH_THRESHOLD_M = 0.005
DEPTH_OPENING_PX = 3


def changed_pixels(here: RGBDView, other: RGBDView, colour_threshold: int,
                   depth_threshold_m: float, depth_opening_px: int) -> np.ndarray:
    """Boolean mask of the changed pixels; colour alone when either view has no depth."""
    changed = np.abs(here.rgb.astype(np.int16) - other.rgb).max(axis=2) >= colour_threshold
    if here.depth is not None and other.depth is not None:
        both = has_reading(here.depth) & has_reading(other.depth)
        step = np.abs(np.where(both, here.depth - other.depth, 0.0))
        changed |= open_mask(step >= depth_threshold_m, depth_opening_px)
    return changed
