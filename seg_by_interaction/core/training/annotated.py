"""Training examples from an annotated COCO dataset (e.g. a few hand-labelled frames of
the robot's own camera, or `sbi dataset make`'s ground truth): every annotated object of
a frame is a positive of that frame."""
from __future__ import annotations

import pathlib
from typing import Iterator

import numpy as np

from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
from seg_by_interaction.core.training.memory_bank import Example

MIN_OBJECT_PX = 10


def examples_from_dataset(folder: str | pathlib.Path) -> Iterator[Example]:
    dataset = CocoDataset(folder)
    for image_id, view in dataset.views():
        depth = None if np.isnan(view.depth).all() else view.depth.astype(np.float32)
        for index, mask in enumerate(dataset.instance_masks(image_id)):
            if np.count_nonzero(mask) < MIN_OBJECT_PX:
                continue
            rows, cols = np.nonzero(mask)
            yield Example(example_id=f"image{image_id}_object{index}", image=view.rgb, mask=mask,
                          positive=True, action_px=(float(cols.mean()), float(rows.mean())),
                          depth=depth, record_id=f"image{image_id}", frame="annotated",
                          labeler="annotation")
