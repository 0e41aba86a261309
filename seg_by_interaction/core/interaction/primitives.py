"""The interaction primitives, written once on the motion backend interface so the same
code drives the simulated and the real arm.

- pick_place (Pathak et al. 2018): top-down grasp at a pixel-derived point with a yaw,
  lift, carry out of the camera's view (capture I'_{t+1}), place at a location, retreat
  (capture I_{t+1}).
- push (Eitel et al. 2019): the fingertips move horizontally, parallel to the table,
  through the target along a direction.
- poke (Lohmann et al. 2020): a short push with escalating magnitude; each magnitude is
  a depth past the contact point and a speed, so a position-controlled arm realises it.
- reset_sweep (Pathak et al. 2018): the closed gripper sweeps from 8 points on the arena
  boundary to its centre, gathering objects back into view.

Each primitive starts and ends with the arm out of view, calls `capture(label)` only
then, and returns an outcome with a reason instead of raising. A capture returns an
RGB-D view (`rgbd.RGBDView`, or the simulated world's observation, which has the same
`rgb`, `depth`, `intrinsics` and `camera_pose`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Any, Callable, NoReturn

import numpy as np

from seg_by_interaction.core.interaction.free_space import free_spot
from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.validated import setting

Capture = Callable[[str], Any]

POKE_MAGNITUDES = ("light", "medium", "heavy")
SWEEP_STROKES = 8
RELEASE = "release"   # a pick-and-place timed this phase only if its grasp held the object


@dataclasses.dataclass(frozen=True, kw_only=True)
class PrimitiveParams:
    approach_height_m: float = setting(0.12, "tool height above the target before descending",
                                       min=0.02, max=0.5)
    grasp_depth_m: float = setting(0.025, "how far below the object's top surface the "
                                          "fingertips close", min=0.0, max=0.1)
    min_tool_height_m: float = setting(0.008, "lowest tool height above the table",
                                       min=0.0, max=0.1)
    lift_height_m: float = setting(0.15, "lift after grasping", min=0.02, max=0.5)
    place_clearance_m: float = setting(0.005, "release this high above where it was grasped",
                                       min=0.0, max=0.05)
    place_min_radius_m: float = setting(0.06, "object size assumed when its width is unknown",
                                        min=0.0, max=0.3)
    place_clearance_radius_m: float = setting(0.03, "free radius around a place spot beyond the "
                                                    "object's half width", min=0.0, max=0.3)
    place_margin_m: float = setting(0.04, "random place spots keep this far inside the "
                                          "table area", min=0.0, max=0.3)
    grasped_min_opening_m: float = setting(0.004, "a closed gripper narrower than this holds "
                                                  "nothing", min=0.0, max=0.05)
    transit_speed: float = setting(0.25, "tool speed between poses, m/s", min=0.01, max=1.5)
    contact_speed: float = setting(0.08, "tool speed near objects, m/s", min=0.005, max=1.0)
    retreat_speed: float = setting(0.25, "tool speed straight up from a released object or "
                                         "the end of a stroke (nothing held), m/s",
                                   min=0.005, max=1.5)
    push_height_m: float = setting(0.02, "fingertip height above the table while pushing",
                                   min=0.0, max=0.1)
    push_start_offset_m: float = setting(0.08, "start this far behind the target point",
                                         min=0.0, max=0.3)
    push_distance_m: float = setting(0.12, "default push length past the target", min=0.01,
                                     max=0.4)
    poke_depths_m: tuple[float, float, float] = setting(
        (0.01, 0.025, 0.05), "light, medium, heavy: travel past the contact point", min=0.0, max=0.2)
    poke_speeds: tuple[float, float, float] = setting(
        (0.03, 0.08, 0.2), "light, medium, heavy: tool speed, m/s", min=0.005, max=1.0)
    poke_start_offset_m: float = setting(0.04, "poke starts this far before the contact point",
                                         min=0.0, max=0.2)
    poke_half_extent_m: float = setting(0.04, "object half size assumed when the caller gives "
                                              "none", min=0.0, max=0.2)
    sweep_height_m: float = setting(0.015, "fingertip height above the table while sweeping",
                                    min=0.0, max=0.1)


@dataclasses.dataclass
class PrimitiveResult:
    outcome: Outcome
    reason: str
    frames: dict[str, Any] = dataclasses.field(default_factory=dict)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    place_xy: np.ndarray | None = None      # where pick_place put the object down

    @property
    def success(self) -> bool:
        return self.outcome == Outcome.OK


class Primitives:
    def __init__(self, backend: MotionBackend, robot: RobotConfig, capture: Capture,
                 params: PrimitiveParams = PrimitiveParams(),
                 on_phase: Callable[[str], None] | None = None):
        """`on_phase(name)` is called as each phase starts (e.g. for action feedback)."""
        self.backend = backend
        self.robot = robot
        self.capture = capture
        self.params = params
        self.on_phase = on_phase
        self._timings: dict[str, float] = {}
        self._place_xy: np.ndarray | None = None
        self.notes: list[str] = []

    # --- the primitives ---------------------------------------------------------------

    def pick_place(self, target, yaw: float, width: float = 0.0, place_xy=None,
                   rng: np.random.Generator | None = None) -> PrimitiveResult:
        """Grasp top-down at `target` (a point on the object's top surface) with the fingers
        closing along `yaw`, carry it out of view, and put it down at `place_xy` (None = a
        random spot in the table area). `width` (the object's extent across the fingers,
        0 = unknown) narrows the pre-grasp opening so the fingers miss neighbours."""
        def run(frames):
            p = self.params
            grasp_point = self._clamp_height(np.subtract(target, (0.0, 0.0, p.grasp_depth_m)))
            grasp = ToolPose.top_down(grasp_point, yaw)
            self.backend.check_in_workspace([grasp.position], "grasp point")
            if place_xy is not None:        # refused before anything moves
                self.backend.check_in_workspace(
                    [self._release_pose(place_xy, grasp_point, yaw).position], "place point")
            opening = self.robot.gripper.pregrasp_opening(width)
            self._timed("open", self.backend.set_gripper, opening)
            self._timed("approach", self.backend.move_to, grasp.moved((0, 0, p.approach_height_m)),
                        p.transit_speed)
            self._timed("descend", self.backend.move_linear, [grasp], p.contact_speed)
            self._timed("close", self.backend.set_gripper, 0.0)
            self._timed("lift", self.backend.move_linear, [grasp.moved((0, 0, p.lift_height_m))],
                        p.contact_speed)
            self._out_of_view_capture(frames, "mid")
            if self.backend.gripper_opening() < p.grasped_min_opening_m:
                frames["after"] = self._timed("capture_after", self.capture, "after")
                raise MotionError(Outcome.NOTHING_GRASPED, "the gripper closed on nothing")
            try:
                place = self._place_xy = self._choose_place(place_xy, frames["mid"], width, rng)
                release = self._release_pose(place, grasp_point, yaw)
                self.backend.check_in_workspace([release.position], "place point")
                self._timed("carry", self.backend.move_to, release.moved((0, 0, p.lift_height_m)),
                            p.transit_speed)
                self._timed("lower", self.backend.move_linear, [release], p.contact_speed)
            except MotionError as error:
                self._let_go(error, grasp)
            if self.backend.gripper_opening() < p.grasped_min_opening_m:
                raise MotionError(Outcome.NOTHING_GRASPED, "the object slipped out of the gripper "
                                                           "while it was carried")
            self._timed(RELEASE, self.backend.set_gripper, self.robot.gripper.max_opening)
            self._timed("retreat", self.backend.move_linear,
                        [release.moved((0, 0, p.approach_height_m))], p.retreat_speed)
            self._out_of_view_capture(frames, "after")
        return self._run(run)

    def _release_pose(self, place_xy, grasp_point, yaw: float) -> ToolPose:
        """Where the tool lets an object go: above `place_xy` at the height it was grasped."""
        return ToolPose.top_down((*np.asarray(place_xy, float)[:2],
                                  grasp_point[2] + self.params.place_clearance_m), yaw)

    def _let_go(self, error: MotionError, grasp: ToolPose) -> NoReturn:
        """After a failure with the object in hand (no place for it, or a carry or a
        lowering that failed): put it down so that it stays on the table instead of being
        held out of view, where the arm stopped if that is over the table, else back where
        it was grasped; raises `error` with what became of the object."""
        where = "where the arm stopped"
        try:
            if not self.robot.table_area.contains(self.backend.tool_pose().position):
                where = "where it was grasped"
                self._timed("carry_back", self.backend.move_to,
                            grasp.moved((0, 0, self.params.lift_height_m)), self.params.transit_speed)
                self._timed("lower_back", self.backend.move_linear, [grasp],
                            self.params.contact_speed)
            self._place_xy = self.backend.tool_pose().position[:2].copy()
            self._timed(RELEASE, self.backend.set_gripper, self.robot.gripper.max_opening)
        except MotionError as failure:
            raise MotionError(error.outcome, f"{error.reason}; the object is still held: "
                                             f"{failure.reason}") from error
        raise MotionError(error.outcome, f"{error.reason}; the object was let go {where}") from error

    def push(self, target, direction, distance: float = 0.0) -> PrimitiveResult:
        """Move the closed fingertips horizontally through `target` along `direction`."""
        def run(frames):
            p = self.params
            heading = self._horizontal_unit(direction)
            self._linear_stroke(target, heading, p.push_start_offset_m, distance or p.push_distance_m,
                                p.push_height_m, p.contact_speed)
            self._out_of_view_capture(frames, "after")
        return self._run(run)

    def poke(self, target, direction, magnitude: str, half_extent: float = 0.0) -> PrimitiveResult:
        """A short push, `magnitude` light / medium / heavy, toward `target` (the object's
        centre) along `direction`. Contact is expected `half_extent` before the target
        (the object's half size along the direction; 0 = assume the configured value);
        the fingertips travel the magnitude's depth past it at the magnitude's speed."""
        def run(frames):
            if magnitude not in POKE_MAGNITUDES:
                raise MotionError(Outcome.INVALID_REQUEST,
                                  f"poke magnitude '{magnitude}' is not one of {POKE_MAGNITUDES}")
            p = self.params
            level = POKE_MAGNITUDES.index(magnitude)
            heading = self._horizontal_unit(direction)
            contact = np.asarray(target, float)[:2] - heading * (half_extent or p.poke_half_extent_m)
            self._linear_stroke(contact, heading, p.poke_start_offset_m, p.poke_depths_m[level],
                                p.push_height_m, p.poke_speeds[level])
            self._out_of_view_capture(frames, "after")
        return self._run(run)

    def reset_sweep(self) -> PrimitiveResult:
        """Sweep from 8 points on the table area's boundary to its centre. A stroke that
        fails is skipped (the arm lifts clear and goes on); the sweep fails only if every
        stroke did."""
        def run(frames):
            area = self.robot.table_area
            failures = []
            for start in sweep_start_points(area.min, area.max):
                try:
                    self._sweep_stroke(start, area.centre)
                except MotionError as error:
                    failures.append(error)
                    with contextlib.suppress(MotionError):   # the next stroke plans from here
                        self._lift_clear()
            self._out_of_view_capture(frames, "after")
            if len(failures) == SWEEP_STROKES:
                raise MotionError(failures[0].outcome, f"every sweep stroke failed: {failures[0].reason}")
            if failures:
                self.notes.append(f"{SWEEP_STROKES - len(failures)} of {SWEEP_STROKES} sweep strokes; "
                                  f"skipped: {failures[0].reason}")
        return self._run(run, capture_before=False)

    def _sweep_stroke(self, start, centre) -> None:
        heading = np.asarray(centre) - start
        length = float(np.linalg.norm(heading))
        self._linear_stroke(start, heading / length, 0.0, length, self.params.sweep_height_m,
                            self.params.contact_speed)

    # --- shared steps -----------------------------------------------------------------

    def _run(self, body, capture_before: bool = True) -> PrimitiveResult:
        """Start out of view, capture I_t, run the body; on failure retreat out of view,
        capture what the scene looks like now, and report the outcome instead of raising."""
        self._timings, self.notes, self._place_xy = {}, [], None
        frames: dict[str, Any] = {}
        try:
            self._out_of_view_capture(frames, "before" if capture_before else None)
            body(frames)
            return PrimitiveResult(Outcome.OK, "; ".join(self.notes) or "done", frames,
                                   self._timings, self._place_xy)
        except MotionError as error:
            outcome, reason = error.outcome, error.reason
        try:
            self._lift_clear()
            self._out_of_view_capture(frames, None if "after" in frames else "after")
        except MotionError as error:
            reason += f"; could not retreat out of view: {error.reason}"
        return PrimitiveResult(outcome, reason, frames, self._timings, self._place_xy)

    def retreat(self) -> None:
        """Lift clear and go out of view, e.g. after an interaction that ran out of time
        left the arm where it stopped (raises MotionError if it cannot)."""
        self._lift_clear()
        self._timed("out_of_view", self.backend.move_to_named, "out_of_view")

    def _lift_clear(self) -> None:
        """Straight up from wherever a failure left the tool, so planning starts free of
        the objects and the table; stops early at the top of the workspace."""
        tool = self.backend.tool_pose()
        top = min(tool.position[2] + self.params.approach_height_m, self.robot.workspace.max[2])
        if top > tool.position[2] + 1e-3 and self.backend.workspace.contains(tool.position):
            self._timed("lift_clear", self.backend.move_linear,
                        [tool.moved((0, 0, top - tool.position[2]))], self.params.contact_speed)

    def _linear_stroke(self, target, heading, start_offset, travel, height, speed) -> None:
        p = self.params
        z = self.robot.table_height + height
        target_xy = np.asarray(target, float)[:2]
        yaw = np.arctan2(heading[1], heading[0]) + np.pi / 2  # fingers across the motion
        start = ToolPose.top_down((*(target_xy - heading * start_offset), z), yaw)
        end = ToolPose.top_down((*(target_xy + heading * travel), z), yaw)
        self.backend.check_in_workspace([start.position, end.position], "stroke end")
        self._timed("close", self.backend.set_gripper, 0.0)
        self._timed("approach", self.backend.move_to, start.moved((0, 0, p.approach_height_m)),
                    p.transit_speed)
        self._timed("descend", self.backend.move_linear, [start], p.contact_speed)
        self._timed("stroke", self.backend.move_linear, [end], speed)
        self._timed("retreat", self.backend.move_linear, [end.moved((0, 0, p.approach_height_m))],
                    p.retreat_speed)

    def _out_of_view_capture(self, frames, label: str | None) -> None:
        self._timed("out_of_view", self.backend.move_to_named, "out_of_view")
        if label:
            frames[label] = self._timed(f"capture_{label}", self.capture, label)

    def _timed(self, phase: str, function, *args):
        if self.on_phase is not None:
            self.on_phase(phase)
        start = time.monotonic()
        try:
            return function(*args)
        except MotionError as error:
            raise MotionError(error.outcome, f"{phase}: {error.reason}") from error
        finally:
            self._timings[phase] = self._timings.get(phase, 0.0) + time.monotonic() - start

    def _clamp_height(self, point) -> np.ndarray:
        point = np.asarray(point, float).copy()
        point[2] = max(point[2], self.robot.table_height + self.params.min_tool_height_m)
        return point

    def _choose_place(self, place_xy, view, width: float, rng) -> np.ndarray:
        """The requested spot, or a random free one seen in `view` (the object is out of
        view then, so its own old place counts as free)."""
        if place_xy is not None:
            return np.asarray(place_xy, float)[:2]
        radius = max(width, self.params.place_min_radius_m) / 2 + self.params.place_clearance_radius_m
        spot = free_spot(view, self.robot.table_area, self.robot.table_height, radius,
                         self.params.place_margin_m, rng or np.random.default_rng())
        if spot is None:
            raise MotionError(Outcome.PLANNING_FAILED, "no free spot on the table to put the object")
        return spot

    @staticmethod
    def _horizontal_unit(direction) -> np.ndarray:
        heading = np.asarray(direction, float)[:2]
        norm = np.linalg.norm(heading)
        if not np.isfinite(norm) or norm < 1e-6:
            raise MotionError(Outcome.INVALID_REQUEST, f"direction {direction} has no horizontal part")
        return heading / norm


def sweep_start_points(low, high) -> np.ndarray:
    """The 4 corners and 4 edge midpoints of the rectangle [low, high]."""
    (x0, y0), (x1, y1) = low, high
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([(x0, y0), (xm, y0), (x1, y0), (x1, ym), (x1, y1), (xm, y1), (x0, y1), (x0, ym)])
