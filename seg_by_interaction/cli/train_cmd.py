"""`sbi train`: offline training on a recorded run, for controlled comparisons (losses,
seeds, amounts of data, the supervised upper bound), optionally evaluated on an annotated
dataset."""
from __future__ import annotations

import argparse
import pathlib

from seg_by_interaction.core.training import MASK_LOSSES

LABELS = ("self", "ground_truth")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a fresh network on a recorded run's labels")
    parser.add_argument("--from", dest="run", required=True, type=pathlib.Path, help="run directory")
    parser.add_argument("--loss", choices=MASK_LOSSES.names(), required=True, help="mask loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, required=True, help="SGD steps")
    parser.add_argument("--interactions", type=int, help="use the first N interactions only")
    parser.add_argument("--labels", choices=LABELS, default="self",
                        help="self: the labeler's stored labels (default); ground_truth: the "
                             "simulated world's masks of the same frames, for measuring the "
                             "supervised upper bound only")
    parser.add_argument("--out", type=pathlib.Path,
                        help="output directory (default: <run>/offline/<name>, name "
                             "<loss or 'truth'>_n<N>_k<steps>_s<seed>)")
    parser.add_argument("--evaluate", type=pathlib.Path, metavar="DATASET",
                        help="then evaluate the model on this COCO dataset (writes evaluation.json)")
    parser.set_defaults(func=train)


def train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from seg_by_interaction.core.model.spec import ModelSpec
    from seg_by_interaction.core.provenance import provenance
    from seg_by_interaction.core.run_store import RunStore
    from seg_by_interaction.core.training.online import offline_model_name, train_offline
    from seg_by_interaction.core.training.trainer import TrainerParams

    if not (args.run / "records").is_dir():
        raise SystemExit(f"error: {args.run} is not a run directory (no records/)")
    kind = "truth" if args.labels == "ground_truth" else args.loss
    out = args.out or args.run / "offline" / offline_model_name(kind, args.interactions, args.steps,
                                                                args.seed)
    try:
        path, metadata = train_offline(
            _examples(RunStore(args.run), args.labels, args.interactions), out, ModelSpec(),
            TrainerParams(mask_loss=args.loss), args.seed, args.steps,
            {**provenance(), "trained_on": str(args.run), "labels": args.labels,
             "max_interactions": args.interactions},
            lambda steps: tqdm(steps, desc=f"training ({args.loss}, seed {args.seed})", unit="step"))
    except (RuntimeError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    print(f"checkpoint: {path} ({metadata.interactions_seen} interactions, "
          f"{metadata.examples_seen} examples)")
    if args.evaluate:
        from seg_by_interaction.cli.evaluate_cmd import evaluate_and_write
        from seg_by_interaction.core.evaluation.evaluate import checkpoint_method
        evaluate_and_write(checkpoint_method(path)[0], f"{args.loss} seed {args.seed}", args.evaluate,
                           out / "evaluation.json", out / "evaluation.png")
    return 0


def _examples(store, labels: str, interactions: int | None):
    if labels == "ground_truth":
        from seg_by_interaction.benchmarks.supervised_bound import ground_truth_examples
        return ground_truth_examples(store, interactions)
    from seg_by_interaction.core.training.online import examples_from_run
    return examples_from_run(store, interactions)
