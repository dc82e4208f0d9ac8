"""Batch vs stochastic vs minibatch descent, and the variance of the gradient estimate ĝ_B.

The variance is checked against an independent NumPy computation of Eq. 4 on a linear
least-squares model, where every per-sample gradient is known in closed form.
"""

import keras
import numpy as np
import pytest

from toolkit.optim import DescentConfig, compare_descent, descent_batch_sizes, gradient_variance, run_descent
from toolkit.optim.minibatch import EpochClock, variance_batch_sizes


def _linear_problem(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1)) + rng.normal(size=(n, 1))).astype("float32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model, x, y


def _per_sample_gradients(model, x, y):
    """g_i of L_i = (w^T x_i + b - y_i)^2: 2 r_i (x_i, 1), as (n, d + 1) in the kernel/bias order."""
    kernel, bias = (np.asarray(v, np.float64) for v in model.get_weights())
    residual = x @ kernel + bias - y  # (n, 1)
    return 2 * residual * np.hstack([x, np.ones((len(x), 1))])


def test_variance_matches_eq4_computed_from_per_sample_gradients():
    model, x, y = _linear_problem()
    g_i = _per_sample_gradients(model, x, y)
    n = len(x)
    trace = np.mean(np.sum((g_i - g_i.mean(0)) ** 2, axis=1))  # tr Sigma
    sizes = [1, 4, 16, 64]
    measured = gradient_variance(model, x, y, sizes, draws=400, seed=1)
    expected = trace / np.array(sizes) * (n - np.array(sizes)) / (n - 1)  # Eq. 4
    np.testing.assert_allclose(measured.variances, expected, rtol=0.2)  # 400 draws: ~7 % noise
    np.testing.assert_allclose(measured.gradient_norm, np.linalg.norm(g_i.mean(0)), rtol=1e-4)
    assert measured.n == n and measured.draws == 400


def test_variance_falls_as_one_over_b_on_a_real_network(small_digits):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    sizes = [1, 4, 16, 64, 300]
    result = gradient_variance(model, small_digits.x_train, small_digits.y_train, sizes, draws=48)
    slope = np.polyfit(np.log(sizes[:3]), np.log(result.variances[:3]), 1)[0]
    assert -1.25 < slope < -0.75, f"log-log slope {slope:.2f}, expected about -1"
    assert result.variances[-1] == 0.0 and result.reference[-1] == 0.0  # B = N: g^ = g
    assert np.all(np.diff(result.variances) < 0)
    np.testing.assert_allclose(result.reference[0], result.variances[0])
    for old, new in zip(before, model.get_weights()):  # measuring does not train
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_sizes": [0, 4]}, r"`batch_sizes` must be an integer in \[1, 200\], received batch_sizes=0. A batch holds at most"),
    ({"batch_sizes": [500]}, r"`batch_sizes` must be an integer in \[1, 200\], received batch_sizes=500"),
    ({"batch_sizes": []}, r"`batch_sizes` must be a list of integers in \[1, 200\]"),
    ({"draws": 1}, r"`draws` must be an integer in \[2, 10000\], received draws=1"),
])
def test_bad_arguments_are_named(kwargs, message):
    model, x, y = _linear_problem()
    with pytest.raises(ValueError, match=message):
        gradient_variance(model, x, y, **{"batch_sizes": [1, 2], **kwargs})


def test_uncompiled_model_is_refused():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="`model` must be compiled first"):
        gradient_variance(model, np.zeros((4, 2)), np.zeros((4, 1)), [1])


def test_descent_batch_sizes_and_variance_grid():
    assert descent_batch_sizes(300, 32) == {"batch (B = N)": 300, "stochastic (B = 1)": 1,
                                            "minibatch (B = 32)": 32}
    assert variance_batch_sizes(300, 32) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    with pytest.raises(ValueError, match=r"`minibatch` must be an integer in \[2, 299\]"):
        descent_batch_sizes(300, 300)


def test_epoch_clock_spreads_a_chunk_evenly():
    class FakeRun:
        name, epochs_done, wall_time = "r", 0, 0.0

    clock, run = EpochClock(), FakeRun()
    clock.on_start(run)
    run.epochs_done, run.wall_time = 1, 0.5
    clock.on_progress(run)
    run.epochs_done, run.wall_time = 3, 1.5
    clock.on_progress(run)
    np.testing.assert_allclose(clock.seconds["r"], [0.5, 1.0, 1.5])


