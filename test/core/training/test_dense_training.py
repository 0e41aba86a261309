"""Training the dense network: the losses reward separating touching objects, every
labelled object of a frame is trained on together, and a few dozen steps on frames with
one labelled object each teach the network to split two touching boxes of one colour
that only the height tells apart."""
import dataclasses

import numpy as np
import pytest
import torch

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.model.build import build_network
from seg_by_interaction.core.model.segmenter import SegmenterParams, make_segmenter
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.training.dense_trainer import frame_targets
from seg_by_interaction.core.training.embedding_loss import (EmbeddingTrainingParams,
                                                             FrameTargets, embedding_loss,
                                                             foreground_loss, object_membership)
from seg_by_interaction.core.training.losses import RobustSetLoss, sample_cross_entropy
from seg_by_interaction.core.training.memory_bank import Example, MemoryBank
from seg_by_interaction.core.training.online import make_trainer
from seg_by_interaction.core.training.trainer import TrainerParams
from seg_by_interaction.core.validated import from_dict

PARAMS = EmbeddingTrainingParams(ring_px=4)
CENTRES = np.array([[22.0, 30.0], [42.0, 30.0]])   # (u, v) of the two boxes' centres


def boxes(height=64, width=64):
    """Two boxes of one colour side by side, 2 and 4 cm tall, on a table 1 m away."""
    masks = np.zeros((2, height, width), bool)
    masks[0, 20:40, 12:32] = True
    masks[1, 20:40, 32:52] = True
    depth = np.full((height, width), 1.0, np.float32)
    depth[masks[0]], depth[masks[1]] = 0.98, 0.96
    rgb = np.full((height, width, 3), 90, np.uint8)
    rgb[masks.any(axis=0)] = (200, 40, 40)
    return rgb, depth, masks


def test_targets_know_the_table_and_push_each_object_from_its_neighbour():
    _, depth, masks = boxes()
    targets = frame_targets(masks[:1], depth > 0.999, [0.5], np.array([[22.0, 30.0]]), PARAMS)
    assert targets.objects.shape == (1, 16, 16) and targets.objects[0].sum() == 25
    assert targets.background[0, 0] and not targets.background[targets.objects[0]].any()
    around = targets.surroundings[0]
    assert around[5:10, 8:9].all(), "the unlabelled neighbour next to it is pushed away"
    assert not (around & targets.background).any() and not (around & targets.objects[0]).any()
    assert targets.anchors.tolist() == [7 * 16 + 5], "the cell under the action pixel"
    beside = frame_targets(masks[:1], depth > 0.999, [0.5], np.array([[60.0, 30.0]]), PARAMS)
    assert beside.anchors.tolist() == [7 * 16 + 7], "the labelled cell nearest the action"


def test_the_losses_reward_telling_the_objects_apart():
    _, depth, masks = boxes()
    targets = frame_targets(masks, depth > 0.999, [1.0, 1.0], CENTRES, PARAMS)
    right = targets.objects[1].float()
    apart = torch.stack([right * 3.0, torch.zeros(16, 16)])
    together = torch.zeros(2, 16, 16)
    assert embedding_loss(apart, targets, PARAMS) < 1e-6 < embedding_loss(together, targets, PARAMS)
    confident = torch.where(targets.objects.any(dim=0), 10.0, -10.0)
    assert plain_foreground(confident, targets) < 1e-3 < plain_foreground(-confident, targets)


def plain_foreground(logits, targets):
    """The foreground loss with every object trained on against its own mask."""
    objects = len(targets.objects)
    losses = sample_cross_entropy(logits.expand(objects, -1, -1), targets.objects,
                                  targets.objects)
    return foreground_loss(logits, targets, losses, torch.ones(objects, dtype=torch.bool))


def one_label_per_frame(frames=6):
    """Frames of the two boxes, each labelled with one of them, as interactions give."""
    rgb, depth, masks = boxes()
    return [Example(example_id=f"e{index}", image=rgb, depth=depth, mask=masks[index % 2],
                    positive=True, action_px=(0.0, 0.0), record_id=f"r{index}", frame="before")
            for index in range(frames)]


def test_a_frame_is_trained_with_all_its_labelled_objects():
    examples = one_label_per_frame(2)
    second = Example(example_id="e0b", image=examples[0].image, depth=examples[0].depth,
                     mask=examples[1].mask, positive=True, action_px=(0.0, 0.0),
                     record_id="r0", frame="before")
    bank = MemoryBank.in_memory([examples[0], second])
    assert [e.example_id for e in bank.same_frame(examples[0])] == ["e0", "e0b"]
    trainer = make_trainer(build_network(ModelSpec()), TrainerParams(min_positives=1), bank)
    figures = trainer.step()
    assert figures["frames"] == 4 and figures["objects"] == 8 and trainer.examples_per_step == 4


