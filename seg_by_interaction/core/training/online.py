"""The online trainer's side of the loop (Pathak et al. 2018, Algorithm 1): labelled
examples go into the memory bank on disk, the network trains on batches drawn from it,
and checkpoints are written atomically with their provenance. A killed trainer resumes
from its newest checkpoint and its bank, and adopts labels stored in the run directory
that never reached it."""
from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
import time
from typing import Container, Iterable, Iterator

import numpy as np
import torch

from seg_by_interaction.core.files import remove_partial_writes, write_bytes_atomic
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.checkpoint import (CheckpointError, CheckpointMetadata,
                                                      CheckpointMismatch, checkpoint_name,
                                                      checkpoints_newest_first, load_checkpoint,
                                                      save_checkpoint)
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.run_store import RunStore, StoredRecord
from seg_by_interaction.core.training import MASK_LOSSES
from seg_by_interaction.core.training.memory_bank import Example, MemoryBank
from seg_by_interaction.core.training.dense_trainer import DenseTrainer
from seg_by_interaction.core.training.trainer import Trainer, TrainerParams
from seg_by_interaction.core.validated import setting, to_dict

log = logging.getLogger(__name__)

TRAINER_STATE = "trainer_state.pt"


@dataclasses.dataclass(frozen=True, kw_only=True)
class OnlineTrainerParams:
    run_dir: str = setting("", "run directory: memory bank, checkpoints and training log")
    seed: int = setting(0, "seed of initialisation and sampling", min=0)
    pretrained: bool = setting(True, "start from the offline ImageNet EfficientNet-Lite0 "
                                     "weights (Lite0 architectures); false: from scratch, as "
                                     "Pathak et al.")
    model: ModelSpec = setting(ModelSpec(), "the network")
    training: TrainerParams = setting(TrainerParams(), "batches, optimiser, losses")
    bank_positives: int = setting(2000, "positives the memory bank holds", min=1)
    bank_negatives: int = setting(2000, "negatives the memory bank holds", min=1)
    bank_cache_examples: int = setting(256, "examples whose pixels stay in memory (about 0.6 MB "
                                            "each at 320x240 with depth); others are read from "
                                            "the memory bank's files when drawn", min=1)
    min_confidence: float = setting(0.0, "examples below this labeler confidence are ignored",
                                    min=0.0, max=1.0)
    first_model_after: int = setting(100, "labelled interactions before the first model is "
                                          "announced (Pathak's passive bootstrap)", min=0)
    checkpoint_every_steps: int = setting(200, "steps between announced checkpoints", min=1)
    steps_per_example: float = setting(8.0, "training keeps pace with the data: at most this "
                                            "many steps per example received (0 = no limit)",
                                       min=0.0)
    torch_threads: int = setting(1, "CPU threads for training (0 = torch's default)", min=0, max=64)
    niceness: int = setting(10, "added to the training thread's scheduling niceness (Linux): "
                                "the robot's loop runs first, training on the CPU it leaves "
                                "(0 = as the node)", min=0, max=19)
    log_every_steps: int = setting(10, "steps between lines of the training log", min=1)
    adopt_every_s: float = setting(10.0, "seconds between looks into the run directory for "
                                         "stored labels that never arrived as messages",
                                   min=0.5)


def labelled_interactions(store: RunStore, max_interactions: int | None = None,
                          skip: Container[str] = ()) -> Iterator[tuple[str, list[dict]]]:
    """(record_id, stored labels) of the first `max_interactions` interactions (all by
    default, not counting those in `skip`) that the labeler has labelled; reset sweeps and
    cancelled interactions are not interactions."""
    interactions = 0
    for record_id, meta in store.metas(skip):
        if not meta.counts_as_interaction:
            continue
        interactions += 1
        if max_interactions is not None and interactions > max_interactions:
            return
        if labels := store.intact(store.read_labels, record_id):
            yield record_id, labels


def example_id(record_id: str, label: dict) -> str:
    return f"{record_id}_{label['frame_pair']}"


def record_examples(record: StoredRecord, labels: list[dict], min_confidence: float = 0.0
                    ) -> list[Example]:
    """A record's labels (its stored ones, or others made for the same frames) as
    memory-bank examples."""
    return [Example(example_id=example_id(record.record_id, label),
                    image=record.views[label["labelled_frame"]].rgb,
                    depth=_float32(record.views[label["labelled_frame"]].depth),
                    frame=label["labelled_frame"], mask=label["mask"],
                    positive=label["positive"], action_px=tuple(label["action_px"]),
                    confidence=label["confidence"], record_id=record.record_id,
                    frame_pair=label["frame_pair"], labeler=label.get("labeler", ""),
                    created_seq=int(record.record_id[1:]))
            for label in labels if label["confidence"] >= min_confidence]


