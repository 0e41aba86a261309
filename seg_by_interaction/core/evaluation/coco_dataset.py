"""Reading a COCO instance-segmentation dataset in the layout `sbi dataset make` writes
(annotations.json, rgb/, depth/, camera_info.yaml), or a user's own: images need a file
name; depth and intrinsics are used when present."""
from __future__ import annotations

import contextlib
import io
import pathlib
from typing import Iterator

import numpy as np
from pycocotools.coco import COCO

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.sources import read_depth_png, read_intrinsics, read_rgb_png
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.validated import from_dict


class CocoDataset:
    def __init__(self, folder: str | pathlib.Path):
        self.folder = pathlib.Path(folder)
        annotations = self.folder / "annotations.json"
        if not annotations.is_file():
            raise FileNotFoundError(f"{self.folder}: no annotations.json (COCO instance segmentation)")
        with contextlib.redirect_stdout(io.StringIO()):
            self.coco = COCO(str(annotations))
        info = self.folder / "camera_info.yaml"
        self.default_intrinsics = read_intrinsics(info) if info.is_file() else None

    def image_ids(self) -> list[int]:
        return sorted(self.coco.getImgIds())

    def image_ids_by_layout(self) -> dict[str, list[int]]:
        """The images of each scene layout, where images record theirs (`sbi dataset make`)."""
        by_layout: dict[str, list[int]] = {}
        for image in self.coco.loadImgs(self.image_ids()):
            if "layout" in image:
                by_layout.setdefault(image["layout"], []).append(image["id"])
        return by_layout

    def views(self, image_ids: list[int] | None = None) -> Iterator[tuple[int, RGBDView]]:
        """(image id, view) of each image."""
        for image_id in image_ids or self.image_ids():
            yield image_id, self.view(image_id)

    def first_view(self) -> RGBDView:
        return self.view(self.image_ids()[0])

    def view(self, image_id: int) -> RGBDView:
        """The image with its depth (all NaN when the dataset has none) and intrinsics."""
        entry = self.coco.loadImgs([image_id])[0]
        rgb = read_rgb_png(self.folder / entry["file_name"])
        depth_file = entry.get("depth_file")
        depth = (read_depth_png(self.folder / depth_file) if depth_file
                 else np.full(rgb.shape[:2], np.nan, np.float32))
        intrinsics = (from_dict(PinholeIntrinsics, entry["intrinsics"], where=f"image {image_id}")
                      if "intrinsics" in entry else self.default_intrinsics)
        return RGBDView(rgb, depth, intrinsics)

    def instance_masks(self, image_id: int) -> list[np.ndarray]:
        annotations = self.coco.loadAnns(self.coco.getAnnIds(imgIds=[image_id], iscrowd=None))
        return [self.coco.annToMask(a).astype(bool) for a in annotations]
