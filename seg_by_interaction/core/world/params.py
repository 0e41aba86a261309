"""Parameters of the simulated world node (and of `sbi` commands that build a world)."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.validated import setting
from seg_by_interaction.core.world.arena import ArenaConfig
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionParams


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorldParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    split: str = setting("train", "object and texture split of the first scene",
                         choices=("train", "val", "test"))
    seed: int = setting(0, "seed of the first scene; later resets count up from it", min=0)
    publish_rate_hz: float = setting(10.0, "camera frames per simulated second", min=0.1, max=60.0)
    max_render_hz: float = setting(10.0, "camera frames per wall-clock second at most (rendering "
                                         "costs CPU)", min=0.1, max=60.0)
    tick_hz: float = setting(50.0, "wall-clock rate of the idle simulation loop", min=1.0, max=500.0)
    real_time_factor: float = setting(1.0, "simulated seconds per wall second while idle",
                                      min=0.0, max=100.0)
    arena: ArenaConfig = setting(ArenaConfig(), "table, objects, light, depth noise")
    motion: EmbeddedMotionParams = setting(EmbeddedMotionParams(), "embedded motion backend")
