"""Scene layouts: rows in contact, stable stacks, flat objects and same-colour neighbours,
all on the table, none interpenetrating, deterministic for a seed."""
import dataclasses
import math

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world import clutter
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.objects import FLAT_HEIGHT, catalogue, object_spec
from seg_by_interaction.core.world.params import ArenaConfig, ClutterParams

SEEDS = (0, 1)


@pytest.fixture(scope="module")
def arena():
    arena = Arena(load_robot_config("sawyer"), with_robot=False)
    yield arena
    arena.close()


def _gap(arena, first, second):
    points = pybullet.getClosestPoints(first.body, second.body, 0.05, physicsClientId=arena.client)
    return min(point[8] for point in points)


def _members(scene, group):
    return [scene.objects[instance_id - 1] for instance_id in group.instance_ids]


def _footprint_centre(arena, obj):
    low, high = pybullet.getAABB(obj.body, physicsClientId=arena.client)
    return (np.array(low[:2]) + high[:2]) / 2


def _rgba(arena, obj):
    return pybullet.getVisualShapeData(obj.body, physicsClientId=arena.client)[0][7]


@pytest.mark.parametrize("layout", ["touching", "stacked", "mixed"])
def test_objects_rest_on_the_table_inside_its_area_without_interpenetrating(arena, layout):
    area, table = arena.robot_config.table_area, arena.robot_config.table_height
    for seed in SEEDS:
        scene = arena.reset_scene("test", seed, layout=layout)
        assert scene.layout == layout and 4 <= len(scene.objects) and not arena.objects_off_table()
        for obj in scene.objects:
            position, _ = arena.object_pose(obj)
            assert np.all(position[:2] >= area.min) and np.all(position[:2] <= area.max), obj.name
            assert table < position[2] < table + 0.2, obj.name
        contacts = pybullet.getContactPoints(physicsClientId=arena.client)
        assert min(point[8] for point in contacts) >= -0.001


def test_touching_rows_are_in_contact_side_by_side(arena):
    for seed in SEEDS:
        scene = arena.reset_scene("test", seed, layout="touching")
        rows = [group for group in scene.groups if group.kind == "row"]
        assert sum(len(row.instance_ids) for row in rows) == len(scene.objects)
        for row in rows:
            members = _members(scene, row)
            gaps = [_gap(arena, a, b) for a, b in zip(members, members[1:])]
            assert max(gaps) <= 0.002 and min(gaps) >= -0.001, (scene.scene_id, gaps)


def test_stacks_rest_level_on_their_base(arena):
    table = arena.robot_config.table_height
    for seed in SEEDS:
        scene = arena.reset_scene("test", seed, layout="stacked")
        stacks = [group for group in scene.groups if group.kind == "stack"]
        assert len(stacks) == len(scene.objects) // 2
        for stack in stacks:
            base, top = _members(scene, stack)
            base_spec, top_spec = object_spec(base.name), object_spec(top.name)
            position, orientation = arena.object_pose(top)
            bottom = position[2] + top_spec.bounds[2]
            assert bottom == pytest.approx(table + base_spec.size[2], abs=0.001), scene.scene_id
            up = np.reshape(pybullet.getMatrixFromQuaternion(orientation), (3, 3))[2, 2]
            assert math.degrees(math.acos(min(up, 1.0))) < 2
            assert np.linalg.norm(_footprint_centre(arena, base) - _footprint_centre(arena, top)) \
                < 0.005
        settled = [arena.object_pose(obj)[0] for obj in scene.objects]
        arena.step(240)                                   # a second more: nothing topples
        assert np.allclose(settled, [arena.object_pose(obj)[0] for obj in scene.objects],
                           atol=0.002)


def test_mixed_scenes_hold_the_configured_mix(arena):
    table = arena.robot_config.table_height
    for seed in SEEDS:
        scene = arena.reset_scene("test", seed, layout="mixed")
        assert [group.kind for group in scene.groups] == ["stack", "row"]
        flat = [obj for obj in scene.objects if obj.family == "flat"]
        assert len(flat) == ClutterParams().flat_objects
        for obj in flat:
            assert arena.object_pose(obj)[0][2] - table < FLAT_HEIGHT[1] / 2 + 0.001


