"""Losses of the dense network (`core/model/embedding.py`), from frames in which some
objects carry masks (one lifted object per interaction, or all of them for ground truth).

- Foreground: binary cross-entropy on the pixels whose class is known: inside a labelled
  object (1) or on the table (0: lower than `background_height_m` above the fitted
  plane, or unread; none when no plane was found, as at inference,
  `camera/table.table_pixels`); the two classes weigh the same. Unlabelled objects are
  neither. The objects' class is the mean of the labelled objects' per-pixel losses
  weighted by their pixel counts, so that a method for noisy labels can change each
  object's targets or leave it out (`dense_trainer.py`).
- Embedding (De Brabandere et al. 2017's discriminative loss, adapted to partial labels):
  each labelled object's pixels are pulled within `pull_margin` of their mean embedding,
  and the pixels around it (within `ring_px`, off the table: its neighbours, labelled or
  not) and the pixels of the frame's other labelled objects are pushed beyond
  `push_margin` from that mean. With one labelled object per frame this still teaches
  where it ends against whatever touches it.
- Under a mask loss whose targets need the prediction around the mask (Pathak's robust
  set loss, `losses.py`), the objects' class is instead each object's predicted mask in
  a window around its label (`object_membership`) against that loss's targets.
"""
from __future__ import annotations

import dataclasses

import torch
from torch.nn import functional as F

from seg_by_interaction.core.validated import setting

# Slope of the embedding membership term over the pull-push gap: 4 gives +2 (p 0.88) at
# the pull margin and -2 at the push margin.
EMBEDDING_SLOPE = 4.0
# The membership logit outside an object's window: off, and far from any threshold.
OFF_WINDOW = -1e4


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmbeddingTrainingParams:
    frames_per_batch: int = setting(4, "frames per step; every labelled object of a frame is "
                                       "used", min=1, max=256)
    pull_margin: float = setting(0.5, "an object's pixels are pulled within this embedding "
                                      "distance of its mean", min=0.0, max=10.0)
    push_margin: float = setting(1.5, "other pixels are pushed beyond this distance of it",
                                 min=0.1, max=20.0)
    ring_px: int = setting(16, "pixels around a labelled object (image pixels) pushed from "
                               "it", min=1, max=256)
    background_height_m: float = setting(0.003, "pixels lower than this above the table are "
                                                "background for the foreground head",
                                         min=0.0, max=0.1)
    embedding_weight: float = setting(1.0, "weight of the embedding loss beside the "
                                           "foreground loss", min=0.0, max=100.0)
    crop_px: int = setting(160, "side of the square crop of a frame trained on, around the "
                                "drawn object (0: whole frames)", min=0, max=4096)
    flip: bool = setting(True, "augment by mirroring frames left-right")
    # Measured (one demo's 236 labels, 940 steps, the demo's test split): AP50 0.61 without,
    # 0.69 at 0.3; without the table rule at inference 0.24 and 0.53.
    colour_jitter: float = setting(0.3, "augment colour: each frame's hue turned by up to "
                                        "this share of the circle, its saturation and "
                                        "brightness scaled by up to 1 +/- this (0: none)",
                                   min=0.0, max=0.5)


@dataclasses.dataclass
class FrameTargets:
    """One frame's targets at the network's output resolution (h, w)."""
    objects: torch.Tensor      # (K, h, w) bool: the labelled objects
    weights: torch.Tensor      # (K,) the labeler's confidence in each
    background: torch.Tensor   # (h, w) bool: table
    surroundings: torch.Tensor  # (K, h, w) bool: pixels pushed from each object
    anchors: torch.Tensor      # (K,) flat index of each object's labelled cell nearest
    #                            its action pixel


def foreground_loss(logits: torch.Tensor, targets: FrameTargets, object_losses: torch.Tensor,
                    kept: torch.Tensor) -> torch.Tensor:
    """Balanced binary cross-entropy over one frame's known pixels; logits (h, w), the
    labelled objects' mean per-pixel losses (K,) and whether each is trained on (K,)."""
    sizes = targets.objects.flatten(1).sum(dim=1) * kept
    losses = []
    if sizes.sum() > 0:
        losses.append((object_losses * sizes).sum() / sizes.sum())
    outside = targets.background & ~targets.objects.any(dim=0)
    if outside.any():
        losses.append(F.binary_cross_entropy_with_logits(logits[outside],
                                                         torch.zeros_like(logits[outside])))
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


