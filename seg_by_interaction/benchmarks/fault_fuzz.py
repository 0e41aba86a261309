"""The fuzzing part of `sbi bench faults`: hostile messages, goals and requests
(ros/hostile_cases.py) sent to the graph's nodes started as separate processes in a ROS
domain of their own, then one valid request per node.

Services and actions answer each case: refused with a reason (a clear error), served,
refused without a reason, or not answered within HANG_S (a hang). Topics answer nothing:
their rejections are read from /diagnostics (each with its reason). Afterwards every node
must still be running and serve a valid request; the world's tool must lie inside the
workspace box.
"""
from __future__ import annotations

import collections
import dataclasses
import itertools
import pathlib
import time
from typing import Callable, Iterator

import numpy as np

from seg_by_interaction.ros.futures import DISCOVERY_SETTLE_S

HANG_S = 10.0
PUBLISH_GAP_S = 0.03      # subscriptions keep the last 5-10 messages; faster bursts drop more
READY_TIMEOUT_S = 300.0
CLEAR, SERVED, UNCLEAR = "clear_error", "served", "refused_without_reason"
HANG, SENT = "hang", "sent"
# Share of the cases each interface gets.
SHARES = {"camera topics": 0.25, "interaction_records": 0.12, "labeled_examples": 0.12,
          "model_updates": 0.03, "~/segment": 0.15, "motion": 0.2, "interact": 0.1,
          "~/reset_scene": 0.03}


@dataclasses.dataclass
class FuzzTally:
    answers: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    by_interface: dict = dataclasses.field(default_factory=dict)

    def add(self, interface: str, answer: str) -> None:
        self.answers[answer] += 1
        self.by_interface.setdefault(interface, collections.Counter())[answer] += 1

    @property
    def cases(self) -> int:
        return sum(self.answers.values())


def node_arguments(run_dir: pathlib.Path) -> dict[str, list[str]]:
    """Each fuzzed node's parameters: one run directory; failures never stop the executor
    (hostile goals are not the robot's failures)."""
    run = ["-p", f"run_dir:={run_dir}"]
    return {"world_node": ["-p", "arena.min_objects:=3", "-p", "arena.max_objects:=3"],
            "hypothesis_server": ["-p", "segmenter.scales:=[1.0]",
                                  "-p", f"checkpoint_dir:={run_dir / 'checkpoints'}"],
            "interaction_executor": [*run, "-p", "max_consecutive_failures:=1000"],
            "mask_labeler": run, "online_trainer": run}


class Client:
    """Requests from this process's node, each answered or counted as a hang."""

    def __init__(self, node):
        self.node = node

    def call(self, client, request):
        from seg_by_interaction.ros.futures import wait_for

        return wait_for(client.call_async(request), HANG_S, client.srv_name)

    def goal(self, client, goal):
        """(accepted, result or None)."""
        from seg_by_interaction.ros.futures import wait_for

        handle = wait_for(client.send_goal_async(goal), HANG_S, "a goal's acceptance")
        if not handle.accepted:
            return False, None
        try:
            return True, wait_for(handle.get_result_async(), HANG_S, "a goal's result").result
        except TimeoutError:
            handle.cancel_goal_async()
            raise


def _answer(reason: str, refused: bool) -> str:
    if not refused:
        return SERVED
    return CLEAR if reason else UNCLEAR


def service_cases(client: Client, ros_client, requests: Iterator, refused: Callable,
                  reason: Callable) -> Callable[[int], Iterator[str]]:
    def run(count: int) -> Iterator[str]:
        for request in itertools.islice(requests, count):
            try:
                response = client.call(ros_client, request)
            except TimeoutError:
                yield HANG
                continue
            yield _answer(reason(response), refused(response))
    return run


def action_cases(client: Client, ros_client, goals: Iterator, outcome_of: Callable
                 ) -> Callable[[int], Iterator[str]]:
    from seg_by_interaction.core.interaction.motion import Outcome

    def run(count: int) -> Iterator[str]:
        for goal in itertools.islice(goals, count):
            try:
                accepted, result = client.goal(ros_client, goal)
            except TimeoutError:
                yield HANG
                continue
            yield _answer(result.reason, outcome_of(result) != Outcome.OK) if accepted else UNCLEAR
    return run


