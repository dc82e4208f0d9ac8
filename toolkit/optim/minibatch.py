"""Batch, stochastic and minibatch gradient descent: one update rule, three gradient estimates.

All three take the step ``w <- w - eta * g^`` (optimizers.py Eq. 1); they differ in how
many training samples the gradient estimate g^ averages (the notes' "Types of Gradient
Descent"):

    (1) batch:       g^ = (1/N) grad_w sum_{i=1..N} L(f(x_i, w), y_i)      one step per epoch
    (2) stochastic:  g^ = grad_w L(f(x_i, w), y_i),  i random               N steps per epoch
    (3) minibatch:   g^ = (1/B) grad_w sum_{i in batch} L(f(x_i, w), y_i)   N/B steps per epoch

g^ is an unbiased estimate of the full gradient g (Eq. 1); its noise shrinks with B. For a
batch drawn without replacement from N samples,

    (4) E ||g^_B - g||^2 = (tr Sigma / B) * (N - B) / (N - 1),
        tr Sigma = (1/N) sum_i ||g_i - g||^2                    (per-sample gradients g_i)

so the variance falls as 1/B (and reaches 0 at B = N). ``gradient_variance`` measures
the left side by drawing batches; ``compare_descent`` trains the same network with the
three batch sizes and records the wall time of every epoch. ``DescentConfig`` declares the
settings of the Batch size page and ``run_descent`` runs its comparison on the digits.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.optim.networks import compile_classifier, fit_variants, mlp_classifier
from toolkit.optim.optimizers import SGD
from toolkit.train.callbacks import EpochClock, as_callbacks

DESCENT_DATASET = "digits"  # 1,437 training images of 8x8 pixels: N steps per epoch stay quick


# -- the variance of the gradient estimate --------------------------------------------
@dataclasses.dataclass(frozen=True)
class GradientVariance:
    """E ||g^_B - g||^2 measured for several batch sizes B.

    Attributes:
        batch_sizes: (k,) the batch sizes B, increasing.
        variances: (k,) the mean of ||g^_B - g||^2 over ``draws`` random batches.
        reference: (k,) Eq. 4's shape anchored at the smallest B:
            ``variances[0] * (B_0 / B) * (N - B) / (N - B_0)`` (0 when B = N).
        gradient_norm: ||g||, the full-batch gradient's length, for scale.
        n: N, the number of training samples.
        draws: batches drawn per batch size.
    """

    batch_sizes: np.ndarray
    variances: np.ndarray
    reference: np.ndarray
    gradient_norm: float
    n: int
    draws: int


def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, received {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError("`model` must be compiled first: its loss defines the gradient.")


def _batch_sizes(batch_sizes, n) -> np.ndarray:
    """The distinct sizes, increasing; each must lie in [1, N]."""
    if not isinstance(batch_sizes, (list, tuple, np.ndarray)) or not len(batch_sizes):
        raise ValueError(f"`batch_sizes` must be a list of integers in [1, {n}] (the number of "
                         f"samples), received batch_sizes={batch_sizes!r}.")
    hint = f"A batch holds at most the N = {n} training samples."
    sizes = {validation.check_int("batch_sizes", b, 1, n, hint=hint) for b in batch_sizes}
    return np.array(sorted(sizes), np.int64)


def _gradient_function(model):
    """A compiled x, y -> flat gradient of the model's compiled loss (inference mode)."""
    def flat_gradient(x, y):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=False)
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
        grads = tape.gradient(loss, model.trainable_variables)
        return tf.concat([tf.reshape(g, [-1]) for g in grads], axis=0)

    return tf.function(flat_gradient, reduce_retracing=True)


def _full_gradient(gradient, x, y, chunk=2048):
    """g of Eq. 1: the size-weighted mean of the chunk gradients (the loss is a mean)."""
    total = 0.0
    for start in range(0, len(x), chunk):
        stop = min(start + chunk, len(x))
        total = total + (stop - start) * gradient(x[start:stop], y[start:stop]).numpy()
    return total / len(x)


