"""One rearrangement episode (Pathak et al. 2018, section 6.3), over any segmenter and
any way of acting: segment the goal and the current scene (two touching objects that one
segment covers told apart where the scene shows that one of them left, or where the goal
shows them apart and nothing changed), match their segments, move the matched objects
one by one with pick-and-place until each lies within the tolerance of its goal or the
budget is spent, segmenting and matching again after every move. The object goes down
where its footprint clears the neighbours of its goal spot, within a centimetre of it,
and the fingers close along a direction that clears the neighbours both where the object
is taken and where it is put down, where one does. A failed grasp is retried once, from
the new segmentation, at the segment's most interior part, clearing the neighbours where
one can; a failed placing (the object let go where its lowering was blocked) once, with
the usual grasp from where it lies; an object whose goal spot is taken waits until the
one standing there has been moved aside."""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import Grasp, checked_grasp, grasp_scene, top_down_grasp
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis, project_point
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.free_space import (clearest_spot_near, free_spot,
                                                             mask_footprint, occupied_points)
from seg_by_interaction.core.rearrangement.features import CropFeatures, Descriptor
from seg_by_interaction.core.rearrangement.matching import Matching, MatchingParams, match, similarities
from seg_by_interaction.core.rearrangement.planning import (Move, ObjectError, PlanParams, misplaced,
                                                            interior_part, next_move, object_errors,
                                                            retry_grasp, same_grasp)
from seg_by_interaction.core.rearrangement.segments import (SegmentParams, scene_segments, split_along,
                                                            split_by_change)
from seg_by_interaction.core.robot_config import RobotConfig


class GoalError(ValueError):
    """A rearrangement that must not start: nothing moves."""


@dataclasses.dataclass(frozen=True)
class Scene:
    view: RGBDView
    segments: list[Hypothesis]
    descriptors: list[Descriptor]


@dataclasses.dataclass(frozen=True)
class Acted:
    """What a pick-and-place did: its outcome's name, the scene after it if captured, and
    whether the grasp held the object until it was let go (a failure was then the
    placing's, not the grasp's)."""
    success: bool
    outcome: str
    reason: str
    view: RGBDView | None = None
    held: bool = False


@dataclasses.dataclass(frozen=True)
class MoveRecord:
    kind: str                               # "to_goal" or "aside"
    goal: int                               # goal segment served
    from_px: tuple[float, float]
    to_px: tuple[float, float] | None       # None when no place could be found
    outcome: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Progress:
    matched: int
    moves: int
    errors: list[ObjectError]


@dataclasses.dataclass(frozen=True)
class EpisodeResult:
    success: bool
    reason: str
    goal: Scene
    initial: Scene
    final: Scene
    matching: Matching
    errors: list[ObjectError]
    moves: list[MoveRecord]


@dataclasses.dataclass(frozen=True)
class Tools:
    """What an episode uses: `segment` view -> proposals, `features` describing segments,
    `act` running a pick-and-place, `observe` giving the current view."""
    segment: Callable
    segmenter_name: str
    features: CropFeatures
    act: Callable[[InteractionRequest], Acted]
    observe: Callable[[], RGBDView]


