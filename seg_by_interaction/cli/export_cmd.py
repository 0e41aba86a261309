"""`sbi export --coco`: a run's positive labels as a COCO dataset."""
from __future__ import annotations

import argparse
import pathlib


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("export", help="turn a run's labels into a dataset")
    parser.add_argument("--coco", action="store_true", required=True,
                        help="COCO instance segmentation (the only format so far)")
    parser.add_argument("--run", required=True, type=pathlib.Path, help="run directory")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="dataset folder")
    parser.add_argument("--min-confidence", type=float, default=0.0)
    parser.set_defaults(func=export)


def export(args: argparse.Namespace) -> int:
    from seg_by_interaction.core.evaluation.label_export import export_labels
    from seg_by_interaction.core.run_store import RunStore

    if not (args.run / "records").is_dir():
        raise SystemExit(f"error: {args.run} is not a run directory (no records/)")
    annotations = export_labels(RunStore(args.run), args.out, args.min_confidence)
    if annotations is None:
        raise SystemExit(f"error: {args.run} has no positive label to export")
    print(f"COCO dataset: {annotations}")
    return 0
