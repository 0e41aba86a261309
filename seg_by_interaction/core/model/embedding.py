"""A dense full-image segmentation network: per pixel, how likely it is to belong to an
object (foreground) and an instance embedding, such that pixels of one object lie close
together and those of different objects far apart (Lohmann et al. 2020; De Brabandere
et al. 2017's discriminative loss; UOIS-Net and MSMFormer use the same idea).

Encoder: EfficientNet-Lite0 to stride 16 (ImageNet weights when pretrained), whose first
convolution takes a fourth channel, the height above the table, for RGB-D input (its
weights start at zero, so a pretrained encoder first sees only colour). Decoder: a small
feature pyramid back to stride 4 (lateral 1x1 convolutions from strides 16, 8 and 4,
upsampled and added, each smoothed by a 3x3 convolution), then a head with
1 + `embedding_dim` outputs at stride 4. Inference upsamples them to the image
(`embedding_segmenter`).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from seg_by_interaction.core.model.spec import ModelSpec

DECODER_CHANNELS = 64
# Indices (after the block) in the Lite0 trunk's block list where stride 4, 8 and 16 end.
STRIDE_4_END, STRIDE_8_END = 3, 5
OUTPUT_STRIDE = 4


class EmbeddingNet(nn.Module):
    def __init__(self, spec: ModelSpec, trunk: nn.Module, tap_channels: tuple[int, int, int]):
        super().__init__()
        self.spec = spec
        self.trunk = trunk
        self.lateral = nn.ModuleList(nn.Conv2d(channels, DECODER_CHANNELS, 1)
                                     for channels in tap_channels)
        self.smooth = nn.ModuleList(_conv_bn_relu(DECODER_CHANNELS, DECODER_CHANNELS)
                                    for _ in tap_channels)
        self.head = nn.Sequential(_conv_bn_relu(DECODER_CHANNELS, DECODER_CHANNELS),
                                  nn.Conv2d(DECODER_CHANNELS, 1 + spec.embedding_dim, 1))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised images (B, C, H, W) -> foreground logits (B, H/4, W/4) and
        embeddings (B, E, H/4, W/4) (sides rounded up)."""
        stride_4, stride_8, stride_16 = self._taps(images)
        features = self.smooth[2](self.lateral[2](stride_16))
        for lateral, smooth, tap in ((self.lateral[1], self.smooth[1], stride_8),
                                     (self.lateral[0], self.smooth[0], stride_4)):
            upsampled = F.interpolate(features, size=tap.shape[-2:], mode="bilinear",
                                      align_corners=False)
            features = smooth(lateral(tap) + upsampled)
        out = self.head(features)
        return out[:, 0], out[:, 1:]

    def _taps(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.trunk.stem(images)
        taps = []
        for index, block in enumerate(self.trunk.blocks, start=1):
            x = block(x)
            if index in (STRIDE_4_END, STRIDE_8_END):
                taps.append(x)
        return (*taps, x)


def _conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