def topic_cases(publishers: dict, messages: Iterator[tuple[str, object]]
                ) -> Callable[[int], Iterator[str]]:
    def run(count: int) -> Iterator[str]:
        _eventually(lambda: all(p.get_subscription_count() for p in publishers.values()), HANG_S)
        time.sleep(DISCOVERY_SETTLE_S)  # till the subscriptions have matched these publishers too
        for kind, message in itertools.islice(messages, count):
            publishers[kind].publish(message)
            time.sleep(PUBLISH_GAP_S)
            yield SENT
    return run


def table_centre(robot) -> tuple[float, float, float]:
    """A pick target just above the middle of the table."""
    x, y = np.mean([robot.table_area.min, robot.table_area.max], 0)[:2]
    return float(x), float(y), robot.table_height + 0.02


def fuzz_graph(node, robot, run_dir: pathlib.Path, total: int, seed: int,
               progress=lambda x, **_: x, interfaces=tuple(SHARES)) -> FuzzTally:
    """`total` hostile cases over `interfaces` (in proportion to their SHARES), against
    nodes already running."""
    from builtin_interfaces.msg import Time
    from rclpy.action import ActionClient
    from sensor_msgs.msg import CameraInfo, Image
    from std_msgs.msg import Header

    from seg_by_interaction.action import Interact, Motion
    from seg_by_interaction.msg import InteractionRecord, LabeledExample, ModelUpdate
    from seg_by_interaction.ros import hostile_cases, qos
    from seg_by_interaction.srv import ResetScene, Segment

    rng = np.random.default_rng(seed)
    camera = robot.camera()
    client = Client(node)
    now = node.get_clock().now()
    good = Header(stamp=now.to_msg(), frame_id=camera.optical_frame)
    future = Header(stamp=Time(sec=now.seconds_nanoseconds()[0] + 100),
                    frame_id=camera.optical_frame)
    camera_pubs = {kind: node.create_publisher(message, topic, qos.SENSOR_DATA)
                   for kind, message, topic in [("rgb", Image, camera.rgb_topic),
                                                ("depth", Image, camera.depth_topic),
                                                ("info", CameraInfo, camera.camera_info_topic)]}
    cases = {
        "camera topics": topic_cases(camera_pubs, hostile_cases.camera_frames(rng, camera, good,
                                                                              future)),
        "interaction_records": topic_cases(
            {"record": node.create_publisher(InteractionRecord, "interaction_records",
                                             qos.INTERACTION_DATA)},
            (("record", m) for m in hostile_cases.interaction_records(rng))),
        "labeled_examples": topic_cases(
            {"example": node.create_publisher(LabeledExample, "labeled_examples",
                                              qos.INTERACTION_DATA)},
            (("example", m) for m in hostile_cases.labeled_examples(rng))),
        "model_updates": topic_cases(
            {"update": node.create_publisher(ModelUpdate, "model_updates", qos.LATCHED)},
            (("update", m) for m in hostile_cases.model_updates(rng, run_dir.parent / "announced",
                                                                run_dir / "checkpoints"))),
        "~/segment": service_cases(
            client, node.create_client(Segment, "/hypothesis_server/segment"),
            hostile_cases.segment_requests(rng, camera), lambda r: not r.success,
            lambda r: r.message),
        "motion": action_cases(client, ActionClient(node, Motion, "motion"),
                               hostile_cases.motion_goals(rng, robot), lambda r: r.outcome),
        "interact": action_cases(client, ActionClient(node, Interact, "interact"),
                                 (goal for goal, _ in hostile_cases.interact_goals(
                                     rng, robot, table_centre(robot))),
                                 lambda r: r.record.outcome),
        "~/reset_scene": service_cases(
            client, node.create_client(ResetScene, "/world_node/reset_scene"),
            hostile_cases.reset_requests(rng), lambda r: not r.success, lambda r: r.message),
    }
    tally = FuzzTally()
    shares = sum(SHARES[interface] for interface in interfaces)
    for interface in interfaces:
        count = round(total * SHARES[interface] / shares)
        for answer in progress(cases[interface](count), total=count, desc=interface, leave=False):
            tally.add(interface, answer)
    return tally


def rejections_counted(node) -> dict[str, int]:
    """The rejected count of each '<node>: <interface>' on /diagnostics, as it comes."""
    from diagnostic_msgs.msg import DiagnosticArray

    counts: dict[str, int] = {}

    def on_diagnostics(msg: DiagnosticArray) -> None:
        for status in msg.status:
            for value in status.values:
                if value.key == "rejected" and status.message:
                    counts[status.name] = int(value.value)
    node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 100)
    return counts