def test_same_colour_rows_share_one_colour_and_others_keep_theirs(arena):
    rows = []
    for seed in range(4):
        scene = arena.reset_scene("test", seed, layout="touching")
        rows += [[_rgba(arena, obj) for obj in _members(scene, group)] + [group.same_colour]
                 for group in scene.groups]
    assert {row[-1] for row in rows} == {True, False}
    for *colours, same_colour in rows:
        assert (len(set(colours)) == 1) == same_colour


@pytest.mark.parametrize("separated_flat", [False, True])
def test_flat_objects_enter_separated_scenes_only_if_configured(separated_flat):
    config = ArenaConfig(min_objects=12, max_objects=12, separated_flat=separated_flat)
    arena = Arena(load_robot_config("sawyer"), config, with_robot=False)
    try:
        families = {obj.family for obj in arena.reset_scene("val", 0).objects}
    finally:
        arena.close()
    assert ("flat" in families) == separated_flat


def test_same_seed_same_layout_same_scene(arena):
    def scene_and_poses():
        scene = arena.reset_scene("val", 5, layout="mixed")
        return scene, [np.concatenate(arena.object_pose(obj)).tobytes() for obj in scene.objects]
    first_scene, first_poses = scene_and_poses()
    arena.reset_scene("val", 6, layout="mixed")
    second_scene, second_poses = scene_and_poses()
    assert dataclasses.replace(first_scene, objects=()) == dataclasses.replace(second_scene,
                                                                               objects=())
    assert [o.name for o in first_scene.objects] == [o.name for o in second_scene.objects]
    assert first_poses == second_poses


def test_plan_draws_flat_objects_only_into_their_slots():
    pool, params = catalogue("train"), ClutterParams(flat_objects=2, row_length=(3, 3))
    groups = clutter.plan("mixed", pool, 9, params, np.random.default_rng(0))
    assert [g.kind for g in groups] == ["stack", "row", "single", "single", "single", "single"]
    assert [len(g.specs) for g in groups[:2]] == [2, 3]
    assert [g.specs[0].family for g in groups[2:4]] == ["flat", "flat"]
    assert all(spec.family != "flat" for g in groups[:2] + groups[4:] for spec in g.specs)
    names = [spec.name for g in groups for spec in g.specs]
    assert len(names) == len(set(names)) == 9
    touching = clutter.plan("touching", pool, 7, params, np.random.default_rng(0))
    assert [len(g.specs) for g in touching] == [3, 4]


def _box(x, y):
    return dataclasses.replace(object_spec("box_0"), bounds=(-x / 2, -y / 2, 0, x / 2, y / 2, 0.03))


def test_a_stack_takes_a_top_that_fits_on_the_face_of_its_base():
    base = _box(0.06, 0.10)
    assert clutter.stack_yaw(_box(0.05, 0.08), base) == 0.0
    assert clutter.stack_yaw(_box(0.08, 0.05), base) == pytest.approx(math.pi / 2)
    assert clutter.stack_yaw(_box(0.07, 0.07), base) is None
    assert clutter.stack_yaw(base, _box(0.05, 0.08)) is None
    disc = dataclasses.replace(object_spec("cylinder_0"), dimensions=(0.03, 0.05))
    assert clutter.stack_yaw(_box(0.04, 0.04), disc) == 0.0
    assert clutter.stack_yaw(_box(0.05, 0.04), disc) is None
    assert clutter.stack_yaw(_box(0.03, 0.03), object_spec("compound_0")) is None


def test_layouts_and_row_lengths_are_checked(arena):
    with pytest.raises(ValueError, match="unknown layout 'heap'"):
        arena.reset_scene("test", 0, layout="heap")
    with pytest.raises(ValueError, match="row_length"):
        ClutterParams(row_length=(3, 2))
    assert ArenaConfig().layout == "separated"
