"""Perturbation methods: their estimates point along the gradient, their costs, the race."""

import numpy as np
import pytest

from toolkit.backprop import (
    METHODS, backprop_gradient, forward_passes_per_update, init_network, node_perturbation,
    race, simultaneous_perturbation, weight_perturbation,
)
from toolkit.data import toy2d


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def setting(batch):
    x, y = batch
    net = init_network((2, 3, 2, 1), seed=0)
    return net, x, y, backprop_gradient(net, x, y).gradient


@pytest.mark.parametrize("method", [weight_perturbation, node_perturbation])
def test_deterministic_estimates_point_along_the_gradient(setting, method):
    net, x, y, gradient = setting
    estimate = method(net, x, y)
    assert _cosine(estimate.gradient, gradient) > 0.9
    np.testing.assert_allclose(estimate.gradient, gradient, rtol=1e-2, atol=1e-4)  # ε = 1e-4


def test_simultaneous_perturbation_is_right_on_average(setting):
    net, x, y, gradient = setting
    rng = np.random.default_rng(0)
    single = [_cosine(simultaneous_perturbation(net, x, y, rng).gradient, gradient) for _ in range(200)]
    assert np.mean(single) > 0  # one random direction: positive on average, noisy
    averaged = simultaneous_perturbation(net, x, y, rng, directions=2000).gradient
    assert _cosine(averaged, gradient) > 0.9  # E[ΔΔᵀ] = I: the mean is the gradient


def test_forward_passes_are_exactly_what_each_method_implies(setting):
    net, x, y, _ = setting
    n_params, n_neurons = 9 + 8 + 3, 3 + 2 + 1
    expected = {"backprop": 1, "weight_perturbation": 1 + n_params,
                "simultaneous_perturbation": 2, "node_perturbation": 1 + n_neurons}
    for name, method in METHODS.items():
        estimate = method(net, x, y, np.random.default_rng(0))
        assert estimate.forward_passes == expected[name] == forward_passes_per_update(name, net)
    assert simultaneous_perturbation(net, x, y, directions=5).forward_passes == 10


def test_backprop_wins_the_race_for_the_same_forward_passes():
    data = toy2d("xor", n=200, seed=0)
    budget = 800
    results = race(list(METHODS), (data.x_train / 6, data.y_train), budget_forward_passes=budget,
                   lr=0.3, seed=0)
    net = init_network((2, 8, 8, 1), seed=0)
    for name, result in results.items():
        passes, losses = result["forward_passes"], result["loss"]
        cost = forward_passes_per_update(name, net)
        assert passes[0] == 0 and passes[-1] <= budget and len(passes) == 1 + budget // cost
        assert np.all(np.diff(passes) == cost) and len(losses) == len(passes)
        assert losses[0] == results["backprop"]["loss"][0]  # the same initial weights
    best_other = min(results[name]["loss"][-1] for name in METHODS if name != "backprop")
    assert results["backprop"]["loss"][-1] < best_other


def test_invalid_race_arguments_raise_clear_errors():
    data = (np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"`methods` must name methods among 'backprop'.*received 'genetic'"):
        race(["genetic"], data)
    with pytest.raises(ValueError, match=r"`budget_forward_passes` must be an integer in \[1, 10000000\], "
                                         r"received budget_forward_passes=0"):
        race(["backprop"], data, budget_forward_passes=0)
    with pytest.raises(ValueError, match=r"`lr` must be a number > 0"):
        race(["backprop"], data, lr=-1)
    with pytest.raises(ValueError, match=r"`data` must be a pair \(x, y\)"):
        race(["backprop"], np.zeros((4, 2)))
