"""The embedded backend on the simulated Sawyer, in process (the motion server runs the
same code): a dry run plans and reports every tool path but moves nothing; a
planning-scene box blocks a goal; an arm that contact left a little past a joint limit
moves back within it, and one stopped touching the table moves clear of it first; of 10,000 random goals none outside the workspace box reaches the
arm's controller."""
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


def test_an_arm_pushed_a_little_past_a_joint_limit_moves_back_within_it_first(world):
    arena, backend = world
    backend.move_to_named("home")
    low, high = arena.robot.arm_limits()
    home = arena.robot.arm_positions()
    for past, moves in ((0.1, True), (0.4, False)):         # limit_slack_rad 0.2
        pushed = home.copy()
        pushed[-1] = high[-1] + past                         # the wrist, as a blocked push can leave it
        arena.robot.reset_arm(pushed)
        if moves:
            backend.move_to_named("out_of_view")
            backend.move_linear([backend.tool_pose().moved((0, 0, 0.02))], 0.1)
            assert np.all(arena.robot.arm_positions() <= high + 1e-3)
        else:
            with pytest.raises(MotionError, match="rad past its limit"):
                backend.move_to_named("out_of_view")
    arena.robot.reset_arm(home)


def test_an_arm_stopped_touching_the_table_plans_from_a_free_state_nearby(world):
    arena, backend = world
    backend.move_to_named("home")
    centre = np.mean([backend.workspace.min, backend.workspace.max], 0)
    on_table = ToolPose.top_down((centre[0], centre[1], arena.robot_config.table_height + 0.002), 0.0)
    q = arena.robot.inverse_kinematics(on_table.position, on_table.orientation_xyzw,
                                       seed=arena.robot.arm_positions())
    arena.robot.reset_arm(q)                       # as a cancelled grasp can leave it
    assert not backend._state_valid(q)
    paths = []
    backend.on_planned = paths.append
    try:
        backend.move_to_named("out_of_view")
    finally:
        backend.on_planned = None
    first_free = paths[0][1]
    assert np.linalg.norm(first_free - paths[0][0]) < 0.05  # a jiggle, not a leap
    assert np.allclose(arena.robot.arm_positions(), arena.robot_config.named_poses["out_of_view"],
                       atol=0.02)


def random_goal(rng, workspace):
    """A MOVE_TO pose or a LINEAR path of 1-3 waypoints, each uniform in the workspace box
    grown by its own size on every side (most points fall outside it)."""
    low, high = np.array(workspace.min), np.array(workspace.max)
    size = high - low
    count = 1 if rng.random() < 0.5 else int(rng.integers(1, 4))
    poses = [ToolPose.top_down(rng.uniform(low - size, high + size), rng.uniform(-np.pi, np.pi))
             for _ in range(count)]
    return ("move_to" if count == 1 and rng.random() < 0.5 else "move_linear"), poses


def test_of_10000_random_goals_none_outside_the_workspace_reaches_the_arm(world):
    """Every goal with a point outside the box (9,780 of them) is refused OUTSIDE_WORKSPACE
    before any trajectory reaches the arm's controller; the first 25 goals inside the box
    are sent too (executed where reachable), and every point of every trajectory the
    controller received keeps the tool inside."""
    arena, backend = world
    sent = []                                     # tool points of every trajectory executed
    execute = backend.hardware.execute

    def recording_execute(trajectory, check_stop):
        sent.append(backend.tool_path(trajectory.positions))
        execute(trajectory, check_stop)

    backend.hardware.execute = recording_execute
    rng = np.random.default_rng(16)
    refused = sent_inside = 0
    try:
        for _ in range(10_000):
            command, poses = random_goal(rng, backend.workspace)
            inside = all(backend.workspace.contains(p.position) for p in poses)
            if inside and sent_inside >= 25:
                continue
            before = len(sent)
            try:
                getattr(backend, command)(poses[0] if command == "move_to" else poses, 0.25)
            except MotionError as error:
                if not inside:
                    assert error.outcome == Outcome.OUTSIDE_WORKSPACE and len(sent) == before
                    refused += 1
                    continue
            assert inside, f"{command} to {[p.position for p in poses]} was not refused"
            sent_inside += 1
    finally:
        backend.hardware.execute = execute
    assert refused == 9_780 and sent_inside == 25
    assert sent and all(backend.workspace.contains(point) for path in sent for point in path)

