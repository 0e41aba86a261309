"""Training steps of the segmentation network on batches drawn from the memory bank
(Pathak et al. 2018, §4.1: batches of 32, SGD with momentum).

A batch holds `positive_fraction` positive windows (score 1 and a mask target); the rest
are negatives with score 0 and no mask loss: hard negatives, windows moved off a
positive's object or (`scale_negative_share` of them) on it at a wrong scale, and, once the bank holds failed interactions, half of them are
windows on where an interaction found nothing. The score loss covers every window, the
mask loss (by name: cross-entropy, Pathak's robust set loss or a method for noisy labels,
`losses.py`) the positives, weighted by the labeler's confidence when
`weight_by_confidence` is set. Co-teaching trains a second network, the peer, beside the
one checkpointed, on the same batches. Labels may be corrupted as they are drawn, for
controlled studies (`label_noise.py`).

A trainer is deterministic for its seed, given the same bank: numpy draws the batches
and a torch seed drawn from the same generator drives dropout, so `state_dict` (step,
optimizer, generator) lets a resumed trainer continue exactly where it stopped; the
network's weights are saved with its checkpoints.
"""
from __future__ import annotations

import dataclasses
import itertools
import time

import numpy as np
import torch

from seg_by_interaction.core.model.network import DeepMask
from seg_by_interaction.core.model.windows import (action_window, hard_negative_window,
                                                   object_extent, positive_window,
                                                   scale_negative_window, to_tensor_batch)
from seg_by_interaction.core.training import MASK_LOSSES
from seg_by_interaction.core.training.embedding_loss import EmbeddingTrainingParams
from seg_by_interaction.core.training.label_noise import LabelNoise, LabelNoiseParams
from seg_by_interaction.core.training.losses import score_loss, weighted_mean
from seg_by_interaction.core.training.memory_bank import Example, MemoryBank
from seg_by_interaction.core.validated import ConfigError, setting

SPEED_SMOOTHING = 0.05  # weight of the latest step in the running examples-per-second


@dataclasses.dataclass(frozen=True, kw_only=True)
@MASK_LOSSES.sections
class TrainerParams:
    batch_size: int = setting(32, "windows per step (Pathak et al.: 32)", min=2, max=1024)
    learning_rate: float = setting(0.01, "SGD learning rate", min=1e-6, max=1.0)
    momentum: float = setting(0.9, "SGD momentum", min=0.0, max=0.999)
    weight_decay: float = setting(5e-4, "L2 weight decay", min=0.0, max=0.1)
    mask_loss: str = MASK_LOSSES.choice("rsl", "mask loss: per-pixel cross-entropy, Pathak's "
                                               "robust set loss or a method for noisy labels "
                                               "(parameters in its section)")
    scale_jitter_octaves: float = setting(0.25, "object scale jitter, 2^U(-j, j) (Pathak: "
                                                "0.25)", min=0.0, max=2.0)
    shift_px: float = setting(8.0, "positive windows: centre jitter per axis, window pixels "
                                   "(half the feature stride)", min=0.0, max=64.0)
    hard_negative_shift_px: float = setting(21.0, "hard negatives: least L1 shift off the "
                                                  "object, window pixels (Pathak: a third of "
                                                  "the window)", min=1.0, max=256.0)
    scale_negative_share: float = setting(0.25, "share of the hard negatives that are on the "
                                                "object at a wrong scale instead of off it",
                                          min=0.0, max=1.0)
    scale_negative_octaves: float = setting(1.0, "scale negatives: least scale error, octaves",
                                            min=0.25, max=3.0)
    positive_fraction: float = setting(0.5, "share of positive windows in a batch",
                                       min=0.05, max=0.95)
    mask_loss_weight: float = setting(1.0, "weight of the mask loss beside the score loss",
                                      min=0.0, max=100.0)
    weight_by_confidence: bool = setting(True, "weight each positive's mask loss by the "
                                               "labeler's confidence")
    failed_object_px: float = setting(32.0, "window scale for failed interactions without a "
                                            "hypothesis mask: the object size assumed, px",
                                      min=4.0, max=512.0)
    min_positives: int = setting(16, "no training before the bank holds this many positives",
                                 min=1, max=100000)
    grad_clip: float = setting(10.0, "largest gradient norm", min=1e-3, max=1e6)
    embedding: EmbeddingTrainingParams = setting(EmbeddingTrainingParams(),
                                                 "dense networks: frames and loss margins")
    label_noise: LabelNoiseParams = setting(LabelNoiseParams(), "labels corrupted as they are "
                                                                "drawn, for controlled studies")


@dataclasses.dataclass
class Batch:
    windows: torch.Tensor        # (B, 3, S, S), positives first
    labels: torch.Tensor         # (B,) 1 for positives, 0 for negatives
    mask_targets: torch.Tensor   # (positives, m, m)
    mask_weights: torch.Tensor   # (positives,)
    positives: int
    hard_negatives: int
    failed_negatives: int


