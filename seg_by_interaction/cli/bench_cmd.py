"""`sbi bench`: benchmarks that print figures and keep them as JSON with their command."""
from __future__ import annotations

import argparse
import json
import pathlib

from seg_by_interaction.cli.provenance import provenance


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks (figures as JSON with their command)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    world = actions.add_parser("world", help="simulated world: render rate, seconds per primitive, "
                                             "grasp and push success, neighbour disturbance")
    world.add_argument("--robot", default="sawyer")
    world.add_argument("--targets", type=int, default=50, help="grasps and pushes, each")
    world.add_argument("--neighbour-trials", type=int, default=21)
    world.add_argument("--seed", type=int, default=0)
    world.add_argument("--json", type=pathlib.Path, help="write the figures here")
    world.set_defaults(func=bench_world)


def bench_world(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks.world_bench import run
    from seg_by_interaction.core.robot_config import load_robot_config

    figures = {**provenance(), **run(load_robot_config(args.robot), args.targets,
                                     args.neighbour_trials, args.seed)}
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        from seg_by_interaction.core.files import write_bytes_atomic
        write_bytes_atomic(args.json, (text + "\n").encode())
    return 0
