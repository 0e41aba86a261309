"""How far each matched object is from its place in the goal, and which pick-and-place
comes next: the matched object farthest from its goal whose goal spot is free; when
every such spot is taken, the object standing in one is moved aside first (unless its
own grasps failed, or it stands in its own goal: objects that touch in the goal overlap
each other's goal spots); a retry grasps the segment's most interior part instead of its
centroid."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from seg_by_interaction.core.hypotheses.grasp import Grasp
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.rearrangement.matching import Matching
from seg_by_interaction.core.validated import setting

SAME_GRASP_M = 0.01
SAME_YAW_DEG = 15.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlanParams:
    occupied_share: float = setting(0.15, "a goal spot is taken when another object covers "
                                          "this share of the goal segment's pixels",
                                    min=0.0, max=1.0)
    grasp_attempts: int = setting(2, "failed grasps, or failed placings, of an object before "
                                     "it is given up (each is retried once, with a new grasp)",
                                  min=1, max=10)
    aside_radius_m: float = setting(0.06, "free radius around a spot an object is moved aside to",
                                    min=0.01, max=0.5)
    aside_margin_m: float = setting(0.05, "aside spots keep this far inside the table area",
                                    min=0.0, max=0.5)
    place_reach_m: float = setting(0.01, "an object goes down up to this far from its goal "
                                         "spot where its footprint clears the neighbours "
                                         "better (objects that touch in the goal leave no "
                                         "room for error; 0 = exactly at the spot)",
                                   min=0.0, max=0.05)
    place_clearance_m: float = setting(0.006, "footprint-to-neighbour gap beyond which no "
                                              "shift is sought", min=0.0, max=0.05)
    retry_radius_px: float = setting(10.0, "a retried grasp takes the segment's part within this "
                                           "radius of its most interior pixel", min=2.0, max=200.0)


def retry_grasp(segment: Hypothesis, interior: Grasp | None) -> Grasp:
    """The new grasp after a failed one at the segment's centroid (which misses the
    object where it is not convex, e.g. an L): `interior`, the grasp across the segment's
    `interior_part`; the fingers turned a quarter turn when that grasp is no different."""
    failed = segment.grasp
    if interior is None or _near(interior, failed):
        turned = (failed.yaw + np.pi) % np.pi - np.pi / 2     # yaw + pi/2 in [-pi/2, pi/2)
        return Grasp(failed.position, float(turned), 0.0)     # width along it unknown: open fully
    return interior


def same_grasp(a: Grasp, b: Grasp) -> bool:
    """Grasps at about the same point along about the same closing line."""
    return _near(a, b) and abs(np.sin(a.yaw - b.yaw)) < np.sin(np.radians(SAME_YAW_DEG))


def _near(a: Grasp, b: Grasp) -> bool:
    return bool(np.linalg.norm(a.position[:2] - b.position[:2]) < SAME_GRASP_M)


def interior_part(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """The part of `mask` within `radius_px` of its most interior pixel."""
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    row, col = np.unravel_index(int(np.argmax(inside)), inside.shape)
    rows, cols = np.indices(mask.shape)
    return mask & ((rows - row) ** 2 + (cols - col) ** 2 <= radius_px ** 2)


@dataclasses.dataclass(frozen=True)
class ObjectError:
    goal: int               # goal segment index
    current: int            # current segment index
    similarity: float
    error_px: float         # centroid distance in the image
    error_m: float          # grasp-point distance on the table


@dataclasses.dataclass(frozen=True)
class Move:
    kind: str               # "to_goal" or "aside"
    goal: int               # the goal segment the move serves
    segment: Hypothesis     # the current segment picked up
    place_xy: np.ndarray | None     # None for "aside": a free spot is chosen from the scene


def object_errors(matching: Matching, current: list[Hypothesis],
                  goal: list[Hypothesis]) -> list[ObjectError]:
    """One per match, in goal order."""
    errors = []
    for m in sorted(matching.matches, key=lambda m: m.goal):
        here, there = current[m.current], goal[m.goal]
        error_px = float(np.hypot(*np.subtract(here.shape.centroid_px, there.shape.centroid_px)))
        error_m = float(np.linalg.norm(here.grasp.position[:2] - there.grasp.position[:2]))
        errors.append(ObjectError(m.goal, m.current, m.similarity, error_px, error_m))
    return errors


def misplaced(errors: list[ObjectError], tolerance_px: float) -> list[ObjectError]:
    """Objects off their goal, farthest first."""
    return sorted((e for e in errors if e.error_px > tolerance_px), key=lambda e: -e.error_px)


def next_move(errors: list[ObjectError], current: list[Hypothesis], goal: list[Hypothesis],
              tolerance_px: float, given_up: set[int], occupied_share: float) -> Move | None:
    """The next pick-and-place, or None when no misplaced object is left to try."""
    candidates = [e for e in misplaced(errors, tolerance_px) if e.goal not in given_up]
    in_place = {e.current for e in errors if e.error_px <= tolerance_px}
    for error in candidates:
        if occupant(error, current, goal[error.goal], occupied_share, in_place) is None:
            return Move("to_goal", error.goal, current[error.current],
                        goal[error.goal].grasp.position[:2].copy())
    stuck = {e.current for e in errors if e.goal in given_up}     # grasps failed on them
    for error in candidates:
        blocking = occupant(error, current, goal[error.goal], occupied_share, in_place)
        if blocking not in stuck:
            return Move("aside", error.goal, current[blocking], None)
    return None


def occupant(error: ObjectError, current: list[Hypothesis], goal_segment: Hypothesis,
             occupied_share: float, in_place: set[int]) -> int | None:
    """The current segment (other than the object itself, and than those standing in
    their own goal) covering the most of the goal segment's pixels, if it covers at
    least `occupied_share` of them."""
    overlaps = [(np.count_nonzero(segment.mask & goal_segment.mask), index)
                for index, segment in enumerate(current)
                if index != error.current and index not in in_place]
    if not overlaps:
        return None
    overlap, index = max(overlaps)
    return index if overlap >= occupied_share * goal_segment.shape.area_px else None
