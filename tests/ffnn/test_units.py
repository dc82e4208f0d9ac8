"""Output units: LinearUnit equals keras.layers.Dense, the stable softmax, round trips."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.ffnn.units import LinearUnit, Softmax, naive_softmax, softmax, softmax_jacobian

X = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")


def test_linear_unit_equals_dense_with_the_same_weights():
    ours, dense = LinearUnit(4), keras.layers.Dense(4)
    ours.build((None, 3)), dense.build((None, 3))
    dense.set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(dense(X)), rtol=1e-6, atol=1e-6)
    kernel, bias = ours.get_weights()
    np.testing.assert_allclose(np.asarray(ours(X)), X @ kernel + bias, rtol=1e-6, atol=1e-6)  # Eq. 1


def test_linear_unit_config_and_keras_file_round_trip(tmp_path):
    layer = LinearUnit(2, use_bias=False, kernel_initializer="he_normal",
                       kernel_regularizer=keras.regularizers.L2(0.01))
    clone = LinearUnit.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((3,)), LinearUnit(4), Softmax()])
    path = tmp_path / "units.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(loaded(X)), np.asarray(model(X)))


def test_softmax_is_stable_where_the_naive_formula_overflows():
    logits = np.array([[1000.0, 1001.0], [-1000.0, -1001.0]], dtype="float32")
    expected = np.array([[1 / (1 + np.e), np.e / (1 + np.e)], [np.e / (1 + np.e), 1 / (1 + np.e)]])
    assert np.isnan(np.asarray(naive_softmax(logits))[0]).all()  # inf / inf
    np.testing.assert_allclose(np.asarray(softmax(logits)), expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(Softmax()(logits)), expected, rtol=1e-6)


def test_softmax_equals_keras_and_sums_to_one():
    logits = np.random.default_rng(1).normal(size=(6, 5)).astype("float32") * 20
    ours = np.asarray(Softmax()(logits))
    np.testing.assert_allclose(ours, np.asarray(keras.layers.Softmax()(logits)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(Softmax(axis=0)(logits)),
                               np.asarray(keras.activations.softmax(logits, axis=0)), rtol=1e-6, atol=1e-7)


def test_softmax_jacobian_equals_autodiff():
    z = tf.Variable(np.random.default_rng(2).normal(size=(3, 4)))
    with tf.GradientTape() as tape:
        s = softmax(z)
    np.testing.assert_allclose(np.asarray(softmax_jacobian(z.numpy())), tape.batch_jacobian(s, z).numpy(),
                               atol=1e-12)


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"`units` must be a positive integer, received units=0"):
        LinearUnit(0)
    with pytest.raises(ValueError, match=r"`axis` must be an integer, received axis='last'"):
        Softmax(axis="last")
