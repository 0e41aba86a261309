"""The autonomous data-collection loop's decisions (Pathak et al. 2018, Algorithm 1):
which hypothesis to act on, which primitive with which parameters, and when to sweep
the objects back together or start a new scene. The collector node carries them out."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import height_above_table
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.kinds import COLLECTED, KINDS, Aim
from seg_by_interaction.core.interaction.primitives import POKE_MAGNITUDES
from seg_by_interaction.core.labelers.change import (COLOUR_THRESHOLD, DEPTH_OPENING_PX,
                                                      DEPTH_THRESHOLD_M, changed_pixels)
from seg_by_interaction.core.robot_config import PrimitiveMix, RobotConfig, TableArea
from seg_by_interaction.core.validated import setting

STOPPED = "collection stopped: "      # how the collector's log says why it stopped short


@dataclasses.dataclass(frozen=True, kw_only=True)
class CollectorParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    interactions: int = setting(100, "interactions to collect (reset sweeps not counted); a "
                                     "resumed run counts those already recorded", min=0)
    primitive: str = setting("robot", "what to do with a hypothesis: one primitive, 'mix' = "
                                      "drawn per interaction with the weights of "
                                      "`primitive_mix`, 'robot' = likewise with the robot "
                                      "config's `primitive_mix` (the PR2 pushes, the Sawyer "
                                      "picks)", choices=("robot", "mix", *COLLECTED))
    primitive_mix: PrimitiveMix = setting(PrimitiveMix(pick_place=1.0, push=1.0),
                                          "weights of the primitives when `primitive` is "
                                          "'mix' (by default picks and pushes half and half)")
    push_distance_m: float = setting(0.0, "push length past the hypothesis's point (0 = the "
                                          "executor's `primitives.push_distance_m`)", min=0.0,
                                     max=0.4)
    random_share: float = setting(0.1, "share of interactions on a hypothesis chosen uniformly "
                                       "at random instead of the best-scored (exploration)",
                                  min=0.0, max=1.0)
    reset_every: int = setting(25, "reset sweep after this many interactions (Pathak: 25; "
                                   "0 = never)", min=0)
    new_scene_every: int = setting(0, "simulation: a new random scene after this many "
                                      "interactions (0 = never)", min=0)
    split: str = setting("train", "simulation: object and texture split of new scenes",
                         choices=("train", "val", "test"))
    max_hypotheses: int = setting(20, "hypotheses asked for per frame", min=1, max=500)
    segment_service: str = setting("/hypothesis_server/segment", "the Segment service")
    interact_action: str = setting("interact", "the Interact action")
    reset_scene_service: str = setting("", "simulation: the ResetScene service ('' = none, "
                                           "e.g. on a real robot)")
    run_dir: str = setting("", "run directory, to resume the count of interactions ('' = none)")
    interaction_timeout_s: float = setting(180.0, "time limit per interaction", min=1.0, max=3600.0)
    outage_limit_s: float = setting(300.0, "while the hypothesis server, the executor or the "
                                           "world does not answer, retry with backoff (1 s "
                                           "doubling to 30 s) for this long, then stop", min=0.0)
    failure_radius_px: float = setting(20.0, "skip hypotheses this close to where an interaction "
                                             "failed since the scene last changed", min=0.0)
    prefer_unvisited: bool = setting(True, "prefer hypotheses away from where an interaction "
                                           "left an object since the last reset or new "
                                           "scene: objects not labelled yet (a labelled "
                                           "object that stays put is labelled again by "
                                           "carrying its mask forward)")
    visited_share: float = setting(0.2, "a hypothesis with at least this share of its pixels "
                                        "where an object came to rest counts as visited",
                                   min=0.0, max=1.0)
    poke_magnitude: str = setting("medium", "poke strength (Lohmann et al. 2020)",
                                  choices=POKE_MAGNITUDES)
    seed: int = setting(0, "seed of the random choices", min=0)
    exit_when_finished: bool = setting(False, "end the process once the budget is spent (a "
                                              "launch file then shuts the other nodes down)")


class HypothesisChooser:
    """Mostly the best-scored hypothesis, a configurable share chosen at random. Candidates
    have a grasp over the table area, one that fits the gripper for a primitive that grips,
    and lie away from where interactions failed since the scene last changed (the same
    hypothesis would fail again). With `prefer_unvisited`, hypotheses away from where
    objects came to rest since the last reset come first: otherwise the loop moves the
    best-scored object again and again (3 of 6 objects labelled per 10 interactions)."""

    def __init__(self, table_area: TableArea, random_share: float, rng: np.random.Generator,
                 failure_radius_px: float = 20.0, prefer_unvisited: bool = False,
                 visited_share: float = 0.2):
        self.table_area = table_area
        self.random_share = random_share
        self.rng = rng
        self.failure_radius_px = failure_radius_px
        self.prefer_unvisited = prefer_unvisited
        self.visited_share = visited_share
        self.failed_px: list[tuple[float, float]] = []
        self.visited: np.ndarray | None = None

    def remember_failure(self, pixel) -> None:
        self.failed_px.append((float(pixel[0]), float(pixel[1])))

    def remember_arrivals(self, before: RGBDView, after: RGBDView) -> None:
        """Note where an interaction left objects: `arrived_pixels` of its frames.
        ValueError when the frames differ in size."""
        if before.size != after.size:
            raise ValueError(f"frames of {before.size} and {after.size} pixels")
        arrived = arrived_pixels(before, after)
        if self.visited is not None and self.visited.shape == arrived.shape:
            arrived |= self.visited
        self.visited = arrived

    def scene_changed(self) -> None:
        self.failed_px.clear()

    def scene_reset(self) -> None:
        """A reset sweep or a new scene: every object may lie anywhere now."""
        self.scene_changed()
        self.visited = None

    def candidates(self, hypotheses: list[Hypothesis], kind: str) -> list[Hypothesis]:
        grips = KINDS[kind].grips
        return [h for h in hypotheses if grasp_over_table(h, self.table_area)
                and not (grips and h.grasp.refusal)
                and not self._near_a_failure(h.shape.centroid_px)]

    def _near_a_failure(self, pixel) -> bool:
        return any(np.hypot(pixel[0] - u, pixel[1] - v) < self.failure_radius_px
                   for u, v in self.failed_px)

    def _unvisited(self, candidates: list[Hypothesis]) -> list[Hypothesis]:
        """The candidates away from where objects came to rest; all when none is."""
        if not self.prefer_unvisited or self.visited is None:
            return candidates
        fresh = [h for h in candidates if h.mask.shape != self.visited.shape
                 or np.count_nonzero(h.mask & self.visited) < self.visited_share * h.shape.area_px]
        return fresh or candidates

    def choose(self, hypotheses: list[Hypothesis], kind: str) -> tuple[Hypothesis, bool] | None:
        """(hypothesis, chosen at random) for the primitive `kind`, or None when no
        hypothesis can be acted on with it."""
        candidates = self._unvisited(self.candidates(hypotheses, kind))
        if not candidates:
            return None
        if self.rng.random() < self.random_share:
            return candidates[int(self.rng.integers(len(candidates)))], True
        return max(candidates, key=lambda h: h.score), False


def arrived_pixels(before: RGBDView, after: RGBDView,
                   min_height_m: float = DEPTH_THRESHOLD_M) -> np.ndarray:
    """Where an object came to rest between two frames: pixels that changed, showed the
    table before and something standing on it after (a placed or pushed object's new
    pixels; not its vacated spot, nor the surface a lifted object uncovered). Every
    changed pixel without depth."""
    changed = changed_pixels(after, before, COLOUR_THRESHOLD, DEPTH_THRESHOLD_M,
                             DEPTH_OPENING_PX)
    if before.depth is None or after.depth is None:
        return changed
    height_before = height_above_table(before.depth, before.size)
    height_after = height_above_table(after.depth, after.size)
    return changed & (height_before < min_height_m) & (height_after >= min_height_m)


def grasp_over_table(hypothesis: Hypothesis, table_area: TableArea) -> bool:
    """Whether the hypothesis has a grasp, and it lies over the table area."""
    if hypothesis.grasp is None:
        return False
    xy = hypothesis.grasp.position[:2]
    return bool(np.all(xy >= table_area.min) and np.all(xy <= table_area.max))


def request_for(kind: str, hypothesis: Hypothesis, rng: np.random.Generator,
                aim: Aim = Aim()) -> InteractionRequest:
    """The interaction `kind` aimed at a hypothesis's grasp (e.g. a pick-and-place at it, or
    a push through its point away from its neighbour)."""
    grasp = hypothesis.grasp
    return InteractionRequest(kind=kind, target=grasp.position, **KINDS[kind].aim(grasp, rng, aim))


def primitive_mix(params: CollectorParams, robot: RobotConfig) -> PrimitiveMix:
    """The weights the collector draws each interaction's primitive with."""
    if params.primitive == "robot":
        return robot.primitive_mix
    if params.primitive == "mix":
        return params.primitive_mix
    return PrimitiveMix(**{kind: float(kind == params.primitive) for kind in COLLECTED})


