"""Joint trajectories as the controllers take them, and arrival judged from joint states
alone: timing within the speed limits, interpolation, settling, a blocked arm, a gripper
stopping on an object."""
import numpy as np
import pytest

from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.interaction.trajectory import (Arrival, ArrivalMonitor, ArrivalParams,
                                                            GripperMonitor, JointTrajectory, timed)

JOINTS = ("a", "b")


def test_timing_keeps_the_tool_speed_and_the_joint_velocity_limit():
    path = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.1]])
    tool = np.array([[0.0, 0.0, 0.0], [0.05, 0.0, 0.0], [0.35, 0.0, 0.0]])
    trajectory = timed(JOINTS, path, tool, speed=0.1, joint_velocity_limits=0.5)
    # first segment bound by the joint (1 rad at 0.5 rad/s), second by the tool (0.3 m at 0.1 m/s)
    assert trajectory.times == pytest.approx([0.0, 2.0, 5.0])
    assert trajectory.at(1.0) == pytest.approx([0.5, 0.0])
    assert trajectory.at(99.0) == pytest.approx(trajectory.final)


def test_timing_keeps_each_joint_s_own_velocity_limit():
    path = np.array([[0.0, 0.0], [0.5, 0.5]])
    tool = np.zeros((2, 3))
    trajectory = timed(JOINTS, path, tool, speed=0.1, joint_velocity_limits=np.array([1.0, 0.25]))
    assert trajectory.times == pytest.approx([0.0, 2.0])      # joint b: 0.5 rad at 0.25 rad/s


@pytest.mark.parametrize("positions, times", [
    (np.zeros((2, 3)), [0.0, 1.0]),             # three columns for two joints
    (np.zeros((2, 2)), [0.0, 0.0]),             # times not increasing
    (np.array([[0.0, np.nan], [0, 0]]), [0.0, 1.0]),
])
def test_a_malformed_trajectory_is_refused(positions, times):
    with pytest.raises(ValueError):
        JointTrajectory(JOINTS, positions, np.array(times))


def test_arrival_waits_for_the_end_then_for_the_arm_to_settle_or_counts_it_blocked():
    trajectory = JointTrajectory(JOINTS, np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0.0, 2.0]))
    monitor = ArrivalMonitor(trajectory, ArrivalParams(settle_time_s=1.0))
    assert monitor.update(1.0, [1.0, 1.0]) == Arrival.MOVING        # there early: still moving
    assert monitor.update(2.1, [0.97, 1.0]) == Arrival.MOVING       # settling
    assert monitor.update(2.2, [0.995, 1.0]) == Arrival.ARRIVED
    assert monitor.update(3.1, [0.97, 1.0]) == Arrival.ARRIVED      # a small sag is accepted
    assert monitor.update(3.1, [0.5, 1.0]) == Arrival.BLOCKED
    error = monitor.blocked_error([0.5, 1.0])
    assert error.outcome == Outcome.COLLISION and "0.500 rad" in error.reason


def test_the_gripper_is_done_at_its_target_on_contact_or_at_its_time_limit():
    params = ArrivalParams(gripper_timeout_s=1.5)
    closing = GripperMonitor(0.0, params)
    assert not closing.update(0.05, 0.08)
    assert not closing.update(0.10, 0.07)                             # moving
    assert closing.update(0.20, 0.0699)                               # stopped on an object
    assert GripperMonitor(0.04, params).update(0.01, 0.0405)          # at the target
    assert GripperMonitor(0.0, params).update(1.5, 0.08)              # time is up

