"""The primitive kinds, one entry each: everything the loop's parts derive from a kind.

Primitive.msg names a kind by the type constant spelled like it in upper case (a test
pins it); the labelers' frame pairs are defined in `labelers.base`, the feedback phases
in Interact.action."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np


@dataclasses.dataclass(frozen=True, kw_only=True)
class PrimitiveKind:
    name: str
    # (primitives, request, rng) -> PrimitiveResult
    run: Callable[[Any, Any, np.random.Generator], Any]
    needs: tuple[str, ...]                  # request fields it cannot do without
    frame_pairs: tuple[str, ...] = ()       # labelled from these; () = nothing to label
    stopped_pairs: tuple[str, ...] = ()     # instead, when it was stopped before its mid
                                            # frame (positives only: what it moved)
    # (grasp, rng, Aim) -> the request's fields when the collector acts on a hypothesis's
    # grasp with it; None = the collector never chooses it, and it does not count toward
    # the collection's budget
    aim: Callable[[Any, np.random.Generator, "Aim"], dict] | None = None
    stroke_phase: str                       # Interact feedback phase while it strokes
    grips: bool = False                     # closes the fingers on the object, so only a
                                            # grasp that fits (Grasp.refusal empty) is tried


@dataclasses.dataclass(frozen=True)
class Aim:
    """What the collector decided beside the hypothesis, for the kinds' `aim`."""
    magnitude: str = "medium"               # poke
    away: np.ndarray | None = None          # push: direction from the nearest neighbouring
                                            # hypothesis to this one (None = no neighbour)
    push_distance: float = 0.0              # push: 0 = the executor's default


def _random_heading(rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(-np.pi, np.pi)
    return np.array([np.cos(angle), np.sin(angle), 0.0])


KINDS = {kind.name: kind for kind in (
    PrimitiveKind(
        name="pick_place", needs=("target",), frame_pairs=("before_mid", "mid_after"),
        stopped_pairs=("before_after",),
        run=lambda primitives, r, rng: primitives.pick_place(r.target, r.yaw, r.width, r.place_xy, rng),
        aim=lambda grasp, rng, aim: {"yaw": grasp.yaw, "width": grasp.width_m},
        stroke_phase="approaching", grips=True),
    PrimitiveKind(
        name="push", needs=("target", "direction"), frame_pairs=("before_after",),
        run=lambda primitives, r, rng: primitives.push(r.target, r.direction, r.distance),
        aim=lambda grasp, rng, aim: {"direction": _random_heading(rng) if aim.away is None
                                     else aim.away, "distance": aim.push_distance},
        stroke_phase="pushing"),
    PrimitiveKind(
        name="poke", needs=("target", "direction", "magnitude"), frame_pairs=("before_after",),
        run=lambda primitives, r, rng: primitives.poke(r.target, r.direction, r.magnitude,
                                                       r.half_extent),
        aim=lambda grasp, rng, aim: {"direction": _random_heading(rng), "magnitude": aim.magnitude,
                                     "half_extent": grasp.width_m / 2},
        stroke_phase="poking"),
    PrimitiveKind(
        name="reset_sweep", needs=(),
        run=lambda primitives, r, rng: primitives.reset_sweep(),
        stroke_phase="sweeping"),
)}
COLLECTED = tuple(name for name, kind in KINDS.items() if kind.aim is not None)
LABELLED = tuple(name for name, kind in KINDS.items() if kind.frame_pairs)
