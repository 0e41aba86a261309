"""The simulated arena: deterministic scenes drawn from the right split, ground truth
that matches what is rendered, and fallen objects reported."""
import dataclasses

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world import objects, textures
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.params import ArenaConfig


@pytest.fixture(scope="module")
def sawyer():
    return load_robot_config("sawyer")


def scene_bytes(robot, seed):
    arena = Arena(robot)
    try:
        scene = arena.reset_scene("test", seed)
        view = arena.observe()
        poses = [arena.object_pose(o) for o in scene.objects]
        return scene, view, poses
    finally:
        arena.close()


def test_same_seed_same_scene_byte_for_byte(sawyer):
    first_scene, first, first_poses = scene_bytes(sawyer, 11)
    second_scene, second, second_poses = scene_bytes(sawyer, 11)
    assert first_scene == second_scene
    assert first.rgb.tobytes() == second.rgb.tobytes()
    assert np.array_equal(first.depth, second.depth, equal_nan=True)
    assert first.instance_mask.tobytes() == second.instance_mask.tobytes()
    for (p1, q1), (p2, q2) in zip(first_poses, second_poses):
        assert p1.tobytes() == p2.tobytes() and q1.tobytes() == q2.tobytes()
    _, other, _ = scene_bytes(sawyer, 12)
    assert other.rgb.tobytes() != first.rgb.tobytes()


# Object positions of test scene 11 as the arena placed them before layouts and flat
# objects existed: the separated layout, the default, must keep every scene as it was.
SCENE_11_BEFORE_LAYOUTS = [("cylinder_200", (0.551123, -0.190761, -0.024029)),
                           ("box_202", (0.729909, 0.107428, -0.013922)),
                           ("cylinder_201", (0.502338, 0.119006, -0.022315)),
                           ("box_200", (0.698364, -0.115438, -0.010464)),
                           ("compound_201", (0.589169, 0.163187, -0.036587)),
                           ("cylinder_202", (0.534759, -0.012069, -0.01245))]


def test_separated_layout_keeps_the_scenes_of_before_layouts(sawyer):
    arena = Arena(sawyer, with_robot=False)
    try:
        scene = arena.reset_scene("test", 11)
        assert scene.layout == "separated" and scene.groups == ()
        assert [o.name for o in scene.objects] == [name for name, _ in SCENE_11_BEFORE_LAYOUTS]
        positions = [arena.object_pose(o)[0] for o in scene.objects]
        assert np.allclose(positions, [p for _, p in SCENE_11_BEFORE_LAYOUTS], atol=2e-6)
    finally:
        arena.close()