def _float32(depth):
    return None if depth is None else depth.astype(np.float32, copy=False)


def examples_from_run(store: RunStore, max_interactions: int | None = None,
                      min_confidence: float = 0.0) -> Iterator[Example]:
    """The stored labels of the first `max_interactions` interactions (all by default),
    as memory-bank examples."""
    for record_id, labels in labelled_interactions(store, max_interactions):
        if record := store.intact(store.read_record, record_id):
            yield from record_examples(record, labels, min_confidence)


class OnlineLearner:
    def __init__(self, params: OnlineTrainerParams, provenance: dict):
        if not params.run_dir:
            raise ValueError("the online trainer needs a run_dir for its memory bank and checkpoints")
        if params.torch_threads:
            torch.set_num_threads(params.torch_threads)
        self.params = params
        self.provenance = provenance
        self.store = RunStore(params.run_dir)
        self.bank = MemoryBank(self.store.memory_bank_dir, params.bank_positives,
                               params.bank_negatives, self.store.quarantine,
                               params.bank_cache_examples)
        remove_partial_writes(self.store.checkpoint_dir)
        network, metadata = self._network()
        self.version = metadata.version if metadata else 0
        self.trainer = make_trainer(network, params.training, self.bank, params.seed,
                                    params.pretrained)
        self._restore_trainer_state(metadata.step if metadata else 0)
        # The bank forgets examples beyond its capacity; the pacing must not (a resumed
        # trainer with a full bank would otherwise stall until it had seen as many again).
        self.examples_received = max(len(self.bank), metadata.examples_seen if metadata else 0)
        self.checkpointed_step = self.trainer.steps
        self._log_path = self.store.trainer_log
        self.last_losses: dict = {}
        self._adopted: set[str] = set()      # labelled records already looked at

    def _network(self):
        """The newest checkpoint that loads (damaged ones are quarantined), else a fresh
        network. A checkpoint for another model spec stops the start: it is intact, the
        configuration is what differs."""
        for path in checkpoints_newest_first(self.store.checkpoint_dir):
            try:
                network, metadata = load_checkpoint(path, expected_spec=self.params.model)
            except CheckpointMismatch:
                raise
            except CheckpointError as error:
                self.store.quarantine(path, str(error))
                continue
            log.info(f"resuming from {path.name} (step {metadata.step})")
            return network, metadata
        torch.manual_seed(self.params.seed)
        return build_network(self.params.model, pretrained=self.params.pretrained), None

    def _restore_trainer_state(self, step: int) -> None:
        """The optimiser state saved with the checkpoint resumed from; else a fresh one at
        the checkpoint's step, said in the log when the saved one is damaged or for another
        step (a fallback past a damaged checkpoint)."""
        self.trainer.steps = step
        path = self.store.checkpoint_dir / TRAINER_STATE
        if not path.exists():
            return
        try:
            state = torch.load(path, weights_only=True)
            if state["steps"] != step:
                log.warning(f"{TRAINER_STATE} is for step {state['steps']}, the model for step "
                            f"{step}: starting with a fresh optimiser state")
                return
            self.trainer.load_state_dict(state)
        except Exception as error:  # torch reports corruption with many exception types
            self.trainer.steps = step
            self.store.quarantine(path, f"does not load ({error}): starting with a fresh "
                                        "optimiser state")

    # --- data -------------------------------------------------------------------------

    def add(self, example: Example) -> bool:
        """Into the bank; False if it was not added (below the confidence floor, or an
        example the bank already holds)."""
        if example.confidence < self.params.min_confidence or not self.bank.add(example):
            return False
        self.examples_received += 1
        return True

    def adopt_stored_labels(self, written_before: float = math.inf) -> int:
        """Labels in the run directory the bank has not seen (made while the trainer was
        down, or published before its subscription connected); returns how many were
        added. Labels written at or after `written_before` (seconds since the epoch) wait
        for a later look: their messages may be on their way. A record's labels are
        written once, so each labelled record is read until its examples are in the bank
        (a full disk may refuse them), then no more."""
        added = 0
        for record_id, labels in labelled_interactions(self.store, skip=self._adopted):
            if self.store.labels_written_at(record_id) >= written_before:
                continue
            missing = [label for label in labels if example_id(record_id, label) not in self.bank]
            if missing and (record := self.store.intact(self.store.read_record, record_id)):
                added += sum(self.add(example) for example in
                             record_examples(record, missing, self.params.min_confidence))
            self._adopted.add(record_id)
        return added

    def interactions_seen(self) -> int:
        return len(self.bank.record_ids())

    # --- training -----------------------------------------------------------------------

    def can_train(self) -> bool:
        p = self.params
        keeping_pace = (p.steps_per_example == 0 or
                        self.trainer.steps < p.steps_per_example * self.examples_received)
        return keeping_pace and self.trainer.ready()

    def train_step(self) -> dict:
        losses = self.trainer.step()
        self.last_losses = losses
        if self.trainer.steps % self.params.log_every_steps == 0:
            self._log({"step": self.trainer.steps, "time": time.time(),
                       "examples_received": self.examples_received,
                       **{k: v for k, v in losses.items() if isinstance(v, (int, float))}})
        return losses

    def checkpoint_due(self) -> bool:
        if self.interactions_seen() < self.params.first_model_after:
            return False
        if self.version == 0:
            return self.trainer.steps > 0
        return self.trainer.steps - self.checkpointed_step >= self.params.checkpoint_every_steps

    def save_checkpoint(self, metrics: dict | None = None) -> tuple[str, str, CheckpointMetadata]:
        """Writes model_v<N+1>.pt and the optimiser state atomically; (path, sha256, metadata)."""
        metadata = CheckpointMetadata(
            spec=self.params.model, version=self.version + 1, step=self.trainer.steps,
            interactions_seen=self.interactions_seen(), examples_seen=self.examples_received,
            seed=self.params.seed, loss=self.params.training.mask_loss,
            provenance={**self.provenance, "params": to_dict(self.params)}, metrics=metrics or {})
        path = self.store.checkpoint_dir / checkpoint_name(metadata.version)
        sha256 = save_checkpoint(path, self.trainer.network, metadata)
        buffer = io.BytesIO()
        torch.save(self.trainer.state_dict(), buffer)
        write_bytes_atomic(self.store.checkpoint_dir / TRAINER_STATE, buffer.getvalue())
        self.version = metadata.version
        self.checkpointed_step = self.trainer.steps
        return str(path), sha256, metadata

    def _log(self, entry: dict) -> None:
        with open(self._log_path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")


def offline_model_name(kind: str, interactions: int | None, steps: int, seed: int) -> str:
    """kind: the mask loss, or 'truth' for ground-truth labels (the supervised bound)."""
    return f"{kind}_n{interactions or 'all'}_k{steps}_s{seed}"


def make_trainer(network, params: TrainerParams, bank: MemoryBank, seed: int = 0,
                 pretrained: bool = True) -> Trainer:
    """The trainer for `network`: on whole frames for dense networks, else on windows;
    with a peer network for a mask loss that trains two, built as `network` was
    (`pretrained`) from another seed."""
    peer = None
    if MASK_LOSSES.builder(params.mask_loss).networks == 2:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + 1)
            peer = build_network(network.spec, pretrained=pretrained)
    return (DenseTrainer if network.spec.dense else Trainer)(network, params, bank, seed, peer)