class Trainer:
    def __init__(self, network: DeepMask, params: TrainerParams, bank: MemoryBank,
                 seed: int = 0, peer: DeepMask | None = None):
        """`peer`: the second network a mask loss that trains two needs (co-teaching),
        of the same architecture and initialised differently."""
        self.network = network
        self.params = params
        self.bank = bank
        self.steps = 0
        self.rng = np.random.default_rng(seed)
        self.mask_loss = MASK_LOSSES.make_chosen(params, "mask_loss")
        self.networks = [network] if peer is None else [network, peer]
        if len(self.networks) != self.mask_loss.networks:
            raise ConfigError(f"the mask loss '{params.mask_loss}' trains "
                              f"{self.mask_loss.networks} network(s), the trainer was given "
                              f"{len(self.networks)}")
        self.optimizer = torch.optim.SGD(
            itertools.chain.from_iterable(n.parameters() for n in self.networks),
            lr=params.learning_rate, momentum=params.momentum, weight_decay=params.weight_decay)
        self.label_noise = LabelNoise(params.label_noise)
        self._step_seconds: float | None = None

    def ready(self) -> bool:
        """Whether the bank holds enough positives to train on."""
        return self.bank.counts()[0] >= self.params.min_positives

    @property
    def examples_per_second(self) -> float:
        """Windows (frames, for dense networks) trained on per second, over the last few
        dozen steps (0 before any)."""
        return self.examples_per_step / self._step_seconds if self._step_seconds else 0.0

    @property
    def examples_per_step(self) -> int:
        return self.params.batch_size

    def step(self) -> dict:
        """One SGD step on a fresh batch, in training mode (batch statistics, dropout);
        the losses, the batch's make-up and the time it took."""
        if not self.ready():
            raise RuntimeError(f"not training yet: the memory bank holds {self.bank.counts()[0]} "
                               f"positive examples, min_positives is {self.params.min_positives}")
        started = time.perf_counter()
        was_training = [network.training for network in self.networks]
        for network in self.networks:
            network.train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.rng.integers(2 ** 63)))
            loss, figures = self._loss()
        for network, mode in zip(self.networks, was_training):
            network.train(mode)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for network in self.networks:
            torch.nn.utils.clip_grad_norm_(network.parameters(), self.params.grad_clip)
        self.optimizer.step()
        seconds = time.perf_counter() - started
        self.steps += 1
        self._step_seconds = seconds if self._step_seconds is None else \
            self._step_seconds + SPEED_SMOOTHING * (seconds - self._step_seconds)
        return {"step": self.steps, "loss": loss.item(), **figures, "seconds": seconds}

    def _loss(self) -> tuple[torch.Tensor, dict]:
        """The batch's loss (summed over the networks trained) and figures on its
        make-up."""
        batch = self._batch()
        outputs = [network.forward_windows(batch.windows) for network in self.networks]
        score = sum(score_loss(scores, batch.labels) for scores, _ in outputs)
        losses, kept = self.mask_loss.sample_losses(
            [masks[:batch.positives] for _, masks in outputs], batch.mask_targets, self.steps)
        mask = sum(weighted_mean(network_losses, network_kept * batch.mask_weights)
                   for network_losses, network_kept in zip(losses, kept))
        return score + self.params.mask_loss_weight * mask, {
            "score_loss": score.item(), "mask_loss": mask.item(), "positives": batch.positives,
            "kept_share": kept.float().mean().item(), "hard_negatives": batch.hard_negatives,
            "failed_negatives": batch.failed_negatives}

    def draw(self, n_positive: int, n_negative: int) -> list[Example]:
        """Examples from the bank, with their labels as the label noise leaves them."""
        return [self.label_noise.corrupt(example, self.bank.same_frame(example))
                for example in self.bank.sample(n_positive, n_negative, self.rng)]

    def state_dict(self) -> dict:
        """Step, optimiser and generator; the peer's weights (co-teaching), which no
        checkpoint holds."""
        state = {"steps": self.steps, "optimizer": self.optimizer.state_dict(),
                 "rng": self.rng.bit_generator.state}
        if len(self.networks) > 1:
            state["peer"] = self.networks[1].state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.steps = state["steps"]
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        if len(self.networks) > 1 and "peer" in state:
            self.networks[1].load_state_dict(state["peer"])

    def _batch(self) -> Batch:
        p = self.params
        n_positive = max(1, round(p.batch_size * p.positive_fraction))
        n_negative = p.batch_size - n_positive
        n_failed = n_negative // 2 if self.bank.counts()[1] else 0
        n_hard = n_negative - n_failed
        drawn = self.draw(n_positive + n_hard, n_failed)
        positive_windows = [positive_window(e.image, e.mask, self.network.spec, self.rng,
                                            p.scale_jitter_octaves, p.shift_px)
                            for e in drawn[:n_positive]]
        negative_windows = [self._hard_negative(e) for e in drawn[n_positive:n_positive + n_hard]]
        negative_windows += [self._failed_window(e) for e in drawn[n_positive + n_hard:]]
        crops = [crop for crop, _ in positive_windows] + negative_windows
        confidences = [e.confidence if p.weight_by_confidence else 1.0
                       for e in drawn[:n_positive]]
        return Batch(windows=to_tensor_batch(crops),
                     labels=torch.tensor([1.0] * n_positive + [0.0] * n_negative),
                     mask_targets=torch.from_numpy(np.stack([m for _, m in positive_windows])),
                     mask_weights=torch.tensor(confidences),
                     positives=n_positive, hard_negatives=n_hard, failed_negatives=n_failed)

    def _hard_negative(self, example: Example) -> np.ndarray:
        """A window off the example's object, or on it at a wrong scale."""
        p, spec = self.params, self.network.spec
        if self.rng.random() < p.scale_negative_share:
            return scale_negative_window(example.image, example.mask, spec, self.rng,
                                         p.scale_negative_octaves)
        return hard_negative_window(example.image, example.mask, spec, self.rng,
                                    p.hard_negative_shift_px, p.scale_jitter_octaves)

    def _failed_window(self, example: Example) -> np.ndarray:
        """A window on where an interaction found nothing, at the scale of the hypothesis
        it tried (jittered as positives are)."""
        size = object_extent(example.mask)[1] if example.mask.any() else \
            self.params.failed_object_px
        size *= 2.0 ** self.rng.uniform(-self.params.scale_jitter_octaves,
                                        self.params.scale_jitter_octaves)
        return action_window(example.image, example.action_px, size, self.network.spec)

