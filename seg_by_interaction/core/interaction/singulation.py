"""Interactive singulation at test time (Eitel et al. 2019, Fig. 4): find where a
segmentation is uncertain, push there to separate the objects, and judge the segmentation
after the push.

The hypotheses are first cut to distinct ones (`hypothesis.distinct`: a part of a
better-scored one, or a merge with one, is its alternative, set aside). A region is
uncertain by one of these cues, checked in this order (the first that holds names it;
regions are ranked by cue, then by area, largest first):
- `overlap`: two hypotheses share more than `overlap_share` of the smaller one's pixels:
  competing guesses at the same pixels (the region is their union);
- `oversized`: one hypothesis whose footprint, lifted to the table with depth, is wider
  (across its major axis) than `max_object_width_m` or longer than `max_object_length_m`:
  larger than one object would be;
- `concave`: one hypothesis whose mask fills less than `min_solidity` of its convex hull,
  as two round objects merged into one segment do;
- `touching`: two hypotheses whose masks come within `touching_gap_px`: where one object
  ends and the other begins is a guess;
- `low_score`: one hypothesis scored below `min_score`.

The push starts at the region: for a pair, at the smaller hypothesis's point, directed
away from its nearest neighbour (`collection.away_from_nearest`); for one segment, at the
centroid of its smaller half (the mask cut across its major axis), directed away from
the other half, across the suspected boundary. The fingertips descend
`push_start_offset_m` behind that point and move toward it; when the frame's depth shows
something other than the pushed pixels within `start_clearance_m` of their way up to the
pushed pixels (for objects that touch, straight away from the neighbour the fingers would
start behind it and push it into the other), the direction is turned by the `turns_deg`
in order (45, -45, 90, -90 degrees by default: a push that slides the object along its
neighbour) until the way is free; with none free, the region is not pushed.

After the push the region counts as resolved when no uncertain region of the new
segmentation overlaps the region's pixels; the goal succeeds when no uncertain region
is left in the region of interest.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage
from skimage.morphology import convex_hull_image

from seg_by_interaction.core.camera.table import has_reading
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.hypotheses.grasp import lift_mask, lift_pixels, points_above_table
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis, overlap_share
from seg_by_interaction.core.interaction.collection import away_from_nearest
from seg_by_interaction.core.interaction.singulation_params import CUES, SingulationParams

MIN_FOOTPRINT_POINTS = 10


@dataclasses.dataclass(frozen=True)
class SceneDepth:
    """What the push choice reads of the frame: depth with its camera, and the table."""
    depth: np.ndarray
    intrinsics: PinholeIntrinsics
    camera_pose: Pose
    table_height: float


@dataclasses.dataclass(frozen=True)
class UncertainRegion:
    cue: str                            # one of CUES
    members: tuple[int, ...]            # indices of the hypotheses it is made of
    mask: np.ndarray                    # HxW bool: their union

    @property
    def area_px(self) -> int:
        return int(self.mask.sum())


@dataclasses.dataclass(frozen=True)
class SingulationPush:
    hypothesis: Hypothesis              # pushed through its point, or through `target`
    target: np.ndarray                  # planning frame, metres
    target_px: tuple[float, float]
    direction: np.ndarray               # horizontal unit vector, planning frame
    turned_deg: float                   # turn from the preferred direction for a free start


def in_region(hypotheses: list[Hypothesis], roi: tuple[int, int, int, int] | None) -> list[Hypothesis]:
    """The hypotheses whose centroid lies in the region of interest (x, y, width, height;
    None = the whole view)."""
    if roi is None:
        return list(hypotheses)
    x, y, width, height = roi
    return [h for h in hypotheses
            if x <= h.shape.centroid_px[0] < x + width and y <= h.shape.centroid_px[1] < y + height]


def check_roi(roi: tuple[int, int, int, int] | None, height: int, width: int) -> None:
    """Raises ValueError for a region of interest that is empty or leaves the image."""
    if roi is None:
        return
    x, y, w, h = roi
    if w <= 0 or h <= 0:
        raise ValueError(f"region of interest {w}x{h} is empty")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(f"region of interest x {x}..{x + w}, y {y}..{y + h} leaves the "
                         f"{width}x{height} image")


def uncertain_regions(hypotheses: list[Hypothesis], scene: SceneDepth,
                      params: SingulationParams) -> list[UncertainRegion]:
    """Every uncertain region of a segmentation, most uncertain first (module docstring)."""
    regions = _pair_regions(hypotheses, "overlap", lambda a, b: overlap_share(
        hypotheses[a], hypotheses[b]) > params.overlap_share)
    regions += [UncertainRegion(cue, (i,), h.mask) for i, h in enumerate(hypotheses)
                if (cue := _single_cue(h, scene, params))]
    if params.touching_gap_px >= 0:
        near = ndimage.generate_binary_structure(2, 2)
        grown = [ndimage.binary_dilation(h.mask, near, iterations=params.touching_gap_px + 1)
                 for h in hypotheses]
        regions += _pair_regions(hypotheses, "touching",
                                 lambda a, b: bool((grown[a] & hypotheses[b].mask).any()))
    regions += [UncertainRegion("low_score", (i,), h.mask) for i, h in enumerate(hypotheses)
                if h.score < params.min_score]
    return _without_lesser_doubts(regions)


def _pair_regions(hypotheses: list[Hypothesis], cue: str, holds) -> list[UncertainRegion]:
    return [UncertainRegion(cue, (a, b), hypotheses[a].mask | hypotheses[b].mask)
            for a in range(len(hypotheses)) for b in range(a + 1, len(hypotheses))
            if holds(a, b)]


def _without_lesser_doubts(regions: list[UncertainRegion]) -> list[UncertainRegion]:
    """Ranked by cue, then area; a region of a later cue whose members all belong to an
    earlier region is left out (it names the same doubt less precisely)."""
    ranked = sorted(regions, key=lambda r: (CUES.index(r.cue), -r.area_px))
    kept: list[UncertainRegion] = []
    for region in ranked:
        if not any(set(region.members) <= set(k.members) for k in kept):
            kept.append(region)
    return kept


def _single_cue(hypothesis: Hypothesis, scene: SceneDepth, params: SingulationParams) -> str:
    width, length = footprint_m(hypothesis.mask, scene)
    if width > params.max_object_width_m or length > params.max_object_length_m:
        return "oversized"
    if solidity(hypothesis.mask) < params.min_solidity:
        return "concave"
    return ""


def footprint_m(mask: np.ndarray, scene: SceneDepth) -> tuple[float, float]:
    """(width across, length along) the major axis of the mask's pixels lifted to the
    planning frame with depth (3rd to 97th percentile); (0, 0) without enough depth."""
    xy = _lifted(mask, scene)[:, :2]
    if len(xy) < MIN_FOOTPRINT_POINTS:
        return 0.0, 0.0
    centred = xy - xy.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return _spread(centred @ axes[1]), _spread(centred @ axes[0])


def _spread(values: np.ndarray) -> float:
    return float(np.percentile(values, 97) - np.percentile(values, 3))


def solidity(mask: np.ndarray) -> float:
    """The mask's area over its convex hull's."""
    hull = convex_hull_image(mask)
    return float(mask.sum()) / max(1, int(hull.sum()))


def choose_push(region: UncertainRegion, hypotheses: list[Hypothesis], scene: SceneDepth,
                start_offset_m: float, params: SingulationParams) -> SingulationPush | None:
    """The push into `region` (module docstring), or None when it has no grasp point or
    no direction tried leaves the fingertips' way to the pushed pixels free."""
    aimed = _aim(region, hypotheses, scene)
    if aimed is None:
        return None
    hypothesis, moved, target, target_px, preferred = aimed
    others = np.where(moved, np.nan, scene.depth)
    blocking = points_above_table(others, scene.intrinsics, scene.camera_pose,
                                  scene.table_height, params.min_height_m)[:, :2] - target[:2]
    moved_xy = _lifted(moved, scene)[:, :2] - target[:2]
    for turn in (0.0, *params.turns_deg):
        direction = _turned(preferred, turn)
        if _way_is_free(direction[:2], blocking, moved_xy, start_offset_m, params.start_clearance_m):
            return SingulationPush(hypothesis, target, target_px, direction, turn)
    return None


