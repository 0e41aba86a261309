"""The methods for noisy labels (Eitel et al. 2019, Table III) on a tiny synthetic
problem with real optimisation: a per-pixel logistic model learns a rule from samples of
which a known share carry inverted labels; the methods that select samples discard those
more often than the clean ones, bootstrapping pulls targets towards the prediction. The
trainers' use of them: test_training.py, test_dense_training.py."""
import pytest
import torch

from seg_by_interaction.core.training import MASK_LOSSES
from seg_by_interaction.core.training.losses import weighted_mean
from seg_by_interaction.core.training.sample_selection import forget_rate
from seg_by_interaction.core.training.trainer import TrainerParams
from seg_by_interaction.core.validated import ConfigError, from_dict

SIDE = 6


def synthetic_samples(count=60, noisy_share=0.3, seed=0):
    """Two-channel images whose true mask is where channel 0 exceeds channel 1; the first
    `noisy_share` of the samples are labelled with the inverted mask."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(count, 2, SIDE, SIDE, generator=generator)
    truth = images[:, 0] > images[:, 1]
    noisy = torch.arange(count) < round(noisy_share * count)
    labels = torch.where(noisy[:, None, None], ~truth, truth).float()
    return images, labels, noisy


def pixel_models(count, seed=0):
    torch.manual_seed(seed)
    return [torch.nn.Conv2d(2, 1, 1) for _ in range(count)]


def train(method, steps=60, batch=20, models=None):
    """Each network's share of the draws of each sample it kept, which samples are
    noisy, and the models (new ones unless `models` are given)."""
    images, labels, noisy = synthetic_samples()
    models = models or pixel_models(method.networks)
    optimizer = torch.optim.SGD([p for m in models for p in m.parameters()], lr=0.5)
    generator = torch.Generator().manual_seed(1)
    kept_count = torch.zeros(len(models), len(images))
    drawn_count = torch.zeros(len(images))
    for step in range(steps):
        drawn = torch.randperm(len(images), generator=generator)[:batch]
        logits = [model(images[drawn])[:, 0] for model in models]
        losses, kept = method.sample_losses(logits, labels[drawn], step)
        optimizer.zero_grad()
        sum(weighted_mean(l, k.float()) for l, k in zip(losses, kept)).backward()
        optimizer.step()
        kept_count[:, drawn] += kept.float()
        drawn_count[drawn] += 1
    return kept_count / drawn_count.clamp_min(1), noisy, models


@pytest.mark.parametrize("name", ["small_loss", "co_teaching"])
def test_small_loss_selection_discards_the_wrong_labels_more_often(name):
    method = MASK_LOSSES.make(name, {"forget_rate": 0.3, "ramp_steps": 10})
    kept, noisy, _ = train(method)
    for network_kept in kept:
        assert network_kept[noisy].mean() < 0.5 * network_kept[~noisy].mean(), network_kept
        assert network_kept[~noisy].mean() > 0.85


def test_co_teaching_trains_each_network_on_the_samples_its_peer_chose():
    method = MASK_LOSSES.make("co_teaching", {"forget_rate": 0.5, "ramp_steps": 0})
    losses = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
    kept = method.keep(losses, step=0)
    assert kept.tolist() == [[False, False, True, True], [True, True, False, False]]
    with pytest.raises(ValueError, match="two networks"):
        method.keep(losses[:1], step=0)


def test_the_forget_rate_ramps_up_linearly_to_its_final_value():
    params = MASK_LOSSES.make("small_loss", {"forget_rate": 0.2, "ramp_steps": 100}).params
    assert [forget_rate(params, step) for step in (0, 50, 100, 400)] == \
        pytest.approx([0.0, 0.1, 0.2, 0.2])


def test_self_paced_learning_leaves_out_high_loss_samples_early_and_takes_them_later():
    """From a model that has begun to learn (as a pretrained one has): a random one may
    find the wrong labels the easy ones, and self-paced learning then follows them."""
    _, _, begun = train(MASK_LOSSES.make("ce"), steps=5)
    method = MASK_LOSSES.make("self_paced", {"start_quantile": 0.65, "growth": 2.0,
                                             "growth_every_steps": 40})
    kept, noisy, _ = train(method, steps=40, models=begun)
    assert kept[0, noisy].mean() < 0.3 < 0.8 < kept[0, ~noisy].mean()
    assert method.growth(39) == 1.0 and method.growth(80) == 4.0
    losses = torch.tensor([[0.3, 1.0, 2.0, 5.0, 9.0]])     # the 0.65 quantile: 3.8
    assert method.keep(losses, 0).tolist() == [[True, True, True, False, False]]
    assert method.keep(losses, 40).tolist() == [[True, True, True, True, False]]
    assert method.keep(losses, 80).tolist() == [[True, True, True, True, True]]
    assert method.keep(torch.zeros(1, 0), 0).shape == (1, 0)


def test_hard_bootstrapping_moves_the_target_towards_the_prediction():
    method = MASK_LOSSES.make("hard_bootstrap")
    labels = torch.tensor([[[1.0, 1.0, 0.0, 0.0]]])
    logits = torch.tensor([[[3.0, -3.0, 3.0, -0.1]]])
    assert method.targets(logits, labels, 0).flatten().tolist() == pytest.approx([1.0, 0.8, 0.2, 0.0])
    assert MASK_LOSSES.make("hard_bootstrap", {"beta": 1.0}).targets(logits, labels, 0).equal(labels)


def test_the_bootstrapping_heuristic_waits_and_then_uses_only_confident_decisions():
    method = MASK_LOSSES.make("bootstrap_heuristic", {"warmup_steps": 10, "confidence": 0.9})
    labels = torch.tensor([[[1.0, 1.0, 0.0]]])
    logits = torch.tensor([[[-3.0, -1.0, 3.0]]])   # p = 0.05, 0.27, 0.95
    assert method.targets(logits, labels, 9).equal(labels)
    assert method.targets(logits, labels, 10).flatten().tolist() == pytest.approx([0.8, 1.0, 0.2])


def test_bootstrapping_keeps_a_trained_model_closer_to_its_rule_than_cross_entropy():
    """After the same training on the partly inverted labels, the bootstrapped model's
    probabilities on the true mask stay further from the wrong labels' pull."""
    confidence = {}
    for name in ("ce", "hard_bootstrap"):
        _, _, (model,) = train(MASK_LOSSES.make(name), steps=80)
        images, _, _ = synthetic_samples(seed=5)
        truth = (images[:, 0] > images[:, 1]).float()
        probabilities = torch.sigmoid(model(images)[:, 0]).detach()
        confidence[name] = (probabilities * truth + (1 - probabilities) * (1 - truth)).mean()
    assert confidence["hard_bootstrap"] > confidence["ce"] + 0.02, confidence


def test_methods_are_configured_by_name_with_validated_parameters():
    params = from_dict(TrainerParams, {"mask_loss": "co_teaching",
                                       "co_teaching": {"forget_rate": 0.3}})
    assert params.co_teaching.forget_rate == 0.3 and params.co_teaching.ramp_steps == 200
    assert params.hard_bootstrap.beta == 0.8 and params.self_paced.growth == 1.3
    with pytest.raises(ConfigError, match="forget_rate: 1.5 is above the maximum"):
        from_dict(TrainerParams, {"mask_loss": "small_loss", "small_loss": {"forget_rate": 1.5}})

