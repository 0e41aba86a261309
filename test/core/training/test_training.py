"""The trainer: it learns from a bank of squares on texture, is deterministic for a seed,
resumes exactly from its state, and refuses to start before the bank is ready."""
import copy

import cv2
import numpy as np
import pytest
import torch

from seg_by_interaction.core.model.network import DeepMask, resnet18_trunk
from seg_by_interaction.core.model.spec import ModelSpec
from seg_by_interaction.core.training.losses import (CrossEntropyMaskLoss, RobustSetLoss,
                                                     RobustSetLossParams)
from seg_by_interaction.core.training.memory_bank import Example, MemoryBank
from seg_by_interaction.core.training.online import make_trainer
from seg_by_interaction.core.training.trainer import Trainer, TrainerParams
from seg_by_interaction.core.validated import ConfigError, from_dict

SPEC = ModelSpec(architecture="resnet18_deepmask", window_px=32, mask_size=16)  # small windows keep the tests quick
PARAMS = TrainerParams(batch_size=16, min_positives=4)


def textured_frame(rng):
    noise = rng.normal(0.0, 1.0, (30, 40, 3)).astype(np.float32)
    smooth = cv2.resize(noise, (320, 240), interpolation=cv2.INTER_CUBIC)
    return np.clip(110 + 40 * smooth, 0, 255).astype(np.uint8)


def square_example(index, rng, positive=True, confidence=1.0):
    image = textured_frame(rng)
    mask = np.zeros((240, 320), bool)
    side = int(rng.integers(14, 40))
    u, v = (int(c) for c in rng.integers(40, 200, 2))
    if positive:
        mask[v:v + side, u:u + side] = True
        image[mask] = rng.integers(0, 256, 3)
    return Example(example_id=f"{'p' if positive else 'n'}{index}", image=image, mask=mask,
                   positive=positive, action_px=(u + side / 2, v + side / 2),
                   confidence=confidence, created_seq=index)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    rng = np.random.default_rng(0)
    squares = MemoryBank(tmp_path_factory.mktemp("bank"))
    for i in range(24):
        squares.add(square_example(i, rng))
    for i in range(8):
        squares.add(square_example(i, rng, positive=False))
    return squares


def network(seed=0):
    torch.manual_seed(seed)
    return DeepMask(SPEC, *resnet18_trunk())


def test_the_loss_decreases_on_squares_on_texture(bank):
    trainer = Trainer(network(), PARAMS, bank, seed=0)
    losses = [trainer.step()["loss"] for _ in range(30)]
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5]), losses   # scale negatives are hard
    assert trainer.steps == 30 and trainer.examples_per_second > 0


def test_a_batch_mixes_positives_hard_negatives_and_failed_interactions(bank, tmp_path):
    evaluated = network().eval()
    report = Trainer(evaluated, PARAMS, bank).step()
    assert not evaluated.training, "the network's mode is left as it was"
    assert (report["positives"], report["hard_negatives"], report["failed_negatives"]) == (8, 4, 4)
    assert report["loss"] == pytest.approx(report["score_loss"] + report["mask_loss"])
    positives_only = MemoryBank(tmp_path)
    rng = np.random.default_rng(1)
    for i in range(4):
        positives_only.add(square_example(i, rng))
    report = Trainer(network(), PARAMS, positives_only).step()
    assert (report["positives"], report["hard_negatives"], report["failed_negatives"]) == (8, 8, 0)


def test_unconfident_labels_carry_no_mask_loss(tmp_path):
    doubted = MemoryBank(tmp_path)
    rng = np.random.default_rng(2)
    for i in range(4):
        doubted.add(square_example(i, rng, confidence=0.0))
    assert Trainer(network(), PARAMS, doubted).step()["mask_loss"] == 0.0
    unweighted = TrainerParams(batch_size=16, min_positives=4, weight_by_confidence=False)
    assert Trainer(network(), unweighted, doubted).step()["mask_loss"] > 0.1


def test_the_same_seed_trains_the_same_weights(bank):
    def trained(seed):
        trainer = Trainer(network(), PARAMS, bank, seed=seed)
        losses = [trainer.step()["loss"] for _ in range(3)]
        return losses, torch.cat([p.detach().flatten() for p in trainer.network.parameters()])

    losses, weights = trained(seed=5)
    again_losses, again_weights = trained(seed=5)
    assert losses == again_losses and torch.equal(weights, again_weights)
    assert trained(seed=6)[0] != losses


