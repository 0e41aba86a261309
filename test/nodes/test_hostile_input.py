"""Hostile messages (hand-written and seeded random) sent to real node processes: each is
rejected with its reason and counted on /diagnostics, none ends the process or replaces
good state, and a valid message is served afterwards."""
import math
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Point
from rclpy.duration import Duration
from ros_harness import call_service, node_command, wait_until
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RecordMeta, RunStore
from seg_by_interaction.msg import InteractionRecord, LabeledExample, Primitive, TrainerStatus
from seg_by_interaction.ros import images, interaction_msgs, qos
from seg_by_interaction.srv import Segment

CAMERA = load_robot_config("sawyer").camera()
HEIGHT, WIDTH = CAMERA.intrinsics.height, CAMERA.intrinsics.width
ENCODINGS = ["rgb8", "mono8", "32FC1", "16UC1", "yuv422", ""]
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


def random_image(rng, stamp) -> Image:
    """An image message with a random mix of size, encoding, step and data length."""
    height, width = (int(rng.choice([0, 1, HEIGHT, 4000])) for _ in range(2))
    step = int(rng.choice([0, width, width * 3, width * 4]))
    return Image(header=Header(stamp=stamp, frame_id=CAMERA.optical_frame), height=height,
                 width=width, encoding=str(rng.choice(ENCODINGS)), step=step,
                 data=bytes(int(rng.choice([0, 7, step * height]))))


def textured_view(square_at=None) -> RGBDView:
    noise = np.random.default_rng(0).normal(0, 6, (HEIGHT, WIDTH, 3))
    rgb = np.clip(180 + noise, 0, 255).astype(np.uint8)
    depth = np.full((HEIGHT, WIDTH), 1.0, np.float32)
    if square_at is not None:
        rgb[square_at] = (200, 30, 30)
        depth[square_at] = 0.96
    return RGBDView(rgb=rgb, depth=depth, intrinsics=CAMERA.intrinsics,
                    camera_pose=Pose(position=(0, 0, 0)))


def test_hypothesis_server_keeps_its_last_good_frame_and_refuses_hostile_input(start_process,
                                                                               test_node):
    latest = diagnostics(test_node)
    server = start_process(node_command("hypothesis_server", "-p", "segmenter.scales:=[1.0]"))
    topics = [("rgb", Image, CAMERA.rgb_topic), ("depth", Image, CAMERA.depth_topic),
              ("info", CameraInfo, CAMERA.camera_info_topic)]
    publishers = {kind: test_node.create_publisher(message, topic, qos.SENSOR_DATA)
                  for kind, message, topic in topics}
    segment = test_node.create_client(Segment, "/hypothesis_server/segment")
    view = textured_view(np.s_[100:130, 140:170])
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
    empty = Image(header=future, encoding="rgb8")
    hostile = [("rgb", empty), ("depth", Image(header=future, encoding="32FC1")),
               ("rgb", images.to_msg(np.zeros((10, 10, 3), np.uint8), "rgb8", future)),
               ("rgb", images.to_msg(view.depth, "32FC1", Header(frame_id=CAMERA.optical_frame))),
               ("rgb", images.to_msg(view.rgb, "rgb8", future)),
               ("info", CameraInfo(width=WIDTH, height=HEIGHT, k=[math.nan] * 9))]
    rng = np.random.default_rng(18)
    hostile += [(str(rng.choice(["rgb", "depth"])), random_image(rng, good)) for _ in range(10)]
    for kind, message in hostile:
        publishers[kind].publish(message)
        time.sleep(PUBLISH_GAP_S)
    wait_until(lambda: rejected(latest, f"hypothesis_server: {CAMERA.rgb_topic}") >= 4, 20,
               what="the hostile frames counted")
    answer = call_service(test_node, segment, Segment.Request())
    assert answer.success and answer.hypotheses.header.stamp == good       # the last good frame

    header = Header(frame_id=CAMERA.optical_frame)
    huge = Segment.Request(image=images.to_msg(np.zeros((960, 1280, 3), np.uint8), "rgb8", header),
                           depth=images.to_msg(np.ones((960, 1280), np.float32), "32FC1", header))
    broken_camera = Segment.Request(image=images.to_msg(view.rgb, "rgb8", header),
                                    depth=images.to_msg(view.depth, "32FC1", header),
                                    camera_info=CameraInfo(width=WIDTH, height=HEIGHT, k=[0.0] * 9))
    refused_before = rejected(latest, "hypothesis_server: ~/segment")   # e.g. before a frame came
    for request, reason in [(huge, "max_pixels"), (broken_camera, "unusable intrinsics"),
                            (Segment.Request(min_score=math.nan), "min_score")]:
        answer = call_service(test_node, segment, request)
        assert not answer.success and reason in answer.message
    wait_until(lambda: rejected(latest, "hypothesis_server: ~/segment") == refused_before + 3, 10,
               what="the refused requests counted")
    answer = call_service(test_node, segment, Segment.Request(image=broken_camera.image,
                                                              depth=broken_camera.depth))
    assert answer.success and all(all(map(math.isfinite, (h.grasp_pose.pose.position.x,
                                                          h.grasp_pose.pose.position.z)))
                                  for h in answer.hypotheses.hypotheses)
    assert server.process.poll() is None


