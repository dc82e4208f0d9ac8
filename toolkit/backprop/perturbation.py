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

``race`` gives every method the same budget B of forward passes and records the loss
against the passes used, so a page can plot loss against compute. Which method learns with
less compute is measured by the loss it holds on average while it spends the budget,

    (5) L̄ = (1/B) Σ_{p=0..B−1} L(θ after the updates paid for within p passes),

the area under the loss-against-passes curve divided by B. The final loss alone is a poor
judge: near the end both backprop and SPSA are near zero and SPSA's random steps make its
last value swing up and down by several times from one seed (or one rounding) to the next.
On XOR with a 2-8-8-1 tanh network and η = 0.3, 3000 forward passes give backprop a mean
loss below 0.8 times the best perturbation method's for every seed we tried
(tests/backprop/test_perturbation.py checks seeds 0, 1, 2).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from toolkit import validation
from toolkit.backprop.numpy_mlp import (
    backprop, error_estimation, forward_propagation, gradients_vector, init_network,
    loss_value, parameters_vector, with_parameters,
)
from toolkit.config import Config, setting


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
    methods = validation.check_choices("methods", methods, METHODS, min_count=1)
    validation.check_int("budget_forward_passes", budget_forward_passes, 1, 10_000_000)
    rates = lr if isinstance(lr, dict) else {method: lr for method in methods}
    for method in methods:
        validation.check_float("lr", rates.get(method), 0.0, None, open_low=True,
                               hint=f"(for {method!r}; a number or a dict of them per method)")
    return methods, rates


def _as_arrays(data):
    if hasattr(data, "x_train"):
        data = (data.x_train, data.y_train)
    if not (isinstance(data, (tuple, list)) and len(data) == 2 and len(data[0]) == len(data[1])):
        raise ValueError("`data` must be a pair (x, y) of arrays with one row per sample, "
                         "or a toolkit.data.Dataset.")
    x, y = data
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _start(method, net, budget, lr, callbacks):
    """The ``toolkit.train.Run`` of one method: an "epoch" is one update θ ← θ − η g."""
    from toolkit.train.run import Run  # imported here: toolkit.train pulls in TensorFlow

    cost = forward_passes_per_update(method, net)
    run = Run(name=method, model=None, epochs=budget // cost, status="running",
              config={"method": method, "lr": lr, "budget_forward_passes": budget,
                      "forward_passes_per_update": cost, "sizes": list(net.sizes)})
    for cb in callbacks:
        cb.on_start(run)
    return run


def _record(run, passes, losses, started):
    """The run's history: loss and forward passes spent after each update (entry 0 excluded)."""
    run.history = {"loss": np.array(losses[1:], np.float32),
                   "forward_passes": np.array(passes[1:], np.float32)}
    run.wall_time = time.perf_counter() - started


