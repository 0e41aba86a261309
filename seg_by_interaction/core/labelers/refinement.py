"""Superpixel refinement of a labeler's positive masks, chosen by name for any labeler.

A mask from moved pixels follows the motion, not the object's outline; superpixels of the
labelled image follow its edges. Both rules below split the neighbourhood of the mask
(its bounding box grown on each side by `context` times its size, so that the regions
it touches are whole) into regions and make the refined mask the union
of the regions that lie enough inside the mask:

- `slic_ncut` (Eitel et al. 2019): SLIC superpixels of the image, merged by Shi and
  Malik's normalized cut on a region adjacency graph of their mean colours; a region
  joins when at least `min_share` (half) of its pixels are in the mask.
- `felzenszwalb` (Lohmann et al. 2020): Felzenszwalb and Huttenlocher's graph-based
  superpixels; a superpixel joins when at least `min_share` (25 %) of its pixels are in
  the mask.

A refinement that would leave nothing keeps the mask as it was. Negatives are left alone
(their mask is what was tried, not an outline).
"""
from __future__ import annotations

import abc
import dataclasses

import numpy as np

from seg_by_interaction.core.labelers.base import Label
from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.validated import setting

NCUT_SEED = 0


class Refinement(abc.ABC):
    """Built from its parameters, which name `min_share` (of a region's pixels in the mask
    for it to join) and `context` (the mask's bounding box grown by this times its size is
    refined)."""
    name: str            # in REFINEMENTS

    def __init__(self, params):
        self.params = params

    def refine(self, label: Label) -> Label:
        """The label with its mask refined (positives only), the change in its quality."""
        if not label.positive or not label.mask.any():
            return label
        window = _grown_box(label.mask, self.params.context)
        regions = self.regions(label.image[window])
        refined = np.zeros_like(label.mask)
        refined[window] = regions_inside(label.mask[window], regions, self.params.min_share)
        if not refined.any():
            return label
        quality = {**label.quality, "refined_area_px": int(np.count_nonzero(refined)),
                   "refined_iou_with_unrefined": _iou(refined, label.mask)}
        return dataclasses.replace(label, mask=refined, quality=quality,
                                   reason=f"{label.reason}; refined by {self.name}")

    @abc.abstractmethod
    def regions(self, rgb: np.ndarray) -> np.ndarray:
        """HxW integer labels of the image's regions."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlicNcutParams:
    superpixels: int = setting(64, "SLIC superpixels in the refined neighbourhood (the "
                                   "normalized cut's cost grows fast with their number)",
                               min=2, max=1000)
    compactness: float = setting(10.0, "SLIC's balance of colour (low) and place (high)",
                                 min=0.01, max=1000.0)
    colour_similarity: float = setting(20.0, "mean colour difference (0-255 per channel) at "
                                             "which the graph's edge weight falls to 1/e",
                                       min=0.1, max=500.0)
    ncut_threshold: float = setting(0.1, "stop cutting a region once its normalized cut would "
                                         "cost more than this (0-2)", min=0.0, max=2.0)
    min_share: float = setting(0.5, "a region joins the mask when this share of it is in it",
                               min=0.0, max=1.0)
    context: float = setting(1.0, "the mask's bounding box, grown on each side by this times "
                                  "its size, is split into regions", min=0.0, max=10.0)


class SlicNcutRefinement(Refinement):
    name = "slic_ncut"

    def regions(self, rgb: np.ndarray) -> np.ndarray:
        from skimage import graph, segmentation

        p = self.params
        superpixels = segmentation.slic(rgb, n_segments=p.superpixels, compactness=p.compactness,
                                        start_label=1, channel_axis=-1)
        if superpixels.max() <= 1:
            return superpixels
        rag = graph.rag_mean_color(rgb.astype(float), superpixels, mode="similarity",
                                   sigma=p.colour_similarity ** 2)
        return graph.cut_normalized(superpixels, rag, thresh=p.ncut_threshold,
                                    rng=np.random.default_rng(NCUT_SEED))


@dataclasses.dataclass(frozen=True, kw_only=True)
class FelzenszwalbParams:
    scale: float = setting(50.0, "Felzenszwalb's scale: larger gives larger superpixels",
                           min=1.0, max=10000.0)
    sigma: float = setting(0.5, "Gaussian smoothing before segmenting, pixels", min=0.0,
                           max=10.0)
    min_size_px: int = setting(10, "smallest superpixel, pixels", min=1, max=100000)
    min_share: float = setting(0.25, "a superpixel joins the mask when this share of it is in "
                                     "it (Lohmann: 25 %)", min=0.0, max=1.0)
    context: float = setting(1.0, "the mask's bounding box, grown on each side by this times "
                                  "its size, is split into regions", min=0.0, max=10.0)


class FelzenszwalbRefinement(Refinement):
    name = "felzenszwalb"

    def regions(self, rgb: np.ndarray) -> np.ndarray:
        from skimage import segmentation

        p = self.params
        return segmentation.felzenszwalb(rgb, scale=p.scale, sigma=p.sigma, min_size=p.min_size_px,
                                         channel_axis=-1)


class NoRefinement:
    def refine(self, label: Label) -> Label:
        return label


REFINEMENTS = Registry("mask refinement", {
    "none": Part("seg_by_interaction.core.labelers.refinement:NoRefinement",
                 description="masks as the labeler made them"),
    "slic_ncut": Part("seg_by_interaction.core.labelers.refinement:SlicNcutRefinement",
                      "seg_by_interaction.core.labelers.refinement:SlicNcutParams",
                      "Eitel et al. 2019: SLIC superpixels merged by normalized cuts"),
    "felzenszwalb": Part("seg_by_interaction.core.labelers.refinement:FelzenszwalbRefinement",
                         "seg_by_interaction.core.labelers.refinement:FelzenszwalbParams",
                         "Lohmann et al. 2020: Felzenszwalb superpixels, >= 25 % inside joins"),
})


@dataclasses.dataclass(frozen=True, kw_only=True)
@REFINEMENTS.sections
class RefinementParams:
    method: str = REFINEMENTS.choice("felzenszwalb", "superpixel refinement of positive masks "
                                                     "('none' keeps the labeler's masks)")


def regions_inside(mask: np.ndarray, regions: np.ndarray, min_share: float) -> np.ndarray:
    """The union of the regions of which at least `min_share` of the pixels are in `mask`."""
    totals = np.bincount(regions.ravel())
    inside = np.bincount(regions[mask], minlength=totals.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        joins = (totals > 0) & (inside >= min_share * totals) & (inside > 0)
    return joins[regions]


def _grown_box(mask: np.ndarray, context: float) -> tuple[slice, slice]:
    rows, cols = np.nonzero(mask)
    height, width = mask.shape
    margin = round(context * max(np.ptp(rows), np.ptp(cols)) + 1)
    return (slice(max(0, rows.min() - margin), min(height, rows.max() + 1 + margin)),
            slice(max(0, cols.min() - margin), min(width, cols.max() + 1 + margin)))


def _iou(first: np.ndarray, second: np.ndarray) -> float:
    union = np.count_nonzero(first | second)
    return float(np.count_nonzero(first & second) / union) if union else 0.0
