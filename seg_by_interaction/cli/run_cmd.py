"""`sbi run`: start nodes composed in one process (where `ros2 launch` is unavailable)."""
from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run nodes composed in one process with a multi-threaded executor",
        description="Run one or more of the package's nodes in one process. Parameters come "
                    "from ROS 2 parameter files, exactly as launch files pass them.")
    parser.add_argument("nodes", nargs="+", metavar="NODE", help="node executable names")
    parser.add_argument("--params-file", action="append", default=[], metavar="YAML",
                        help="ROS 2 parameter file (repeatable)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE:NAME:=VALUE",
                        help="one parameter override, e.g. camera_node:folder:=/data/run1")
    parser.add_argument("--threads", type=int, default=None, help="executor threads")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from seg_by_interaction.nodes import node_class
    from seg_by_interaction.ros.node_main import spin_composed
    from seg_by_interaction.ros.parameters import ros_arguments

    try:
        factories = [node_class(name) for name in args.nodes]
    except KeyError as error:
        raise SystemExit(f"error: {error.args[0]}") from None
    return spin_composed(factories, ros_arguments(args.params_file, args.param), args.threads)
