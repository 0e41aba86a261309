"""COCO datasets written by the core load with pycocotools and keep their masks."""
import json

import numpy as np
from pycocotools.coco import COCO

from seg_by_interaction.core.camera.sources import FolderSource
from seg_by_interaction.core.evaluation.coco import CocoWriter
from seg_by_interaction.core.geometry import PinholeIntrinsics

INTRINSICS = PinholeIntrinsics(width=40, height=30, fx=50.0, fy=50.0, cx=20.0, cy=15.0)


def test_written_dataset_loads_with_pycocotools_and_replays_as_a_recording(tmp_path):
    instances = np.zeros((30, 40), np.uint16)
    instances[2:10, 3:12] = 1
    instances[15:25, 20:38] = 2
    rgb = np.random.default_rng(0).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    depth = np.full((30, 40), 1.25, np.float32)
    writer = CocoWriter(tmp_path, INTRINSICS)
    writer.add(rgb, depth, instances, scene_id="test-3")
    writer.add(rgb, depth, np.zeros_like(instances), scene_id="test-4")
    path = writer.close()

    coco = COCO(str(path))
    assert len(coco.getImgIds()) == 2 and len(coco.getAnnIds()) == 2
    masks = [coco.annToMask(a) for a in coco.loadAnns(coco.getAnnIds(imgIds=[1]))]
    assert np.array_equal(masks[0], instances == 1) and np.array_equal(masks[1], instances == 2)
    assert coco.loadAnns([2])[0]["bbox"] == [20.0, 15.0, 18.0, 10.0]
    assert json.loads(path.read_text())["images"][0]["scene_id"] == "test-3"

    frames = list(FolderSource(tmp_path, INTRINSICS.resized(80, 60), loop=False).frames())
    assert np.array_equal(frames[0].rgb, rgb) and np.allclose(frames[0].depth, 1.25)
    assert not list(tmp_path.rglob("*.tmp"))
