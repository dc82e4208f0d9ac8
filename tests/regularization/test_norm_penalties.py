"""L1, L2, L1L2 against keras.regularizers, and the 2-D balance picture (Eqs. 4-7) against brute force."""

import keras
import numpy as np
import pytest

from toolkit.regularization import L1, L1L2, L2, omega, penalty, penalty_geometry, penalty_path

W = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")


@pytest.mark.parametrize(("ours", "theirs"), [
    (L2(0.3), keras.regularizers.L2(0.15)),          # Eq. 2 has the ½ that Keras leaves out
    (L1(0.3), keras.regularizers.L1(0.3)),
    (L1L2(0.2, 0.3), keras.regularizers.L1L2(0.2, 0.15)),
])
def test_penalty_equals_keras(ours, theirs):
    np.testing.assert_allclose(float(ours(W)), float(theirs(W)), rtol=1e-6)


def test_penalty_is_lambda_times_omega_of_the_notes():
    np.testing.assert_allclose(float(L2(0.3)(W)), 0.3 * omega(W, "l2"), rtol=1e-6)
    np.testing.assert_allclose(float(L1(0.3)(W)), 0.3 * omega(W, "l1"), rtol=1e-6)


def test_training_with_ours_matches_training_with_keras():
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    weights = []
    for regularizer in (L1L2(0.01, 0.02), keras.regularizers.L1L2(0.01, 0.01)):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
            4, kernel_initializer=keras.initializers.GlorotUniform(0), kernel_regularizer=regularizer),
            keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(1))])
        model.compile(keras.optimizers.SGD(0.05), "mse")
        model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for ours, theirs in zip(*weights):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_penalty_factory_and_round_trips(tmp_path):
    assert penalty(0, 0) is None
    assert isinstance(penalty(0, 0.1), L2) and isinstance(penalty(0.1, 0), L1)
    assert isinstance(penalty(0.1, 0.1, builtin=True), keras.regularizers.L1L2)
    for reg in (L1(0.1), L2(0.2), L1L2(0.1, 0.2)):
        assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer=L1L2(0.1, 0.2))])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[0].kernel_regularizer, L1L2)
    np.testing.assert_allclose(float(loaded.losses[0]), float(model.losses[0]), rtol=1e-6)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: L2(-0.1), r"`l2` must be a finite number in \[0, ∞\), received l2=-0.1. It is the penalty strength λ"),
    (lambda: L1(float("nan")), r"`l1` must be a finite number in \[0, ∞\)"),
    (lambda: penalty(l1=-1), "`l1` must be"),
    (lambda: penalty_geometry(-0.5), r"`lam` must be a finite number in \[0, ∞\)"),
    (lambda: penalty_geometry(1, curvature=(1, 0)), "`curvature` must be two positive numbers"),
])
def test_bad_strengths_get_one_clear_sentence(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _brute_force(lam, kind, geometry):
    """The minimum of L + λΩ on a fine grid (an independent check of Eqs. 5-6)."""
    axis = np.linspace(-0.5, 2.5, 1201)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1)
    pen = 0.5 * (grid ** 2).sum(-1) if kind == "l2" else np.abs(grid).sum(-1)
    total = geometry.error(grid) + lam * pen
    i, j = np.unravel_index(np.argmin(total), total.shape)
    return grid[i, j]


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.2, 2.5])
def test_closed_forms_are_the_minima(lam):
    geometry = penalty_geometry(lam)
    np.testing.assert_allclose(geometry.l2.w, _brute_force(lam, "l2", geometry), atol=3e-3)
    np.testing.assert_allclose(geometry.l1.w, _brute_force(lam, "l1", geometry), atol=3e-3)


@pytest.mark.parametrize("lam", [0.3, 1.2, 2.5])
def test_error_and_penalty_pulls_balance(lam):
    geometry = penalty_geometry(lam)
    for point in (geometry.l1, geometry.l2):  # Eq. 7
        np.testing.assert_allclose(point.error_pull + point.penalty_pull, 0, atol=1e-12)
    assert np.all(np.abs(geometry.l1.penalty_pull) <= lam + 1e-12)


def test_l1_zeroes_the_weaker_weight_first_while_l2_only_shrinks():
    path = penalty_path(np.linspace(0, 3, 31))
    zeros = (path["l1"] == 0)
    first_zero = path["lam"][zeros[:, 1].argmax()]
    assert first_zero == pytest.approx(1.0) and path["lam"][zeros[:, 0].argmax()] == pytest.approx(2.0)
    assert np.all(path["l2"][1:] > 0) and np.all(np.diff(path["l2"], axis=0) <= 0)
    geometry = penalty_geometry(1.2)
    assert geometry.l1.zeros == 1 and geometry.l2.zeros == 0
    assert set(geometry.points()) == {"L1", "L2"}