def object_membership(logits: torch.Tensor, embeddings: torch.Tensor, targets: FrameTargets,
                      params: EmbeddingTrainingParams) -> tuple[torch.Tensor, torch.Tensor]:
    """Each labelled object's predicted mask as logits (K, h, w), and its window (K, h, w):
    the label's box grown by half its side each way; logits outside are `OFF_WINDOW`.

    A pixel is the object's when it is foreground and its embedding lies near the
    object's, as inference clusters them: the membership logit is that of the product
    of the two probabilities. Both are pulled up where the target is 1 (the smaller of
    the two logits alone would leave an untrained network's foreground without any
    pull), and where it is 0 the less certain one takes most of the push: a pixel of a
    neighbouring object, on the foreground but far in embedding, is pushed out mainly
    through its embedding. The foreground itself is trained only inside the noisy label,
    as under cross-entropy: outside it, a pixel not of this object may be another's, and
    a window's many such pixels pulled the whole foreground down (the loop's model found
    no object after 3 steps).

    The embedding term is `EMBEDDING_SLOPE` × (midpoint of the pull and push margins −
    distance to the object's embedding): +2 at the pull margin, −2 at the push margin.
    The object's embedding is taken at the labelled cell nearest the action pixel rather
    than as the mean over the label: the interaction acted on the object there, while a
    wrong label (dilated, merged with a neighbour) drags a mean towards what it wrongly
    holds.
    """
    pixels = embeddings.flatten(1)                                      # (E, h w)
    distances = (pixels.T[None] - pixels.T[targets.anchors][:, None]).norm(dim=2)
    midpoint = (params.pull_margin + params.push_margin) / 2
    slope = EMBEDDING_SLOPE / (params.push_margin - params.pull_margin)
    near = (slope * (midpoint - distances)).view(-1, *logits.shape)
    windows = object_windows(targets.objects)
    foreground = torch.where(targets.objects, logits, logits.detach())
    membership = product_logit(foreground, near)
    return torch.where(windows, membership, OFF_WINDOW), windows


def product_logit(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """logit(sigmoid(a) sigmoid(b)), stable: 1 - p q = sigmoid(-a) + sigmoid(a) sigmoid(-b)."""
    both = F.logsigmoid(a) + F.logsigmoid(b)
    return both - torch.logaddexp(F.logsigmoid(-a), F.logsigmoid(a) + F.logsigmoid(-b))


def object_windows(objects: torch.Tensor) -> torch.Tensor:
    """(K, h, w) bool: each object's box grown by half its side each way, in the frame."""
    windows = torch.zeros_like(objects)
    for window, mask in zip(windows, objects):
        spans = []
        for axis in (1, 0):
            present = mask.any(dim=axis).nonzero()[:, 0]
            first, last = int(present[0]), int(present[-1])
            grow = (last - first + 1) // 2
            spans.append(slice(max(first - grow, 0), last + grow + 1))
        window[spans[0], spans[1]] = True
    return windows


def embedding_loss(embeddings: torch.Tensor, targets: FrameTargets,
                   params: EmbeddingTrainingParams) -> torch.Tensor:
    """The pull and push terms of one frame's labelled objects; embeddings (E, h, w)."""
    pixels = embeddings.flatten(1).T                                   # (h w, E)
    losses, weights = [], []
    for inside, around, weight in zip(targets.objects.flatten(1),
                                      targets.surroundings.flatten(1), targets.weights):
        if not inside.any():     # smaller than an output cell
            continue
        weights.append(weight)
        mean = pixels[inside].mean(dim=0)
        pull = F.relu((pixels[inside] - mean).norm(dim=1) - params.pull_margin).pow(2).mean()
        push = (F.relu(params.push_margin - (pixels[around] - mean).norm(dim=1)).pow(2).mean()
                if around.any() else pull * 0.0)
        losses.append(pull + push)
    if not losses:
        return embeddings.sum() * 0.0
    weights = torch.stack(weights)
    return (torch.stack(losses) * weights).sum() / weights.sum().clamp_min(1e-12)
