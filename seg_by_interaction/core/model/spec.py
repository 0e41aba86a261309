"""What a model is, as far as its checkpoints must agree: the architecture, the window it
sees, its mask resolution and its input normalisation. A checkpoint whose spec differs
from what a node expects is refused."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.validated import setting

# Each builder takes (spec, pretrained) and returns the trunk and its output channels.
ARCHITECTURES = Registry("architecture", {
    "resnet18_deepmask": Part("seg_by_interaction.core.model.build:resnet18_deepmask_trunk"),
    "efficientnet_lite0_deepmask": Part(
        "seg_by_interaction.core.model.build:efficientnet_lite0_deepmask_trunk"),
})
FEATURE_STRIDE = 16
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelSpec:
    architecture: str = ARCHITECTURES.choice("resnet18_deepmask", "trunk and heads")
    # Pathak: 192-px windows on 350x430 frames, where objects are ~100 px. Here objects are
    # 18-66 px (median 32) on the 320x240 Sawyer camera, so a 64-px window holds a typical
    # object at half its size, as DeepMask intends.
    window_px: int = setting(64, "side of the square input window; a multiple of 16",
                             min=32, max=512)
    mask_size: int = setting(32, "side of the mask the mask branch predicts per window "
                                 "(upsampled to the window)", min=8, max=128)
    mean: tuple[float, float, float] = setting(IMAGENET_MEAN, "RGB mean subtracted from "
                                                              "[0, 1] pixels", min=0.0, max=1.0)
    std: tuple[float, float, float] = setting(IMAGENET_STD, "RGB std dividing [0, 1] pixels",
                                              min=1e-3, max=1.0)

    def __post_init__(self):
        if self.window_px % (2 * FEATURE_STRIDE):
            raise ValueError(f"window_px {self.window_px} must be a multiple of "
                             f"{2 * FEATURE_STRIDE}")

    @property
    def window_cells(self) -> int:
        """The window's side on the trunk's feature map."""
        return self.window_px // FEATURE_STRIDE
