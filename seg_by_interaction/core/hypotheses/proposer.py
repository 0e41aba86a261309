"""Where hypotheses come from: the newest learned model, or, until the trainer announces
its first one, the bottom-up baseline (Pathak et al. 2018, §4.3: passive bootstrap).
A model that proposes nothing for a frame (an early one, sure of nothing above the
table) leaves that frame to the bootstrap too: the robot keeps something to try, where
it would otherwise reset scene after scene. Ground truth is never a source."""
from __future__ import annotations

import dataclasses
import logging
import pathlib
import threading

from seg_by_interaction.core.camera.sync import FrameSyncParams
from seg_by_interaction.core.hypotheses.baselines import METHODS
from seg_by_interaction.core.hypotheses.grasp import GraspCheckParams
from seg_by_interaction.core.hypotheses.hypothesis import SOURCE_MODEL
from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.model.checkpoint import (MAX_CHECKPOINT_MB, CheckpointError,
                                                      CheckpointMetadata,
                                                      checkpoints_newest_first, load_checkpoint)
from seg_by_interaction.core.model.segmenter import SegmenterParams, make_segmenter
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.validated import setting

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class HypothesisServerParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    camera: str = setting("", "camera to segment ('' = the first)")
    checkpoint: str = setting("", "checkpoint to start from ('' = the newest in checkpoint_dir, "
                                  "else the bootstrap method until a model update arrives)")
    checkpoint_dir: str = setting("", "directory of the trainer's checkpoints: announced models "
                                      "are loaded only from inside it ('' = none)")
    max_checkpoint_mb: float = setting(MAX_CHECKPOINT_MB, "larger checkpoint files are refused",
                                       min=1.0, max=65536.0)
    bootstrap_method: str = METHODS.choice("bottom_up", "proposals before the first model")
    max_hypotheses: int = setting(20, "hypotheses per answer when the request gives no limit",
                                  min=1, max=500)
    publish_overlay: bool = setting(True, "publish ~/overlay images of the hypotheses")
    model: ModelSpec = setting(ModelSpec(), "the model a checkpoint must match")
    segmenter: SegmenterParams = setting(SegmenterParams(), "from network outputs to proposals")
    frames: FrameSyncParams = setting(FrameSyncParams(), "pairing and checking camera images")
    grasp_check: GraspCheckParams = setting(GraspCheckParams(), "grasps checked against the "
                                                                "frame before they are offered")
    max_pixels: int = setting(640 * 480, "larger images sent to ~/segment are refused (time "
                                         "grows with the pixels: 1280x960 took 74 s)", min=1)
    segment_timeout_s: float = setting(20.0, "a segmentation taking longer is answered with an "
                                             "error", min=0.1, max=600.0)


class Proposer:
    """Thread-safe: `propose` may run while `load` swaps in a new model; a request uses
    the model that was current when it started, so none is dropped."""

    def __init__(self, params: HypothesisServerParams):
        self.params = params
        self._bootstrap = METHODS.make(params.bootstrap_method)
        self._current: tuple[object | None, CheckpointMetadata | None] = (None, None)
        self._loading = threading.Lock()

    @property
    def version(self) -> int:
        metadata = self._current[1]
        return metadata.version if metadata else 0

    def load(self, path: str | pathlib.Path, sha256: str | None = None) -> CheckpointMetadata:
        """Swap in the checkpoint's model; raises CheckpointError (the current model stays)
        when it is unreadable, corrupt, made for another model spec, or not newer (version
        and step) than the current model."""
        with self._loading:
            network, metadata = load_checkpoint(path, expected_spec=self.params.model,
                                                sha256=sha256,
                                                max_mb=self.params.max_checkpoint_mb)
            current = self._current[1]
            if current and (metadata.version <= current.version or metadata.step <= current.step):
                raise CheckpointError(f"checkpoint {path} (v{metadata.version}, step "
                                      f"{metadata.step}) is not newer than the loaded model "
                                      f"(v{current.version}, step {current.step})")
            self._current = (make_segmenter(network, self.params.segmenter), metadata)
        log.info(f"model v{metadata.version} loaded from {path} ({metadata.interactions_seen} "
                 f"interactions seen)")
        return metadata

    def load_announced(self, path: str, sha256: str | None) -> CheckpointMetadata:
        """`load` for a checkpoint announced by the trainer: only a file inside the
        configured checkpoint directory (after resolving links) is read."""
        if not self.params.checkpoint_dir:
            raise CheckpointError(f"announced checkpoint {path!r} refused: no checkpoint_dir "
                                  "is configured to load announced models from")
        directory = pathlib.Path(self.params.checkpoint_dir).resolve()
        try:
            resolved = pathlib.Path(path).resolve()
        except (OSError, ValueError) as error:   # ValueError: a NUL in the path
            raise CheckpointError(f"announced checkpoint {path!r} refused: {error}") from error
        if not resolved.is_relative_to(directory):
            raise CheckpointError(f"announced checkpoint {path!r} is outside the checkpoint "
                                  f"directory {directory}")
        return self.load(resolved, sha256)

    def load_newest(self, directory: str | pathlib.Path) -> CheckpointMetadata | None:
        """The newest checkpoint of `directory` that loads; damaged ones are skipped with a
        warning. None if none loads."""
        for path in checkpoints_newest_first(directory):
            try:
                return self.load(path)
            except CheckpointError as error:
                log.warning(f"skipping checkpoint {path.name}: {error}")
        return None

    def propose(self, view) -> tuple[list[Proposal], str, int]:
        """(proposals best first, source, model version) for a view with rgb and depth."""
        segmenter, metadata = self._current
        proposals = segmenter.segment(view) if segmenter is not None else []
        if proposals:
            return proposals, SOURCE_MODEL, metadata.version
        return self._bootstrap(view), self.params.bootstrap_method, \
            metadata.version if metadata else 0
