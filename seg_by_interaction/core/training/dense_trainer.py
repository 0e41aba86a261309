"""Training steps of the dense network (`core/model/embedding.py`) on whole frames drawn
from the memory bank: a step draws `frames_per_batch` positive examples and trains on
their frames, each with every labelled object the bank holds for it (Lohmann et al.
2020 train on all of a frame's objects at once). Frames are mirrored left-right at
random. Losses: `embedding_loss`.

The mask loss chosen (`losses.py`) acts on the foreground term, per labelled object: a
sample is one object of a drawn frame, its pixels the object's mask at the output
resolution, its label 1 there. Bootstrapping changes those pixels' targets; the methods
that select samples (self-paced, small-loss, co-teaching) rank the batch's objects by
that loss, and an object left out counts neither in the foreground term nor in the
embedding loss (a wrong mask would pull wrong pixels together). The table term is not a
label of the labeler (it comes from depth) and is always trained. Pathak's robust set
loss is defined by the prediction outside the mask too: under "rsl" a sample is the
object's predicted mask (foreground and nearness to its embedding,
`embedding_loss.object_membership`) in a window around its label, trained towards the
robust set's target; the embedding loss still pulls the noisy label's pixels together.

The same optimiser, seeding, pacing and state as the window trainer (`Trainer`), whose
step this reuses.
"""
from __future__ import annotations

import collections
import dataclasses

import cv2
import numpy as np
import torch

from seg_by_interaction.core.camera.table import table_pixels
from seg_by_interaction.core.model.embedding import OUTPUT_STRIDE, EmbeddingNet
from seg_by_interaction.core.model.windows import object_extent
from seg_by_interaction.core.model.inputs import frame_height, input_channels, to_tensor
from seg_by_interaction.core.training.embedding_loss import (EmbeddingTrainingParams, FrameTargets,
                                                             embedding_loss, foreground_loss,
                                                             object_membership)
from seg_by_interaction.core.training.memory_bank import Example
from seg_by_interaction.core.training.trainer import Trainer

# Fitting a frame's table plane costs ~24 ms here and each frame is drawn many times; a
# height map of 320x240 is 0.3 MB.
HEIGHT_CACHE_FRAMES = 128


class DenseTrainer(Trainer):
    network: EmbeddingNet

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._heights: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()

    @property
    def examples_per_step(self) -> int:
        return self.params.embedding.frames_per_batch

    def _loss(self) -> tuple[torch.Tensor, dict]:
        p = self.params.embedding
        frames = [self._frame(example) for example in self.draw(p.frames_per_batch, 0)]
        inputs = to_tensor([channels for channels, _ in frames])
        targets = [frame_targets for _, frame_targets in frames]
        objects = torch.cat([t.objects for t in targets])
        outputs = [network(inputs) for network in self.networks]
        predictions = [[self._object_predictions(logits[i], embeddings[i], t)
                        for i, t in enumerate(targets)] for logits, embeddings in outputs]
        pixels = torch.cat([pixels for _, pixels in predictions[0]])
        losses, kept = self.mask_loss.sample_losses(
            [torch.cat([logits for logits, _ in network]) for network in predictions],
            objects, self.steps, pixels=pixels)
        # A window's mean summed per labelled pixel: an object weighs against the table
        # as under cross-entropy, however large its window.
        losses = losses * pixels.flatten(1).sum(1) / objects.flatten(1).sum(1)
        per_frame = [len(t.objects) for t in targets]
        foreground, embedding = 0.0, 0.0
        for (logits, embeddings), network_losses, network_kept in zip(outputs, losses, kept):
            frame_losses, frame_kept = network_losses.split(per_frame), network_kept.split(per_frame)
            foreground = foreground + torch.stack([
                foreground_loss(logits[i], t, frame_losses[i], frame_kept[i])
                for i, t in enumerate(targets)]).mean()
            embedding = embedding + torch.stack([
                embedding_loss(embeddings[i],
                               dataclasses.replace(t, weights=t.weights * frame_kept[i]), p)
                for i, t in enumerate(targets)]).mean()
        return foreground + p.embedding_weight * embedding, {
            "foreground_loss": foreground.item(), "embedding_loss": embedding.item(),
            "frames": len(frames), "objects": len(objects),
            "kept_share": kept.float().mean().item()}

    def _object_predictions(self, logits: torch.Tensor, embeddings: torch.Tensor,
                            targets: FrameTargets) -> tuple[torch.Tensor, torch.Tensor]:
        """One frame's prediction of each labelled object (K, h, w) as the mask loss
        takes it, and the pixels (K, h, w) its loss counts."""
        if self.mask_loss.whole_window:
            return object_membership(logits, embeddings, targets, self.params.embedding)
        return logits.expand_as(targets.objects), targets.objects

    def _frame(self, example: Example) -> tuple[np.ndarray, FrameTargets]:
        """The network's input for the example's frame and the targets of every labelled
        object of that frame."""
        height = self._height(example)
        channels = input_channels(self._recoloured(example.image), example.depth,
                                  self.network.spec, height)
        frame_examples = self.bank.same_frame(example)
        positives = [self.label_noise.corrupt(e, frame_examples)
                     for e in frame_examples if e.positive] or [example]
        masks = np.stack([e.mask for e in positives])
        weights = [e.confidence if self.params.weight_by_confidence else 1.0 for e in positives]
        background = table_pixels(height, self.params.embedding.background_height_m)
        rows, cols = self._crop(example.mask)
        channels, masks, background = channels[rows, cols], masks[:, rows, cols], \
            background[rows, cols]
        actions = np.array([e.action_px for e in positives]) - (cols.start, rows.start)
        if self.params.embedding.flip and self.rng.random() < 0.5:
            channels, masks, background = channels[:, ::-1], masks[:, :, ::-1], background[:, ::-1]
            actions[:, 0] = masks.shape[2] - 1 - actions[:, 0]
        return channels, frame_targets(masks, background, weights, actions,
                                       self.params.embedding)

    def _recoloured(self, rgb: np.ndarray) -> np.ndarray:
        """The frame with its hue turned and saturation and brightness scaled at random
        (`colour_jitter`): a collection sees a few tables, and their colours must not
        become what tells an object from the table."""
        jitter = self.params.embedding.colour_jitter
        if not jitter:
            return rgb
        hue_turn, saturation, brightness = self.rng.uniform(-jitter, jitter, 3)
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)
        hsv[..., 0] = (hsv[..., 0] + 256 * hue_turn) % 256
        hsv[..., 1] *= 1 + saturation
        hsv[..., 2] *= 1 + brightness
        return cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB_FULL)

    def _height(self, example: Example) -> np.ndarray:
        """The frame's height above the table, from the cache of recently drawn frames."""
        key = example.frame_key
        if key not in self._heights or self._heights[key].shape != example.image.shape[:2]:
            self._heights[key] = frame_height(example.image, example.depth)
            if len(self._heights) > HEIGHT_CACHE_FRAMES:
                self._heights.popitem(last=False)
        self._heights.move_to_end(key)
        return self._heights[key]

    def _crop(self, mask: np.ndarray) -> tuple[slice, slice]:
        """A window of crop_px (clipped to the frame) holding the centre of `mask`'s box."""
        side = self.params.embedding.crop_px
        centre = object_extent(mask)[0]
        return tuple(self._span(int(round(centre[axis])), side, mask.shape[1 - axis])
                     for axis in (1, 0))

    def _span(self, centre: int, side: int, size: int) -> slice:
        if not side or side >= size:
            return slice(0, size)
        start = int(self.rng.integers(centre - side + 1, centre + 1))
        start = min(max(start, 0), size - side)
        return slice(start, start + side)


