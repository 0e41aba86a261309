"""`sbi check`: bring-up check of a machine's ROS 2 set-up for this stack.

Validates every shipped config, then starts the camera node as a separate process
replaying a test-pattern recording at the robot camera's resolution, receives its
images over DDS in this process, and reports delivery, rate and latency in
<out>/report.md (with the received frame as PNG).
"""
from __future__ import annotations

import argparse
import pathlib

import numpy as np


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("check", help="bring-up check: configs, interfaces, camera "
                                                 "images between processes over DDS")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="report directory")
    parser.add_argument("--robot", default="sawyer", help="robot config whose camera to emulate")
    parser.add_argument("--frames", type=int, default=100, help="frames to receive")
    parser.add_argument("--rate", type=float, default=30.0, help="publish rate, Hz")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import cv2

    from seg_by_interaction.cli.config_files import check_config_file
    from seg_by_interaction.core.robot_config import config_dir, load_robot_config
    from seg_by_interaction.ros.camera_probe import receive_from_camera_process

    args.out.mkdir(parents=True, exist_ok=True)
    configs = [f"{p.name}: {check_config_file(p)}" for p in sorted(config_dir().glob("*.yaml"))]
    robot = load_robot_config(args.robot)
    camera = robot.camera()
    latencies, arrivals, received, sent = receive_from_camera_process(robot, args.frames, args.rate, args.out)
    intact = received is not None and np.array_equal(received, sent)
    if received is not None:
        cv2.imwrite(str(args.out / "received_frame.png"), received[:, :, ::-1])
    report = format_report(args, camera, configs, latencies, arrivals, intact)
    (args.out / "report.md").write_text(report)
    print(report)
    return 0 if len(latencies) >= args.frames and intact else 1


def format_report(args, camera, configs, latencies, arrivals, intact) -> str:
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    lines = [
        "# seg_by_interaction bring-up check", "",
        "The self-supervised loop is not built yet; this checks what it stands on.", "",
        "## Configs", "", *[f"- {c}" for c in configs], "",
        f"## Camera images between processes ({args.robot}, {camera.intrinsics.width}x{camera.intrinsics.height} rgb8 + 32FC1)", "",
        "| figure | value |", "|---|---|",
        f"| frames received | {len(latencies)} of {args.frames} |",
        f"| pixels intact | {'yes' if intact else 'NO'} |",
        f"| receive rate, Hz (published at {args.rate:g}) | {rate:.1f} |",
    ]
    if latencies:
        p50, p95 = np.percentile(latencies, [50, 95])
        lines += [f"| latency p50, ms | {p50:.2f} |", f"| latency p95, ms | {p95:.2f} |"]
    lines += ["", "![received frame](received_frame.png)", ""]
    return "\n".join(lines)