def gradient_variance(model, x, y, batch_sizes=(1, 4, 16, 64, 256), draws: int = 32,
                      seed: int = 0) -> GradientVariance:
    """Measures E ||g^_B - g||^2 (Eq. 4, left side) for each batch size B.

    For each B, ``draws`` batches of B distinct samples are drawn at random (as a shuffled
    epoch would) and each batch's gradient g^_B is compared with the full-batch gradient g.
    The model runs in inference mode (no dropout noise, no moving-statistics updates), so
    the spread comes from sampling alone; its weights are not changed.

    Args:
        model: a compiled ``keras.Model``; its compiled loss is L.
        x, y: the N training samples and targets.
        batch_sizes: batch sizes in [1, N].
        draws: random batches per batch size, >= 2.
        seed: seeds the batch draws.
    """
    _check_model(model)
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype == np.float64:
        x = x.astype(np.float32)
    sizes = _batch_sizes(batch_sizes, len(x))
    draws = validation.check_int("draws", draws, 2, 10_000)
    gradient = _gradient_function(model)
    full = _full_gradient(gradient, x, y)
    rng = np.random.default_rng(seed)
    variances = []
    for size in sizes:
        squared = []
        for _ in range(draws):
            idx = rng.choice(len(x), size=int(size), replace=False)
            # Eq. 4: ||g^_B - g||^2
            squared.append(float(np.sum((gradient(x[idx], y[idx]).numpy() - full) ** 2)))
        variances.append(np.mean(squared))
    variances = np.array(variances)
    variances[sizes == len(x)] = 0.0  # B = N: g^ is g itself (only float rounding differs)
    return GradientVariance(sizes, variances, _reference(variances[0], sizes, len(x)),
                            float(np.linalg.norm(full)), len(x), int(draws))


def _reference(first, sizes, n):
    """Eq. 4 through the first measurement: v_0 * (B_0 / B) * (N - B) / (N - B_0)."""
    b0 = sizes[0]
    if b0 == n:
        return np.zeros(len(sizes))
    return first * (b0 / sizes) * (n - sizes) / (n - b0)


