"""The dense network: its outputs' shapes for RGB and RGB-D input, the pretrained encoder
blind to the height channel at first, the height channel itself, and the clustering of
foreground pixels into objects by their embeddings."""
import numpy as np
import pytest
import torch

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.camera.table import height_above_table
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.embedding_segmenter import ClusteringParams, EmbeddingSegmenter
from seg_by_interaction.core.model.inputs import input_channels
from seg_by_interaction.core.model.segmenter import SegmenterParams, make_segmenter
from seg_by_interaction.core.model.spec import ModelSpec

RGBD = ModelSpec()
RGB = ModelSpec(inputs="rgb")


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(before)


def tilted_table(height=48, width=64):
    """Depth of a plane seen at an angle (inverse depth affine in the pixel coordinates),
    nearer towards the bottom of the image."""
    rows = np.arange(height, dtype=np.float32)[:, None]
    return np.broadcast_to(1.0 / (0.8 + 0.004 * rows), (height, width)).astype(np.float32)


def test_the_default_model_is_dense_on_colour_and_height():
    assert RGBD.architecture == "efficientnet_lite0_embedding" and RGBD.dense
    assert RGBD.inputs == "rgbd" and RGBD.input_channels == 4
    assert ModelSpec(architecture="resnet18_deepmask").inputs == "rgb"
    with pytest.raises(ValueError, match="colour only"):
        ModelSpec(architecture="resnet18_deepmask", inputs="rgbd")


@pytest.mark.parametrize("spec", [RGBD, RGB], ids=lambda spec: spec.inputs)
def test_outputs_are_at_a_quarter_of_the_image(spec):
    network = build_network(spec).eval()
    with torch.no_grad():
        logits, embeddings = network(torch.randn(2, spec.input_channels, 50, 66))
    assert logits.shape == (2, 13, 17)                  # ceil(50 / 4), ceil(66 / 4)
    assert embeddings.shape == (2, spec.embedding_dim, 13, 17)


def test_a_pretrained_encoder_starts_blind_to_height():
    network = build_network(RGBD, pretrained=True).eval()
    colour = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        flat = network._taps(torch.cat([colour, torch.zeros(1, 1, 64, 64)], dim=1))
        tall = network._taps(torch.cat([colour, torch.full((1, 1, 64, 64), 3.0)], dim=1))
    assert all(torch.equal(a, b) for a, b in zip(flat, tall))


def test_height_is_measured_from_the_table_plane_whatever_its_tilt():
    depth = tilted_table()
    depth[10:20, 10:20] -= 0.05                  # a 5 cm box
    height = height_above_table(depth, depth.shape)
    assert height[15, 15] == pytest.approx(0.05, abs=1e-3)
    assert np.abs(height[30:, :]).max() < 1e-3
    no_reading = depth.copy()
    no_reading[0, 0] = np.nan
    assert height_above_table(no_reading, depth.shape)[0, 0] == 0.0
    assert not height_above_table(None, (4, 5)).any()


def test_the_height_channel_is_in_decimetres_and_needs_matching_depth():
    rgb = np.full((48, 64, 3), 127, np.uint8)
    depth = tilted_table()
    depth[10:20, 10:20] -= 0.05
    channels = input_channels(rgb, depth, RGBD)
    assert channels.shape == (48, 64, 4) and channels[15, 15, 3] == pytest.approx(0.5, abs=0.01)
    assert input_channels(rgb, depth, RGB).shape == (48, 64, 3)
    with pytest.raises(ValueError, match="does not match"):
        input_channels(rgb, depth[:10], RGBD)


def two_touching_objects(same_embedding=False, apart=3.0):
    """Foreground probability and 2-D embeddings of two squares side by side, their
    embeddings `apart`."""
    probability = np.zeros((40, 60), np.float32)
    probability[10:30, 10:30] = 0.9
    probability[10:30, 30:50] = 0.8
    embeddings = np.zeros((2, 40, 60), np.float32)
    embeddings[0, :, 30:] = 0.0 if same_embedding else apart
    return probability, embeddings


