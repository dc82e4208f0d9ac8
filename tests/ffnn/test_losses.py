"""Losses: equal to keras.losses, derivatives equal central finite differences, round trips."""

import keras
import numpy as np
import pytest

from toolkit.ffnn import losses as L

RNG = np.random.default_rng(0)
B, K = 16, 4
LOGITS = (RNG.normal(size=(B, K)) * 3).astype("float32")
LOGITS[0] = [1000.0, 1001.0, -1000.0, 0.0]  # a naive exp would overflow
PROBS = np.array(keras.activations.softmax(LOGITS))
IDS = RNG.integers(0, K, size=B)
ONE_HOT = np.eye(K, dtype="float32")[IDS]
BIN_LOGITS = (RNG.normal(size=(B, 1)) * 4).astype("float32")
BIN_LOGITS[:2, 0] = [100.0, -100.0]
BIN_PROBS = np.array(keras.activations.sigmoid(BIN_LOGITS))
BIN_PROBS[2:4, 0] = [0.0, 1.0]  # clipped to [ε, 1 − ε] as in Keras
BIN_Y = RNG.integers(0, 2, size=B).astype("float32")
Y_REG = RNG.normal(size=(B, 3)).astype("float32")
PRED_REG = (Y_REG + RNG.normal(size=(B, 3)) * 1.5).astype("float32")

# name -> (ours, Keras counterpart, y_true, y_pred, kwargs)
FUNCTIONS = {
    "cce_probs": (L.categorical_crossentropy, keras.losses.categorical_crossentropy, ONE_HOT, PROBS, {}),
    "cce_logits": (L.categorical_crossentropy, keras.losses.categorical_crossentropy, ONE_HOT, LOGITS,
                   {"from_logits": True}),
    "sparse_probs": (L.sparse_categorical_crossentropy, keras.losses.sparse_categorical_crossentropy,
                     IDS, PROBS, {}),
    "sparse_logits": (L.sparse_categorical_crossentropy, keras.losses.sparse_categorical_crossentropy,
                      IDS, LOGITS, {"from_logits": True}),
    "sparse_column_ids": (L.sparse_categorical_crossentropy, keras.losses.sparse_categorical_crossentropy,
                          IDS[:, None], PROBS, {}),
    "bce_probs": (L.binary_crossentropy, keras.losses.binary_crossentropy, BIN_Y[:, None], BIN_PROBS, {}),
    "bce_logits": (L.binary_crossentropy, keras.losses.binary_crossentropy, BIN_Y[:, None], BIN_LOGITS,
                   {"from_logits": True}),
    "mse": (L.mean_squared_error, keras.losses.mean_squared_error, Y_REG, PRED_REG, {}),
    "mae": (L.mean_absolute_error, keras.losses.mean_absolute_error, Y_REG, PRED_REG, {}),
    "huber": (L.huber, keras.losses.huber, Y_REG, PRED_REG, {"delta": 0.7}),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_equals_keras(name):
    ours, theirs, y_true, y_pred, kwargs = FUNCTIONS[name]
    expected = np.asarray(theirs(y_true, y_pred, **kwargs))
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(np.asarray(ours(y_true, y_pred, **kwargs)), expected, rtol=1e-6, atol=1e-6)


# name -> (our class, Keras class, y_true, y_pred, kwargs); y_true (B,) vs y_pred (B, 1) for BCE
CLASSES = {
    "cce": (L.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy, ONE_HOT, LOGITS, {"from_logits": True}),
    "sparse": (L.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy, IDS, PROBS, {}),
    "bce": (L.BinaryCrossentropy, keras.losses.BinaryCrossentropy, BIN_Y, BIN_PROBS, {}),
    "bce_logits": (L.BinaryCrossentropy, keras.losses.BinaryCrossentropy, BIN_Y, BIN_LOGITS, {"from_logits": True}),
    "mse": (L.MeanSquaredError, keras.losses.MeanSquaredError, Y_REG, PRED_REG, {}),
    "mae": (L.MeanAbsoluteError, keras.losses.MeanAbsoluteError, Y_REG, PRED_REG, {}),
    "huber": (L.Huber, keras.losses.Huber, Y_REG, PRED_REG, {"delta": 0.7}),
}


@pytest.mark.parametrize("name", CLASSES)
def test_class_equals_keras_and_round_trips(name):
    ours, theirs, y_true, y_pred, kwargs = CLASSES[name]
    loss = ours(**kwargs)
    expected = float(theirs(**kwargs)(y_true, y_pred))
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-6, abs=1e-6)
    clone = ours.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    assert float(clone(y_true, y_pred)) == float(loss(y_true, y_pred))