# -- batch vs stochastic vs minibatch on a real network -------------------------------
@dataclasses.dataclass
class DescentComparison:
    """The three runs, their per-epoch wall time, and g^'s variance at the initial weights.

    Attributes:
        runs: label -> ``toolkit.train.Run`` ("batch (B = N)", "stochastic (B = 1)",
            "minibatch (B = 32)").
        batch_sizes: label -> B.
        seconds: label -> (epochs_done,) training seconds at the end of each epoch.
        variance: ``GradientVariance`` at the shared initial weights (None if not asked).
    """

    runs: dict
    batch_sizes: dict
    seconds: dict
    variance: GradientVariance | None

    def table(self) -> list[dict]:
        """One row per run: B, steps per epoch, final losses and accuracies, seconds."""
        rows = []
        for label, run in self.runs.items():
            size = self.batch_sizes[label]
            row = {"run": label, "batch size B": size,
                   "steps per epoch": -(-max(self.batch_sizes.values()) // size),
                   "status": run.status, "epochs": run.epochs_done}
            row.update({k: float(f"{run.final(k):.4g}") for k in
                        ("loss", "val_loss", "accuracy", "val_accuracy") if k in run.history})
            row["wall time (s)"] = round(run.wall_time, 2)
            rows.append(row)
        return rows


def descent_batch_sizes(n: int, minibatch: int = 32) -> dict[str, int]:
    """label -> batch size of the three kinds of gradient descent (Eqs. 1-3)."""
    minibatch = validation.check_int("minibatch", minibatch, 2, n - 1,
                                     hint=f"B lies between stochastic (B = 1) and batch descent (B = N = {n}).")
    return {"batch (B = N)": int(n), "stochastic (B = 1)": 1,
            f"minibatch (B = {minibatch})": int(minibatch)}


def variance_batch_sizes(n: int, minibatch: int = 32) -> list[int]:
    """Powers of two below N, plus the minibatch size and N itself."""
    return sorted({2 ** k for k in range(int(np.log2(n)) + 1) if 2 ** k < n} | {minibatch, n})


def compare_descent(data, *, learning_rate: float = 0.05, epochs: int = 10,
                    minibatch: int = 32, hidden=(64,), seed: int = 0, draws: int = 16,
                    callbacks=(), stop=None) -> DescentComparison:
    """Trains the same network with batch, stochastic and minibatch gradient descent.

    Every run uses ``SGD(learning_rate)``, the same initial weights and the same shuffled
    sample order; only the batch size differs. Each model's training loop is compiled
    before its timed run, so ``seconds`` holds training time only. Before training, ``gradient_variance``
    measures g^'s variance at those initial weights (``draws`` batches per size; 0 skips).

    Args:
        data: a classification ``toolkit.data.Dataset`` (its test split validates).
        learning_rate: eta of all three runs.
        epochs: passes over the training data (the same for all three).
        minibatch: B of the minibatch run, between 2 and N - 1.
        hidden: widths of the hidden layers.
        seed: seeds the initial weights, the batch order and the variance draws.
        draws: batches per size for the variance measurement (0: no measurement).
        callbacks, stop: as in ``toolkit.train.fit``, shared by the three runs.
    """
    if getattr(data, "task", None) != "classification":
        raise ValueError("`data` must be a classification Dataset (e.g. toolkit.data.load"
                         f"('digits')), received {type(data).__name__}.")
    sizes = descent_batch_sizes(data.n_train, minibatch)
    SGD(learning_rate)  # validates eta before anything runs

    def build():
        return compile_classifier(mlp_classifier(data.input_shape, data.num_classes, hidden),
                                  SGD(learning_rate))

    variance = None
    if draws:
        keras.utils.set_random_seed(seed)  # the weights every run starts from
        variance = gradient_variance(build(), data.x_train, data.y_train,
                                     variance_batch_sizes(data.n_train, minibatch), draws, seed)
    clock = EpochClock()
    runs = fit_variants({label: build for label in sizes}, data, epochs=epochs,
                        batch_sizes=sizes, seed=seed, stop=stop, every_epoch=True, warm_up=True,
                        callbacks=[clock, *as_callbacks(callbacks)],
                        config={"hidden": list(hidden), "learning_rate": learning_rate})
    return DescentComparison(runs, {k: sizes[k] for k in runs},
                             {k: clock.seconds.get(k, np.zeros(0)) for k in runs}, variance)


@dataclasses.dataclass(frozen=True)
class DescentConfig(Config):
    """Every setting of the Batch size page (field names are its URL names)."""

    lr: float = setting(0.05, lo=1e-5, hi=10.0, step=0.01, label="Learning rate η",
                        help="The same η for all three runs: only the batch size differs.")
    epochs: int = setting(5, lo=1, hi=100, label="Epochs")  # enough to order the three losses
    minibatch: int = setting(32, lo=2, hi=1024, label="Minibatch size B")
    draws: int = setting(16, lo=2, hi=200, label="Batches drawn per size",
                         help="How many random batches estimate E‖ĝ_B − g‖² for each B.")
    width: int = setting(64, lo=4, hi=256, step=4, label="Hidden units")


def run_descent(config: DescentConfig, data=None, *, callbacks=(), stop=None) -> DescentComparison:
    """``compare_descent`` with `config`'s settings, on `data` or the digits."""
    from toolkit.data import load

    data = data if data is not None else load(DESCENT_DATASET)
    return compare_descent(data, learning_rate=config.lr, epochs=config.epochs,
                           minibatch=config.minibatch, hidden=(config.width,), draws=config.draws,
                           callbacks=callbacks, stop=stop)
