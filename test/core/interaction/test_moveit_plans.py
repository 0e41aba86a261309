"""The MoveIt backend's pure parts (MoveIt itself is not installed here): MoveIt's error
codes as motion outcomes, and the workspace check every planned trajectory passes before
it is executed (MotionBackend.execute_planned), on synthetic tool paths."""
import numpy as np
import pytest

from seg_by_interaction.core.interaction.motion import MotionError, Outcome, check_tool_path
from seg_by_interaction.core.interaction.moveit_plans import check_error_code, outcome_of
from seg_by_interaction.core.robot_config import load_robot_config


@pytest.mark.parametrize("code, outcome", [
    (1, Outcome.OK), (-1, Outcome.PLANNING_FAILED), (-31, Outcome.UNREACHABLE),
    (-10, Outcome.COLLISION), (-6, Outcome.TIMEOUT), (-7, Outcome.CANCELLED),
    (-15, Outcome.INVALID_REQUEST), (-4, Outcome.FAILED), (99999, Outcome.FAILED),
    (-1234, Outcome.FAILED)])
def test_moveit_error_codes_map_to_outcomes(code, outcome):
    assert outcome_of(code) == outcome


def test_a_failed_plan_names_what_was_planned_and_the_code():
    check_error_code(1, "planning MOVE_TO")
    with pytest.raises(MotionError) as failed:
        check_error_code(-31, "planning MOVE_TO")
    assert failed.value.outcome == Outcome.UNREACHABLE
    assert failed.value.reason == "planning MOVE_TO: MoveIt error code -31"


def swing(start, end, bulge, points=50):
    """A tool path from start to end bowing sideways by `bulge` metres mid-way, as a
    joint-space plan between two poses does."""
    t = np.linspace(0.0, 1.0, points)[:, None]
    line = np.asarray(start) + (np.asarray(end) - np.asarray(start)) * t
    return line + np.array([0.0, bulge, 0.0]) * np.sin(np.pi * t)


def test_every_point_of_a_planned_trajectory_must_keep_the_tool_in_the_workspace():
    workspace = load_robot_config("sawyer").workspace          # y in -0.55..0.45
    check_tool_path(workspace, swing((0.5, 0.0, 0.2), (0.7, 0.2, 0.2), bulge=0.2))
    with pytest.raises(MotionError) as outside:                # both ends inside, the swing not
        check_tool_path(workspace, swing((0.5, 0.0, 0.2), (0.7, 0.2, 0.2), bulge=0.4))
    assert outside.value.outcome == Outcome.OUTSIDE_WORKSPACE
    with pytest.raises(MotionError) as empty:
        check_tool_path(workspace, np.zeros((0, 3)))
    assert empty.value.outcome == Outcome.PLANNING_FAILED

