"""`sbi sim snapshot`: one scene of the simulated world as RGB | depth | ground truth."""
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
    print(f"{args.out}: {arena.robot_config.name}, scene {scene.scene_id}, table '{scene.texture}', "
          f"objects {[o.name for o in scene.objects]}")
    arena.close()
    return 0