def test_touching_objects_with_distinct_embeddings_become_two_proposals():
    probability, embeddings = two_touching_objects()
    segmenter = EmbeddingSegmenter(build_network(RGBD), ClusteringParams())
    proposals = segmenter.cluster(probability, embeddings)
    assert len(proposals) == 2
    assert proposals[0].score > proposals[1].score          # found by every clustering,
    assert all(p.score == pytest.approx(1.0, abs=0.001) for p in proposals)   # ties by probability
    assert proposals[0].mask.sum() == 400 and proposals[0].mask[10:30, 10:30].all()
    assert proposals[1].mask[10:30, 30:50].all() and not proposals[1].mask[:, :30].any()


def test_masks_most_clusterings_find_rank_above_a_merge_found_at_the_widest_bandwidth():
    probability, embeddings = two_touching_objects(apart=1.8)
    segmenter = EmbeddingSegmenter(build_network(RGBD),
                                   ClusteringParams(bandwidths=(0.7, 1.0, 1.3, 1.6, 2.0)))
    first, second, merge = segmenter.cluster(probability, embeddings)
    assert [first.mask.sum(), second.mask.sum(), merge.mask.sum()] == [400, 400, 800]
    assert first.score == pytest.approx(0.8, abs=0.001)
    assert merge.score == pytest.approx(0.2, abs=0.001)


def test_one_embedding_makes_one_object_and_small_clusters_are_dropped():
    probability, embeddings = two_touching_objects(same_embedding=True)
    segmenter = EmbeddingSegmenter(build_network(RGBD), ClusteringParams())
    [merged] = segmenter.cluster(probability, embeddings)
    assert merged.mask.sum() == 800
    strict = EmbeddingSegmenter(build_network(RGBD), ClusteringParams(min_area_px=801))
    assert strict.cluster(probability, embeddings) == []
    assert segmenter.cluster(np.zeros((40, 60), np.float32), embeddings) == []


def test_with_depth_the_table_is_never_an_object_whatever_the_network_says(monkeypatch):
    depth = tilted_table().copy()
    depth[10:30, 10:30] -= 0.02          # a box 2 cm tall
    depth[35:45, 40:60] = np.nan         # no reading: counted as table
    segmenter = EmbeddingSegmenter(build_network(RGBD), ClusteringParams(min_area_px=50))
    ungated = EmbeddingSegmenter(build_network(RGBD), ClusteringParams(min_height_m=0.0))
    everything = (np.full((48, 64), 0.9, np.float32), np.zeros((2, 48, 64), np.float32))
    for each in (segmenter, ungated):
        monkeypatch.setattr(each, "predict", lambda view, height: everything)
    [box] = segmenter.segment(RGBDView(np.zeros((48, 64, 3), np.uint8), depth))
    assert box.mask.sum() == 400 and box.mask[10:30, 10:30].all()
    assert [p.mask.sum() for p in ungated.segment(RGBDView(np.zeros((48, 64, 3), np.uint8), depth))
            ] == [48 * 64]
    no_table = np.full((48, 64), np.nan, np.float32)      # nothing to fit a plane to
    assert [p.mask.sum() for p in segmenter.segment(RGBDView(np.zeros((48, 64, 3), np.uint8),
                                                             no_table))] == [48 * 64]


def test_make_segmenter_segments_views_of_either_kind_of_network():
    rgb = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    view = RGBDView(rgb, tilted_table())
    for spec in (RGBD, ModelSpec(architecture="resnet18_deepmask")):
        segmenter = make_segmenter(build_network(spec), SegmenterParams(scales=(1.0,)))
        proposals = segmenter.segment(view)
        assert all(p.mask.shape == (48, 64) for p in proposals)
    with pytest.raises(ValueError, match="uint8"):
        make_segmenter(build_network(RGBD)).segment(RGBDView(rgb.astype(np.float32)))
