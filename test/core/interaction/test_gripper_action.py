"""The gripper action's pure parts: the goal an opening asks for (half the opening per
finger joint, the config's finger force, clamped to the gripper's range), and the
controller's answers as outcomes (a stall on an object is a grasp, not a failure)."""
import pytest

from seg_by_interaction.core.interaction.gripper_action import (ABORTED, CANCELED, SUCCEEDED,
                                                                GripperAnswer, gripper_goal,
                                                                opening_reached)
from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.robot_config import load_robot_config

PANDA = load_robot_config("panda")


def test_the_goal_is_the_first_finger_joint_at_half_the_opening_with_the_finger_force():
    goal = gripper_goal(PANDA, 0.05)
    assert goal.joint == "panda_finger_joint1"
    assert goal.position == pytest.approx(0.025)
    assert goal.max_effort == PANDA.gripper.max_force


@pytest.mark.parametrize("asked, position", [(1.0, 0.077 / 2), (-0.2, 0.0)])
def test_the_goal_is_clamped_to_the_gripper_s_range(asked, position):
    assert gripper_goal(PANDA, asked).position == pytest.approx(position)


def test_a_goal_reached_gives_the_opening():
    assert opening_reached(GripperAnswer(SUCCEEDED, 0.03, True, False)) == pytest.approx(0.06)


@pytest.mark.parametrize("status", [SUCCEEDED, ABORTED])
def test_fingers_stalled_on_an_object_are_a_grasp_whatever_the_status(status):
    assert opening_reached(GripperAnswer(status, 0.012, False, True)) == pytest.approx(0.024)


@pytest.mark.parametrize("answer, outcome", [
    (GripperAnswer(CANCELED, 0.02, False, False), Outcome.CANCELLED),
    (GripperAnswer(ABORTED, 0.02, False, False), Outcome.FAILED),
    (GripperAnswer(SUCCEEDED, 0.02, False, False), Outcome.FAILED),
])
def test_a_cancelled_or_failed_goal_is_a_motion_error(answer, outcome):
    with pytest.raises(MotionError) as error:
        opening_reached(answer)
    assert error.value.outcome == outcome
