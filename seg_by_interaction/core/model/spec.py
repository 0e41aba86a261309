"""What a model is, as far as its checkpoints must agree: the architecture, its inputs
(colour, or colour and height above the table), the window it sees, its mask resolution
or embedding size, and its input normalisation. A checkpoint whose spec differs from
what a node expects is refused."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.validated import setting

# Each builder takes (spec, pretrained) and returns the network.
ARCHITECTURES = Registry("architecture", {
    "efficientnet_lite0_embedding": Part(
        "seg_by_interaction.core.model.build:efficientnet_lite0_embedding",
        description="dense: foreground and instance embeddings per pixel (Lohmann et al.)"),
    "efficientnet_lite0_deepmask": Part(
        "seg_by_interaction.core.model.build:efficientnet_lite0_deepmask",
        description="DeepMask windows on an EfficientNet-Lite0 trunk"),
    "resnet18_deepmask": Part(
        "seg_by_interaction.core.model.build:resnet18_deepmask",
        description="DeepMask windows on ResNet-18 from scratch (Pathak et al. 2018)"),
})
DENSE_ARCHITECTURES = frozenset({"efficientnet_lite0_embedding"})
INPUTS = {"rgb": 3, "rgbd": 4}   # rgbd: colour and the height above the table
FEATURE_STRIDE = 16
# EfficientNet-Lite's weights were trained on pixels scaled to [-1, 1]: (x - 127) / 128 on
# 0-255; from-scratch trunks do as well with it as with ImageNet's statistics.
LITE0_MEAN = (127.0 / 255.0,) * 3
LITE0_STD = (128.0 / 255.0,) * 3


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelSpec:
    architecture: str = ARCHITECTURES.choice("efficientnet_lite0_embedding", "trunk and heads")
    inputs: str = setting("", "network input: rgb, or rgbd (colour and the height above "
                              "the fitted table plane; dense architectures only); empty: "
                              "rgbd for dense architectures, else rgb",
                          choices=("", *INPUTS))
    embedding_dim: int = setting(8, "instance embedding size (dense architectures)", min=2,
                                 max=64)
    # Pathak: 192-px windows on 350x430 frames, where objects are ~100 px. Here objects are
    # 18-66 px (median 32) on the 320x240 Sawyer camera, so a 64-px window holds a typical
    # object at half its size, as DeepMask intends.
    window_px: int = setting(64, "side of the square input window; a multiple of 16",
                             min=32, max=512)
    mask_size: int = setting(32, "side of the mask the mask branch predicts per window "
                                 "(upsampled to the window)", min=8, max=128)
    mean: tuple[float, float, float] = setting(LITE0_MEAN, "RGB mean subtracted from "
                                                           "[0, 1] pixels", min=0.0, max=1.0)
    std: tuple[float, float, float] = setting(LITE0_STD, "RGB std dividing [0, 1] pixels",
                                              min=1e-3, max=1.0)

    def __post_init__(self):
        if self.window_px % (2 * FEATURE_STRIDE):
            raise ValueError(f"window_px {self.window_px} must be a multiple of "
                             f"{2 * FEATURE_STRIDE}")
        if not self.inputs:
            object.__setattr__(self, "inputs", "rgbd" if self.dense else "rgb")
        if self.inputs != "rgb" and not self.dense:
            raise ValueError(f"{self.architecture} sees colour only: use inputs 'rgb'")

    @property
    def dense(self) -> bool:
        """Whether the network labels every pixel (else it rates windows)."""
        return self.architecture in DENSE_ARCHITECTURES

    @property
    def input_channels(self) -> int:
        return INPUTS[self.inputs]

    @property
    def window_cells(self) -> int:
        """The window's side on the trunk's feature map."""
        return self.window_px // FEATURE_STRIDE
