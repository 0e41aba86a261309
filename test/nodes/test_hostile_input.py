"""Hostile messages (hand-written and seeded random) sent to real node processes: each is
rejected with its reason and counted on /diagnostics, none ends the process or replaces
good state, and a valid message is served afterwards."""
import itertools
import math
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.duration import Duration
from ros_harness import call_service, node_command, wait_until
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from seg_by_interaction.benchmarks.fault_fuzz import textured_view, write_control_record
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.msg import InteractionRecord, LabeledExample, TrainerStatus
from seg_by_interaction.ros import hostile_cases, images, interaction_msgs, qos
from seg_by_interaction.srv import Segment

CAMERA = load_robot_config("sawyer").camera()
HEIGHT, WIDTH = CAMERA.intrinsics.height, CAMERA.intrinsics.width
PUBLISH_GAP_S = 0.05    # bursts beyond the subscriptions' queues (keep last 5 or 10) lose some


def diagnostics(test_node) -> dict[str, DiagnosticArray]:
    """The latest status of each '<node>: <interface>' that rejected something."""
    latest = {}
    test_node.create_subscription(DiagnosticArray, "/diagnostics",
                                  lambda msg: latest.update({s.name: s for s in msg.status}), 10)
    return latest


def rejected(latest, name: str) -> int:
    status = latest.get(name)
    return int(next(v.value for v in status.values if v.key == "rejected")) if status else 0


def test_hypothesis_server_keeps_its_last_good_frame_and_refuses_hostile_input(start_process,
                                                                               test_node):
    latest = diagnostics(test_node)
    server = start_process(node_command("hypothesis_server", "-p", "segmenter.scales:=[1.0]"))
    topics = [("rgb", Image, CAMERA.rgb_topic), ("depth", Image, CAMERA.depth_topic),
              ("info", CameraInfo, CAMERA.camera_info_topic)]
    publishers = {kind: test_node.create_publisher(message, topic, qos.SENSOR_DATA)
                  for kind, message, topic in topics}
    segment = test_node.create_client(Segment, "/hypothesis_server/segment")
    view = textured_view(CAMERA, np.s_[100:130, 140:170])
    now = test_node.get_clock().now()
    good = now.to_msg()
    late_depth = Header(stamp=(now + Duration(seconds=0.012)).to_msg(),
                        frame_id=CAMERA.optical_frame)

    def publish_good_frame():
        rgb_header = Header(stamp=good, frame_id=CAMERA.optical_frame)
        publishers["rgb"].publish(images.to_msg(view.rgb, "rgb8", rgb_header))
        publishers["depth"].publish(images.to_msg(view.depth, "32FC1", late_depth))  # 12 ms apart
        return call_service(test_node, segment, Segment.Request()).success
    wait_until(publish_good_frame, 60, interval=0.5, what="the good frame paired and segmented")

    future = Header(stamp=(now + Duration(seconds=100.0)).to_msg(), frame_id=CAMERA.optical_frame)
    frames = hostile_cases.camera_frames(np.random.default_rng(18), CAMERA,
                                         Header(stamp=good, frame_id=CAMERA.optical_frame), future)
    hostile = list(itertools.islice(frames, 16))
    for kind, message in hostile:
        publishers[kind].publish(message)
        time.sleep(PUBLISH_GAP_S)
    wait_until(lambda: rejected(latest, f"hypothesis_server: {CAMERA.rgb_topic}") >= 4, 20,
               what="the hostile frames counted")
    answer = call_service(test_node, segment, Segment.Request())
    assert answer.success and answer.hypotheses.header.stamp == good       # the last good frame

    refused = hostile_cases.refused_segment_requests(CAMERA)
    refused_before = rejected(latest, "hypothesis_server: ~/segment")   # e.g. before a frame came
    for request, reason in refused:
        answer = call_service(test_node, segment, request)
        assert not answer.success and reason in answer.message
    wait_until(lambda: rejected(latest, "hypothesis_server: ~/segment") == refused_before
               + len(refused), 10, what="the refused requests counted")
    header = Header(frame_id=CAMERA.optical_frame)
    answer = call_service(test_node, segment, Segment.Request(
        image=images.to_msg(view.rgb, "rgb8", header),
        depth=images.to_msg(view.depth, "32FC1", header)))
    assert answer.success and all(all(map(math.isfinite, (h.grasp_pose.pose.position.x,
                                                          h.grasp_pose.pose.position.z)))
                                  for h in answer.hypotheses.hypotheses)
    assert server.process.poll() is None


def test_labeler_and_trainer_refuse_hostile_records_and_examples_and_learn_from_valid_ones(
        start_process, test_node, tmp_path):
    latest = diagnostics(test_node)
    status = []
    test_node.create_subscription(TrainerStatus, "trainer_status", status.append, qos.LATCHED)
    store = RunStore(tmp_path)
    (store.records_dir / "r000005").mkdir()                 # left malformed on disk
    (store.records_dir / "r000005" / "record.json").write_text('{"primitive": "pick_place"}')
    labeler = start_process(node_command("mask_labeler", "-p", f"run_dir:={tmp_path}"))
    trainer = start_process(node_command("online_trainer",
                                         "-p", f"run_dir:={tmp_path / 'trainer'}"))
    wait_until(lambda: (tmp_path / "quarantine" / "records__r000005").is_dir(), 60,
               what="the malformed record set aside at start")
    records = test_node.create_publisher(InteractionRecord, "interaction_records",
                                         qos.INTERACTION_DATA)
    examples = test_node.create_publisher(LabeledExample, "labeled_examples", qos.INTERACTION_DATA)
    wait_until(lambda: records.get_subscription_count() and examples.get_subscription_count(), 60,
               what="the nodes' subscriptions")

    rng = np.random.default_rng(18)
    hostile_records = list(itertools.islice(hostile_cases.interaction_records(rng), 11))
    for record in hostile_records:
        records.publish(record)
        time.sleep(PUBLISH_GAP_S)
    hostile = list(itertools.islice(hostile_cases.labeled_examples(rng), 12))
    for example in hostile:
        examples.publish(example)
        time.sleep(PUBLISH_GAP_S)
    expected_refusals = sum(1 for example in hostile if not _valid(example))
    wait_until(lambda: rejected(latest, "mask_labeler: interaction_records") == len(hostile_records)
               and rejected(latest, "online_trainer: labeled_examples") == expected_refusals, 30,
               what="every hostile message counted")
    assert "not labelled" in latest["mask_labeler: interaction_records"].message

    record_id = write_control_record(store, CAMERA)
    records.publish(InteractionRecord(record_id=record_id))
    wait_until(lambda: status and status[-1].examples_seen == 1, 30,
               what="the valid record's examples banked")
    assert store.read_labels(record_id)
    assert labeler.process.poll() is None and trainer.process.poll() is None


def _valid(example: LabeledExample) -> bool:
    try:
        interaction_msgs.example_from_msg(example)
    except ValueError:
        return False
    return True