def wait_ready(node, alive: Callable[[], bool], timeout_s: float = READY_TIMEOUT_S) -> None:
    from rclpy.action import ActionClient

    from seg_by_interaction.action import Interact, Motion
    from seg_by_interaction.srv import ResetScene, Segment

    deadline = time.monotonic() + timeout_s
    waits = [node.create_client(Segment, "/hypothesis_server/segment").wait_for_service,
             node.create_client(ResetScene, "/world_node/reset_scene").wait_for_service,
             ActionClient(node, Motion, "motion").wait_for_server,
             ActionClient(node, Interact, "interact").wait_for_server,
             lambda timeout_sec: {"mask_labeler", "online_trainer"} <= set(node.get_node_names())]
    for ready in waits:
        while not ready(timeout_sec=1.0):
            if not alive():
                raise RuntimeError("a fuzzed node ended before it was ready; see its log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the fuzzed nodes did not start within {timeout_s:.0f} s")


def valid_example():
    """A labelled example every trainer must take: the fuzz's control."""
    from geometry_msgs.msg import Point
    from std_msgs.msg import Header

    from seg_by_interaction.msg import LabeledExample
    from seg_by_interaction.ros import images

    mask = np.zeros((24, 32), np.uint8)
    mask[4:12, 6:14] = 255
    return LabeledExample(example_id="control_after_fuzz", record_id="r000000",
                          image=images.to_msg(np.full((24, 32, 3), 90, np.uint8), "rgb8", Header()),
                          mask=images.to_msg(mask, "mono8", Header()), positive=True,
                          frame_pair="before_after", confidence=1.0, action_px=Point(x=9.0, y=7.0))


def textured_view(camera, square_at=None):
    """A grey textured table seen from above, with a red box at `square_at` (a slice)."""
    from seg_by_interaction.core.camera.rgbd import RGBDView

    height, width = camera.intrinsics.height, camera.intrinsics.width
    noise = np.random.default_rng(0).normal(0, 6, (height, width, 3))
    rgb = np.clip(180 + noise, 0, 255).astype(np.uint8)
    depth = np.full((height, width), 1.0, np.float32)
    if square_at is not None:
        rgb[square_at] = (200, 30, 30)
        depth[square_at] = 0.96
    return RGBDView(rgb=rgb, depth=depth, intrinsics=camera.intrinsics, camera_pose=camera.pose)


def write_control_record(store, camera) -> str:
    """A stored pick whose box was lifted from one place and put down at another: the
    labeler's control. Its record id."""
    from seg_by_interaction.core.interaction.motion import Outcome
    from seg_by_interaction.core.run_store import RecordMeta

    record_id = store.next_record_id()
    store.write_record(record_id, RecordMeta(primitive="pick_place", outcome=Outcome.OK,
                                             action_px=(155.0, 115.0)),
                       {"before": textured_view(camera, np.s_[100:130, 140:170]),
                        "mid": textured_view(camera),
                        "after": textured_view(camera, np.s_[40:70, 40:70])})
    return record_id


def world_serves(node, robot) -> bool:
    """The arm moves home and its tool lies inside the workspace box."""
    from rclpy.action import ActionClient

    from seg_by_interaction.action import Motion
    from seg_by_interaction.core.interaction.motion import Outcome
    from seg_by_interaction.ros.futures import wait_for

    motion = ActionClient(node, Motion, "motion")
    home = Motion.Goal(command=Motion.Goal.NAMED, named_pose="home")
    handle = wait_for(motion.send_goal_async(home), HANG_S, "the motion goal")
    home = wait_for(handle.get_result_async(), 120.0, "the motion home").result
    position = home.tool_pose.pose.position
    return home.outcome == Outcome.OK and all(
        low <= value <= high for low, value, high in
        zip(robot.workspace.min, (position.x, position.y, position.z), robot.workspace.max))


def segmenter_serves(node) -> bool:
    from seg_by_interaction.ros.futures import wait_for
    from seg_by_interaction.srv import Segment

    segment = node.create_client(Segment, "/hypothesis_server/segment")
    return wait_for(segment.call_async(Segment.Request()), 60.0, "segmentation").success


