"""The camera probe: a camera node started as a separate process replays a test pattern
and this process receives its images over DDS, measuring delivery and latency (used by
`sbi check` and the speed benchmark)."""
from __future__ import annotations

import pathlib
import time

import numpy as np


def test_pattern(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Colour bars over a horizontal gradient, and a depth ramp from 0.5 m to 2.5 m."""
    bars = np.array([[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0],
                     [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]], np.uint8)
    columns = bars[np.arange(width) * len(bars) // width]
    shade = np.linspace(1.0, 0.4, height)[:, None, None]
    rgb = (columns[None, :, :] * shade).astype(np.uint8)
    depth = np.repeat(np.linspace(0.5, 2.5, height, dtype=np.float32)[:, None], width, axis=1)
    return rgb, depth


def write_recording(folder: pathlib.Path, rgb: np.ndarray, depth: np.ndarray) -> None:
    import cv2

    from seg_by_interaction.core.images import metres_to_millimetres
    (folder / "rgb").mkdir(parents=True, exist_ok=True)
    (folder / "depth").mkdir(exist_ok=True)
    cv2.imwrite(str(folder / "rgb" / "000000.png"), rgb[:, :, ::-1])
    cv2.imwrite(str(folder / "depth" / "000000.png"), metres_to_millimetres(depth))


def receive_frames(camera, count: int, timeout: float) -> tuple[list[float], list[float], np.ndarray | None]:
    """(latencies in ms, arrival times in s, last decoded frame) of `count` images."""
    import rclpy
    from rclpy.time import Time
    from sensor_msgs.msg import Image
    from tqdm import tqdm

    from seg_by_interaction.ros import images, qos
    from seg_by_interaction.ros.node_main import configure_middleware

    configure_middleware()
    rclpy.init()
    node = rclpy.create_node("sbi_check")
    latencies, arrivals, last = [], [], [None]

    def on_image(msg: Image):
        latencies.append((node.get_clock().now() - Time.from_msg(msg.header.stamp)).nanoseconds / 1e6)
        arrivals.append(time.monotonic())
        last[0] = msg

    node.create_subscription(Image, camera.rgb_topic, on_image, qos.SENSOR_DATA)
    deadline = time.monotonic() + timeout
    with tqdm(total=count, desc="images received", unit="img") as progress:
        while len(latencies) < count and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.1)
            progress.update(len(latencies) - progress.n)
    node.destroy_node()
    rclpy.shutdown()
    return latencies, arrivals, images.rgb_from_msg(last[0]) if last[0] else None


def receive_from_camera_process(robot, frames: int, rate: float, folder: pathlib.Path):
    """Start the camera node as a separate process replaying a test pattern at the robot
    camera's resolution (written under `folder`) and receive `frames` of its images:
    (latencies ms, arrival times s, last received frame, the pattern sent)."""
    from seg_by_interaction.ros.node_processes import node_command, node_processes

    camera = robot.camera()
    rgb, depth = test_pattern(camera.intrinsics.width, camera.intrinsics.height)
    write_recording(folder / "test_pattern", rgb, depth)
    command = node_command("camera_node", "-p", f"robot:={robot.name}", "-p",
                           f"folder:={folder / 'test_pattern'}", "-p", f"publish_rate_hz:={rate}")
    with node_processes(None, folder) as start:
        start("camera_node", command)
        latencies, arrivals, received = receive_frames(camera, frames, timeout=60.0)
    return latencies, arrivals, received, rgb
