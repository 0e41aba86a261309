"""`sbi config`: list, show and check robot configs and node parameter files."""
from __future__ import annotations

import argparse
import sys

import yaml


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("config", help="list, show and validate configuration files")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="robot configs available by name").set_defaults(func=list_robots)
    show = actions.add_parser("show", help="a robot config with every default filled in")
    show.add_argument("robot", help="robot name or path to its YAML")
    show.set_defaults(func=show_robot)
    check = actions.add_parser("check", help="validate robot configs or ROS 2 parameter files")
    check.add_argument("files", nargs="+", metavar="YAML")
    check.set_defaults(func=check_files)


def list_robots(args: argparse.Namespace) -> int:
    from seg_by_interaction.core.robot_config import available_robots
    print("\n".join(available_robots()))
    return 0


def show_robot(args: argparse.Namespace) -> int:
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.validated import to_dict
    print(yaml.safe_dump({"robot": to_dict(load_robot_config(args.robot))}, sort_keys=False))
    return 0


def check_files(args: argparse.Namespace) -> int:
    from seg_by_interaction.cli.config_files import check_config_file
    from seg_by_interaction.core.validated import ConfigError

    failures = 0
    for path in args.files:
        try:
            print(f"ok    {path}: {check_config_file(path)}")
        except ConfigError as error:
            failures += 1
            print(f"error {error}", file=sys.stderr)
    return 1 if failures else 0