def _train(method, net, x, y, budget, lr, rng, callbacks, should_stop):
    """Gradient descent θ ← θ − η g with ``method``'s estimates until the budget is spent.

    Reports through the trainer's protocol: ``on_start``, ``on_progress`` about every 1% of
    the updates, ``on_end``; ``should_stop`` is checked before every update.
    """
    run, started = _start(method, net, budget, lr, callbacks), time.perf_counter()
    passes, losses = [0], [loss_value(net, x, y)]
    report_every = max(1, run.epochs // 100)
    while run.epochs_done < run.epochs:
        if should_stop():
            run.status, run.message = "stopped", f"Stopped after update {run.epochs_done}."
            break
        estimate = METHODS[method](net, x, y, rng)
        stepped = with_parameters(net, parameters_vector(net) - lr * estimate.gradient)
        loss = loss_value(stepped, x, y)  # monitoring only: not counted
        if not np.isfinite(loss):
            run.status = "diverged"
            run.message = (f"The loss became NaN or infinite at update {run.epochs_done + 1}; the network "
                           f"after update {run.epochs_done} is kept. Try a smaller learning rate.")
            break
        net = stepped
        passes.append(passes[-1] + estimate.forward_passes)
        losses.append(loss)
        run.epochs_done += 1
        if run.epochs_done % report_every == 0:
            _record(run, passes, losses, started)
            for cb in callbacks:
                cb.on_progress(run)
    if run.status == "running":
        run.status = "completed"
        run.message = f"{run.epochs_done} updates in {passes[-1]} forward passes."
    _record(run, passes, losses, started)
    for cb in callbacks:
        cb.on_end(run)
    return {"forward_passes": np.array(passes), "loss": np.array(losses), "network": net, "run": run}


def race(methods, data, budget_forward_passes=3000, lr=0.3, seed=0,
         sizes=(2, 8, 8, 1), activation="tanh", output="sigmoid", *, callbacks=(), stop=None):
    """Trains one network per method from the same initial weights and the same budget.

    Args:
        methods: names in ``METHODS``.
        data: (x, y) arrays, or a ``toolkit.data.Dataset`` (its training split is used);
            inputs are used as given (scale Playground's [-6, 6] points first).
        budget_forward_passes: forward passes each method may spend.
        lr: learning rate η, or a dict method -> η.
        seed: seeds the initial weights and the random directions of SPSA.
        sizes, activation, output: the network (see ``init_network``).
        callbacks: ``toolkit.train.Callback`` objects (or callables): each method is one
            ``Run`` named after it, whose epochs are its updates and whose history holds
            "loss" and "forward_passes" after each update.
        stop: a ``threading.Event`` or callable; when set, the current method stops
            before its next update and the later methods do not start.

    Returns:
        {method: {"forward_passes": (U+1,), "loss": (U+1,), "network": Network, "run": Run}},
        where entry 0 is the untrained network and U the number of updates done.
    """
    from toolkit.train.callbacks import as_callbacks, as_stop_predicate

    methods, rates = _check_race(methods, budget_forward_passes, lr)
    x, y = _as_arrays(data)
    net = init_network(sizes, activation, output, seed=seed)
    callbacks, should_stop = as_callbacks(callbacks), as_stop_predicate(stop)
    results = {}
    for method in methods:
        results[method] = _train(method, net, x, y, budget_forward_passes, rates[method],
                                 np.random.default_rng(seed), callbacks, should_stop)
        if results[method]["run"].status == "stopped":
            break
    return results


def mean_loss(result, budget):
    """Eq. 5: the loss a method holds on average while it spends ``budget`` forward passes.

    The loss after each update holds until the next update's passes are spent, so this is
    the area under the loss-against-passes staircase divided by the budget.
    """
    passes, losses = np.asarray(result["forward_passes"]), np.asarray(result["loss"])
    spent = np.diff(np.append(passes, max(budget, passes[-1])))  # passes each loss held for
    return float(np.sum(losses * spent) / max(budget, passes[-1]))


def race_rows(results, budget):
    """One row per method: passes per update, updates, final loss and mean loss (Eq. 5)."""
    return [{"method": method.replace("_", " "),
             "forward passes per update": forward_passes_per_update(method, result["network"]),
             "updates": len(result["loss"]) - 1, "final loss": float(result["loss"][-1]),
             "mean loss over the budget": mean_loss(result, budget)} for method, result in results.items()]


@dataclasses.dataclass(frozen=True)
class PerturbationRaceConfig(Config):
    """The race of the Backpropagation page: every method, one budget of forward passes, one η.

    The default budget is one where the notes' claim holds clearly: backprop's mean loss
    (Eq. 5) is well below every perturbation method's, seed after seed.
    """

    budget: int = setting(3000, lo=200, hi=20_000, step=100, widget="number", label="Forward passes per method",
                          help="Each method spends this many forward passes (evaluations of the network "
                               "on the 100 training points).",
                          formula=r"\bar L = \frac{1}{B} \sum_{p=0}^{B-1} L(\theta \text{ after the updates paid for by } p"
                                  r" \text{ forward passes})")
    lr: float = setting(0.3, lo=1e-3, hi=5.0, label="Learning rate η of the race",
                        formula=r"\theta \leftarrow \theta - \eta\, g \quad (g: \text{each method's estimate of }"
                                r" \nabla_\theta L)")
    methods: tuple = tuple(METHODS)
    seed: int = 0
    input_range: float = 6.0  # Playground's points lie in [-6, 6]: divided by this, in [-1, 1]

    def check(self):
        validation.check_choices("methods", self.methods, METHODS, min_count=1)
        validation.check_seed(self.seed)
        validation.check_float("input_range", self.input_range, 0.0, None, open_low=True)


def run_perturbation_race(config, data, *, callbacks=(), stop=None):
    """``race`` of ``config.methods`` on a Dataset (x scaled by ``config.input_range``)."""
    x, y = _as_arrays(data)
    return race(config.methods, (x / config.input_range, y), budget_forward_passes=config.budget,
                lr=config.lr, seed=config.seed, callbacks=callbacks, stop=stop)
