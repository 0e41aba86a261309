"""`sbi bench`: benchmarks that print figures and keep them as JSON with their command."""
from __future__ import annotations

import argparse
import json
import os
import pathlib

from seg_by_interaction.benchmarks.faults_bench import STAGES as FAULT_STAGES
from seg_by_interaction.cli import bench_papers
from seg_by_interaction.core.provenance import provenance
from seg_by_interaction.core.world.params import LAYOUTS


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="benchmarks (figures as JSON with their command)",
        description="Without an action: the speed figures of the stack (segmentation, labeler, "
                    "trainer, camera images between processes, the loop composed and as separate "
                    "processes, peak memory per node).")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here")
    parser.add_argument("--robot", default="sawyer")
    parser.add_argument("--checkpoint", type=pathlib.Path,
                        help="the segmenter's weights, also used by the loop's hypothesis server "
                             "(default: fresh weights, and the loop's bottom-up bootstrap)")
    parser.add_argument("--run", type=pathlib.Path, help="a run whose records the labeler and trainer "
                                                         "figures use (default: the measured loop's)")
    parser.add_argument("--samples", type=int, default=20, help="timed calls per latency figure")
    parser.add_argument("--interactions", type=int, default=20, help="interactions per loop measurement")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    parser.add_argument("--skip-loop", action="store_true", help="leave out the loop (needs --run)")
    parser.set_defaults(func=bench_speed)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    world = actions.add_parser("world", help="simulated world: render rate, seconds per primitive, "
                                             "grasp and push success, neighbour disturbance")
    world.add_argument("--robot", default="sawyer")
    world.add_argument("--targets", type=int, default=50, help="grasps and pushes, each")
    world.add_argument("--neighbour-trials", type=int, default=21)
    world.add_argument("--seed", type=int, default=0)
    world.add_argument("--layout", default="separated", choices=LAYOUTS,
                       help="layout of the neighbour-disturbance scenes")
    world.add_argument("--no-sleeping", action="store_true",
                       help="objects at rest stay awake (the physics before 2026-12-07)")
    world.add_argument("--json", type=pathlib.Path, help="write the figures here")
    world.set_defaults(func=bench_world)
    bench_papers.add_parser(actions)
    faults = actions.add_parser(
        "faults", help="fuzz every interface, SIGKILL each node and resume, full and read-only "
                       "run directory, soak; writes faults.json (resumable stages)")
    faults.add_argument("--work", type=pathlib.Path, default=pathlib.Path("runs/faults"),
                        help="work directory; a stage whose result is there is skipped")
    faults.add_argument("--stages", default=",".join(FAULT_STAGES),
                        help=f"comma-separated, of {','.join(FAULT_STAGES)} (none: only the "
                             "totals of the stages done)")
    faults.add_argument("--fuzz-cases", type=int, default=3000)
    faults.add_argument("--kills-per-node", type=int, default=5)
    faults.add_argument("--kill-interactions", type=int, default=30, help="budget of each kill run")
    faults.add_argument("--soak-interactions", type=int, default=2000)
    faults.add_argument("--soak-minutes", type=float, default=0.0,
                        help="stop the soak after this long (0: at its budget); run again to go on")
    faults.add_argument("--seed", type=int, default=0)
    faults.add_argument("--json", type=pathlib.Path, help="write the figures here")
    faults.set_defaults(func=bench_faults)
    _add_rearrange_parser(actions)
    _add_labels_parser(actions)
    _add_singulate_parser(actions)


def _add_singulate_parser(actions) -> None:
    parser = actions.add_parser(
        "singulate", help="interactive singulation on touching pairs per segmenter: the share "
                          "of pairs separated before and after one push; resumable")
    parser.add_argument("--robot", default="sawyer")
    parser.add_argument("--scenes", type=int, default=30,
                        help="test-split scenes of the touching layout with a touching pair")
    parser.add_argument("--segmenters", default="model,depth_clusters,bottom_up",
                        help="comma-separated; model needs --checkpoint (left out without one)")
    parser.add_argument("--checkpoint", default="", help="the model's checkpoint")
    parser.add_argument("--pushes", type=int, default=1, help="push budget per scene")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first scene")
    _add_episode_bench_options(parser, "singulate", "scene")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE:NAME:=VALUE",
                        help="one parameter override")
    parser.set_defaults(func=bench_singulate)


def _add_labels_parser(actions) -> None:
    parser = actions.add_parser(
        "labels", help="label quality on pushes: the optical-flow and frame-difference labelers, "
                       "each with and without superpixel refinement, against the world's "
                       "ground truth; resumable")
    parser.add_argument("--primitive", choices=("push",), default="push",
                        help="the primitive whose labels are measured")
    parser.add_argument("--robot", default="pr2")
    parser.add_argument("--pushes", type=int, default=40, help="pushes per layout")
    parser.add_argument("--pushes-per-scene", type=int, default=4)
    parser.add_argument("--push-distance", type=float, default=0.0,
                        help="push length past the object's point, metres (0 = the executor's "
                             "primitives.push_distance_m, 0.12)")
    parser.add_argument("--layouts", default="separated,mixed", help="comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=pathlib.Path, default=pathlib.Path("runs/bench/push_labels"),
                        help="each scene's judgements, kept as they finish (a rerun resumes)")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here")
    parser.add_argument("--readme", type=pathlib.Path, nargs="*", default=[],
                        help="files whose <!-- bench:push_labels --> sections get the table")
    parser.set_defaults(func=bench_labels)