def test_compare_descent_trains_three_batch_sizes_from_identical_weights(small_digits):
    result = compare_descent(small_digits, learning_rate=0.1, epochs=2, minibatch=16, draws=2)
    assert list(result.runs) == ["batch (B = N)", "stochastic (B = 1)", "minibatch (B = 16)"]
    runs = list(result.runs.values())
    for other in runs[1:]:
        for a, b in zip(runs[0].initial_weights, other.initial_weights):
            np.testing.assert_array_equal(a, b)
    assert [r.config["batch_size"] for r in runs] == [300, 1, 16]
    for label, run in result.runs.items():
        assert run.status == "completed" and run.epochs_done == 2
        assert len(result.seconds[label]) == 2 and np.all(np.diff(result.seconds[label]) > 0)
        assert run.config["dataset"]["name"] == "digits"
    # 300 steps an epoch against 1: stochastic descent is far ahead after one epoch
    batch, stochastic, _ = (r.history["loss"][0] for r in runs)
    assert stochastic < 0.7 * batch
    assert result.variance is not None and result.variance.batch_sizes[-1] == 300
    rows = result.table()
    assert [row["steps per epoch"] for row in rows] == [1, 300, 19]


def test_warm_up_leaves_the_run_unchanged(small_digits):
    """Compiling on one batch first (to time training alone) must not change the result."""
    from toolkit.optim import SGD, fit_variants, mlp_classifier
    from toolkit.optim.networks import compile_classifier

    def build():
        return compile_classifier(mlp_classifier((8, 8, 1), 10, (16,)), SGD(0.1))

    plain, warmed = (fit_variants({"a": build}, small_digits, epochs=2, batch_sizes=32,
                                  warm_up=w)["a"] for w in (False, True))
    np.testing.assert_allclose(plain.history["loss"], warmed.history["loss"], rtol=1e-6)
    for a, b in zip(plain.model.get_weights(), warmed.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bad_learning_rate_is_named_before_training(small_digits):
    with pytest.raises(ValueError, match="`learning_rate` must be a finite number in \\(0, ∞\\)"):
        compare_descent(small_digits, learning_rate=0.0, epochs=1)


def test_at_the_pages_defaults_smaller_batches_learn_more_per_epoch_and_noise_falls_as_one_over_b():
    """Notes, ch. 3 "Types of Gradient Descent": batch descent averages g^ over all N samples,
    stochastic descent uses one ("can be noisy -> use MiniBatches").

    The page's default run (digits, 5 epochs, one eta): per epoch, B = 1 takes N steps, B = 32
    takes 45 and B = N one, and the final training losses come in that order (measured 0.063,
    0.68, 2.29). The measured E||g^_B - g||^2 follows Eq. 4's tr(Sigma)/B (N - B)/(N - 1) within
    20 % for every B < N (measured within 11 %), reaching 0 at B = N.
    """
    result = run_descent(DescentConfig())
    loss = {result.batch_sizes[label]: run.final("loss") for label, run in result.runs.items()}
    n = max(loss)
    assert loss[1] < loss[32] < loss[n], loss
    variance = result.variance
    below_n = variance.batch_sizes < n
    np.testing.assert_allclose(variance.variances[below_n], variance.reference[below_n], rtol=0.2)
    assert variance.variances[~below_n] == pytest.approx(0.0, abs=1e-6)


def test_descent_config_drives_run_descent(small_digits):
    with pytest.raises(ValueError, match=r"`minibatch` must be an integer in \[2, 1024\], received minibatch=1"):
        DescentConfig(minibatch=1)
    seen = []
    result = run_descent(DescentConfig(epochs=1, minibatch=64, draws=2, width=8, lr=0.1), small_digits,
                         callbacks=[lambda run: seen.append(run.name)])
    assert result.batch_sizes == {"batch (B = N)": 300, "stochastic (B = 1)": 1, "minibatch (B = 64)": 64}
    assert set(seen) == set(result.runs) and result.variance.draws == 2
    assert all(run.config["hidden"] == [8] and run.config["learning_rate"] == 0.1 for run in result.runs.values())