def executor_serves(node, robot) -> bool:
    """A pick at the table's middle is tried (whatever the arm then finds)."""
    from rclpy.action import ActionClient

    from seg_by_interaction.action import Interact
    from seg_by_interaction.core.interaction.motion import Outcome
    from seg_by_interaction.ros import hostile_cases
    from seg_by_interaction.ros.futures import wait_for

    interact = ActionClient(node, Interact, "interact")
    handle = wait_for(interact.send_goal_async(hostile_cases.pick_goal(robot, table_centre(robot))),
                      HANG_S, "the interact goal")
    if not handle.accepted:
        return False
    record = wait_for(handle.get_result_async(), 300.0, "the pick").result.record
    return record.outcome not in (Outcome.INVALID_REQUEST, Outcome.FAILED)


def labeler_serves(node, store, camera) -> bool:
    """A control record announced is labelled."""
    from seg_by_interaction.msg import InteractionRecord
    from seg_by_interaction.ros import qos

    record_id = write_control_record(store, camera)
    node.create_publisher(InteractionRecord, "interaction_records",
                          qos.INTERACTION_DATA).publish(InteractionRecord(record_id=record_id))
    return _eventually(lambda: store.read_labels(record_id) is not None, 60.0)


def trainer_serves(node) -> bool:
    """A valid example is banked (its status counts one more example seen)."""
    from seg_by_interaction.msg import LabeledExample, TrainerStatus
    from seg_by_interaction.ros import qos

    status = []
    node.create_subscription(TrainerStatus, "trainer_status", status.append, qos.LATCHED)
    _eventually(lambda: status, 10.0)
    seen_before = status[-1].examples_seen if status else 0
    examples = node.create_publisher(LabeledExample, "labeled_examples", qos.INTERACTION_DATA)
    return _eventually(lambda: examples.publish(valid_example())
                       or (status and status[-1].examples_seen > seen_before), 60.0, interval=2.0)


def served_afterwards(node, robot, run_dir: pathlib.Path) -> dict[str, bool]:
    """Whether each fuzzed node serves a valid request after the fuzz."""
    from seg_by_interaction.core.run_store import RunStore

    return {"world_node": world_serves(node, robot), "hypothesis_server": segmenter_serves(node),
            "interaction_executor": executor_serves(node, robot),
            "mask_labeler": labeler_serves(node, RunStore(run_dir), robot.camera()),
            "online_trainer": trainer_serves(node)}


def _eventually(condition, timeout_s: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def run_fuzz(robot, work: pathlib.Path, total: int, seed: int, progress) -> dict:
    """Start the fuzzed nodes, fuzz them, check they serve afterwards; the figures."""
    from seg_by_interaction.ros.node_processes import node_command, node_processes
    from seg_by_interaction.ros.spun_node import spun_node

    from seg_by_interaction.benchmarks.fault_loops import private_graph

    run_dir = work / "run"
    with private_graph(work / "ros") as env, node_processes(env, work / "logs") as start, \
            spun_node("sbi_fuzz", int(env["ROS_DOMAIN_ID"])) as node:
        processes = {name: start(name, node_command(name, *arguments))
                     for name, arguments in node_arguments(run_dir).items()}
        counted = rejections_counted(node)
        wait_ready(node, lambda: all(p.running() for p in processes.values()))
        started = time.monotonic()
        tally = fuzz_graph(node, robot, run_dir, total, seed, progress)
        fuzz_s = time.monotonic() - started
        time.sleep(3.0)                                       # the last diagnostics period
        exits = {name: p.process.returncode for name, p in processes.items() if not p.running()}
        served = served_afterwards(node, robot, run_dir) if not exits else {}
        exits.update({name: p.process.returncode for name, p in processes.items()
                      if not p.running()})
    # hostile record ids name paths like ../../etc: would resolve into `work` or to /records
    expected = {run_dir, work / "ros", work / "logs", work / "announced"}
    escaped = sorted(str(p) for p in set(work.iterdir()) - expected)
    return {"fuzz_cases": tally.cases, "fuzz_seconds": round(fuzz_s, 1),
            "process_exits": len(exits), "exited": exits,
            "hangs": tally.answers[HANG], "clear_errors": tally.answers[CLEAR],
            "served_as_valid": tally.answers[SERVED],
            "refused_without_reason": tally.answers[UNCLEAR],
            "topic_messages_sent": tally.answers[SENT],
            "topic_rejections_counted": dict(sorted(counted.items())),
            "by_interface": {k: dict(v) for k, v in tally.by_interface.items()},
            "valid_request_served_afterwards": served,
            "files_outside_run_dir": escaped + (["/records"] if pathlib.Path("/records").exists()
                                                else [])}
