"""One interaction as the executor runs it: a request naming a primitive and its
parameters in the planning frame, run on the primitives, and the executor's parameters."""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.camera.sync import FrameSyncParams
from seg_by_interaction.core.interaction.kinds import KINDS
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.interaction.primitives import (POKE_MAGNITUDES, PrimitiveParams,
                                                            PrimitiveResult, Primitives)
from seg_by_interaction.core.interaction.singulation_params import SingulationParams
from seg_by_interaction.core.validated import setting

# Outcomes that say the interaction happened as asked, whatever it found. A cancelled one
# says nothing either way; anything else (planning, collision, timeout, ...) counts
# toward the executor's consecutive failures.
INTERACTION_RESULTS = (Outcome.OK, Outcome.NOTHING_GRASPED)
# Outcomes after which the arm touched nothing, so there is nothing to label.
NOT_ATTEMPTED = (Outcome.UNREACHABLE, Outcome.OUTSIDE_WORKSPACE, Outcome.PLANNING_FAILED,
                 Outcome.INVALID_REQUEST)


@dataclasses.dataclass(frozen=True, kw_only=True)
class InteractionRequest:
    kind: str
    target: np.ndarray | None = None       # planning frame, metres (not for reset_sweep)
    yaw: float = 0.0                       # pick_place: fingers' closing direction
    width: float = 0.0                     # pick_place: object width across the fingers
    place_xy: np.ndarray | None = None     # pick_place: None = a random free spot
    direction: np.ndarray | None = None    # push, poke: horizontal direction of motion
    distance: float = 0.0                  # push: 0 = configured default
    magnitude: str = "light"               # poke
    half_extent: float = 0.0               # poke: object half size along the direction

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown primitive '{self.kind}'; one of {tuple(KINDS)}")
        for field in KINDS[self.kind].needs:
            if getattr(self, field) is None:
                raise ValueError(f"a {self.kind} needs a {field}")
        if "magnitude" in KINDS[self.kind].needs and self.magnitude not in POKE_MAGNITUDES:
            raise ValueError(f"poke magnitude '{self.magnitude}' is not one of {POKE_MAGNITUDES}")


def run_interaction(primitives: Primitives, request: InteractionRequest,
                    rng: np.random.Generator) -> PrimitiveResult:
    return KINDS[request.kind].run(primitives, request, rng)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExecutorParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    camera: str = setting("", "camera whose frames are captured ('' = the first)")
    motion_action: str = setting("motion", "name of the Motion action server driving the arm")
    run_dir: str = setting("", "run directory where every interaction is recorded ('' = none)")
    default_timeout_s: float = setting(180.0, "time limit of an interaction whose goal gives "
                                              "none", min=1.0, max=3600.0)
    recovery_timeout_s: float = setting(60.0, "after an interaction ran out of time, the arm "
                                              "may take this long to lift clear and go out of "
                                              "view", min=1.0, max=600.0)
    capture_timeout_s: float = setting(10.0, "wait at most this long for a camera frame after "
                                             "the arm stopped", min=0.1, max=120.0)
    max_consecutive_failures: int = setting(5, "refuse further goals after this many failed "
                                               "interactions in a row (until ~/resume)",
                                            min=1, max=1000)
    min_free_mb: float = setting(100.0, "refuse goals while the run directory's disk has less "
                                        "free space than this", min=0.0)
    record_ground_truth: bool = setting(False, "store the simulated world's instance masks with "
                                               "each record, for measuring labels (simulation "
                                               "only; nothing that learns reads them)")
    seed: int = setting(0, "seed of random place spots", min=0)
    require_arming: bool = setting(True, "refuse goals until ~/arm is called (a real robot); "
                                         "simulated runs turn it off")
    soft_stop_topic: str = setting("/soft_stop", "std_msgs/Empty topic on which any node stops "
                                                 "the interaction under way (and disarms)")
    frames: FrameSyncParams = setting(FrameSyncParams(), "pairing and checking camera images")
    primitives: PrimitiveParams = setting(PrimitiveParams(), "motion parameters of the primitives")
    segment_service: str = setting("/hypothesis_server/segment", "the Segment service ~/singulate "
                                                                 "segments with")
    segment_timeout_s: float = setting(60.0, "~/singulate gives up on a segmentation after this "
                                             "long", min=1.0, max=600.0)
    singulation: SingulationParams = setting(SingulationParams(), "~/singulate: which regions are "
                                                                  "uncertain, where to push")


class FailureCounter:
    def __init__(self, limit: int):
        self.limit = limit
        self.consecutive = 0

    def add(self, outcome: Outcome) -> None:
        if outcome in INTERACTION_RESULTS:
            self.consecutive = 0
        elif outcome != Outcome.CANCELLED:
            self.consecutive += 1

    @property
    def tripped(self) -> bool:
        return self.consecutive >= self.limit
