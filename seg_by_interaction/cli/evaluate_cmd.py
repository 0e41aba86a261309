"""`sbi evaluate`: COCO AP, AP50, AP75 and AP at IoU 0.3 of a method on a dataset, and its
hypothesis recall (top-k proposals matching ground-truth objects at IoU 0.3 and 0.5)."""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

from seg_by_interaction.cli.provenance import provenance


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="COCO AP / AP50 / AP75 / AP@0.3 and hypothesis recall of a segmentation "
                         "method on a dataset",
        description="Evaluate on any COCO instance-segmentation dataset (e.g. one from "
                    "`sbi dataset make`, or a real camera's). Learned checkpoints come with the "
                    "learning loop; the non-learning baselines are available now.")
    parser.add_argument("--method", required=True, help="baseline name (e.g. depth_clusters)")
    parser.add_argument("--dataset", required=True, type=pathlib.Path, help="COCO dataset folder")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here")
    parser.add_argument("--grid", type=pathlib.Path, help="PNG of predictions beside ground truth "
                                                          "(default: beside --json)")
    parser.add_argument("--grid-images", type=int, default=6)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from seg_by_interaction.core.baselines import make_method
    from seg_by_interaction.core.coco_dataset import CocoDataset
    from seg_by_interaction.core.coco_eval import evaluate, prediction_records
    from seg_by_interaction.core.files import write_bytes_atomic, write_png_atomic
    from seg_by_interaction.core.recall import RecallCounter
    from seg_by_interaction.core.visualize import prediction_grid

    try:
        method = make_method(args.method)
    except KeyError as error:
        raise SystemExit(f"error: {error.args[0]}") from None
    dataset = CocoDataset(args.dataset)
    records, examples, inference_s, recall = [], [], 0.0, RecallCounter()
    for view in tqdm(dataset.views(), total=len(dataset.image_ids()), desc=args.method, unit="img"):
        start = time.perf_counter()
        proposals = method(view)
        inference_s += time.perf_counter() - start
        records += prediction_records(view.image_id, proposals)
        truth, masks = dataset.instance_masks(view.image_id), [p.mask for p in proposals]
        recall.add(truth, masks)
        if len(examples) < args.grid_images:
            examples.append((view.rgb, masks, truth))
    start = time.perf_counter()
    figures = evaluate(dataset.coco, records)
    evaluation_s = time.perf_counter() - start
    figures.update(recall.figures())
    figures.update(provenance(), method=args.method, dataset=str(args.dataset), images=len(dataset.image_ids()),
                   inference_s_per_image=inference_s / max(len(dataset.image_ids()), 1),
                   evaluation_s=evaluation_s)
    print(f"{'method':<18}{'AP':>7}{'AP50':>7}{'AP75':>7}{'AP@0.3':>8}   images")
    print(f"{args.method:<18}{figures['ap']:7.3f}{figures['ap50']:7.3f}{figures['ap75']:7.3f}"
          f"{figures['ap30']:8.3f}   {figures['images']}")
    print("hypothesis recall (IoU 0.3 / 0.5) of the top " + ", ".join(
        f"{k}: {figures[f'recall30_top{k}']:.2f} / {figures[f'recall50_top{k}']:.2f}" for k in (1, 10, 50)))
    grid = args.grid or (args.json.with_suffix(".png") if args.json else None)
    if grid:
        write_png_atomic(grid, prediction_grid(examples))
        print(f"grid: {grid}", file=sys.stderr)
    if args.json:
        write_bytes_atomic(args.json, (json.dumps(figures, indent=1) + "\n").encode())
    return 0
