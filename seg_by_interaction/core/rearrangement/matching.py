"""Matching the segments of the current scene to those of the goal, one to one: a
similarity per pair from appearance, colour, size and position cues, the assignment of
greatest total similarity (Hungarian), and pairs below a floor left unmatched rather
than forced."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.rearrangement.assignment import min_cost_assignment
from seg_by_interaction.core.rearrangement.features import FEATURE_TRUNKS, Descriptor
from seg_by_interaction.core.validated import setting

CUES = ("appearance", "colour", "size", "position")


@FEATURE_TRUNKS.sections
@dataclasses.dataclass(frozen=True, kw_only=True)
class MatchingParams:
    features: str = FEATURE_TRUNKS.choice("imagenet", "trunk describing each segment's crop")
    appearance_weight: float = setting(0.4, "weight of the crop feature's cosine similarity",
                                       min=0.0)
    colour_weight: float = setting(0.3, "weight of the hue-saturation histogram intersection",
                                   min=0.0)
    size_weight: float = setting(0.15, "weight of the ratio of the smaller area to the larger",
                                 min=0.0)
    position_weight: float = setting(0.15, "weight of nearness on the table (breaks ties "
                                           "between look-alikes in favour of not moving)", min=0.0)
    position_scale_m: float = setting(0.15, "distance at which nearness falls to 1/e",
                                      min=1e-3, max=10.0)
    min_similarity: float = setting(0.55, "pairs less similar than this stay unmatched",
                                    min=0.0, max=1.0)

    def __post_init__(self):
        if sum(self.weights()) <= 0:
            raise ValueError("at least one cue needs a positive weight")

    def weights(self) -> tuple[float, ...]:
        return tuple(getattr(self, f"{cue}_weight") for cue in CUES)


@dataclasses.dataclass(frozen=True)
class Match:
    current: int            # index of the current scene's segment
    goal: int               # index of the goal's segment
    similarity: float


@dataclasses.dataclass(frozen=True)
class Matching:
    matches: tuple[Match, ...]
    unmatched_current: tuple[int, ...]
    unmatched_goal: tuple[int, ...]

    def of_goal(self, goal: int) -> Match | None:
        return next((m for m in self.matches if m.goal == goal), None)


def similarities(current: list[Descriptor], goal: list[Descriptor],
                 params: MatchingParams = MatchingParams()) -> np.ndarray:
    """len(current) x len(goal) similarities in [0, 1]."""
    weights = np.asarray(params.weights())
    cues = np.zeros((len(current), len(goal), len(CUES)))
    for i, mine in enumerate(current):
        for j, theirs in enumerate(goal):
            cues[i, j] = _cues(mine, theirs, params.position_scale_m)
    return cues @ weights / weights.sum()


def _cues(a: Descriptor, b: Descriptor, position_scale_m: float) -> tuple[float, ...]:
    appearance = float(np.clip(a.appearance @ b.appearance, 0.0, 1.0))
    colour = float(np.minimum(a.colour, b.colour).sum())
    size = min(a.area_px, b.area_px) / max(a.area_px, b.area_px, 1)
    position = float(np.exp(-np.linalg.norm(a.position_xy - b.position_xy) / position_scale_m))
    return appearance, colour, size, position


def match(similarity: np.ndarray, min_similarity: float) -> Matching:
    """The one-to-one assignment of greatest total similarity; assigned pairs below
    `min_similarity` are dropped, their segments reported unmatched."""
    rows, cols = similarity.shape
    pairs = min_cost_assignment(-similarity) if rows and cols else []
    matches = tuple(Match(r, c, float(similarity[r, c])) for r, c in pairs
                    if similarity[r, c] >= min_similarity)
    matched_current = {m.current for m in matches}
    matched_goal = {m.goal for m in matches}
    return Matching(matches, tuple(i for i in range(rows) if i not in matched_current),
                    tuple(j for j in range(cols) if j not in matched_goal))
