"""The acted-on object out of a region that moved as one. Objects pushed together (a row
of touching objects, a stack) move alike, so their motion alone makes one segment of
them; colour, which motion lacks, splits it.

The region is over-segmented (Felzenszwalb and Huttenlocher's graph on colour and height
above the table) and grown from the fragment at the action pixel over neighbouring
fragments whose mean chromaticity (CIELAB a*, b*; lightness is left out, so that the lit
top and the shaded side of one object stay together) is within `max_chroma_difference`
of what was grown so far. What is left must be of one colour itself
(`max_rest_chroma_spread`), or the region stays whole: the patches of a many-coloured
object are not objects.

Objects of one colour that moved together stay together: nothing in one pair of frames
tells them apart. (A watershed of the height from each object's top also split some
stacks, and the textured objects' patches with them; it is not used.)
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy import ndimage

from seg_by_interaction.core.labelers.morphology import fill_holes
from seg_by_interaction.core.validated import setting

MARGIN_PX = 3                   # context around the region for the over-segmentation


@dataclasses.dataclass(frozen=True, kw_only=True)
class ObjectSplitParams:
    enabled: bool = setting(True, "split the acted-on object out of a region that moved as "
                                  "one (off: the labeler's segment as it is)")
    max_chroma_difference: float = setting(40.0, "CIELAB a*b* distance up to which a "
                                                 "neighbouring fragment is the same object",
                                           min=0.0, max=300.0)
    max_rest_chroma_spread: float = setting(35.0, "what colour splits off must be of one "
                                                  "colour: the spread (CIELAB a*b* standard "
                                                  "deviation) of its pixels at most this; a "
                                                  "many-coloured object stays whole", min=0.0)
    height_weight: float = setting(300.0, "CIELAB units per metre of height in the "
                                          "over-segmentation", min=0.0)
    fragment_scale: float = setting(50.0, "Felzenszwalb's scale: larger makes larger "
                                          "fragments", min=1.0)
    min_fragment_px: int = setting(15, "smallest fragment at 320x240; scaled with the image "
                                       "area", min=1)


def split_at_action(mask: np.ndarray, rgb: np.ndarray, height_m: np.ndarray | None,
                    action_px: tuple[int, int], params: ObjectSplitParams) -> np.ndarray:
    """The part of `mask` that is the object at `action_px` (u, v); `mask` itself when
    splitting is off or leaves nothing."""
    if not params.enabled or not mask.any():
        return mask
    rows, cols = np.nonzero(mask)
    window = (slice(max(rows.min() - MARGIN_PX, 0), rows.max() + MARGIN_PX + 1),
              slice(max(cols.min() - MARGIN_PX, 0), cols.max() + MARGIN_PX + 1))
    local_action = (action_px[0] - window[1].start, action_px[1] - window[0].start)
    height = None if height_m is None else np.nan_to_num(height_m[window])
    part = _same_colour(mask[window], rgb[window], height, local_action, params)
    split = np.zeros_like(mask)
    split[window] = fill_holes(part) & (part | ~mask[window])    # holes, not what was split off
    return split if split.any() else mask


def _same_colour(mask, rgb, height, action, params: ObjectSplitParams) -> np.ndarray:
    from skimage import color, segmentation

    lab = color.rgb2lab(rgb)
    features = lab if height is None else np.dstack([lab, height * params.height_weight])
    min_size = max(1, round(params.min_fragment_px * mask.size / (320 * 240)))
    with warnings.catch_warnings():      # four channels (colour and height) are meant
        warnings.filterwarnings("ignore", "Got image with third dimension")
        over_segmented = segmentation.felzenszwalb(features, scale=params.fragment_scale,
                                                   sigma=0.5, min_size=min_size, channel_axis=-1)
    fragments = np.where(mask, over_segmented + 1, 0)
    chroma = lab[..., 1:]
    kept = fragments == fragments[_nearest(fragments > 0, action)]
    while True:
        reference = chroma[kept].mean(axis=0)
        ring = ndimage.binary_dilation(kept) & ~kept & (fragments > 0)
        similar = [f for f in np.unique(fragments[ring])
                   if np.linalg.norm(chroma[fragments == f].mean(axis=0) - reference)
                   <= params.max_chroma_difference]
        if not similar:
            break
        kept |= np.isin(fragments, similar)
    rest = mask & ~kept
    if rest.any() and np.linalg.norm(chroma[rest].std(axis=0)) > params.max_rest_chroma_spread:
        return mask                      # not split off from a many-coloured object's patches
    return kept


def _nearest(mask: np.ndarray, point: tuple[float, float]) -> tuple[int, int]:
    """(row, col) of the pixel of `mask` nearest `point` (u, v)."""
    rows, cols = np.nonzero(mask)
    nearest = int(np.argmin(np.hypot(cols - point[0], rows - point[1])))
    return rows[nearest], cols[nearest]
