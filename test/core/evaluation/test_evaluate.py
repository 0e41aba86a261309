"""Evaluating a method on a dataset: the figures over all images and per scene layout."""
import numpy as np

from seg_by_interaction.core.evaluation.coco import CocoWriter
from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
from seg_by_interaction.core.evaluation.evaluate import evaluate_method
from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.masks import Proposal

INTRINSICS = PinholeIntrinsics(width=40, height=30, fx=50.0, fy=50.0, cx=20.0, cy=15.0)


def _two_objects(tmp_path, layouts):
    instances = np.zeros((30, 40), np.uint16)
    instances[2:10, 3:12], instances[15:25, 20:38] = 1, 2
    writer = CocoWriter(tmp_path, INTRINSICS)
    for index, layout in enumerate(layouts):       # each image's colour is its index
        writer.add(np.full((30, 40, 3), index, np.uint8), np.ones((30, 40), np.float32), instances,
                   **({"layout": layout} if layout else {}))
    writer.close()
    return CocoDataset(tmp_path), instances


def test_figures_per_layout_where_images_record_theirs(tmp_path):
    dataset, instances = _two_objects(tmp_path, ["separated", "touching", "touching"])

    def one_blob_where_objects_touch(view):
        if view.rgb[0, 0, 0] == 0:
            return [Proposal(instances == 1, 0.9), Proposal(instances == 2, 0.8)]
        return [Proposal(np.ones(instances.shape, bool), 0.9)]

    figures, _ = evaluate_method(one_blob_where_objects_touch, dataset)
    assert figures["layouts"]["separated"] == {"ap": 1.0, "ap50": 1.0, "ap75": 1.0, "ap30": 1.0,
                                               "images": 1}
    assert figures["layouts"]["touching"] == {"ap": 0.0, "ap50": 0.0, "ap75": 0.0, "ap30": 0.0,
                                              "images": 2}
    assert 0.0 < figures["ap50"] < 1.0 and figures["images"] == 3


def test_no_layout_figures_for_images_without_a_layout(tmp_path):
    dataset, instances = _two_objects(tmp_path, [None, None])
    figures, _ = evaluate_method(lambda view: [Proposal(instances == 1, 1.0)], dataset)
    assert "layouts" not in figures and 0.0 < figures["ap50"] < 1.0
