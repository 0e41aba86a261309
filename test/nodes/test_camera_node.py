"""The camera node as a real process over DDS: frames, its service, parameter checks."""
import time

import cv2
import numpy as np
import pytest
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from ros_harness import call_service, node_command, wait_for_message, wait_for_node, wait_until
from sensor_msgs.msg import CameraInfo, Image
from std_srvs.srv import SetBool

from seg_by_interaction.core.images import metres_to_millimetres
from seg_by_interaction.ros import images, qos

RGB_TOPIC = "/table_camera/color/image_raw"


@pytest.fixture
def recorded_folder(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "rec" / "rgb").mkdir(parents=True)
    (tmp_path / "rec" / "depth").mkdir()
    frames = []
    for i in range(3):
        rgb = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
        depth = rng.uniform(0.5, 2.0, (48, 64)).astype(np.float32)
        cv2.imwrite(str(tmp_path / "rec" / "rgb" / f"{i:03d}.png"), rgb[:, :, ::-1])
        cv2.imwrite(str(tmp_path / "rec" / "depth" / f"{i:03d}.png"), metres_to_millimetres(depth))
        frames.append((rgb, depth))
    (tmp_path / "rec" / "rgb" / "999_corrupt.png").write_bytes(b"not a png")
    (tmp_path / "rec" / "camera_info.yaml").write_text(
        "width: 64\nheight: 48\nfx: 60.0\nfy: 60.0\ncx: 32.0\ncy: 24.0\n")
    return tmp_path / "rec", frames


def set_parameter(node, name, value: ParameterValue):
    client = node.create_client(SetParameters, "/camera_node/set_parameters")
    request = SetParameters.Request(parameters=[Parameter(name=name, value=value)])
    return call_service(node, client, request).results[0]


def test_publishes_recorded_frames_and_serves_set_streaming(start_process, test_node, recorded_folder):
    folder, frames = recorded_folder
    received, infos = [], []
    test_node.create_subscription(Image, RGB_TOPIC, received.append, qos.SENSOR_DATA)
    test_node.create_subscription(CameraInfo, "/table_camera/color/camera_info", infos.append,
                                  qos.SENSOR_DATA)
    node = start_process(node_command("camera_node", "-p", f"folder:={folder}",
                                      "-p", "publish_rate_hz:=20.0"))
    wait_for_node(test_node, "camera_node")
    msg = wait_for_message(received, what="an image from camera_node")

    assert msg.header.frame_id == "table_camera_color_optical_frame"
    rgb = images.rgb_from_msg(msg)
    assert any(np.array_equal(rgb, frame) for frame, _ in frames)
    info = wait_for_message(infos, what="camera info")
    assert (info.width, info.height) == (64, 48)

    wait_until(lambda: "skipping frame" in node.output(), 10, what="the corrupt PNG reported")

    response = call_service(test_node, test_node.create_client(SetBool, "/camera_node/set_streaming"),
                            SetBool.Request(data=False))
    assert response.success and response.message == "paused"
    time.sleep(0.3)  # frames already in flight
    count = len(received)
    time.sleep(0.5)
    assert len(received) == count, "frames kept coming while paused"
    assert node.process.poll() is None


def test_rejects_out_of_range_and_read_only_parameter_changes(start_process, test_node, recorded_folder):
    folder, _ = recorded_folder
    start_process(node_command("camera_node", "-p", f"folder:={folder}"))
    wait_for_node(test_node, "camera_node")

    too_fast = set_parameter(test_node, "publish_rate_hz",
                             ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=500.0))
    assert not too_fast.successful
    read_only = set_parameter(test_node, "folder",
                              ParameterValue(type=ParameterType.PARAMETER_STRING, string_value="/x"))
    assert not read_only.successful and "read-only" in read_only.reason
    ok = set_parameter(test_node, "publish_rate_hz",
                       ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=5.0))
    assert ok.successful


def test_unknown_parameter_stops_the_node_with_a_clear_error(start_process, recorded_folder):
    folder, _ = recorded_folder
    node = start_process(node_command("camera_node", "-p", f"folder:={folder}", "-p", "fodler:=/x"))
    assert node.wait(timeout=30) == 2
    assert "unknown parameter(s) ['fodler']" in node.output()