class Rearranger:
    def __init__(self, tools: Tools, robot: RobotConfig, segments: SegmentParams = SegmentParams(),
                 matching: MatchingParams = MatchingParams(), plan: PlanParams = PlanParams(),
                 rng: np.random.Generator | None = None):
        self.tools, self.robot = tools, robot
        self.segment_params, self.matching_params, self.plan = segments, matching, plan
        self.rng = rng or np.random.default_rng(0)

    def scene(self, view: RGBDView, changed_in: RGBDView | None = None,
              goal: Scene | None = None) -> Scene:
        """The view's segments; a goal's split where `changed_in` shows that one of two
        touching objects left, a scene's along the `goal`'s where nothing changed."""
        proposals = self.tools.segment(view)
        if self.segment_params.split_by_change:
            if changed_in is not None:
                proposals = split_by_change(proposals, view, changed_in, self.segment_params)
            if goal is not None:
                proposals = split_along(proposals, view, goal.view,
                                        [s.mask for s in goal.segments], self.segment_params)
        segments = scene_segments(proposals, view, self.robot, self.tools.segmenter_name,
                                  self.segment_params)
        return Scene(view, segments, self.tools.features.describe(view.rgb, segments))

    def matched(self, current: Scene, goal: Scene) -> Matching:
        similarity = similarities(current.descriptors, goal.descriptors, self.matching_params)
        return match(similarity, self.matching_params.min_similarity)

    def run(self, goal_view: RGBDView, tolerance_px: float, budget: int,
            progress: Callable[[Progress], None] = lambda _: None,
            cancelled: Callable[[], bool] = lambda: False) -> EpisodeResult:
        """Raises GoalError, before anything moves, when the goal or the scene shows no
        object."""
        initial_view = self.tools.observe()
        goal = self.scene(goal_view, changed_in=initial_view)
        if not goal.segments:
            raise GoalError(f"the goal image shows no object to the {self.tools.segmenter_name} "
                            "segmenter")
        initial = current = self.scene(initial_view, goal=goal)
        if not current.segments:
            raise GoalError(f"the scene is empty: the {self.tools.segmenter_name} segmenter "
                            "finds no object on the table")
        episode = _Episode(goal, initial, tolerance_px, budget)
        while True:
            matching = self.matched(current, goal)
            errors = object_errors(matching, current.segments, goal.segments)
            progress(Progress(len(matching.matches), len(episode.moves), errors))
            verdict = episode.verdict(matching, errors, cancelled())
            move = None if verdict else next_move(errors, current.segments, goal.segments,
                                                  tolerance_px, episode.given_up,
                                                  self.plan.occupied_share)
            if verdict or move is None:
                return episode.result(verdict or _stuck(matching, errors, episode, tolerance_px),
                                      current, matching, errors)
            acted = self._carry_out(move, current, goal, episode)
            current = self.scene(acted.view if acted.view is not None else self.tools.observe(),
                                 goal=goal)

    def _carry_out(self, move: Move, current: Scene, goal: Scene, episode: "_Episode") -> Acted:
        place = (self._clear_place(move.segment, move.place_xy, current.view)
                 if move.kind == "to_goal" else self._aside_spot(current, goal))
        origin = move.segment.shape.centroid_px
        if place is None:
            episode.given_up.add(move.goal)
            acted = Acted(False, "NO_FREE_SPOT", "no free spot to move the object aside to")
            episode.record(move, origin, None, acted, self.plan.grasp_attempts)
            return dataclasses.replace(acted, view=current.view)
        if episode.failed_grasps.get(move.goal):
            grasp = self._retry_grasp(move.segment, place, current.view,
                                      episode.tried_grasps.get(move.goal))
            # the object's centroid, not the grasp point, goes to the goal
            place = np.asarray(place) + (grasp.position[:2] - move.segment.grasp.position[:2])
        else:
            grasp = (self._grasp_clearing(move.segment, move.segment.mask, place, current.view)
                     or move.segment.grasp)
        request = InteractionRequest(kind="pick_place", target=grasp.position, yaw=grasp.yaw,
                                     width=min(grasp.width_m, self.robot.gripper.max_opening),
                                     place_xy=np.asarray(place, float))
        episode.tried_grasps[move.goal] = grasp
        acted = self.tools.act(request)
        to_px = project_point((*place, move.segment.grasp.position[2]), current.view.intrinsics,
                              current.view.camera_pose)
        episode.record(move, origin, to_px, acted, self.plan.grasp_attempts)
        return acted

    def _grasp_clearing(self, segment: Hypothesis, mask: np.ndarray, place,
                        view: RGBDView) -> Grasp | None:
        """The grasp of `mask` (the segment or a part of it) at a closing direction that
        clears the other objects both where it is taken and where its grasp point goes
        down (`place`); None when none does or the check is off."""
        check = self.segment_params.grasp_check
        if not check.enabled:
            return None
        others = grasp_scene(_without(segment, view), view.intrinsics,
                             view.camera_pose, self.robot.gripper, self.robot.table_height, check)
        fitting = checked_grasp(mask, view.depth, view.intrinsics, view.camera_pose,
                                others, places=[place])
        return None if fitting is None or fitting.refusal else fitting

    def _retry_grasp(self, segment: Hypothesis, place, view: RGBDView,
                     failed: Grasp | None) -> Grasp:
        """After a failed grasp: at the segment's most interior part, clearing the other
        objects where one can and unlike the grasp that `failed`, else as `retry_grasp`."""
        part = interior_part(segment.mask, self.plan.retry_radius_px)
        principal = top_down_grasp(part, view.depth, view.intrinsics, view.camera_pose)
        fitting = None if principal is None else self._grasp_clearing(
            segment, part, np.asarray(place) + principal.position[:2] - segment.grasp.position[:2],
            view)
        if fitting is None or (failed is not None and same_grasp(fitting, failed)):
            return retry_grasp(segment, principal)
        return fitting

    def _clear_place(self, segment: Hypothesis, place, view: RGBDView) -> np.ndarray:
        """The goal spot, shifted by at most `place_reach_m` to where the object's footprint
        keeps clear of the objects standing around it."""
        footprint = mask_footprint(segment.mask, view.depth, view.intrinsics, view.camera_pose)
        occupied = occupied_points(_without(segment, view), view.intrinsics, view.camera_pose,
                                   self.robot.table_height, stride=1)
        return clearest_spot_near(footprint - segment.grasp.position[:2], place, occupied,
                                  self.plan.place_reach_m, self.plan.place_clearance_m)

    def _aside_spot(self, current: Scene, goal: Scene) -> np.ndarray | None:
        """A free spot on the table away from every goal position."""
        goal_xy = np.array([s.grasp.position[:2] for s in goal.segments])
        return free_spot(current.view, self.robot.table_area, self.robot.table_height,
                         self.plan.aside_radius_m, self.plan.aside_margin_m, self.rng,
                         keep_clear=goal_xy)


