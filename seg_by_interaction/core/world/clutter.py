"""Scene layouts: which objects of a pool lie apart and which together, in the clutter
where depth and colour grouping fail and only moving an object reveals it: rows of
objects in contact (some recoloured to one colour), small stacks, flat objects.

`plan` decides the groups (no physics); `place_row` and `place_stack` put a group's
objects on the table of a PyBullet client, in contact.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
import pybullet

from seg_by_interaction.core.world.objects import ObjectSpec, footprint_radius, spawn
from seg_by_interaction.core.world.params import ClutterParams

CONTACT_GAP_M = 0.0005        # objects in contact are placed this far apart, then settle
FLAT_TOPPED = ("box", "cylinder")
FLAT_BOTTOMED = ("box", "cylinder", "compound")    # rest on a stack's base without rocking


@dataclasses.dataclass(frozen=True)
class Group:
    """Objects placed together: `single` (one object, apart), `row` (side by side in
    contact, along the row) or `stack` (the second resting on the first)."""
    kind: str
    specs: tuple[ObjectSpec, ...]
    same_colour: bool = False


def plan(layout: str, pool: Sequence[ObjectSpec], count: int, params: ClutterParams,
         rng: np.random.Generator) -> list[Group]:
    """The groups of a scene of `count` objects (a mixed scene holds at least its mix)
    drawn from `pool` without repeats; groups of several objects first, as they need
    the most room. Flat objects enter only the mixed layout's flat slots."""
    if layout == "separated":
        chosen = rng.choice(len(pool), size=min(count, len(pool)), replace=False)
        return [Group("single", (pool[i],)) for i in chosen]
    flat = [pool[i] for i in rng.permutation(len(pool)) if pool[i].family == "flat"]
    solid = [pool[i] for i in rng.permutation(len(pool)) if pool[i].family != "flat"]
    if layout == "touching":
        groups = _rows(solid, _row_lengths(count, params, rng), params, rng)
    elif layout == "stacked":
        groups = _stacks(solid, count // 2)
    else:
        lengths = [int(rng.integers(params.row_length[0], params.row_length[1] + 1))
                   for _ in range(params.touching_groups)]
        groups = (_stacks(solid, params.stacks) + _rows(solid, lengths, params, rng)
                  + _singles(flat, params.flat_objects))
    placed = sum(len(group.specs) for group in groups)
    return groups + _singles(solid, count - placed)


def _row_lengths(count: int, params: ClutterParams, rng: np.random.Generator) -> list[int]:
    """Lengths within the configured range adding up to `count`; a remainder too short
    for a row of its own joins the last row."""
    low, high = params.row_length
    lengths = []
    while count - sum(lengths) >= low:
        lengths.append(int(min(rng.integers(low, high + 1), count - sum(lengths))))
    if lengths:
        lengths[-1] += count - sum(lengths)
    return lengths


def _rows(available: list[ObjectSpec], lengths: list[int], params: ClutterParams,
          rng: np.random.Generator) -> list[Group]:
    rows = []
    for length in lengths:
        specs = _take(available, length)
        if len(specs) >= 2:
            rows.append(Group("row", specs, bool(rng.random() < params.same_colour_chance)))
    return rows


def _stacks(available: list[ObjectSpec], count: int) -> list[Group]:
    """Up to `count` stacks: a box or cylinder as base, topped by a box, cylinder or
    compound whose footprint lies within the base's top face."""
    stacks = []
    for base in [spec for spec in available if spec.kind in FLAT_TOPPED]:
        if len(stacks) == count:
            break
        if base not in available:
            continue  # already on top of another
        top = next((spec for spec in available if spec is not base
                    and spec.kind in FLAT_BOTTOMED and stack_yaw(spec, base) is not None), None)
        if top is not None:
            available.remove(base)
            available.remove(top)
            stacks.append(Group("stack", (base, top)))
    return stacks


def _singles(available: list[ObjectSpec], count: int) -> list[Group]:
    return [Group("single", (spec,)) for spec in _take(available, max(count, 0))]


def _take(available: list[ObjectSpec], count: int) -> tuple[ObjectSpec, ...]:
    taken = tuple(available[:count])
    del available[:count]
    return taken


def stack_yaw(top: ObjectSpec, base: ObjectSpec) -> float | None:
    """The yaw of `top` relative to `base` (none or a quarter turn) at which top's
    footprint lies within base's top face; None if at neither, or if base is not flat
    on top."""
    if base.kind == "cylinder":
        return 0.0 if footprint_radius(top) <= base.dimensions[0] else None
    if base.kind != "box":
        return None
    (top_x, top_y, _), (base_x, base_y, _) = top.size, base.size
    if top_x <= base_x and top_y <= base_y:
        return 0.0
    if top_y <= base_x and top_x <= base_y:
        return math.pi / 2
    return None


def group_radius(group: Group) -> float:
    """Radius of a vertical cylinder about the group's centre that holds it at any yaw."""
    if group.kind == "row":
        along = sum(_across_and_along(spec)[1] for spec in group.specs)
        across = max(_across_and_along(spec)[0] for spec in group.specs)
        return 0.5 * math.hypot(along, across)
    return footprint_radius(group.specs[0])


def centre_reach(group: Group) -> float:
    """How far from the group's centre its objects' footprint centres lie at most."""
    if group.kind == "row":
        along = [_across_and_along(spec)[1] for spec in group.specs]
        return (sum(along) - min(along)) / 2
    return 0.0


def place_row(client: int, specs: Sequence[ObjectSpec], centre, height: float,
              direction: float) -> list[int]:
    """Spawn `specs` side by side, their narrow sides along `direction` (rad), the row
    centred on `centre`, each slid back along the row until it touches the ones before."""
    unit = np.array([math.cos(direction), math.sin(direction)])
    along = [_across_and_along(spec)[1] for spec in specs]
    position = np.asarray(centre, float) - unit * (sum(along) - along[0]) / 2
    bodies = []
    for index, spec in enumerate(specs):
        if index:
            position = position + unit * ((along[index - 1] + along[index]) / 2 + CONTACT_GAP_M)
        narrow_along_x = spec.size[0] <= spec.size[1]
        body = spawn(client, spec, (*position, height),
                     direction + (0.0 if narrow_along_x else math.pi / 2))
        if bodies:
            position = position - unit * _slide_into_contact(client, body, bodies, unit)
        bodies.append(body)
    return bodies


def place_stack(client: int, base: ObjectSpec, top: ObjectSpec, centre, height: float,
                yaw: float) -> list[int]:
    """Spawn `base` on the table and `top` centred on base's top face."""
    base_body = spawn(client, base, (*centre, height), yaw)
    top_body = spawn(client, top, (*centre, height + base.size[2] + CONTACT_GAP_M),
                     yaw + stack_yaw(top, base))
    return [base_body, top_body]


def _across_and_along(spec: ObjectSpec) -> tuple[float, float]:
    """(long, narrow) horizontal side: a row lines objects up along their narrow side."""
    return max(spec.size[:2]), min(spec.size[:2])


def _slide_into_contact(client: int, body: int, others: list[int], unit: np.ndarray,
                        steps: int = 20) -> float:
    """Move `body` back along -`unit` until it is CONTACT_GAP_M from the nearest of
    `others` (conservative advancement: the distance moved never exceeds the gap
    left); returns how far it moved."""
    moved = 0.0
    for _ in range(steps):
        gap = min(_distance(client, body, other) for other in others) - CONTACT_GAP_M
        if gap < 1e-4:
            break
        position, orientation = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
        pybullet.resetBasePositionAndOrientation(body, np.subtract(position, (*unit * gap, 0.0)),
                                                 orientation, physicsClientId=client)
        moved += gap
    return moved


def _distance(client: int, body: int, other: int, reach: float = 0.2) -> float:
    points = pybullet.getClosestPoints(body, other, reach, physicsClientId=client)
    return min((point[8] for point in points), default=reach)
