"""`sbi report`: what a run did and learned, as report.md with pictures; with --test-set,
the bootstrap baseline and every checkpoint are evaluated on it too."""
from __future__ import annotations

import argparse
import pathlib


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help="report on a run: interactions, label quality, "
                                                  "learning curve, pictures")
    parser.add_argument("--run", required=True, type=pathlib.Path, help="run directory")
    parser.add_argument("--test-set", type=pathlib.Path, help="COCO dataset to evaluate the "
                                                              "run's checkpoints on")
    parser.add_argument("--json", type=pathlib.Path, help="also write the run's summary (outcomes, "
                                                          "labels, label quality) here, with provenance")
    parser.set_defaults(func=report)


def report(args: argparse.Namespace) -> int:
    from seg_by_interaction.cli.demo_cmd import evaluate_stages
    from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
    from seg_by_interaction.core.evaluation.run_report import hypotheses_over_time, write_report
    from seg_by_interaction.core.run_store import RunStore

    if not (args.run / "records").is_dir():
        raise SystemExit(f"error: {args.run} is not a run directory (no records/)")
    evaluations, picture = [], None
    if args.test_set:
        evaluations, stages = evaluate_stages(args.run, args.test_set)
        picture = hypotheses_over_time(CocoDataset(args.test_set).first_view().rgb, stages)
    path = write_report(RunStore(args.run), args.run, evaluations, picture, f"Run {args.run.name}")
    print(f"report: {path}")
    if args.json:
        import json

        from seg_by_interaction.core.files import write_json_atomic
        from seg_by_interaction.core.provenance import provenance
        summary = json.loads((args.run / "summary.json").read_text())
        write_json_atomic(args.json, {**provenance(), "run": str(args.run), **summary})
    return 0