# -- derivatives ∂ℓ/∂ŷ against central finite differences in float64 -------------------
def _finite_differences(fn, y_true, y_pred, h=1e-6):
    grad = np.zeros_like(y_pred)
    for index in np.ndindex(*y_pred.shape):
        step = np.zeros_like(y_pred)
        step[index] = h
        # ℓ_b depends only on row b, so d(Σ_b ℓ_b)/dŷ_bk = ∂ℓ_b/∂ŷ_bk
        grad[index] = (np.sum(np.asarray(fn(y_true, y_pred + step)))
                       - np.sum(np.asarray(fn(y_true, y_pred - step)))) / (2 * h)
    return grad


RNG64 = np.random.default_rng(1)
P64 = RNG64.dirichlet(np.ones(K), size=6) * 0.9 + 0.025  # inside [ε, 1 − ε], sums to 1
BP64 = RNG64.uniform(0.05, 0.95, size=(6, 2))
E64 = RNG64.choice([-1, 1], size=(6, 3)) * RNG64.uniform(0.1, 2.0, size=(6, 3))  # no error near 0
E64[np.abs(np.abs(E64) - 0.7) < 0.05] += 0.2  # and none at the Huber kink δ = 0.7
DERIVATIVES = {
    "cce_probs": (L.categorical_crossentropy, L.d_categorical_crossentropy, np.eye(K)[[0, 1, 2, 3, 0, 1]], P64, {}),
    "cce_logits": (L.categorical_crossentropy, L.d_categorical_crossentropy, np.eye(K)[[0, 1, 2, 3, 0, 1]],
                   RNG64.normal(size=(6, K)) * 3, {"from_logits": True}),
    "bce_probs": (L.binary_crossentropy, L.d_binary_crossentropy, RNG64.integers(0, 2, (6, 2)) * 1.0, BP64, {}),
    "bce_logits": (L.binary_crossentropy, L.d_binary_crossentropy, RNG64.integers(0, 2, (6, 2)) * 1.0,
                   RNG64.normal(size=(6, 2)) * 3, {"from_logits": True}),
    "mse": (L.mean_squared_error, L.d_mean_squared_error, np.zeros((6, 3)), E64, {}),
    "mae": (L.mean_absolute_error, L.d_mean_absolute_error, np.zeros((6, 3)), E64, {}),
    "huber": (L.huber, L.d_huber, np.zeros((6, 3)), E64, {"delta": 0.7}),
}


@pytest.mark.parametrize("name", DERIVATIVES)
def test_derivative_equals_central_finite_differences(name):
    fn, d_fn, y_true, y_pred, kwargs = DERIVATIVES[name]
    numeric = _finite_differences(lambda t, p: fn(t, p, **kwargs), y_true, y_pred)
    np.testing.assert_allclose(np.asarray(d_fn(y_true, y_pred, **kwargs)), numeric, rtol=1e-6, atol=1e-8)


def test_cross_entropy_from_logits_is_stable_where_naive_overflows():
    logits = np.array([[1000.0, 1001.0]], dtype="float32")
    with np.errstate(over="ignore", invalid="ignore"):
        naive = -np.log(np.exp(logits[0, 1]) / np.exp(logits).sum())  # inf / inf
    assert not np.isfinite(naive)
    value = float(L.categorical_crossentropy(np.array([[0.0, 1.0]]), logits, from_logits=True)[0])
    assert value == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-6)


def test_loss_survives_a_keras_file_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile("sgd", L.Huber(delta=0.5))
    path = tmp_path / "huber.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, L.Huber) and loaded.loss.delta == 0.5
    np.testing.assert_allclose(float(loaded.loss(Y_REG, PRED_REG)), float(model.loss(Y_REG, PRED_REG)))


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"`delta` must be a finite number in \(0, ∞\), received delta=0"):
        L.Huber(delta=0)
    with pytest.raises(ValueError, match=r"`from_logits` must be True or False, received from_logits='yes'"):
        L.BinaryCrossentropy(from_logits="yes")