def train_offline(examples: Iterable[Example], out_dir, spec: ModelSpec, params: TrainerParams,
                  seed: int, steps: int, provenance: dict, pretrained: bool = True,
                  progress=lambda steps: steps) -> tuple[str, CheckpointMetadata]:
    """Train a fresh network for `steps` on a fixed set of examples (a recorded run's
    labels, for controlled comparisons of losses, seeds and amounts of data); writes
    <out_dir>/checkpoints/model_v000001.pt and its training log. The examples stay in
    memory: the run they come from keeps them."""
    out = RunStore(out_dir)
    bank = MemoryBank.in_memory(examples)
    torch.manual_seed(seed)
    network = build_network(spec, pretrained=pretrained)
    trainer = make_trainer(network, params, bank, seed, pretrained)
    with open(out.trainer_log, "w") as log_file:
        for _ in progress(range(steps)):
            losses = trainer.step()
            log_file.write(json.dumps({k: v for k, v in losses.items() if isinstance(v, (int, float))}) + "\n")
    metadata = CheckpointMetadata(spec=spec, version=1, step=trainer.steps,
                                  interactions_seen=len(bank.record_ids()), examples_seen=len(bank),
                                  seed=seed, loss=params.mask_loss,
                                  provenance={**provenance, "training": to_dict(params)})
    path = out.checkpoint_dir / checkpoint_name(1)
    save_checkpoint(path, network, metadata)
    return str(path), metadata
