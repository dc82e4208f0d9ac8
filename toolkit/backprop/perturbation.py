"""Learning by perturbation: the inefficient alternatives to backpropagation in the notes.

Each method estimates the gradient ∇_θ L of the N parameters θ from loss evaluations
alone, and counts the forward passes (evaluations of the network on the batch) it needs:

    (1) one weight at a time      g_k ≈ (L(θ + ε e_k) − L(θ)) / ε                   1 + N passes
    (2) all weights at once       Δ ∈ {−1, +1}ᴺ at random (SPSA):
                                  g ≈ (L(θ + cΔ) − L(θ − cΔ)) / (2c) · Δ            2 passes per Δ
                                  unbiased up to O(c²) since E[ΔΔᵀ] = I, but very noisy
    (3) perturb activations       a_j⁽ˡ⁾ ← a_j⁽ˡ⁾ + ε for one neuron j (node perturbation):
                                  ∂ℓ_b/∂a_j⁽ˡ⁾ ≈ (ℓ_b(nudged) − ℓ_b) / ε for every sample b,
                                  then δ_j⁽ˡ⁾ = h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾ and ∂L/∂w_ji⁽ˡ⁾ = Σ_b δ_j a_i
                                  1 + Σ_{l=1..L} n_l passes (neurons are fewer than weights)
    (4) backpropagation           exact gradient, 1 forward pass (plus one backward pass
                                  that costs about as much as one or two forward passes)

``race`` gives every method the same budget of forward passes and records the loss
against the passes used, so a page can plot loss against compute.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from toolkit.backprop.numpy_mlp import (
    backprop, error_estimation, forward_propagation, gradients_vector, init_network,
    loss_value, parameters_vector, with_parameters,
)


@dataclasses.dataclass
class Estimate:
    """A gradient estimate (in the order of ``parameters_vector``) and the forward passes it cost."""

    gradient: np.ndarray
    forward_passes: int


class ForwardCounter:
    """Evaluates per-sample losses ℓ_b and counts every forward pass it makes."""

    def __init__(self, x, y):
        self.x, self.y, self.passes = x, y, 0

    def forward(self, net, nudge=None):
        """One counted forward pass: (the ``Forward`` record, per-sample losses (B,))."""
        self.passes += 1
        forward = forward_propagation(net, self.x, nudge)
        return forward, error_estimation(net, forward.a[net.depth], self.y).losses

    def losses(self, net, nudge=None):
        return self.forward(net, nudge)[1]

    def loss(self, net):
        return float(np.mean(self.losses(net)))


def backprop_gradient(net, x, y, rng=None):
    """Eq. 4: the exact gradient from one forward and one backward pass."""
    return Estimate(gradients_vector(*backprop(net, x, y).gradients), forward_passes=1)


def weight_perturbation(net, x, y, rng=None, eps=1e-4):
    """Eq. 1: nudge each of the N parameters in turn by ε."""
    counter = ForwardCounter(x, y)
    theta = parameters_vector(net)
    base = counter.loss(net)
    grad = np.empty_like(theta)
    for k in range(theta.size):
        nudged = theta.copy()
        nudged[k] += eps
        # Eq. 1: forward difference along e_k
        grad[k] = (counter.loss(with_parameters(net, nudged)) - base) / eps
    return Estimate(grad, counter.passes)


def simultaneous_perturbation(net, x, y, rng=None, c=1e-3, directions=1):
    """Eq. 2: nudge all parameters at once along ``directions`` random ±1 vectors Δ."""
    rng = rng if rng is not None else np.random.default_rng(0)
    counter = ForwardCounter(x, y)
    theta = parameters_vector(net)
    grad = np.zeros_like(theta)
    for _ in range(directions):
        delta = rng.choice([-1.0, 1.0], size=theta.size)
        # Eq. 2: the change of L along Δ, credited to every parameter in proportion to Δ_k
        slope = (counter.loss(with_parameters(net, theta + c * delta))
                 - counter.loss(with_parameters(net, theta - c * delta))) / (2.0 * c)
        grad += slope * delta / directions
    return Estimate(grad, counter.passes)


def _activation_sensitivity(counter, net, l, base, eps):
    """Eq. 3: ∂L/∂a_j⁽ˡ⁾ for every neuron j of layer l and every sample, one pass per neuron."""
    dL_da = np.empty((len(base), net.sizes[l]))  # (B, n_l)
    for j in range(net.sizes[l]):
        nudge = np.zeros(net.sizes[l])
        nudge[j] = eps
        # every sample's loss responds to its own a_j, so one pass serves the whole batch
        dL_da[:, j] = (counter.losses(net, {l: nudge}) - base) / eps / len(base)
    return dL_da


def node_perturbation(net, x, y, rng=None, eps=1e-4):
    """Eq. 3: nudge each neuron's activation a_j⁽ˡ⁾ in turn, then assign credit to its weights."""
    counter = ForwardCounter(x, y)
    forward, base = counter.forward(net)
    dL_dW, dL_db = {}, {}
    for l in range(1, net.depth + 1):
        dL_da = _activation_sensitivity(counter, net, l, base, eps)
        delta = net.h(l)[1](forward.z[l]) * dL_da  # Eq. 3: δ_j = h'(z_j) ∂L/∂a_j
        # Eq. 3: ∂L/∂w_ji = Σ_b δ_j a_i, as in backprop once δ is known
        dL_dW[l], dL_db[l] = delta.T @ forward.a[l - 1], delta.sum(axis=0)
    return Estimate(gradients_vector(dL_dW, dL_db), counter.passes)


