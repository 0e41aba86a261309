"""Segmenters by name: the newest model of a checkpoint directory (reloaded when a newer
one appears), the baselines, and ground truth only where allowed; segments kept when
they look like one object on the table."""
import numpy as np
import pytest
import torch

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle
from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.checkpoint import (CheckpointMetadata, checkpoint_name,
                                                      save_checkpoint)
from seg_by_interaction.core.model.segmenter import SegmenterParams
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.rearrangement.segmenters import Segmenters
from seg_by_interaction.core.rearrangement.segments import scene_segments
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena

torch.set_num_threads(1)
ROBOT = load_robot_config("sawyer")
SPEC = ModelSpec(architecture="resnet18_deepmask", window_px=32, mask_size=8)
SINGLE_SCALE = SegmenterParams(scales=(1.0,))


@pytest.fixture(scope="module")
def view():
    arena = Arena(ROBOT, with_robot=False)
    try:
        arena.reset_scene("test", 2, num_objects=4)
        seen = arena.observe()
        return RGBDView(seen.rgb, seen.depth, seen.intrinsics, seen.camera_pose, seen.sim_time,
                        seen.instance_mask)
    finally:
        arena.close()


def save_model(directory, version):
    torch.manual_seed(version)
    metadata = CheckpointMetadata(spec=SPEC, version=version, step=version, interactions_seen=0,
                                  examples_seen=0, seed=0, loss="rsl")
    save_checkpoint(directory / checkpoint_name(version), build_network(SPEC), metadata)


def test_the_model_is_the_newest_checkpoint_and_reloads_when_a_newer_one_appears(tmp_path, view):
    segmenters = Segmenters("", str(tmp_path), SINGLE_SCALE)
    with pytest.raises(ValueError, match="no model to segment with"):
        segmenters.get("model")
    save_model(tmp_path, 1)
    first = segmenters.get("model")
    assert segmenters.get("model") is first
    assert all(isinstance(p, Proposal) and p.mask.shape == view.size for p in first(view))
    save_model(tmp_path, 2)
    assert segmenters.get("model") is not first


def test_baselines_by_name_and_ground_truth_only_where_a_benchmark_hands_it_in(view):
    assert len(Segmenters("", "", SINGLE_SCALE).get("depth_clusters")(view)) >= 3
    with pytest.raises(ValueError, match="only a benchmark offers it"):
        Segmenters("", "", SINGLE_SCALE).get("ground_truth")
    oracle = GroundTruthOracle(allow_ground_truth=True)
    truth = Segmenters("", "", SINGLE_SCALE, {"ground_truth": oracle.segment}).get("ground_truth")
    assert len(truth(view)) == len(np.unique(view.ground_truth)) - 1
    with pytest.raises(ValueError, match="unknown segmenter"):
        Segmenters("", "", SINGLE_SCALE).get("crystal_ball")


def test_segments_are_objects_on_the_table_and_parts_of_kept_ones_are_dropped(view):
    objects = [Proposal(view.ground_truth == i, 1.0) for i in np.unique(view.ground_truth) if i]
    table = Proposal(np.ones(view.size, bool), 0.99)                   # the whole image
    half = objects[0].mask.copy()
    half[: int(np.nonzero(half)[0].mean())] = False
    part = Proposal(half, 0.5)                                        # inside a kept object
    bare = np.zeros(view.size, bool)
    bare[230:240, 0:12] = True                                        # a patch of bare table
    segments = scene_segments([*objects, table, part, Proposal(bare, 0.4)], view, ROBOT, "truth")
    assert [s.id for s in segments] == [f"s{i}" for i in range(len(objects))]
    assert all(s.grasp is not None for s in segments)
