"""`sbi dataset make`: annotated scenes of the simulated world as a COCO dataset."""
from __future__ import annotations

import argparse
import pathlib

from seg_by_interaction.cli.world_options import add_world_arguments, make_arena


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("dataset", help="make and convert datasets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    make = actions.add_parser("make", help="annotated scenes of the simulated world as COCO "
                                           "instance segmentation with RGB and depth")
    add_world_arguments(make)
    make.add_argument("--split", required=True, choices=("train", "val", "test"),
                      help="split of the objects (and of the table textures unless --texture-split)")
    make.add_argument("--texture-split", choices=("train", "val", "test"),
                      help="split of the table textures, e.g. train objects on test tables")
    make.add_argument("--scenes", type=int, required=True)
    make.add_argument("--seed", type=int, default=0, help="scene i uses seed + i")
    make.add_argument("--out", required=True, type=pathlib.Path)
    make.set_defaults(func=make_dataset)


def make_dataset(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from seg_by_interaction.core.evaluation.coco import CocoWriter
    from seg_by_interaction.core.validated import to_dict

    arena = make_arena(args)
    camera = arena.robot_config.camera()
    writer = CocoWriter(args.out, camera.intrinsics)
    for index in tqdm(range(args.scenes), desc=f"{args.split} scenes", unit="scene"):
        scene = arena.reset_scene(args.split, args.seed + index, texture_split=args.texture_split or "")
        view = arena.observe()
        writer.add(view.rgb, view.depth, view.instance_mask, scene_id=scene.scene_id,
                   robot=arena.robot_config.name, texture=scene.texture, layout=scene.layout,
                   objects=[o.name for o in scene.objects],
                   camera_pose={"position": list(view.camera_pose.position),
                                "orientation_xyzw": list(view.camera_pose.orientation_xyzw),
                                "frame_id": arena.robot_config.base_frame},
                   intrinsics=to_dict(camera.intrinsics))
    path = writer.close()
    arena.close()
    print(f"{path}: {args.scenes} scenes, {len(writer.annotations)} object masks")
    return 0