def _add_rearrange_parser(actions) -> None:
    from seg_by_interaction.cli.rearrange_cmd import add_episode_options

    parser = actions.add_parser(
        "rearrange", help="rearrangement episodes (1-3 objects displaced) per segmenter, "
                          "measured against the world's ground truth; resumable")
    parser.add_argument("--robot", default="sawyer")
    parser.add_argument("--episodes", type=int, default=50, help="episodes per segmenter")
    parser.add_argument("--segmenters", default="ground_truth,model,depth_clusters,bottom_up",
                        help="comma-separated; model needs --checkpoint")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first scene")
    _add_episode_bench_options(parser, "rearrange", "episode")
    add_episode_options(parser)
    parser.set_defaults(func=bench_rearrange)


def _add_episode_bench_options(parser, name: str, unit: str) -> None:
    """The options of a benchmark run as resumable episodes (scenes) in the simulated world."""
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--work", type=pathlib.Path, default=pathlib.Path(f"runs/bench/{name}"),
                        help=f"{unit} outcomes, kept as they finish (a rerun resumes)")
    parser.add_argument("--json", type=pathlib.Path,
                        help=f"write the figures here (after every {unit})")
    parser.add_argument("--readme", type=pathlib.Path, nargs="*", default=[],
                        help=f"files whose <!-- bench:{name} --> sections get the table "
                             "(README.md benchmarks/README.md for the committed figures)")
    parser.add_argument("--kept-only", action="store_true",
                        help=f"summarise the {unit}s kept in --work without running the "
                             "missing ones")


