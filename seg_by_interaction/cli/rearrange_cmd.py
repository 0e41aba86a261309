"""`sbi rearrange`: the rearrangement demo (Pathak et al. 2018, section 6.3) on the
simulated world: a scene, its snapshot as the goal, K objects displaced by the world,
the rearrangement, and report.md. The world, the executor and the rearrangement node are
composed in one process (launch/rearrange.launch.py starts them as separate processes
where `ros2 launch` exists)."""
from __future__ import annotations

import argparse
import pathlib

from seg_by_interaction.core.rearrangement.segmenters import SEGMENTERS

DEMO_SEGMENTERS = tuple(name for name in SEGMENTERS if name != "ground_truth")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "rearrange", help="put displaced objects back where a goal snapshot shows them, in the "
                          "simulated world, with a report")
    parser.add_argument("--robot", default="sawyer", help="robot config name or path")
    parser.add_argument("--displace", type=int, default=2, help="objects the world displaces")
    parser.add_argument("--seed", type=int, default=0, help="scene and displacement seed")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="report directory")
    add_episode_options(parser)
    parser.add_argument("--segmenter", choices=DEMO_SEGMENTERS, default="model",
                        help="what segments the scenes (model: --checkpoint or the node's)")
    parser.set_defaults(func=rearrange)


def add_episode_options(parser: argparse.ArgumentParser) -> None:
    """Options `sbi rearrange` and `sbi bench rearrange` share."""
    parser.add_argument("--checkpoint", default="", help="the model's checkpoint")
    parser.add_argument("--objects", type=int, default=0,
                        help="objects per scene (0 = the world's range)")
    parser.add_argument("--layout", default="", help="scene layout: separated, touching, stacked "
                                                     "or mixed (default: config/sim_world.yaml's)")
    parser.add_argument("--tolerance", type=float, default=15.0, help="pixels")
    parser.add_argument("--budget", type=int, default=10, help="interactions")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE:NAME:=VALUE",
                        help="one parameter override")


def rearrange(args: argparse.Namespace) -> int:
    from seg_by_interaction.core.evaluation.rearrangement import episode_outcome
    from seg_by_interaction.core.rearrangement.report import write_report
    from seg_by_interaction.ros.rearrange_driver import EpisodeSpec

    spec = EpisodeSpec(scene_seed=args.seed, displace=args.displace, objects=args.objects,
                       segmenter=args.segmenter, tolerance_px=args.tolerance,
                       max_interactions=args.budget)
    from rclpy.executors import ExternalShutdownException

    from seg_by_interaction.ros.node_main import STARTUP_ERRORS

    try:
        with demo_nodes(args) as driver:
            episode = driver.episode(spec, on_feedback=_print_feedback)
    except (*STARTUP_ERRORS, RuntimeError) as error:
        print(f"error: {error}")
        return 2
    except (KeyboardInterrupt, ExternalShutdownException):
        print("interrupted")
        return 130
    outcome = episode_outcome(episode.goal, episode.initial, episode.final, episode.result,
                              args.tolerance)
    title = (f"Rearrangement: {args.robot}, {args.displace} displaced ({', '.join(episode.displaced)}), "
             f"seed {args.seed}, segmenter {args.segmenter}")
    images = {"initial": episode.initial.rgb, "goal": episode.goal.rgb, "final": episode.final.rgb}
    report = write_report(args.out, title, images, episode.result, outcome)
    print(f"{'success' if episode.result['success'] else 'failure'}: {episode.result['reason']}")
    print(f"report: {report}")
    return 0 if outcome["success"] else 1


def demo_nodes(args: argparse.Namespace, ground_truth=None):
    """The demo's nodes and a driver composed in one process, as a context giving the
    driver; `ground_truth`, a benchmark's ground-truth segmenter, is handed to the
    rearrangement node."""
    import contextlib
    import functools

    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.wiring import RearrangeRun, rearrange_wiring
    from seg_by_interaction.nodes import node_class
    from seg_by_interaction.ros.loop import EXECUTOR_THREADS, loop_arguments, use_private_domain
    from seg_by_interaction.ros.node_main import composed
    from seg_by_interaction.ros.rearrange_driver import RearrangeDriver

    overrides = [*args.param, *([f"world_node:arena.layout:={args.layout}"] if args.layout else [])]
    wiring = rearrange_wiring(RearrangeRun(
        robot=args.robot, seed=args.seed, segmenter=getattr(args, "segmenter", "model"),
        checkpoint=args.checkpoint, ground_truth_frames=ground_truth is not None,
        overrides=tuple(overrides)))
    robot = load_robot_config(args.robot)

    @contextlib.contextmanager
    def nodes():
        use_private_domain()
        handed_in = {"ground_truth": ground_truth} if ground_truth is not None else {}
        factories = [functools.partial(node_class(name), handed_in_segmenters=handed_in)
                     if name == "rearrangement" else node_class(name) for name in wiring.nodes]
        factories.append(lambda: RearrangeDriver(robot))
        with composed(factories, loop_arguments(wiring), EXECUTOR_THREADS) as started:
            yield started[-1]

    return nodes()


def _print_feedback(feedback) -> None:
    errors = ", ".join(f"{i}: {e:.0f}" for i, e in zip(feedback.goal_indices, feedback.errors_px))
    print(f"  {feedback.moves_done} moves, {feedback.objects_matched} matched; errors px {errors}")