class _Episode:
    """The moves made so far, the objects given up, and when the episode ends."""

    def __init__(self, goal: Scene, initial: Scene, tolerance_px: float, budget: int):
        self.goal, self.initial = goal, initial
        self.tolerance_px, self.budget = tolerance_px, budget
        self.moves: list[MoveRecord] = []
        self.failed_grasps: dict[int, int] = {}     # per goal segment
        self.failed_places: dict[int, int] = {}
        self.tried_grasps: dict[int, Grasp] = {}
        self.given_up: set[int] = set()

    def record(self, move: Move, from_px, to_px, acted: Acted, attempts: int) -> None:
        self.moves.append(MoveRecord(move.kind, move.goal, tuple(map(float, from_px)),
                                     None if to_px is None else tuple(map(float, to_px)),
                                     acted.outcome, acted.reason))
        if not acted.success:
            failures = self.failed_places if acted.held else self.failed_grasps
            failures[move.goal] = failures.get(move.goal, 0) + 1
            if failures[move.goal] >= attempts:
                self.given_up.add(move.goal)

    def verdict(self, matching: Matching, errors: list[ObjectError], cancelled: bool) -> tuple | None:
        """(success, reason) once the episode is over, else None."""
        if cancelled:
            return False, "cancelled"
        if not matching.unmatched_goal and not misplaced(errors, self.tolerance_px):
            return True, (f"all {len(errors)} objects within {self.tolerance_px:g} px of their "
                          f"goal after {len(self.moves)} moves")
        if len(self.moves) >= self.budget:
            return False, f"budget of {self.budget} interactions spent"
        return None

    def result(self, verdict: tuple, final: Scene, matching: Matching,
               errors: list[ObjectError]) -> EpisodeResult:
        success, reason = verdict
        return EpisodeResult(success, reason, self.goal, self.initial, final, matching, errors,
                             self.moves)


def _without(segment: Hypothesis, view: RGBDView) -> np.ndarray:
    """The view's depth with no reading where the segment is: the scene once it is taken."""
    return np.where(segment.mask, 0.0, view.depth)


def _stuck(matching: Matching, errors: list[ObjectError], episode: _Episode,
           tolerance_px: float) -> tuple[bool, str]:
    """Why no move is left although the goal is not reached."""
    parts = []
    if matching.unmatched_goal:
        parts.append(f"goal segments {list(matching.unmatched_goal)} have no counterpart in the scene")
    stuck = [e.goal for e in misplaced(errors, tolerance_px) if e.goal in episode.given_up]
    if stuck:
        parts.append(f"objects of goal segments {stuck} given up after failed attempts")
    return False, "; ".join(parts) or "no move left"
