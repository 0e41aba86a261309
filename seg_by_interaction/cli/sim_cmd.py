"""`sbi sim snapshot` (one scene as RGB | depth | ground truth) and `sbi sim demo` (each
interaction primitive once, with a report of what the camera saw)."""
from __future__ import annotations

import argparse
import pathlib

from seg_by_interaction.cli.world_options import add_world_arguments, make_arena


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("sim", help="the embedded simulated world")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    snapshot = actions.add_parser("snapshot", help="render one scene: RGB | depth | ground truth")
    add_world_arguments(snapshot)
    snapshot.add_argument("--split", default="test", choices=("train", "val", "test"))
    snapshot.add_argument("--seed", type=int, default=0)
    snapshot.add_argument("--pose", default="out_of_view", help="named arm pose to show")
    snapshot.add_argument("--out", required=True, type=pathlib.Path, help="PNG file")
    snapshot.set_defaults(func=snapshot_scene)
    add_demo_parser(actions)


def snapshot_scene(args: argparse.Namespace) -> int:
    from seg_by_interaction.core.files import write_png_atomic
    from seg_by_interaction.core.visualize import colourise_depth, colourise_instances, side_by_side

    arena = make_arena(args)
    scene = arena.reset_scene(args.split, args.seed)
    arena.robot.reset_arm(arena.robot_config.named_poses[args.pose])
    view = arena.observe()
    picture = side_by_side([view.rgb, colourise_depth(view.depth), colourise_instances(view.instance_mask)],
                           ["RGB", "depth (noisy)", f"ground truth: {len(scene.objects)} objects"])
    write_png_atomic(args.out, picture)
    print(f"{args.out}: {arena.robot_config.name}, scene {scene.scene_id} ({scene.layout}), "
          f"table '{scene.texture}', objects {[o.name for o in scene.objects]}")
    arena.close()
    return 0


def add_demo_parser(actions) -> None:
    demo = actions.add_parser("demo", help="run each interaction primitive once in the simulated "
                                           "world and write a report with what the camera saw")
    demo.add_argument("--robot", default="sawyer")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", required=True, type=pathlib.Path, help="report directory")
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Targets come from the world's ground-truth masks here: the learned hypotheses that
    will choose them do not exist yet. This shows the world and the primitives only."""
    import numpy as np

    from seg_by_interaction.core.files import write_bytes_atomic, write_png_atomic
    from seg_by_interaction.core.hypotheses.grasp import top_down_grasp
    from seg_by_interaction.core.interaction.primitives import Primitives
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.visualize import side_by_side
    from seg_by_interaction.core.world.arena import Arena
    from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend

    robot = load_robot_config(args.robot)
    arena = Arena(robot)
    scene = arena.reset_scene("test", args.seed)
    primitives = Primitives(EmbeddedMotionBackend.in_world(arena, seed=args.seed), robot,
                            lambda label: arena.observe())
    rng = np.random.default_rng(args.seed)
    lines = [f"# Simulated world demo: {robot.name}, scene {scene.scene_id}", "",
             "Each primitive once, on objects picked with the world's ground truth (the learning",
             "loop that will choose targets itself is not built yet). Frames are taken with the",
             "arm out of view: before, mid (object lifted away, pick-and-place only), after.", ""]
    for index, kind in enumerate(("pick_place", "push", "poke", "reset_sweep")):
        view = arena.observe()
        target = scene.objects[index % len(scene.objects)]
        mask = view.instance_mask == target.instance_id
        centre = arena.object_pose(target)[0]
        if kind == "pick_place":
            grasp = top_down_grasp(mask, view.depth, view.intrinsics, view.camera_pose)
            result = primitives.pick_place(grasp.position, grasp.yaw, grasp.width_m, rng=rng)
        elif kind == "push":
            result = primitives.push(centre, (0.0, 1.0, 0.0))
        elif kind == "poke":
            result = primitives.poke(centre, (-1.0, 0.0, 0.0), "heavy")
        else:
            result = primitives.reset_sweep()
        labels = [label for label in ("before", "mid", "after") if label in result.frames]
        picture = side_by_side([result.frames[label].rgb for label in labels], labels)
        write_png_atomic(args.out / f"{index}_{kind}.png", picture)
        seconds = sum(result.timings.values())
        target_text = "" if kind == "reset_sweep" else f" on `{target.name}`"
        lines += [f"## {kind}{target_text}: {result.outcome.name} ({result.reason}), {seconds:.1f} s", "",
                  f"![{kind}]({index}_{kind}.png)", ""]
        print(f"{kind}{target_text}: {result.outcome.name} ({result.reason}), {seconds:.1f} s")
    write_bytes_atomic(args.out / "report.md", "\n".join(lines).encode())
    arena.close()
    print(f"report: {args.out / 'report.md'}")
    return 0