def test_each_frame_s_table_is_fitted_once_however_often_it_is_drawn(monkeypatch):
    from seg_by_interaction.core.training import dense_trainer
    fitted = []
    monkeypatch.setattr(dense_trainer, "frame_height",
                        lambda rgb, depth: fitted.append(1) or np.zeros(rgb.shape[:2], np.float32))
    bank = MemoryBank.in_memory(one_label_per_frame(2))
    trainer = make_trainer(build_network(ModelSpec()), TrainerParams(min_positives=1), bank)
    for _ in range(3):
        trainer.step()
    assert len(fitted) == 2


def test_colour_jitter_recolours_each_frame_and_keeps_what_is_where():
    rgb, _, masks = boxes()
    rgb[masks[0]] = (200, 40, 40)
    bank = MemoryBank.in_memory(one_label_per_frame(2))
    params = TrainerParams(min_positives=1)
    jittered = make_trainer(build_network(ModelSpec()), params, bank)
    recoloured = [jittered._recoloured(rgb) for _ in range(5)]
    assert all(r.shape == rgb.shape and r.dtype == np.uint8 for r in recoloured)
    assert len({tuple(r[masks[0]][0]) for r in recoloured}) == 5
    assert all((r[masks[0]] == r[masks[0]][0]).all() and (r[masks[1]] == r[masks[1]][0]).all()
               for r in recoloured)
    plain = make_trainer(build_network(ModelSpec()), dataclasses.replace(
        params, embedding=EmbeddingTrainingParams(colour_jitter=0.0)), bank)
    assert plain._recoloured(rgb) is rgb


def test_a_few_steps_on_one_object_per_frame_split_touching_boxes_of_one_colour():
    torch.manual_seed(0)
    network = build_network(ModelSpec(), pretrained=True)
    params = TrainerParams(min_positives=1, learning_rate=0.01,
                           embedding=EmbeddingTrainingParams(ring_px=6, crop_px=0, colour_jitter=0.0))
    trainer = make_trainer(network, params, MemoryBank.in_memory(one_label_per_frame()), seed=0)
    for _ in range(60):
        trainer.step()
    rgb, depth, masks = boxes()
    proposals = make_segmenter(network, SegmenterParams()).segment(RGBDView(rgb, depth))
    found = [max(_iou(p.mask, mask) for p in proposals) for mask in masks]
    assert min(found) > 0.7, found


def _iou(a, b):
    return np.count_nonzero(a & b) / np.count_nonzero(a | b)


def test_the_dense_trainer_co_teaches_per_labelled_object():
    bank = MemoryBank.in_memory(one_label_per_frame())
    params = from_dict(TrainerParams, {"mask_loss": "co_teaching", "min_positives": 1,
                                       "co_teaching": {"ramp_steps": 0, "forget_rate": 0.5}})
    torch.manual_seed(0)
    trainer = make_trainer(build_network(ModelSpec()), params, bank, seed=0, pretrained=False)
    figures = trainer.step()
    assert figures["objects"] == 4 and figures["kept_share"] == 0.5
    resumed = make_trainer(build_network(ModelSpec()), params, bank, seed=0, pretrained=False)
    resumed.load_state_dict(trainer.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(resumed.networks[1].state_dict().values(),
                                                 trainer.networks[1].state_dict().values()))


def test_objects_without_a_cell_at_the_output_resolution_are_no_samples():
    _, depth, masks = boxes()
    speck = np.zeros_like(masks[0])
    speck[50, 50] = True
    targets = frame_targets(np.stack([masks[0], speck]), depth > 0.999, [1.0, 0.5],
                            np.array([[22.0, 30.0], [50.0, 50.0]]), PARAMS)
    assert targets.objects.shape == (1, 16, 16) and targets.weights.tolist() == [1.0]
    assert len(targets.surroundings) == 1


# Pathak's robust set loss on the dense network: each labelled object's predicted mask
# (foreground and nearness to the embedding at its action cell) in a window, on 12x12
# cells whose true object is the 4x4 square in the middle.
TRUTH = torch.zeros(12, 12, dtype=torch.bool)
TRUTH[4:8, 4:8] = True


def predicted_truth(far=1.5):
    """Foreground logits +3 on the true object and below -3 elsewhere (all different, so
    no two cells tie), embeddings 0 on it and `far` away elsewhere; both leaves."""
    logits = torch.where(TRUTH, 3.0, -3.0 - 0.01 * torch.arange(144.0).view(12, 12))
    embeddings = torch.zeros(2, 12, 12)
    embeddings[0][~TRUTH] = far
    return logits.requires_grad_(), embeddings.requires_grad_()


def labelled(label):
    return FrameTargets(objects=label[None], weights=torch.ones(1),
                        background=torch.zeros(12, 12, dtype=torch.bool),
                        surroundings=torch.zeros(1, 12, 12, dtype=torch.bool),
                        anchors=torch.tensor([5 * 12 + 5]))


