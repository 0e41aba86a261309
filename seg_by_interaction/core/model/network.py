"""DeepMask on a ResNet-18 trunk, in plain torch (Pathak et al. 2018, §4.1; Pinheiro et
al. 2015).

The trunk is ResNet-18 up to its third stage (stride 16: DeepMask's density; the fourth
stage would halve it). The two heads are written as convolutions whose kernels span one
window of the feature map, so the same weights score a single window-sized crop (output
1x1, for training) or every window of a whole image at stride 16 (dense evaluation):
- score branch: 1x1 reduction, 2x2 max-pool, a fully connected layer over the pooled
  window (a dilated convolution keeps stride 16), two more layers to one logit;
- mask branch: the same reduction, a fully connected layer over the window, and a linear
  layer to `mask_size`^2 logits, one per cell of the window's mask.
"""
from __future__ import annotations

import torch
from torch import nn

from seg_by_interaction.core.model.spec import ModelSpec

REDUCED_CHANNELS = 128
HIDDEN = 512


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def resnet18_trunk() -> tuple[nn.Module, int]:
    """ResNet-18's stem and first three stages; (module, output channels)."""
    def stage(in_channels, out_channels, stride):
        return nn.Sequential(BasicBlock(in_channels, out_channels, stride),
                             BasicBlock(out_channels, out_channels, 1))
    trunk = nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
        stage(64, 64, 1), stage(64, 128, 2), stage(128, 256, 2))
    return trunk, 256


class DeepMask(nn.Module):
    def __init__(self, spec: ModelSpec, trunk: nn.Module, trunk_channels: int):
        super().__init__()
        self.spec = spec
        cells = spec.window_cells
        self.trunk = trunk
        self.reduce = nn.Sequential(nn.Conv2d(trunk_channels, REDUCED_CHANNELS, 1), nn.ReLU(inplace=True))
        self.mask_head = nn.Sequential(
            nn.Conv2d(REDUCED_CHANNELS, HIDDEN, cells), nn.ReLU(inplace=True),
            nn.Conv2d(HIDDEN, spec.mask_size ** 2, 1))
        self.score_head = nn.Sequential(
            nn.MaxPool2d(2, 1),
            nn.Conv2d(REDUCED_CHANNELS, HIDDEN, cells // 2, dilation=2), nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Conv2d(HIDDEN, 1024, 1), nn.ReLU(inplace=True),
            nn.Conv2d(1024, 1, 1))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised images (B, 3, H, W) -> score logits (B, h, w) and mask logits
        (B, h, w, mask_size, mask_size), one per window whose top-left corner is at
        (16 * row, 16 * column); h = H/16 - cells + 1. A window-sized input gives h = w = 1."""
        features = self.reduce(self.trunk(images))
        return self.score_logits(features), self.mask_logits(features)

    def score_logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.score_head(features)[:, 0]

    def mask_logits(self, features: torch.Tensor) -> torch.Tensor:
        logits = self.mask_head(features)
        b, _, h, w = logits.shape
        m = self.spec.mask_size
        return logits.view(b, m, m, h, w).permute(0, 3, 4, 1, 2)

    def forward_windows(self, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Window-sized crops (B, 3, S, S) -> score logits (B,) and mask logits (B, m, m)."""
        scores, masks = self(windows)
        return scores[:, 0, 0], masks[:, 0, 0]