def _way_is_free(direction: np.ndarray, blocking: np.ndarray, moved: np.ndarray,
                 start_offset_m: float, clearance_m: float) -> bool:
    """Whether the fingertips, descending `start_offset_m` behind the target and moving
    along `direction` until they meet the pushed pixels (`moved`), pass `clearance_m` clear
    of everything else (points relative to the target)."""
    contact = -float(np.min(moved @ direction)) if len(moved) else 0.0
    along = blocking @ direction
    across = np.abs(blocking @ np.array([-direction[1], direction[0]]))
    in_way = (along >= -start_offset_m - clearance_m) & (along <= -contact) & (across < clearance_m)
    return not in_way.any()


def _lifted(mask: np.ndarray, scene: SceneDepth) -> np.ndarray:
    return lift_mask(mask, scene.depth, scene.intrinsics, scene.camera_pose)


def _aim(region: UncertainRegion, hypotheses: list[Hypothesis], scene: SceneDepth):
    """(hypothesis, pixels the push moves, target, target pixel, preferred direction), or
    None."""
    if region.cue == "touching":
        hypothesis = min((hypotheses[i] for i in region.members), key=lambda h: h.shape.area_px)
        away = away_from_nearest(hypothesis, hypotheses) if hypothesis.grasp is not None else None
        if away is not None:
            return (hypothesis, hypothesis.mask, hypothesis.grasp.position,
                    hypothesis.shape.centroid_px, away)
    return _across_boundary(region, hypotheses, scene)


