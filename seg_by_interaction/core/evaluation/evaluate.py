"""Evaluating a segmentation method on an annotated dataset: COCO AP figures, hypothesis
recall, inference time, and a few examples to picture."""
from __future__ import annotations

import time
from typing import Callable, Iterable

from seg_by_interaction.core.evaluation.coco_dataset import CocoDataset
from seg_by_interaction.core.evaluation.coco_eval import evaluate, prediction_records
from seg_by_interaction.core.evaluation.recall import RecallCounter
from seg_by_interaction.core.model.checkpoint import CheckpointMetadata, load_checkpoint
from seg_by_interaction.core.model.segmenter import SegmenterParams, make_segmenter
from seg_by_interaction.core.model.segmenter import single_scale as single_scale_params

Progress = Callable[[Iterable], Iterable]


def evaluate_method(method, dataset: CocoDataset, example_count: int = 6,
                    progress: Progress = lambda views: views) -> tuple[dict, list]:
    """(figures, examples): `method(view)` -> proposals best first; figures hold ap, ap50,
    ap75, ap30, recall figures, images, inference_s_per_image and evaluation_s, and, if
    the images record their scene layout, `layouts`: the AP figures and images of each;
    examples are (rgb, predicted masks, ground-truth masks) of the first images."""
    records, examples, inference_s, recall = [], [], 0.0, RecallCounter()
    for image_id, view in progress(dataset.views()):
        start = time.perf_counter()
        proposals = method(view)
        inference_s += time.perf_counter() - start
        records += prediction_records(image_id, proposals)
        truth, masks = dataset.instance_masks(image_id), [p.mask for p in proposals]
        recall.add(truth, masks)
        if len(examples) < example_count:
            examples.append((view.rgb, masks, truth))
    start = time.perf_counter()
    figures = evaluate(dataset.coco, records)
    layouts = {layout: {**evaluate(dataset.coco, records, ids), "images": len(ids)}
               for layout, ids in dataset.image_ids_by_layout().items()}
    if layouts:
        figures["layouts"] = layouts
    figures["evaluation_s"] = time.perf_counter() - start
    figures.update(recall.figures())
    images = len(dataset.image_ids())
    figures.update(images=images, inference_s_per_image=inference_s / max(images, 1))
    return figures, examples


def checkpoint_method(path, single_scale: bool = False,
                      params: SegmenterParams = SegmenterParams()) -> tuple[Callable, CheckpointMetadata]:
    """A learned checkpoint as a method, view -> proposals, and its metadata (raises
    CheckpointError)."""
    network, metadata = load_checkpoint(path)
    segmenter = make_segmenter(network, single_scale_params(params) if single_scale else params)
    return segmenter.segment, metadata