def bench_speed(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks.speed_bench import SpeedOptions, figures_table, run

    if args.skip_loop and not args.run:
        raise SystemExit("error: --skip-loop needs --run (records for the labeler and trainer figures)")
    options = SpeedOptions(robot=args.robot, checkpoint=args.checkpoint, run=args.run, samples=args.samples,
                           interactions=args.interactions, threads=args.threads)
    try:
        figures = {**provenance(), **run(options, skip_loop=args.skip_loop)}
    except (ValueError, RuntimeError, TimeoutError) as error:
        raise SystemExit(f"error: {error}") from None
    print(figures_table(figures))
    _write(args.json, figures)
    return 0


def bench_world(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks.world_bench import run
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.world.params import ArenaConfig

    arena = ArenaConfig(layout=args.layout, sleeping=not args.no_sleeping)
    figures = {**provenance(), **run(load_robot_config(args.robot), args.targets,
                                     args.neighbour_trials, args.seed, arena)}
    print(json.dumps(figures, indent=1))
    _write(args.json, figures)
    return 0


def bench_labels(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks.push_labels_bench import (PushLabelOptions, figures,
                                                                 figures_table, run_missing)
    from seg_by_interaction.core.robot_config import load_robot_config

    layouts = tuple(layout for layout in args.layouts.split(",") if layout)
    options = PushLabelOptions(robot=load_robot_config(args.robot), work=args.work, layouts=layouts,
                               pushes=args.pushes, pushes_per_scene=args.pushes_per_scene,
                               seed=args.seed, push_distance=args.push_distance)
    try:
        run_missing(options)
    except KeyboardInterrupt:
        print(f"interrupted; the same command resumes from the scenes kept in {args.work}")
        return 130
    results = {**provenance(), "robot": args.robot, "primitive": args.primitive,
               "push_distance_m": args.push_distance or None, "torch_threads": "not used",
               "cpus": _cpus(), **figures(options)}
    table = figures_table(results)
    note = (f"\n\nPrecision (positives with IoU >= 0.5 with an object that moved) / mean IoU of "
            f"the positives; {args.robot}, push length "
            f"{f'{args.push_distance * 100:g} cm' if args.push_distance else 'the default 12 cm'} "
            f"past the object's point; no torch; `{args.json}`.")
    for readme in args.readme:
        bench_papers.update_marked_sections(readme, {"bench:push_labels": table + note})
    print(table)
    _write(args.json, results)
    return 0


def bench_faults(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks.faults_bench import FaultOptions, run, table

    stages = tuple(stage for stage in args.stages.split(",") if stage)
    if unknown := set(stages) - set(FAULT_STAGES):
        raise SystemExit(f"error: unknown stages {sorted(unknown)}; of {list(FAULT_STAGES)}")
    options = FaultOptions(work=args.work, stages=stages, fuzz_cases=args.fuzz_cases,
                           kills_per_node=args.kills_per_node,
                           kill_interactions=args.kill_interactions,
                           soak_interactions=args.soak_interactions, soak_minutes=args.soak_minutes,
                           seed=args.seed)
    figures = {**provenance(), "cpu_count": os.cpu_count(), "online_trainer_torch_threads": 1,
               **run(options)}
    print(table(figures))
    _write(args.json, figures)
    return 0


def bench_rearrange(args: argparse.Namespace) -> int:
    import sys

    from seg_by_interaction.benchmarks.rearrange_bench import (RearrangeBenchOptions, figures,
                                                               figures_table, ground_truth_segmenter,
                                                               missing, run_missing)
    from seg_by_interaction.cli.rearrange_cmd import demo_nodes

    segmenters = tuple(name for name in args.segmenters.split(",") if name)
    if "model" in segmenters and not args.checkpoint:
        raise SystemExit("error: the model segmenter needs --checkpoint (or leave it out of "
                         "--segmenters)")
    options = RearrangeBenchOptions(episodes=args.episodes, segmenters=segmenters, work=args.work,
                                    seed=args.seed, objects=args.objects,
                                    tolerance_px=args.tolerance, budget=args.budget)
    header = {**provenance(), "command": "sbi " + " ".join(sys.argv[1:]),
              "torch_threads": args.threads, "cpus": _cpus(),
              "layout": args.layout or "separated", "tolerance_px": args.tolerance,
              "budget": args.budget}

    def write_figures(line: str = "") -> dict:
        """Figures of the episodes kept so far, written after each one: a run stopped at
        any point leaves them."""
        if line:
            print(line)
        results = figures(options)
        _write(args.json, {**header, **results})
        return results

    try:
        if missing(options) and not args.kept_only:
            import torch

            torch.set_num_threads(args.threads)
            with demo_nodes(args, ground_truth_segmenter()) as driver:
                run_missing(options, driver, progress=write_figures)
    except KeyboardInterrupt:
        print(f"interrupted; the same command resumes from the episodes kept in {args.work}")
        return 130
    table = figures_table(write_figures(), segmenters)
    note = (f"\n\nTorch threads {args.threads}, {_cpus()} CPUs; `{args.json}` "
            f"({args.layout or 'separated'} layout, tolerance {args.tolerance:g} px, budget "
            f"{args.budget}).")
    for readme in args.readme:
        bench_papers.update_marked_sections(readme, {"bench:rearrange": table + note})
    print(table)
    return 0


def bench_singulate(args: argparse.Namespace) -> int:
    import sys

    from seg_by_interaction.benchmarks.singulate_bench import (MODEL, SingulateBenchOptions,
                                                               figures, figures_table, missing)

    segmenters = tuple(name for name in args.segmenters.split(",")
                       if name and (name != MODEL or args.checkpoint))
    options = SingulateBenchOptions(scenes=args.scenes, segmenters=segmenters, work=args.work,
                                    robot=args.robot, seed=args.seed, max_pushes=args.pushes,
                                    checkpoint=args.checkpoint)
    header = {**provenance(), "command": "sbi " + " ".join(sys.argv[1:]),
              "torch_threads": args.threads, "cpus": _cpus(), "robot": args.robot,
              "layout": "touching", "split": "test", "push_budget": args.pushes,
              "checkpoint": args.checkpoint or None}
    try:
        for segmenter in segmenters:
            if missing(options, segmenter) > 0 and not args.kept_only:
                _singulate_with(options, segmenter, args,
                                lambda: _write(args.json, {**header, **figures(options)}))
    except KeyboardInterrupt:
        print(f"interrupted; the same command resumes from the scenes kept in {args.work}")
        return 130
    results = {**header, **figures(options)}
    _write(args.json, results)
    table = figures_table(results, segmenters)
    note = (f"\n\nTorch threads {args.threads}, {_cpus()} CPUs; `{args.json}` (test split, "
            f"touching layout, {args.robot}, push budget {args.pushes}).")
    for readme in args.readme:
        bench_papers.update_marked_sections(readme, {"bench:singulate": table + note})
    print(table)
    return 0


def _singulate_with(options, segmenter: str, args: argparse.Namespace, written) -> None:
    """The missing scenes of one segmenter, on a graph whose hypothesis server uses it;
    `written()` after each scene."""
    import torch
    from tqdm import tqdm

    from seg_by_interaction.benchmarks.singulate_bench import MODEL, kept, run_missing
    from seg_by_interaction.core.wiring import SingulateRun
    from seg_by_interaction.ros.singulate_driver import singulation_graph

    torch.set_num_threads(args.threads)
    model = segmenter == MODEL
    run = SingulateRun(robot=args.robot, seed=args.seed, checkpoint=args.checkpoint if model else "",
                       bootstrap_method="bottom_up" if model else segmenter,
                       overrides=tuple(args.param))
    with singulation_graph(run) as driver, tqdm(total=options.scenes, unit="scene",
                                                initial=len(kept(options, segmenter)),
                                                desc=segmenter) as bar:
        def on_scene(outcome: dict) -> None:
            if outcome["pairs"]:
                bar.update(1)
            written()
        run_missing(options, segmenter, driver, on_scene)


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _write(path: pathlib.Path | None, figures: dict) -> None:
    if path:
        from seg_by_interaction.core.files import write_json_atomic
        write_json_atomic(path, figures)
