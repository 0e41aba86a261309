"""`sbi demo` (what `make demo` runs): the self-supervised loop on the simulated Sawyer,
then evaluation on the test split and a report with pictures.

1. collect: every node in its own process, as `ros2 launch` starts them (`sbi collect
   --processes`, logs in OUT/logs); hypotheses from the bottom-up baseline
   until the trainer announces its first model, then from the model;
2. a test set of novel objects on novel table textures, in mixed clutter (touching,
   stacked, flat and same-colour objects; `sbi dataset make --layout mixed`);
3. the bottom-up and depth baselines and every checkpoint evaluated on it (`sbi evaluate`);
4. report.md with the learning curve, hypotheses over time and labels beside ground truth.
"""
from __future__ import annotations

import argparse
import pathlib


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="collect, learn, evaluate and report in the "
                                                "simulated world (make demo)")
    parser.add_argument("--robot", default="sawyer")
    parser.add_argument("--interactions", type=int, default=100)
    parser.add_argument("--first-model-after", type=int, default=40,
                        help="interactions on bottom-up hypotheses before the first model")
    parser.add_argument("--test-scenes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=pathlib.Path, help="run and report directory")
    parser.set_defaults(func=run_demo)


BASELINES = ("bottom_up", "depth_clusters")


def run_demo(args: argparse.Namespace) -> int:
    code = _run_command("collect", "--robot", args.robot, "--interactions", args.interactions,
                        "--out", args.out, "--seed", args.seed, "--first-model-after", args.first_model_after,
                        "--processes")
    if code:
        return code
    test_set = args.out / "test_set"
    if not (test_set / "annotations.json").exists():
        _run_command("dataset", "make", "--robot", args.robot, "--split", "test", "--scenes", args.test_scenes,
                     "--layout", "mixed", "--seed", 10_000 + args.seed, "--out", test_set)
    evaluations, stages = evaluate_stages(args.out, test_set)
    from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
    from seg_by_interaction.core.evaluation.run_report import hypotheses_over_time, write_report
    from seg_by_interaction.core.run_store import RunStore

    first_image = CocoDataset(test_set).first_view().rgb
    report = write_report(RunStore(args.out), args.out, evaluations,
                          hypotheses_over_time(first_image, stages),
                          f"Self-supervised segmentation by interaction: {args.robot}, "
                          f"{args.interactions} interactions")
    print(f"report: {report}")
    return 0


def _run_command(*words) -> int:
    """An `sbi` subcommand, parsed as on the command line so that every option it has
    gets its default."""
    from seg_by_interaction.cli import build_parser

    args = build_parser().parse_args([str(word) for word in words])
    return args.func(args) or 0


def evaluate_stages(run_dir: pathlib.Path, test_set: pathlib.Path) -> tuple[list[dict], list]:
    """The bottom-up baseline (the bootstrap), the depth baseline and each checkpoint on
    the test set (one torch thread), and their hypotheses on its first image."""
    import torch

    from seg_by_interaction.cli.evaluate_cmd import evaluate_and_write
    from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
    from seg_by_interaction.core.evaluation.evaluate import checkpoint_method
    from seg_by_interaction.core.hypotheses.baselines import METHODS

    view = CocoDataset(test_set).first_view()
    stages = [(name, METHODS.make(name), 0) for name in BASELINES]
    for path in sorted((run_dir / "checkpoints").glob("model_v*.pt")):
        method, metadata = checkpoint_method(path)
        stages.append((f"model v{metadata.version}", method, metadata.interactions_seen))
    evaluations, pictures = [], []
    torch.set_num_threads(1)
    for name, method, interactions in stages:
        slug = name.replace(" ", "_")
        figures = evaluate_and_write(method, name, test_set, run_dir / f"eval_{slug}.json",
                                     run_dir / f"eval_{slug}.png")
        evaluations.append({"label": name if name in BASELINES else "model",
                            "name": name, "interactions": interactions, **figures})
        pictures.append((f"{name} ({interactions} int.)", method(view)))
    return evaluations, pictures
