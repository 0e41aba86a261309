"""The segmenters a rearrangement may use, by name: the current learned model (the named
checkpoint, else the newest in the checkpoint directory), the non-learning baselines,
and, for measuring an upper bound in simulation only, the world's ground truth, which
only a benchmark hands in (through the guarded oracle). Each is a callable view ->
proposals, best first."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from seg_by_interaction.core.hypotheses.baselines import METHODS

if TYPE_CHECKING:     # OpenCV and torch: not for `sbi --help`, which names the segmenters
    from seg_by_interaction.core.camera.rgbd import RGBDView
    from seg_by_interaction.core.masks import Proposal
    from seg_by_interaction.core.model.segmenter import SegmenterParams

MODEL, GROUND_TRUTH = "model", "ground_truth"
SEGMENTERS = (MODEL, *METHODS.names(), GROUND_TRUTH)
Method = Callable[["RGBDView"], "list[Proposal]"]


class Segmenters:
    """Segmenters made when first asked for; the model is reloaded when a newer
    checkpoint has appeared since."""

    def __init__(self, checkpoint: str, checkpoint_dir: str, model: SegmenterParams,
                 handed_in: dict[str, Method] | None = None):
        self.checkpoint, self.checkpoint_dir = checkpoint, checkpoint_dir
        self.model_params = model
        self._made: dict[str, Method] = dict(handed_in or {})

    def get(self, name: str) -> Method:
        """Raises ValueError for an unknown name, a model without a checkpoint, or ground
        truth where it is not allowed; CheckpointError for a damaged checkpoint."""
        if name not in SEGMENTERS:
            raise ValueError(f"unknown segmenter '{name}'; one of {list(SEGMENTERS)}")
        key = f"{MODEL}:{self._model_path()}" if name == MODEL else name
        if key not in self._made:
            self._made[key] = self._make(name, key)
        return self._made[key]

    def _make(self, name: str, key: str) -> Method:
        if name == MODEL:
            from seg_by_interaction.core.evaluation.evaluate import checkpoint_method
            return checkpoint_method(key.partition(":")[2], params=self.model_params)[0]
        if name == GROUND_TRUTH:
            raise ValueError("the ground_truth segmenter is for measuring in simulation only; "
                             "only a benchmark offers it")
        return METHODS.make(name)

    def _model_path(self) -> str:
        if self.checkpoint:
            return self.checkpoint
        from seg_by_interaction.core.model.checkpoint import checkpoints_newest_first
        newest = checkpoints_newest_first(self.checkpoint_dir)[:1] if self.checkpoint_dir else []
        if not newest:
            raise ValueError(f"no model to segment with: no checkpoint given and none in "
                             f"checkpoint_dir '{self.checkpoint_dir}'; choose a baseline "
                             f"({', '.join(METHODS.names())}) or train a model first")
        return str(newest[0])
