"""The settings of interactive singulation (`singulation.py` documents the rule), apart
from it so that the executor's parameters can hold them: the rule reuses the collector's
push direction, and the collector imports the executor."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.validated import setting

# The cues that make a region uncertain, most telling first.
CUES = ("overlap", "oversized", "concave", "touching", "low_score")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SingulationParams:
    alternative_share: float = setting(0.5, "a hypothesis sharing more than this share of "
                                            "the smaller one's pixels with a better-scored one "
                                            "is an alternative to it (a part, a merge) and set "
                                            "aside before the cues are judged", min=0.0, max=1.0)
    overlap_share: float = setting(0.1, "two hypotheses sharing more than this share of the "
                                        "smaller one's pixels compete for them", min=0.0, max=1.0)
    max_object_width_m: float = setting(0.08, "a segment wider than this across its major axis "
                                              "is more than one object (the grippable objects' "
                                              "narrow side is at most 7 cm)", min=0.01, max=1.0)
    max_object_length_m: float = setting(0.14, "a segment longer than this along its major axis "
                                               "is more than one object", min=0.01, max=2.0)
    min_solidity: float = setting(0.9, "a segment filling less than this share of its convex "
                                       "hull may be objects merged (0 = never)", min=0.0, max=1.0)
    touching_gap_px: int = setting(2, "hypotheses whose masks come this close touch (-1 = "
                                      "never judged uncertain for touching)", min=-1, max=50)
    min_score: float = setting(0.3, "a hypothesis scored below this is uncertain", min=0.0,
                               max=1.0)
    min_height_m: float = setting(0.01, "surfaces higher than this above the table block the "
                                        "fingertips' way", min=0.0, max=0.1)
    start_clearance_m: float = setting(0.015, "the fingertips' way, from where they descend to "
                                              "the pixels pushed, must be free this far either "
                                              "side (half the closed fingers' width and a margin)",
                                       min=0.0, max=0.2)
    turns_deg: tuple[float, ...] = setting((45.0, -45.0, 90.0, -90.0),
                                           "turns of the push direction tried in order when the "
                                           "fingertips' spot is not free", min=-180.0, max=180.0)