def hostile_examples(rng) -> list[LabeledExample]:
    good_image = images.to_msg(np.zeros((24, 32, 3), np.uint8), "rgb8", Header())
    mask = np.zeros((24, 32), np.uint8)
    mask[4:8, 4:8] = 255
    examples = [LabeledExample(example_id="../escape", image=good_image, frame_pair="before_after",
                               mask=images.to_msg(mask, "mono8", Header()), positive=True),
                LabeledExample(example_id="empty", image=good_image, frame_pair="before_after",
                               mask=images.to_msg(mask * 0, "mono8", Header()), positive=True)]
    for index in range(10):
        examples.append(LabeledExample(
            example_id=f"fuzz{index}", image=random_image(rng, Header().stamp),
            mask=random_image(rng, Header().stamp), positive=bool(rng.integers(2)),
            frame_pair=str(rng.choice(["before_after", "sideways", ""])),
            confidence=float(rng.choice([math.nan, -1.0, 0.5, 2.0])),
            action_px=Point(x=float(rng.choice([math.nan, 3.0, 1e9])), y=3.0)))
    return examples


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
    records = test_node.create_publisher(InteractionRecord, "interaction_records", qos.RELIABLE)
    examples = test_node.create_publisher(LabeledExample, "labeled_examples", qos.RELIABLE)
    wait_until(lambda: records.get_subscription_count() and examples.get_subscription_count(), 60,
               what="the nodes' subscriptions")

    rng = np.random.default_rng(18)
    record_ids = ["../../etc", "r000001/../../x", "r999999", "", "r000005",
                  *("".join(rng.choice(list("r0/.9x"), 8)) for _ in range(5))]
    for record_id in record_ids:
        records.publish(InteractionRecord(record_id=record_id, outcome=10,
                                          primitive=Primitive(type=99)))
        time.sleep(PUBLISH_GAP_S)
    hostile = hostile_examples(rng)
    for example in hostile:
        examples.publish(example)
        time.sleep(PUBLISH_GAP_S)
    expected_refusals = sum(1 for example in hostile if not _valid(example))
    wait_until(lambda: rejected(latest, "mask_labeler: interaction_records") == len(record_ids)
               and rejected(latest, "online_trainer: labeled_examples") == expected_refusals, 30,
               what="every hostile message counted")
    assert "not labelled" in latest["mask_labeler: interaction_records"].message

    square = np.s_[100:130, 140:170]
    store.write_record("r000001", RecordMeta(primitive="pick_place", outcome=Outcome.OK,
                                             action_px=(155.0, 115.0)),
                       {"before": textured_view(square), "mid": textured_view(),
                        "after": textured_view(np.s_[40:70, 40:70])})
    records.publish(InteractionRecord(record_id="r000001"))
    wait_until(lambda: status and status[-1].examples_seen == 1, 30,
               what="the valid record's examples banked")
    assert store.read_labels("r000001")
    assert labeler.process.poll() is None and trainer.process.poll() is None


def _valid(example: LabeledExample) -> bool:
    try:
        interaction_msgs.example_from_msg(example)
    except ValueError:
        return False
    return True