def test_a_resumed_trainer_continues_exactly(bank):
    trainer = Trainer(network(), PARAMS, bank, seed=3)
    for _ in range(2):
        trainer.step()
    saved_network = copy.deepcopy(trainer.network.state_dict())
    saved_trainer = copy.deepcopy(trainer.state_dict())
    continued = [trainer.step()["loss"] for _ in range(2)]

    resumed_network = network(seed=99)
    resumed_network.load_state_dict(saved_network)
    resumed = Trainer(resumed_network, PARAMS, bank, seed=99)
    resumed.load_state_dict(saved_trainer)
    assert [resumed.step()["loss"] for _ in range(2)] == continued
    assert resumed.steps == trainer.steps == 4
    for mine, theirs in zip(resumed.network.parameters(), trainer.network.parameters()):
        assert torch.equal(mine, theirs)


def test_training_waits_for_enough_positives(tmp_path):
    few = MemoryBank(tmp_path)
    rng = np.random.default_rng(4)
    for i in range(3):
        few.add(square_example(i, rng))
    trainer = Trainer(network(), PARAMS, few)
    assert not trainer.ready()
    with pytest.raises(RuntimeError, match="holds 3 positive examples, min_positives is 4"):
        trainer.step()
    few.add(square_example(3, rng))
    assert trainer.ready()


def test_parameters_are_validated():
    params = from_dict(TrainerParams, {"mask_loss": "ce", "batch_size": 8})
    assert params.mask_loss == "ce" and params.rsl.iou_threshold == 0.75
    with pytest.raises(ConfigError, match="'dice' is not one of"):
        from_dict(TrainerParams, {"mask_loss": "dice"})
    with pytest.raises(ConfigError, match="rsl.iou_threshold: 0.0 is below the minimum"):
        from_dict(TrainerParams, {"rsl": {"iou_threshold": 0.0}})


def test_the_chosen_mask_loss_is_made_from_its_section(bank):
    params = from_dict(TrainerParams, {"rsl": {"iou_threshold": 0.6}})
    assert Trainer(network(), params, bank).mask_loss == RobustSetLoss(
        RobustSetLossParams(iou_threshold=0.6))
    ce = from_dict(TrainerParams, {"mask_loss": "ce"})
    assert isinstance(Trainer(network(), ce, bank).mask_loss, CrossEntropyMaskLoss)


@pytest.mark.parametrize("name", ["hard_bootstrap", "bootstrap_heuristic", "self_paced",
                                  "small_loss", "co_teaching"])
def test_the_trainer_trains_with_each_method_for_noisy_labels(name, bank):
    params = from_dict(TrainerParams, {"mask_loss": name, "batch_size": 16, "min_positives": 4,
                                       "small_loss": {"ramp_steps": 0},
                                       "co_teaching": {"ramp_steps": 0, "forget_rate": 0.5}})
    trainer = make_trainer(network(), params, bank, seed=0, pretrained=False)
    before = [p.detach().clone() for p in trainer.networks[-1].parameters()]
    figures = [trainer.step() for _ in range(2)][-1]
    assert np.isfinite(figures["loss"]) and 0.0 <= figures["kept_share"] <= 1.0
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.networks[-1].parameters()))
    assert (figures["kept_share"] < 1.0) == (name in ("self_paced", "small_loss", "co_teaching"))
    assert len(trainer.networks) == (2 if name == "co_teaching" else 1)
    assert ("peer" in trainer.state_dict()) == (name == "co_teaching")


def test_co_teaching_needs_its_peer_network(bank):
    params = from_dict(TrainerParams, {"mask_loss": "co_teaching"})
    with pytest.raises(ConfigError, match="'co_teaching' trains 2 network\\(s\\), the trainer "
                                          "was given 1"):
        Trainer(network(), params, bank)


def test_label_noise_corrupts_the_drawn_labels_not_the_stored_ones(bank):
    params = from_dict(TrainerParams, {"label_noise": {"rate": 1.0, "kinds": ["dilate"]}})
    drawn = Trainer(network(), params, bank, seed=0).draw(6, 0)
    for example in drawn:
        stored = bank.same_frame(example)[0]
        assert (example.mask >= stored.mask).all() and example.mask.sum() > stored.mask.sum()
    clean = Trainer(network(), PARAMS, bank, seed=0).draw(6, 0)
    assert [e.example_id for e in clean] == [e.example_id for e in drawn]
    assert all(np.array_equal(e.mask, bank.same_frame(e)[0].mask) for e in clean)
