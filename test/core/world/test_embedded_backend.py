"""The embedded backend on the simulated Sawyer, in process: a dry run plans and reports
every tool path but moves nothing; a planning-scene box is avoided, the simulator's own
bodies are not the planner's business."""
import numpy as np
import pytest

from seg_by_interaction.core.interaction.motion import MotionError, Outcome, ToolPose
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend


@pytest.fixture(scope="module")
def world():
    arena = Arena(load_robot_config("sawyer"))
    arena.reset_scene("test", 0, num_objects=1)
    backend = EmbeddedMotionBackend.in_world(arena)
    yield arena, backend
    backend.close()
    arena.close()


def test_a_dry_run_plans_and_reports_every_path_but_moves_nothing(world):
    arena, backend = world
    paths = []
    backend.on_planned = paths.append
    backend.dry_run = True
    try:
        start, opening = arena.robot.arm_positions(), backend.gripper_opening()
        backend.move_to_named("home")
        backend.move_to(ToolPose.top_down((0.6, 0.1, 0.2), 0.3), 0.2)
        assert backend.set_gripper(0.0) == opening
        assert np.allclose(arena.robot.arm_positions(), start, atol=1e-3)
        assert len(paths) == 2 and all(len(p) >= 2 for p in paths)
        assert all(backend.workspace.contains(point) for path in paths for point in path)
    finally:
        backend.dry_run, backend.on_planned = False, None


def test_a_box_in_the_planning_scene_blocks_a_goal_until_removed(world):
    _, backend = world
    backend.move_to_named("home")
    goal = ToolPose.top_down((0.6, -0.2, 0.1), 0.0)
    backend.add_box_obstacle("block", goal.position, (0.05, 0.05, 0.05))
    with pytest.raises(MotionError) as blocked:
        backend.move_to(goal, 0.25)
    assert blocked.value.outcome == Outcome.PLANNING_FAILED
    backend.remove_obstacle("block")
    backend.move_to(goal, 0.25)
    assert np.linalg.norm(backend.tool_pose().position - goal.position) < 0.01
