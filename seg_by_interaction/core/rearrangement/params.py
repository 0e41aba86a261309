"""The rearrangement node's parameters."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.camera.sync import FrameSyncParams
from seg_by_interaction.core.model.segmenter import SegmenterParams
from seg_by_interaction.core.rearrangement.goals import GoalChecks
from seg_by_interaction.core.rearrangement.matching import MatchingParams
from seg_by_interaction.core.rearrangement.planning import PlanParams
from seg_by_interaction.core.rearrangement.segmenters import MODEL, SEGMENTERS
from seg_by_interaction.core.rearrangement.segments import SegmentParams
from seg_by_interaction.core.validated import setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class RearrangementParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    camera: str = setting("", "camera whose images are compared with the goal ('' = the first)")
    interact_action: str = setting("interact", "the executor's Interact action")
    segmenter: str = setting(MODEL, "segmenter of goals that name none", choices=SEGMENTERS)
    checkpoint: str = setting("", "the model's checkpoint ('' = the newest in checkpoint_dir)")
    checkpoint_dir: str = setting("", "directory of the trainer's checkpoints")
    ground_truth_frames: bool = setting(False, "receive the simulated world's instance masks "
                                               "with the frames, for a benchmark's ground_truth "
                                               "segmenter (measurement only)")
    interaction_timeout_s: float = setting(180.0, "time limit per pick-and-place", min=1.0,
                                           max=3600.0)
    max_goals: int = setting(20, "snapshotted goals kept", min=1, max=1000)
    seed: int = setting(0, "seed of aside spots", min=0)
    goal_checks: GoalChecks = setting(GoalChecks(), "what a goal image must share with the camera")
    model: SegmenterParams = setting(SegmenterParams(), "the model's dense evaluation")
    segments: SegmentParams = setting(SegmentParams(), "which proposals count as objects")
    matching: MatchingParams = setting(MatchingParams(), "segment features and matching")
    plan: PlanParams = setting(PlanParams(), "moves, retries and aside spots")
    frames: FrameSyncParams = setting(FrameSyncParams(), "pairing and checking camera images")
