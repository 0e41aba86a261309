"""The loop's nodes as real processes over DDS, on their failure paths: the executor's
arming, soft stop, timeouts, cancellation, bad goals, its stop after consecutive failures
and once records
cannot be stored; the hypothesis
server refusing malformed frames and bad checkpoints while it keeps answering; idle nodes
stopping on Ctrl-C (given twice, as a terminal under launch does), and nodes that cannot start saying why."""
import itertools
import signal
import time

import numpy as np
from rclpy.action import ActionClient
from rclpy.time import Time
from ros_harness import call_service, goal_result, node_command, send_goal, wait_until
from std_msgs.msg import Empty
from std_srvs.srv import SetBool, Trigger

from seg_by_interaction.action import Interact
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.msg import ModelUpdate
from seg_by_interaction.ros import hostile_cases, qos
from seg_by_interaction.srv import Segment

ROBOT = load_robot_config("sawyer")
WORLD = ["-p", "seed:=2", "-p", "arena.min_objects:=2", "-p", "arena.max_objects:=2"]


def pick_goal(x: float, timeout: float = 0.0) -> Interact.Goal:
    return hostile_cases.pick_goal(ROBOT, (x, 0.0, -0.03), timeout)


def send(client, goal, timeout=120.0, cancel_after_feedback=False, then=None):
    """(accepted, result or None); `then()` is called after the first feedback."""
    feedback = []
    handle = send_goal(client, goal, feedback_callback=feedback.append)
    if not handle.accepted:
        return False, None
    if cancel_after_feedback:
        then = handle.cancel_goal_async
    if then is not None:
        wait_until(lambda: feedback, 60, what="feedback")
        then()
    return True, goal_result(handle, timeout).result


def test_executor_times_out_cancels_refuses_and_stops_after_failures(start_process, test_node, tmp_path):
    start_process(node_command("world_node", *WORLD))
    start_process(node_command("motion_server"))
    executor = start_process(node_command("interaction_executor", "-p", f"run_dir:={tmp_path}",
                                          "-p", "max_consecutive_failures:=2"))
    client = ActionClient(test_node, Interact, "interact")
    arm = test_node.create_client(SetBool, "/interaction_executor/arm")

    accepted, _ = send(client, pick_goal(0.65))       # a real robot's executor starts disarmed
    assert not accepted and "not armed" in executor.output()
    assert call_service(test_node, arm, SetBool.Request(data=True)).success
    soft_stop = test_node.create_publisher(Empty, "/soft_stop", qos.RELIABLE)
    accepted, result = send(client, pick_goal(0.65), then=lambda: soft_stop.publish(Empty()))
    assert accepted and result.record.outcome == Outcome.CANCELLED   # stopped, and disarmed
    accepted, _ = send(client, pick_goal(0.65))
    assert not accepted
    assert call_service(test_node, arm, SetBool.Request(data=True)).success

    accepted, result = send(client, pick_goal(0.65, timeout=0.5))
    assert accepted and result.record.outcome == Outcome.TIMEOUT and not result.success

    accepted, result = send(client, pick_goal(0.65), cancel_after_feedback=True)
    assert accepted and result.record.outcome == Outcome.CANCELLED      # not a failure

    accepted, result = send(client, pick_goal(0.65, timeout=0.5))
    assert accepted and result.record.outcome == Outcome.TIMEOUT
    accepted, _ = send(client, pick_goal(0.65))            # two failures in a row: stopped
    assert not accepted
    resumed = call_service(test_node, test_node.create_client(Trigger, "/interaction_executor/resume"),
                           Trigger.Request())
    assert resumed.success

    far = pick_goal(3.0)                                    # outside the workspace: refused unmoved
    accepted, result = send(client, far)
    assert accepted and result.record.outcome == Outcome.OUTSIDE_WORKSPACE
    assert not result.record.record_id

    hostile = hostile_cases.interact_goals(np.random.default_rng(18), ROBOT, (0.65, 0.0, -0.03))
    for hostile, reason in itertools.islice(hostile, 11):  # refused before any motion
        accepted, result = send(client, hostile)
        assert accepted and result.record.outcome in (Outcome.INVALID_REQUEST,
                                                      Outcome.OUTSIDE_WORKSPACE)
        assert reason in result.reason, result.reason
    accepted, result = send(client, pick_goal(0.65))
    assert accepted and result.record.outcome in (Outcome.OK, Outcome.NOTHING_GRASPED), \
        result.reason
    assert executor.process.poll() is None

    store = RunStore(tmp_path)                              # the next record cannot be stored
    (store.records_dir / f".{store.next_record_id()}.partial").write_text("")
    accepted, result = send(client, pick_goal(0.65))
    assert accepted and not result.success and "cannot store record" in result.reason
    accepted, _ = send(client, pick_goal(0.65))             # nothing moves any more
    assert not accepted and "refusing goal: [Errno" in executor.output()