def test_closing_removes_the_rendered_textures(sawyer, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    arena = Arena(sawyer, with_robot=False)
    arena.reset_scene("val", 0)
    assert any(tmp_path.glob("sbi_textures_*/*.png"))
    arena.close()
    assert not any(tmp_path.iterdir())


def test_scenes_use_only_their_split_and_are_on_the_table(sawyer):
    arena = Arena(sawyer, with_robot=False)
    try:
        for seed in range(3):
            scene = arena.reset_scene("val", seed)
            assert 4 <= len(scene.objects) <= 8
            assert scene.texture in textures.texture_names("val")
            assert {o.name for o in scene.objects} <= set(objects.object_names("val"))
            assert not arena.objects_off_table()
            view = arena.observe()
            visible = set(np.unique(view.instance_mask)) - {0}
            assert visible == {o.instance_id for o in scene.objects}
    finally:
        arena.close()


def test_objects_and_table_textures_from_different_splits(sawyer):
    arena = Arena(sawyer, with_robot=False)
    try:
        scene = arena.reset_scene("train", 5, texture_split="test")
        assert scene.texture in textures.texture_names("test")
        assert {o.name for o in scene.objects} <= set(objects.object_names("train"))
        with pytest.raises(ValueError, match="unknown split 'novel'"):
            arena.reset_scene("train", 5, texture_split="novel")
    finally:
        arena.close()


def test_fallen_objects_are_reported_and_removed(sawyer):
    arena = Arena(sawyer, with_robot=False)
    try:
        scene = arena.reset_scene("train", 3, num_objects=5)
        victim = scene.objects[0]
        pybullet.resetBasePositionAndOrientation(victim.body, [3.0, 0.0, -0.5], [0, 0, 0, 1],
                                                 physicsClientId=arena.client)
        carried = scene.objects[1]          # held out of view, beyond the table but above it
        pybullet.resetBasePositionAndOrientation(carried.body, [3.0, 0.0, sawyer.table_height + 0.2],
                                                 [0, 0, 0, 1], physicsClientId=arena.client)
        assert arena.objects_off_table() == [victim]
        assert arena.remove_objects_off_table() == [victim]
        assert victim not in arena.objects() and len(arena.objects()) == 4
    finally:
        arena.close()


def test_config_rejects_an_empty_object_range(sawyer):
    with pytest.raises(ValueError, match="min_objects 6 exceeds max_objects 5"):
        ArenaConfig(min_objects=6, max_objects=5)


def test_user_textures_and_objects_replace_the_built_in_sets(sawyer, tmp_path):
    import cv2
    (tmp_path / "textures").mkdir()
    cv2.imwrite(str(tmp_path / "textures" / "checks.png"), np.kron([[0, 255], [255, 0]], np.ones((32, 32))).astype(np.uint8))
    (tmp_path / "objects").mkdir()
    (tmp_path / "objects" / "cube.obj").write_text(
        "".join(f"v {x} {y} {z}\n" for x in (0, .04) for y in (0, .04) for z in (0, .04)) +
        "f 1 3 4 2\nf 5 6 8 7\nf 1 2 6 5\nf 3 7 8 4\nf 1 5 7 3\nf 2 4 8 6\n")
    config = dataclasses.replace(ArenaConfig(), textures_dir=str(tmp_path / "textures"),
                                 objects_dir=str(tmp_path / "objects"), min_objects=1, max_objects=1)
    arena = Arena(sawyer, config, with_robot=False)
    try:
        scene = arena.reset_scene("test", 0)
        assert scene.texture == "checks" and [o.name for o in scene.objects] == ["user_cube"]
    finally:
        arena.close()


def test_displaced_objects_move_far_enough_and_stacks_stay(sawyer):
    arena = Arena(sawyer, with_robot=False, config=ArenaConfig(layout="mixed"))
    try:
        scene = arena.reset_scene("test", 4, num_objects=6)
        arena.step(3 * 240)                 # long enough at rest for the objects to sleep
        stacked = {i for group in scene.groups if group.kind == "stack" for i in group.instance_ids}
        before = {o.instance_id: arena.object_pose(o)[0] for o in scene.objects}
        moved = arena.displace_objects(2, 0.05, np.random.default_rng(0))
        assert len(moved) == 2
        area = sawyer.table_area
        for obj, distance in moved:
            position = arena.object_pose(obj)[0]
            assert obj.instance_id not in stacked
            assert distance >= 0.05
            assert distance == pytest.approx(np.linalg.norm(position[:2] - before[obj.instance_id][:2]))
            assert np.all(position[:2] >= area.min) and np.all(position[:2] <= area.max)
            assert position[2] == pytest.approx(before[obj.instance_id][2], abs=5e-4)  # landed
        assert not arena.objects_off_table()
        with pytest.raises(ValueError, match="cannot displace 7 objects"):
            arena.displace_objects(7, 0.05, np.random.default_rng(0))
    finally:
        arena.close()


def test_time_passes_without_physics_only_while_everything_rests(sawyer):
    arena = Arena(sawyer, ArenaConfig(layout="mixed"))
    try:
        scene = arena.reset_scene("train", 2)
        for _ in range(5):
            arena.pass_time(240)                      # the arm and the objects come to rest
        resting = np.concatenate([np.concatenate(arena.object_pose(o)) for o in scene.objects])
        steps, sim_time = arena.step_count, arena.sim_time
        arena.pass_time(240)
        assert arena.step_count == steps + 240 and arena.sim_time == pytest.approx(sim_time + 1.0)
        assert np.array_equal(
            np.concatenate([np.concatenate(arena.object_pose(o)) for o in scene.objects]), resting)
        dropped = scene.objects[0]
        position, orientation = arena.object_pose(dropped)
        pybullet.resetBasePositionAndOrientation(dropped.body, np.add(position, (0, 0, 0.05)),
                                                 orientation, physicsClientId=arena.client)
        pybullet.resetBaseVelocity(dropped.body, (0, 0, -0.1), physicsClientId=arena.client)
        pybullet.changeDynamics(dropped.body, -1, physicsClientId=arena.client,   # asleep
                                activationState=pybullet.ACTIVATION_STATE_WAKE_UP)  # by now
        arena.pass_time(240)                          # something moves: physics integrates it
        assert arena.object_pose(dropped)[0][2] < position[2] + 0.01
    finally:
        arena.close()
