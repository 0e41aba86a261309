"""`sbi train`: offline training on a recorded run (or an annotated dataset), for
controlled comparisons (architectures, inputs, losses, seeds, amounts of data, the
supervised upper bound), optionally evaluated on an annotated dataset."""
from __future__ import annotations

import argparse
import pathlib

from seg_by_interaction.core.model.spec import ARCHITECTURES, INPUTS
from seg_by_interaction.core.training import MASK_LOSSES

LABELS = ("self", "ground_truth")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a fresh network on a recorded run's labels")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="run", type=pathlib.Path, help="run directory")
    source.add_argument("--dataset", type=pathlib.Path,
                        help="annotated COCO dataset to train on instead (every object labelled)")
    parser.add_argument("--architecture", choices=ARCHITECTURES.names(),
                        default="efficientnet_lite0_embedding",
                        help="network (default: the dense embedding network; resnet18_deepmask "
                             "from scratch is Pathak et al.'s setting)")
    parser.add_argument("--inputs", choices=tuple(INPUTS),
                        help="rgb or rgbd (default: rgbd for dense networks, else rgb)")
    parser.add_argument("--from-scratch", action="store_true",
                        help="random initialisation instead of the ImageNet Lite0 weights "
                             "(always for resnet18_deepmask)")
    parser.add_argument("--loss", choices=MASK_LOSSES.names(), default="rsl",
                        help="mask loss or method for noisy labels, with its default "
                             "parameters (default rsl)")
    parser.add_argument("--label-noise", type=float, default=0.0, metavar="RATE",
                        help="corrupt this share of the positive labels as they are drawn "
                             "(default 0: none)")
    parser.add_argument("--label-noise-strength", type=float, default=0.3, metavar="S",
                        help="dilation/erosion radius relative to the object's radius, share "
                             "dropped (default 0.3)")
    parser.add_argument("--label-noise-kinds", metavar="K1,K2",
                        help="corruptions to choose from: some of dilate, erode, merge, drop "
                             "(default all)")
    parser.add_argument("--label-noise-seed", type=int, default=0,
                        help="which labels are corrupted, and how (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a training parameter, dotted as in the trainer's YAML under "
                             "`training` (e.g. co_teaching.ramp_steps=40); repeatable")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, required=True, help="SGD steps")
    parser.add_argument("--interactions", type=int, help="use the first N interactions only")
    parser.add_argument("--labels", choices=LABELS, default="self",
                        help="self: the labeler's stored labels (default); ground_truth: the "
                             "simulated world's masks of every object of the same frames, for "
                             "measuring the supervised upper bound only")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: on a loaded 2-core machine 2 "
                             "threads trained ~10x slower)")
    parser.add_argument("--out", type=pathlib.Path,
                        help="output directory (default: <run>/offline/<name>, name "
                             "<loss or 'truth'>_n<N>_k<steps>_s<seed>)")
    parser.add_argument("--evaluate", type=pathlib.Path, metavar="DATASET",
                        help="then evaluate the model on this COCO dataset (writes evaluation.json)")
    parser.set_defaults(func=train)


def train(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from seg_by_interaction.core.model.spec import ModelSpec
    from seg_by_interaction.core.provenance import provenance
    from seg_by_interaction.core.training.online import train_offline

    torch.set_num_threads(args.threads)
    out = args.out or _default_out(args)
    try:
        spec = ModelSpec(architecture=args.architecture, inputs=args.inputs or "")
        path, metadata = train_offline(
            _examples(args), out, spec, _training_params(args), args.seed,
            args.steps, {**provenance(), "trained_on": str(args.run or args.dataset),
                         "labels": "annotations" if args.dataset else args.labels,
                         "max_interactions": args.interactions, "torch_threads": args.threads},
            pretrained=not args.from_scratch and args.architecture != "resnet18_deepmask",
            progress=lambda steps: tqdm(steps, desc=f"training ({args.architecture}, seed "
                                                    f"{args.seed})", unit="step"))
    except (RuntimeError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    print(f"checkpoint: {path} ({metadata.interactions_seen} interactions or frames, "
          f"{metadata.examples_seen} examples, {args.threads} torch thread(s))")
    if args.evaluate:
        from seg_by_interaction.cli.evaluate_cmd import evaluate_and_write
        from seg_by_interaction.core.evaluation.evaluate import checkpoint_method
        evaluate_and_write(checkpoint_method(path)[0], f"{args.architecture} seed {args.seed}",
                           args.evaluate, out / "evaluation.json", out / "evaluation.png",
                           about={"torch_threads": args.threads})
    return 0


def _training_params(args: argparse.Namespace):
    import yaml

    from seg_by_interaction.core.training.trainer import TrainerParams
    from seg_by_interaction.core.validated import from_dict, set_dotted

    noise = {"rate": args.label_noise, "strength": args.label_noise_strength,
             "seed": args.label_noise_seed}
    if args.label_noise_kinds:
        noise["kinds"] = args.label_noise_kinds.split(",")
    training = {"mask_loss": args.loss, "label_noise": noise}
    for assignment in args.set:
        key, separator, value = assignment.partition("=")
        if not separator:
            raise ValueError(f"--set {assignment!r}: expected KEY=VALUE")
        set_dotted(training, key, yaml.safe_load(value))
    return from_dict(TrainerParams, training, "sbi train")


def _default_out(args: argparse.Namespace) -> pathlib.Path:
    from seg_by_interaction.core.training.online import offline_model_name

    if args.dataset:
        raise SystemExit("error: --dataset needs --out")
    if not (args.run / "records").is_dir():
        raise SystemExit(f"error: {args.run} is not a run directory (no records/)")
    kind = "truth" if args.labels == "ground_truth" else args.loss
    if args.label_noise:
        kind += f"_noise{args.label_noise:g}"
    return args.run / "offline" / offline_model_name(kind, args.interactions, args.steps, args.seed)


def _examples(args: argparse.Namespace):
    if args.dataset:
        from seg_by_interaction.core.training.annotated import examples_from_dataset
        return examples_from_dataset(args.dataset)
    from seg_by_interaction.core.run_store import RunStore
    store = RunStore(args.run)
    if args.labels == "ground_truth":
        from seg_by_interaction.benchmarks.supervised_bound import ground_truth_examples
        return ground_truth_examples(store, args.interactions)
    from seg_by_interaction.core.training.online import examples_from_run
    return examples_from_run(store, args.interactions)