def test_hypothesis_server_refuses_bad_frames_and_checkpoints_and_keeps_answering(
        start_process, test_node, tmp_path):
    start_process(node_command("world_node", *WORLD))
    server = start_process(node_command("hypothesis_server", "-p", "segmenter.scales:=[1.0]"))
    segment = test_node.create_client(Segment, "/hypothesis_server/segment")
    latest = wait_until(lambda: (r := call_service(test_node, segment, Segment.Request())).success and r,
                        90, interval=1.0, what="hypotheses on the world's frames")
    later_ns = Time.from_msg(latest.hypotheses.header.stamp).nanoseconds + 1
    after = Time(nanoseconds=later_ns).to_msg()
    later = call_service(test_node, segment, Segment.Request(frame_after=after))
    assert later.success and Time.from_msg(later.hypotheses.header.stamp).nanoseconds >= later_ns

    for request, reason in hostile_cases.refused_segment_requests(ROBOT.camera())[3:]:
        answer = call_service(test_node, segment, request)        # sizes that disagree, torn data
        assert not answer.success and reason in answer.message

    (tmp_path / "model_v000001.pt").write_bytes(b"torn")
    updates = test_node.create_publisher(ModelUpdate, "model_updates", qos.LATCHED)
    updates.publish(ModelUpdate(checkpoint_path=str(tmp_path / "model_v000001.pt"), version=1))
    wait_until(lambda: "refused, keeping v0" in server.output(), 30, what="the refusal in the log")
    answer = call_service(test_node, segment, Segment.Request(max_hypotheses=2))
    assert answer.success and answer.hypotheses.model_version == 0
    assert all(h.source == "bottom_up" for h in answer.hypotheses.hypotheses)



def test_idle_nodes_stop_on_ctrl_c_and_bad_starts_exit_with_a_clear_error(start_process, tmp_path):
    run_dir = tmp_path / "run"
    idle = [start_process(node_command(name, *arguments)) for name, arguments in [
        ("mask_labeler", ["-p", f"run_dir:={run_dir}"]),
        ("online_trainer", ["-p", f"run_dir:={run_dir}"]),
        ("hypothesis_server", [])]]
    wait_until(lambda: all("ready" in p.output() or "labeling with" in p.output() for p in idle), 90,
               interval=0.5, what="the nodes to start")
    for process in idle:                      # a terminal's Ctrl-C under launch: SIGINT twice
        process.signal_group(signal.SIGINT)
    time.sleep(0.3)
    for process in idle:
        process.signal_group(signal.SIGINT)
    assert [p.wait(timeout=20) for p in idle] == [0, 0, 0]

    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    (run_dir / "checkpoints" / "model_v000001.pt").write_bytes(b"torn")
    resumed = start_process(node_command("online_trainer", "-p", f"run_dir:={run_dir}"))
    trainer = start_process(node_command("online_trainer"))
    server = start_process(node_command("hypothesis_server", "-p", "run_dir:=/x"))
    assert trainer.wait(timeout=60) == 2 and "needs a run_dir" in trainer.output()
    assert server.wait(timeout=60) == 2 and "unknown parameter(s) ['run_dir']" in server.output()
    assert "Traceback" not in trainer.output() + server.output()
    wait_until(lambda: "ready" in resumed.output(), 60, what="a start past a damaged checkpoint")
    assert "quarantined checkpoints/model_v000001.pt" in resumed.output()
