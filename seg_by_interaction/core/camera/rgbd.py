"""One camera frame as every stage of the loop sees it: colour, depth in metres, and the
camera's intrinsics and pose at the image's time."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose


@dataclasses.dataclass(frozen=True)
class RGBDView:
    rgb: np.ndarray                                # HxWx3 uint8
    depth: np.ndarray | None = None                # HxW float32 metres; NaN or <= 0 = no reading
    intrinsics: PinholeIntrinsics | None = None
    camera_pose: Pose | None = None                # optical frame in the planning frame
    stamp: float = 0.0                             # seconds
    ground_truth: np.ndarray | None = None         # instance ids; simulated worlds only

    @property
    def size(self) -> tuple[int, int]:
        """(height, width)."""
        return self.rgb.shape[0], self.rgb.shape[1]
