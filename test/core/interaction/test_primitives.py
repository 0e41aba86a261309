"""The interaction primitives on the embedded backend in the simulated Sawyer world:
they move objects, keep the arm out of the pictures, and report failures as outcomes."""
import numpy as np
import pytest

from seg_by_interaction.core.hypotheses.grasp import top_down_grasp
from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.interaction.primitives import Primitives
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend


@pytest.fixture(scope="module")
def world():
    robot = load_robot_config("sawyer")
    arena = Arena(robot)
    backend = EmbeddedMotionBackend.in_world(arena)
    primitives = Primitives(backend, robot, lambda label: arena.observe())
    yield arena, backend, primitives
    arena.close()


def isolated(arena, name="box_200", seed=0):
    scene = arena.reset_scene("test", seed, object_names=[name])
    return scene.objects[0]


def grasp_of(arena, obj):
    view = arena.observe()
    return top_down_grasp(view.instance_mask == obj.instance_id, view.depth, view.intrinsics,
                          view.camera_pose)


def test_pick_place_lifts_the_object_out_of_view_and_puts_it_down(world):
    arena, _, primitives = world
    obj = isolated(arena)
    grasp = grasp_of(arena, obj)
    result = primitives.pick_place(grasp.position, grasp.yaw, grasp.width_m, place_xy=(0.7, 0.15))
    assert result.success, result.reason
    assert set(result.frames) == {"before", "mid", "after"}
    assert all(frame.robot_pixels == 0 for frame in result.frames.values())
    assert not (result.frames["mid"].instance_mask == obj.instance_id).any()   # carried away
    position, _ = arena.object_pose(obj)
    assert np.linalg.norm(position[:2] - [0.7, 0.15]) < 0.02
    assert result.timings["descend"] > 0


def test_an_object_that_cannot_be_put_down_is_let_go_on_the_table_not_carried_away(world):
    arena, _, primitives = world
    held, obstacle = arena.reset_scene("test", 0, object_names=["box_200", "cylinder_201"]).objects
    grasp = grasp_of(arena, held)
    result = primitives.pick_place(grasp.position, grasp.yaw, grasp.width_m,
                                   place_xy=arena.object_pose(obstacle)[0][:2])
    assert result.outcome == Outcome.COLLISION, result.reason
    assert "the object was let go" in result.reason
    assert (result.frames["after"].instance_mask == held.instance_id).any()
    assert primitives.backend.gripper_opening() > 0.9 * primitives.robot.gripper.max_opening


def test_an_object_that_cannot_be_carried_is_put_back_where_it_was_grasped(world, monkeypatch):
    arena, backend, primitives = world
    held = isolated(arena, seed=6)
    start, _ = arena.object_pose(held)
    grasp = grasp_of(arena, held)
    approach = backend.move_to           # the first move_to approaches, the second carries

    def no_path_to_carry(pose, speed):
        monkeypatch.setattr(backend, "move_to", fail)
        return approach(pose, speed)

    def fail(pose, speed):
        monkeypatch.setattr(backend, "move_to", approach)
        raise MotionError(Outcome.PLANNING_FAILED, "no collision-free path")

    monkeypatch.setattr(backend, "move_to", no_path_to_carry)
    result = primitives.pick_place(grasp.position, grasp.yaw, grasp.width_m, place_xy=(0.7, 0.15))
    assert result.outcome == Outcome.PLANNING_FAILED, result.reason
    assert "let go where it was grasped" in result.reason
    assert np.linalg.norm(arena.object_pose(held)[0][:2] - start[:2]) < 0.02
    assert (result.frames["after"].instance_mask == held.instance_id).any()


def test_a_place_outside_the_workspace_is_refused_before_anything_moves(world):
    arena, backend, primitives = world
    obj = isolated(arena, seed=7)
    grasp = grasp_of(arena, obj)
    start, _ = arena.object_pose(obj)
    result = primitives.pick_place(grasp.position, grasp.yaw, grasp.width_m, place_xy=(2.0, 0.0))
    assert result.outcome == Outcome.OUTSIDE_WORKSPACE and "place point" in result.reason
    assert "descend" not in result.timings
    assert np.allclose(arena.object_pose(obj)[0], start, atol=1e-3)


def test_push_moves_the_object_along_the_direction(world):
    arena, _, primitives = world
    obj = isolated(arena, seed=1)
    start, _ = arena.object_pose(obj)
    result = primitives.push(start, direction=(0.0, 1.0, 0.0), distance=0.08)
    assert result.success, result.reason
    moved = arena.object_pose(obj)[0] - start
    assert moved[1] > 0.05 and abs(moved[0]) < abs(moved[1]) / 2


def test_heavier_pokes_move_objects_further(world):
    arena, _, primitives = world
    displacements = []
    for magnitude in ("light", "heavy"):
        obj = isolated(arena, seed=2)
        start, _ = arena.object_pose(obj)
        result = primitives.poke(start, direction=(-1.0, 0.0, 0.0), magnitude=magnitude,
                                 half_extent=0.055)
        assert result.success, result.reason
        displacements.append(np.linalg.norm(arena.object_pose(obj)[0][:2] - start[:2]))
    assert displacements[0] < displacements[1]


@pytest.mark.parametrize("call, outcome", [
    (lambda p: p.pick_place((2.0, 0.0, 0.0), 0.0), Outcome.OUTSIDE_WORKSPACE),
    (lambda p: p.push((0.6, 0.0, 0.0), (0.0, 0.0, 1.0)), Outcome.INVALID_REQUEST),
    (lambda p: p.poke((0.6, 0.0, 0.0), (1.0, 0.0, 0.0), "gentle"), Outcome.INVALID_REQUEST),
    (lambda p: p.pick_place((0.55, -0.2, -0.05), 0.0), Outcome.NOTHING_GRASPED),
    (lambda p: p.pick_place((0.9, 0.45, 0.4), 0.0), Outcome.UNREACHABLE),   # in the box, out of reach
])
def test_failures_are_outcomes_and_leave_the_arm_out_of_view(world, call, outcome):
    arena, _, primitives = world
    isolated(arena, seed=3)
    result = call(primitives)
    assert result.outcome == outcome, result.reason
    assert result.frames["after"].robot_pixels == 0


def test_cancelled_motion_stops_the_primitive(world):
    arena, backend, primitives = world
    obj = isolated(arena, seed=4)
    backend.cancel()
    try:
        result = primitives.push(arena.object_pose(obj)[0], (1.0, 0.0, 0.0))
    finally:
        backend.reset(None)
    assert result.outcome == Outcome.CANCELLED


def test_reset_sweep_gathers_objects_toward_the_centre(world):
    arena, _, primitives = world
    scene = arena.reset_scene("train", 5, num_objects=5)
    centre = arena.robot_config.table_area.centre
    spread = [np.linalg.norm(arena.object_pose(o)[0][:2] - centre) for o in scene.objects]
    result = primitives.reset_sweep()
    assert result.success, result.reason
    after = [np.linalg.norm(arena.object_pose(o)[0][:2] - centre) for o in scene.objects]
    assert np.mean(after) < np.mean(spread)
    assert not arena.objects_off_table()