def frame_targets(masks: np.ndarray, background: np.ndarray, weights: list[float],
                  actions: np.ndarray, params: EmbeddingTrainingParams) -> FrameTargets:
    """Targets at the network's output resolution from full-size masks (K, H, W), the
    table pixels (H, W) and the objects' action pixels (K, 2) as (u, v). Objects left
    without a cell there (cropped away, or smaller than a cell) are dropped: they have no
    target, and to the methods that select samples a sample without pixels would look
    like the easiest one."""
    background = background & ~masks.any(axis=0)
    ring = np.ones((2 * params.ring_px + 1,) * 2, np.uint8)
    surroundings = []
    for index, mask in enumerate(masks):
        around = cv2.dilate(mask.astype(np.uint8), ring).astype(bool) & ~mask & ~background
        around |= np.delete(masks, index, axis=0).any(axis=0)
        surroundings.append(around)
    objects = _downsampled(masks)
    present = objects.flatten(1).any(dim=1)
    return FrameTargets(objects=objects[present], weights=torch.tensor(weights)[present],
                        background=_downsampled(background[None])[0],
                        surroundings=_downsampled(np.stack(surroundings))[present],
                        anchors=_anchors(objects[present], actions[present.numpy()]))


def _anchors(objects: torch.Tensor, actions: np.ndarray) -> torch.Tensor:
    """(K,) flat index of each object's cell (K, h, w) nearest its action pixel (K, 2)."""
    rows, cols = torch.meshgrid(torch.arange(objects.shape[1]), torch.arange(objects.shape[2]),
                                indexing="ij")
    centres = torch.stack([cols, rows], dim=-1).flatten(0, 1) * OUTPUT_STRIDE \
        + (OUTPUT_STRIDE - 1) / 2                                       # (h w, 2) as (u, v)
    distances = torch.cdist(torch.as_tensor(actions, dtype=centres.dtype), centres)
    return torch.where(objects.flatten(1), distances, torch.inf).argmin(dim=1)


def _downsampled(masks: np.ndarray) -> torch.Tensor:
    """(K, H, W) bool -> (K, ceil(H/4), ceil(W/4)) bool, a cell set when most of it is."""
    height, width = masks.shape[1:]
    size = (-(-width // OUTPUT_STRIDE), -(-height // OUTPUT_STRIDE))
    cells = [cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5
             for mask in masks]
    return torch.from_numpy(np.stack(cells))
