"""A depth sensor's noise, applied to the renderer's exact depth."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.validated import setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class DepthNoise:
    """Structured-light depth noise (after Nguyen et al. 2012, Kinect v1): axial Gaussian
    noise growing with distance, readings lost at depth edges and at random, millimetre
    quantisation. All zero gives the renderer's exact depth."""
    base_std_m: float = setting(0.0012, "axial noise std at 0.4 m, metres", min=0.0, max=0.1)
    quadratic_std: float = setting(0.0019, "std growth per (z - 0.4 m)^2, metres per m^2",
                                   min=0.0, max=0.1)
    edge_dropout_m: float = setting(0.03, "drop pixels whose depth jumps more than this to a "
                                          "neighbour (0 = off)", min=0.0, max=1.0)
    random_dropout: float = setting(0.002, "share of pixels lost at random", min=0.0, max=0.5)
    quantisation_m: float = setting(0.001, "depth resolution, metres (0 = off)", min=0.0, max=0.1)

    def apply(self, depth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        noisy = depth + rng.normal(size=depth.shape) * (
            self.base_std_m + self.quadratic_std * (depth - 0.4) ** 2)
        lost = rng.random(depth.shape) < self.random_dropout
        if self.edge_dropout_m > 0:
            lost |= _depth_edges(depth, self.edge_dropout_m)
        if self.quantisation_m > 0:
            noisy = np.round(noisy / self.quantisation_m) * self.quantisation_m
        noisy[lost] = np.nan
        return noisy.astype(np.float32)


def _depth_edges(depth: np.ndarray, jump_m: float) -> np.ndarray:
    padded = np.pad(depth, 1, mode="edge")
    neighbours = [padded[1:-1, :-2], padded[1:-1, 2:], padded[:-2, 1:-1], padded[2:, 1:-1]]
    return np.any([np.abs(depth - n) > jump_m for n in neighbours], axis=0)