def away_from_nearest(hypothesis: Hypothesis, hypotheses: list[Hypothesis]) -> np.ndarray | None:
    """Eitel et al. 2019's push direction: horizontal, from the nearest other hypothesis
    (with a grasp, its mask apart from this one's: overlapping ones are guesses at the same
    object) to this one, so the push separates them; None when there is no such neighbour."""
    here = hypothesis.grasp.position[:2]
    offsets = [here - h.grasp.position[:2] for h in hypotheses
               if h is not hypothesis and h.grasp is not None and not (h.mask & hypothesis.mask).any()]
    offsets = [o for o in offsets if np.linalg.norm(o) > 1e-6]
    if not offsets:
        return None
    nearest = min(offsets, key=np.linalg.norm)
    return np.array([*nearest / np.linalg.norm(nearest), 0.0])


class Schedule:
    """What comes next: interactions up to the budget, a reset sweep every `reset_every`
    and a new scene every `new_scene_every` of them."""

    def __init__(self, params: CollectorParams, done: int = 0):
        self.params = params
        self.done = done
        self._swept_at = done
        # a resumed run starts on a new scene: the world restarted on its first one
        self._scene_at = done if done == 0 else None

    @property
    def finished(self) -> bool:
        return self.done >= self.params.interactions

    def due(self) -> str:
        """'new_scene', 'sweep' or 'interact' (check `finished` first)."""
        p = self.params
        if p.new_scene_every and (self._scene_at is None or
                                  self.done - self._scene_at >= p.new_scene_every):
            return "new_scene"
        if p.reset_every and self.done - self._swept_at >= p.reset_every:
            return "sweep"
        return "interact"

    def mark(self, what: str) -> None:
        if what == "new_scene":
            self._scene_at = self._swept_at = self.done
        elif what == "sweep":
            self._swept_at = self.done
        else:
            self.done += 1

    def scene_seed(self) -> int:
        """Seed of the scene to start now: the run's seed plus the interactions done, so a
        resumed run draws the scenes it would have drawn, never its first one again."""
        return self.params.seed + self.done
