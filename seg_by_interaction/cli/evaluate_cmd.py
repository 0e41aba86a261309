"""`sbi evaluate`: COCO AP, AP50, AP75 and AP at IoU 0.3 of a method on a dataset, and its
hypothesis recall (top-k proposals matching ground-truth objects at IoU 0.3 and 0.5)."""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

from seg_by_interaction.core.hypotheses.baselines import METHODS
from seg_by_interaction.core.provenance import provenance

CHECKPOINT_FIELDS = ("version", "step", "interactions_seen", "examples_seen", "seed", "loss")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="COCO AP / AP50 / AP75 / AP@0.3 and hypothesis recall of a segmentation "
                         "method on a dataset",
        description="Evaluate on any COCO instance-segmentation dataset (e.g. one from "
                    "`sbi dataset make`, or a real camera's), a baseline or a learned checkpoint.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--method", help=f"baseline name ({', '.join(METHODS.names())})")
    source.add_argument("--checkpoint", type=pathlib.Path, help="a learned model's checkpoint")
    parser.add_argument("--single-scale", action="store_true",
                        help="evaluate a checkpoint at scale 1 only (default: all its scales)")
    parser.add_argument("--window-stride", type=int, choices=(16, 8, 4), default=16,
                        help="DeepMask checkpoints: windows centred every this many pixels "
                             "(default 16, the network's stride)")
    parser.add_argument("--min-height", type=float,
                        help="dense checkpoints with depth: pixels lower than this (metres) "
                             "above the fitted table plane are background (default: "
                             "segmenter.clustering.min_height_m's; 0: the network alone "
                             "decides)")
    parser.add_argument("--dataset", required=True, type=pathlib.Path, help="COCO dataset folder")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here")
    parser.add_argument("--grid", type=pathlib.Path, help="PNG of predictions beside ground truth "
                                                          "(default: beside --json)")
    parser.add_argument("--grid-images", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1), stated in the figures")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    method, name, about = make_method_or_model(args)
    about = {**about, "torch_threads": args.threads}
    grid = args.grid or (args.json.with_suffix(".png") if args.json else None)
    evaluate_and_write(method, name, args.dataset, args.json, grid, args.grid_images, about)
    return 0


def evaluate_and_write(method, name: str, dataset_dir: pathlib.Path, json_path: pathlib.Path | None,
                       grid_path: pathlib.Path | None, grid_images: int = 6, about: dict | None = None) -> dict:
    """Evaluate, print the table, and write the figures (JSON, with `about` the method)
    and a prediction grid (PNG)."""
    from tqdm import tqdm

    from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
    from seg_by_interaction.core.evaluation.evaluate import evaluate_method
    from seg_by_interaction.core.files import write_bytes_atomic, write_png_atomic
    from seg_by_interaction.core.visualize import prediction_grid

    dataset = CocoDataset(dataset_dir)
    figures, examples = evaluate_method(
        method, dataset, grid_images,
        lambda views: tqdm(views, total=len(dataset.image_ids()), desc=name, unit="img"))
    figures.update(provenance(), method=name, dataset=str(dataset_dir), **(about or {}))
    print_figures(name, figures)
    if grid_path:
        write_png_atomic(grid_path, prediction_grid(examples))
        print(f"grid: {grid_path}", file=sys.stderr)
    if json_path:
        write_bytes_atomic(json_path, (json.dumps(figures, indent=1) + "\n").encode())
    return figures


def make_method_or_model(args: argparse.Namespace):
    """(callable view -> proposals, display name, what to record about it) for --method
    or --checkpoint."""
    if args.checkpoint:
        from seg_by_interaction.core.evaluation.evaluate import checkpoint_method
        from seg_by_interaction.core.model.checkpoint import CheckpointError
        from seg_by_interaction.core.model.embedding_segmenter import ClusteringParams
        from seg_by_interaction.core.model.segmenter import SegmenterParams
        clustering = ClusteringParams() if args.min_height is None else \
            ClusteringParams(min_height_m=args.min_height)
        params = SegmenterParams(window_stride_px=args.window_stride, clustering=clustering)
        try:
            method, metadata = checkpoint_method(args.checkpoint, args.single_scale, params)
        except CheckpointError as error:
            raise SystemExit(f"error: {error}") from None
        about = {"checkpoint": {key: getattr(metadata, key) for key in CHECKPOINT_FIELDS},
                 "architecture": metadata.spec.architecture, "inputs": metadata.spec.inputs,
                 "window_stride_px": args.window_stride,
                 "min_height_m": clustering.min_height_m}
        return method, args.checkpoint.stem, about
    try:
        return METHODS.make(args.method), args.method, {}
    except KeyError as error:
        raise SystemExit(f"error: {error.args[0]}") from None


def print_figures(name: str, figures: dict) -> None:
    print(f"{'method':<18}{'AP':>7}{'AP50':>7}{'AP75':>7}{'AP@0.3':>8}   images")
    for label, row in [(name, figures)] + [(f"  {layout}", per_layout) for layout, per_layout
                                           in figures.get("layouts", {}).items()]:
        print(f"{label:<18}{row['ap']:7.3f}{row['ap50']:7.3f}{row['ap75']:7.3f}"
              f"{row['ap30']:8.3f}   {row['images']}")
    print("hypothesis recall (IoU 0.3 / 0.5) of the top " + ", ".join(
        f"{k}: {figures[f'recall30_top{k}']:.2f} / {figures[f'recall50_top{k}']:.2f}" for k in (1, 10, 50)))
