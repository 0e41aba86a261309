"""Options shared by the commands that build a simulated world."""
from __future__ import annotations

import argparse

from seg_by_interaction.core.world.params import LAYOUTS


def add_world_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--robot", default="sawyer", help="robot config name or path")
    parser.add_argument("--objects", default="", metavar="DIR",
                        help="folder of object models (URDF or OBJ) instead of the built-in set")
    parser.add_argument("--textures", default="", metavar="DIR",
                        help="folder of table textures (PNG/JPG) instead of the built-in set")
    parser.add_argument("--width", type=int, help="image width (intrinsics scaled to match)")
    parser.add_argument("--height", type=int, help="image height (intrinsics scaled to match)")
    parser.add_argument("--no-shadows", action="store_true", help="render without shadows")
    parser.add_argument("--layout", default="separated", choices=LAYOUTS,
                        help="objects apart, in touching rows, in stacks, or a mix with flat "
                             "and same-colour objects")


def make_arena(args: argparse.Namespace):
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.world.arena import Arena
    from seg_by_interaction.core.world.params import ArenaConfig

    robot = load_robot_config(args.robot).with_image_size(args.width, args.height)
    return Arena(robot, ArenaConfig(objects_dir=args.objects, textures_dir=args.textures,
                                    shadows=not args.no_shadows, layout=args.layout))
