"""Annotated scenes as a COCO instance-segmentation dataset, in the recorded-folder
layout the camera node replays:

    <dir>/annotations.json      COCO: images, annotations (RLE masks), one class "object"
    <dir>/camera_info.yaml      width, height, fx, fy, cx, cy
    <dir>/rgb/<id>.png          8-bit colour
    <dir>/depth/<id>.png        16-bit millimetres, 0 = no reading

Each image entry also names its depth file, the camera pose and scene metadata.
"""
from __future__ import annotations

import pathlib

import numpy as np
import yaml
from pycocotools import mask as mask_utils

from seg_by_interaction.core.files import write_bytes_atomic, write_json_atomic, write_png_atomic
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.images import metres_to_millimetres
from seg_by_interaction.core.validated import to_dict

CATEGORIES = [{"id": 1, "name": "object", "supercategory": "object"}]


def mask_annotation(mask: np.ndarray, annotation_id: int, image_id: int) -> dict:
    """A COCO annotation with an RLE segmentation of a boolean mask."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle["counts"] = rle["counts"].decode("ascii")
    return {"id": annotation_id, "image_id": image_id, "category_id": 1, "segmentation": rle,
            "area": float(mask_utils.area(rle)), "bbox": [float(v) for v in mask_utils.toBbox(rle)],
            "iscrowd": 0}


class CocoWriter:
    def __init__(self, out_dir: str | pathlib.Path, intrinsics: PinholeIntrinsics):
        self.out_dir = pathlib.Path(out_dir)
        self.intrinsics = intrinsics
        self.images: list[dict] = []
        self.annotations: list[dict] = []
        write_bytes_atomic(self.out_dir / "camera_info.yaml",
                           yaml.safe_dump(to_dict(intrinsics), sort_keys=False).encode())

    def add(self, rgb: np.ndarray, depth: np.ndarray, instance_mask: np.ndarray, **metadata) -> int:
        """Store one view; `instance_mask` holds 0 for background and 1..N per object."""
        image_id = len(self.images) + 1
        name = f"{image_id:06d}.png"
        write_png_atomic(self.out_dir / "rgb" / name, rgb)
        write_png_atomic(self.out_dir / "depth" / name, metres_to_millimetres(depth))
        self.images.append({"id": image_id, "file_name": f"rgb/{name}", "depth_file": f"depth/{name}",
                            "width": int(rgb.shape[1]), "height": int(rgb.shape[0]), **metadata})
        for instance in np.unique(instance_mask):
            if instance == 0:
                continue
            self.annotations.append(mask_annotation(instance_mask == instance,
                                                    len(self.annotations) + 1, image_id))
        return image_id

    def close(self) -> pathlib.Path:
        path = self.out_dir / "annotations.json"
        write_json_atomic(path, {"images": self.images, "annotations": self.annotations,
                                 "categories": CATEGORIES})
        return path