def _across_boundary(region: UncertainRegion, hypotheses: list[Hypothesis], scene: SceneDepth):
    """The smaller half of the region cut across its major axis at its centroid, pushed
    away from the other half."""
    rows, cols = np.nonzero(region.mask)
    depths = scene.depth[rows, cols]
    valid = has_reading(depths)
    if valid.sum() < 2 * MIN_FOOTPRINT_POINTS:
        return None
    rows, cols = rows[valid], cols[valid]
    points = lift_pixels(cols, rows, depths[valid], scene.intrinsics, scene.camera_pose)
    centred = points[:, :2] - points[:, :2].mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    side = centred @ axis > 0
    half = side if side.sum() <= (~side).sum() else ~side
    if half.sum() < MIN_FOOTPRINT_POINTS:
        return None
    target = np.array([*points[half, :2].mean(axis=0), np.percentile(points[half, 2], 90)])
    away = target[:2] - points[:, :2].mean(axis=0)
    direction = np.array([*away / max(np.linalg.norm(away), 1e-9), 0.0])
    target_px = (float(cols[half].mean()), float(rows[half].mean()))
    moved = np.zeros(region.mask.shape, bool)
    moved[rows[half], cols[half]] = True
    pushed = max(region.members, key=lambda i: int((hypotheses[i].mask & moved).sum()))
    return hypotheses[pushed], moved, target, target_px, direction


def _turned(direction: np.ndarray, degrees: float) -> np.ndarray:
    angle = np.radians(degrees)
    c, s = np.cos(angle), np.sin(angle)
    return np.array([c * direction[0] - s * direction[1], s * direction[0] + c * direction[1], 0.0])


def resolved(region: UncertainRegion, regions_after: list[UncertainRegion]) -> bool:
    """Whether the segmentation after the push leaves no doubt where the region was."""
    return not any((region.mask & after.mask).any() for after in regions_after)