def robust_set_step(logits, embeddings, targets):
    """The object's robust set target, membership logits, their gradient and window."""
    membership, window = object_membership(logits, embeddings, targets, PARAMS)
    membership.retain_grad()
    loss = RobustSetLoss()
    loss.sample_losses([membership], targets.objects, 0, pixels=window)[0].sum().backward()
    target = loss.targets(membership, targets.objects, 0)[0].bool()
    return target, membership.detach()[0], membership.grad[0], window[0]


def test_the_robust_target_of_a_dilated_label_stays_nearer_the_object_than_the_label():
    label = torch.zeros(12, 12, dtype=torch.bool)
    label[3:9, 3:9] = True                     # the object dilated by a cell: IoU 16/36
    ring = label & ~TRUTH
    logits, embeddings = predicted_truth()
    plain_foreground(logits, labelled(label)).backward()
    assert (logits.grad[ring] < 0).all(), "cross-entropy pulls all 20 ring cells in"

    logits, embeddings = predicted_truth()
    target, _, pull, _ = robust_set_step(logits, embeddings, labelled(label))
    assert (TRUTH <= target).all() and (target <= label).all()
    assert target.sum() == 27, "just enough ring cells for IoU 0.75 with the label"
    assert _iou(target.numpy(), TRUTH.numpy()) == 16 / 27 > _iou(label.numpy(), TRUTH.numpy())
    assert (pull[ring] < 0).sum() == 11 and (pull[ring] > 0).sum() == 9
    assert (logits.grad[ring & ~target] > 0).all(), "the rest of the ring is pushed out"


def test_a_prediction_within_the_iou_of_the_label_is_its_own_target():
    label = TRUTH.clone()
    label[4:8, 8] = True                       # IoU 16/20 = 0.8 >= 0.75
    logits, embeddings = predicted_truth()
    target, membership, pull, window = robust_set_step(logits, embeddings, labelled(label))
    assert torch.equal(target, TRUTH)
    assert torch.equal(pull[window] < 0, membership[window] > 0), "only sharpened"


def test_a_neighbour_in_the_window_is_pushed_out_through_its_embedding_alone():
    logits, embeddings = predicted_truth(far=3.0)
    neighbour = torch.zeros(12, 12, dtype=torch.bool)
    neighbour[4:8, 8:10] = True
    with torch.no_grad():
        logits[neighbour] = 3.0                # on the foreground, far in embedding
    robust_set_step(logits, embeddings, labelled(TRUTH))
    assert (embeddings.grad[0][neighbour] < 0).all(), "moved further from the object's"
    assert (logits.grad[neighbour] == 0).all(), "outside the label: not the foreground"


def test_an_untrained_network_gets_its_foreground_pulled_up_on_the_target():
    """Foreground undecided (logit 0) and embeddings not yet near the object's: the
    foreground is pulled up wherever the robust target is on, not left to the table
    term alone to pull down."""
    logits = torch.zeros(12, 12, requires_grad=True)
    embeddings = torch.zeros(2, 12, 12)
    embeddings[0] = 1.5                        # at the push margin from the anchor
    embeddings[0, 5, 5] = 0.0
    embeddings.requires_grad_()
    target, *_ = robust_set_step(logits, embeddings, labelled(TRUTH))
    assert target.sum() >= 12 and (logits.grad[target] < 0).all()


def test_the_robust_set_loss_trains_the_dense_network_otherwise_than_cross_entropy():
    figures = {}
    for name in ("ce", "rsl"):
        params = from_dict(TrainerParams, {"mask_loss": name, "min_positives": 1})
        torch.manual_seed(0)
        trainer = make_trainer(build_network(ModelSpec()), params,
                               MemoryBank.in_memory(one_label_per_frame()), seed=0,
                               pretrained=False)
        figures[name] = trainer.step()
    assert figures["rsl"]["objects"] == figures["ce"]["objects"] == 4
    assert figures["rsl"]["embedding_loss"] == pytest.approx(figures["ce"]["embedding_loss"])
    assert figures["rsl"]["foreground_loss"] != pytest.approx(figures["ce"]["foreground_loss"])


def test_the_table_term_is_the_inference_rule_and_no_plane_means_no_table(monkeypatch):
    from seg_by_interaction.core.training import dense_trainer
    example = one_label_per_frame(1)[0]
    trainer = make_trainer(build_network(ModelSpec()), TrainerParams(min_positives=1),
                           MemoryBank.in_memory([example]))
    _, targets = trainer._frame(example)
    assert targets.background.any() and not targets.background[targets.objects[0]].any()
    monkeypatch.setattr(dense_trainer, "frame_height",
                        lambda rgb, depth: np.zeros(rgb.shape[:2], np.float32))
    trainer._heights.clear()
    _, targets = trainer._frame(example)
    assert not targets.background.any(), "a frame without a table teaches no background"
