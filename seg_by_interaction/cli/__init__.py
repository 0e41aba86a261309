"""`sbi`: the command-line entry point. Each subcommand lives in its own module and
registers itself through `add_parser(subparsers)`; imports of heavy dependencies happen
inside the command so that `sbi --help` stays fast."""
from __future__ import annotations

import argparse
import sys

from seg_by_interaction.cli import (bench_cmd, check_cmd, collect_cmd, config_cmd, dataset_cmd,
                                    demo_cmd, evaluate_cmd, export_cmd, rearrange_cmd, report_cmd,
                                    run_cmd, sim_cmd, train_cmd)

COMMANDS = (run_cmd, config_cmd, check_cmd, sim_cmd, collect_cmd, train_cmd, export_cmd, report_cmd,
            dataset_cmd, evaluate_cmd, demo_cmd, rearrange_cmd, bench_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sbi", description="seg_by_interaction: a robot arm that teaches itself to "
                                "segment objects by interacting with them.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return args.func(args)
