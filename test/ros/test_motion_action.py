"""The motion action served for any backend and driven through `RemoteMotionBackend`:
motions and their results, a goal's timeout, a cancellation that stops the motion under
way on the server, and hostile goals refused before the arm moves."""
import itertools
import math
import threading
import time

import numpy as np
import pytest
from builtin_interfaces.msg import Time
from ros_harness import goal_result, send_goal, wait_until

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import MotionBackend, MotionError, Outcome, ToolPose
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import hostile_cases
from seg_by_interaction.ros.motion_action import MotionActionServer
from seg_by_interaction.ros.rejections import Rejections
from seg_by_interaction.ros.remote_motion import RemoteMotionBackend

ROBOT = load_robot_config("sawyer")
FINISHED_AT = Time(sec=7)


class InstantArm(MotionBackend):
    """Reaches every pose at once; a named move never ends until it is stopped."""

    def __init__(self):
        super().__init__(ROBOT.workspace)
        self.pose = ToolPose.top_down(np.mean([ROBOT.workspace.min, ROBOT.workspace.max], 0), 0.0)
        self.opening = 0.0
        self.stopped: list[Outcome] = []

    def _move_to(self, goal, speed):
        self.pose = goal

    def _move_linear(self, waypoints, speed):
        self.pose = waypoints[-1] if waypoints else self.pose

    def move_to_named(self, name):
        try:
            while True:
                self.check_stop()
                time.sleep(0.01)
        except MotionError as error:
            self.stopped.append(error.outcome)
            raise

    def set_gripper(self, opening):
        self.opening = opening
        return opening

    def gripper_opening(self):
        return self.opening

    def tool_pose(self):
        return self.pose

    def add_box_obstacle(self, name, centre, half_extents):
        pass

    def remove_obstacle(self, name):
        if name == "broken":
            raise RuntimeError("a bug in the backend")


@pytest.fixture
def arm_and_client(ros_env):
    """An InstantArm served on `motion`, a RemoteMotionBackend driving it, and the server."""
    import rclpy
    from rclpy.executors import MultiThreadedExecutor

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(ros_env["ROS_DOMAIN_ID"]))
    server, client = (rclpy.create_node(name, context=context) for name in ("server", "client"))
    arm = InstantArm()
    served = MotionActionServer(server, arm, ROBOT, lock=threading.Lock(),
                                finished=lambda: FINISHED_AT, rejections=Rejections(server))
    executor = MultiThreadedExecutor(num_threads=2, context=context)
    for node in (server, client):
        executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    yield arm, RemoteMotionBackend(client, ROBOT), served
    executor.shutdown()
    thread.join(timeout=5)
    rclpy.shutdown(context=context)


def test_motions_reach_the_served_backend_and_report_its_state(arm_and_client):
    arm, remote, _ = arm_and_client
    goal = arm.pose.moved([0.02, 0.0, 0.0])
    remote.move_to(goal, 0.1)
    assert np.allclose(arm.pose.position, goal.position)
    assert np.allclose(remote.tool_pose().position, goal.position)
    assert remote.set_gripper(0.03) == pytest.approx(0.03) == arm.opening
    assert remote.stamp == FINISHED_AT


def test_a_goal_stops_at_its_timeout(arm_and_client):
    arm, remote, _ = arm_and_client
    remote.reset(time.monotonic() + 1.0)
    with pytest.raises(MotionError) as error:
        remote.move_to_named("home")
    assert error.value.outcome == Outcome.TIMEOUT and arm.stopped == [Outcome.TIMEOUT]


def test_a_cancellation_stops_the_motion_under_way(arm_and_client):
    arm, remote, _ = arm_and_client
    remote.reset(time.monotonic() + 30.0)    # ends the motion should the cancellation not
    answers = []

    def move_home():
        try:
            remote.move_to_named("home")
        except MotionError as error:
            answers.append((error.outcome, error.reason))

    mover = threading.Thread(target=move_home)
    mover.start()
    # the goal is cancelled on the server once the client holds its accepted handle
    wait_until(lambda: remote._goal_handle is not None, 10.0, what="the goal's acceptance")
    remote.cancel()
    mover.join(10.0)
    assert arm.stopped == [Outcome.CANCELLED]
    assert answers == [(Outcome.CANCELLED, "cancelled")]     # the server's answer, not given up


def test_once_closed_no_goal_moves_the_arm(arm_and_client):
    """Shutdown closes the server: a goal accepted before it, still waiting for the motion
    under way to end, ends CANCELLED without reaching the arm; later goals are refused."""
    arm, remote, served = arm_and_client
    start = arm.pose
    answers = []

    def move():
        try:
            remote.move_to(start.moved([0.02, 0.0, 0.0]), 0.1)
        except MotionError as error:
            answers.append((error.outcome, error.reason))

    with served.lock:       # the motion under way
        mover = threading.Thread(target=move)
        mover.start()
        wait_until(lambda: remote._goal_handle is not None, 10.0, what="the goal's acceptance")
        served.close()
    mover.join(10.0)
    assert answers == [(Outcome.CANCELLED, "the motion server is shutting down")]
    with pytest.raises(MotionError, match="rejected"):
        remote.move_to(start.moved([0.02, 0.0, 0.0]), 0.1)
    assert np.allclose(arm.pose.position, start.position)


def result_of(client, goal: Motion.Goal) -> Motion.Result:
    return goal_result(send_goal(client, goal, 10.0), 10.0).result


GOALS = Motion.Goal
VALID_GOAL = GOALS(command=GOALS.GRIPPER, gripper_opening=0.02)


@pytest.mark.parametrize("goal, reason", hostile_cases.refused_motion_goals(ROBOT))
def test_hostile_goals_are_refused_with_a_reason_before_the_arm_moves(arm_and_client, goal, reason):
    arm, remote, _ = arm_and_client
    before = arm.pose
    result = result_of(remote.client, goal)
    assert result.outcome == Outcome.INVALID_REQUEST and reason in result.reason
    assert arm.pose is before and arm.opening == 0.0


def test_a_goal_that_raises_in_the_server_is_a_failure_and_the_server_serves_on(arm_and_client):
    arm, remote, _ = arm_and_client
    result = result_of(remote.client, GOALS(command=GOALS.REMOVE_OBSTACLE, obstacle_name="broken"))
    assert result.outcome == Outcome.FAILED and "a bug in the backend" in result.reason
    assert result_of(remote.client, VALID_GOAL).outcome == Outcome.OK


def test_seeded_random_goals_never_succeed_with_a_non_finite_field(arm_and_client):
    arm, remote, _ = arm_and_client
    for goal in itertools.islice(hostile_cases.motion_goals(np.random.default_rng(18), ROBOT), 20):
        numbers = [goal.speed, goal.gripper_opening, goal.timeout,
                   goal.box_size.x, goal.box_size.y, goal.box_size.z]
        result = result_of(remote.client, goal)
        if not all(map(math.isfinite, numbers)):
            assert result.outcome == Outcome.INVALID_REQUEST and result.reason
        assert np.all(np.isfinite(arm.pose.position)) and math.isfinite(arm.opening)
    assert result_of(remote.client, VALID_GOAL).outcome == Outcome.OK