METHODS = {
    "backprop": backprop_gradient,
    "weight_perturbation": weight_perturbation,
    "simultaneous_perturbation": simultaneous_perturbation,
    "node_perturbation": node_perturbation,
}


def forward_passes_per_update(method, net, directions=1):
    """The forward passes one gradient estimate of ``method`` costs (Eqs. 1-4)."""
    return {
        "backprop": 1,
        "weight_perturbation": 1 + net.num_parameters,
        "simultaneous_perturbation": 2 * directions,
        "node_perturbation": 1 + sum(net.sizes[1:]),
    }[method]


def _check_race(methods, budget_forward_passes, lr):
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"`methods` must name methods among {', '.join(map(repr, METHODS))}; "
                             f"received {method!r}.")
    if (isinstance(budget_forward_passes, bool) or not isinstance(budget_forward_passes, numbers.Integral)
            or not 1 <= budget_forward_passes <= 10_000_000):
        raise ValueError(f"`budget_forward_passes` must be an integer in [1, 10000000], "
                         f"received budget_forward_passes={budget_forward_passes!r}.")
    rates = lr if isinstance(lr, dict) else {method: lr for method in methods}
    for method in methods:
        rate = rates.get(method)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not rate > 0:
            raise ValueError(f"`lr` must be a number > 0 (or a dict of them per method), "
                             f"received lr={rate!r} for {method!r}.")
    return rates


def _as_arrays(data):
    if hasattr(data, "x_train"):
        data = (data.x_train, data.y_train)
    if not (isinstance(data, (tuple, list)) and len(data) == 2 and len(data[0]) == len(data[1])):
        raise ValueError("`data` must be a pair (x, y) of arrays with one row per sample, "
                         "or a toolkit.data.Dataset.")
    x, y = data
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _train(method, net, x, y, budget, lr, rng):
    """Gradient descent θ ← θ − η g with ``method``'s estimates until the budget is spent."""
    used, passes, losses = 0, [0], [loss_value(net, x, y)]
    while used + forward_passes_per_update(method, net) <= budget:
        estimate = METHODS[method](net, x, y, rng)
        used += estimate.forward_passes
        theta = parameters_vector(net) - lr * estimate.gradient
        net = with_parameters(net, theta)
        passes.append(used)
        losses.append(loss_value(net, x, y))  # monitoring only: not counted
    return {"forward_passes": np.array(passes), "loss": np.array(losses), "network": net}


def race(methods, data, budget_forward_passes=2000, lr=0.5, seed=0,
         sizes=(2, 8, 8, 1), activation="tanh", output="sigmoid"):
    """Trains one network per method from the same initial weights and the same budget.

    Args:
        methods: names in ``METHODS``.
        data: (x, y) arrays, or a ``toolkit.data.Dataset`` (its training split is used);
            inputs are used as given (scale Playground's [-6, 6] points first).
        budget_forward_passes: forward passes each method may spend.
        lr: learning rate η, or a dict method -> η.
        seed: seeds the initial weights and the random directions of SPSA.
        sizes, activation, output: the network (see ``init_network``).

    Returns:
        {method: {"forward_passes": (U+1,), "loss": (U+1,), "network": Network}}, where
        entry 0 is the untrained network and U the number of updates the budget allowed.
    """
    rates = _check_race(methods, budget_forward_passes, lr)
    x, y = _as_arrays(data)
    net = init_network(sizes, activation, output, seed=seed)
    return {method: _train(method, net, x, y, budget_forward_passes, rates[method],
                           np.random.default_rng(seed)) for method in methods}
