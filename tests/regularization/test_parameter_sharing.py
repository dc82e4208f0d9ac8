"""Tied autoencoder and RepeatedDense: the shared weights, their gradient and the parameters saved."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.regularization import RepeatedDense, TiedAutoencoder, autoencoder_parameters, build_autoencoder

X = np.random.default_rng(0).uniform(size=(16, 12)).astype("float32")


def test_tied_decoder_is_the_encoder_transposed():
    layer = TiedAutoencoder(5, seed=1)
    out = np.asarray(layer(X))
    w, b, c = (np.asarray(v) for v in (layer.kernel, layer.encoder_bias, layer.decoder_bias))
    h = np.maximum(X @ w + b, 0)  # Eq. 1
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(h @ w.T + c))), atol=1e-6)  # Eq. 2


def test_parameter_counts_and_saving():
    tied, untied = build_autoencoder(12, 5, tied=True), build_autoencoder(12, 5, tied=False)
    assert tied.count_params() == autoencoder_parameters(12, 5, tied=True) == 12 * 5 + 5 + 12
    assert untied.count_params() == autoencoder_parameters(12, 5, tied=False) == 2 * 12 * 5 + 5 + 12
    assert untied.count_params() - tied.count_params() == 12 * 5  # Eq. 5


def test_the_shared_kernel_gets_both_gradients():
    """d/dW of the tied model = encoder gradient + (decoder gradient)ᵀ of an untied twin."""
    tied = TiedAutoencoder(5, seed=2)
    tied.build((None, 12))
    untied = build_autoencoder(12, 5, tied=False)
    w = np.asarray(tied.kernel)
    untied.set_weights([w, np.zeros(5, "float32"), w.T.copy(), np.zeros(12, "float32")])
    grads = []
    for model, variables in ((tied, [tied.kernel]), (untied, [untied.layers[0].kernel, untied.layers[1].kernel])):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(X) - X))
        grads.append([g.numpy() for g in tape.gradient(loss, [v.value for v in variables])])
    np.testing.assert_allclose(grads[0][0], grads[1][0] + grads[1][1].T, atol=1e-6)


def test_repeated_dense_applies_one_layer_several_times():
    layer = RepeatedDense(12, repeats=3, activation="tanh", kernel_initializer=keras.initializers.GlorotUniform(0))
    dense = keras.layers.Dense(12, activation="tanh")
    dense.build((None, 12))
    out = np.asarray(layer(X))
    dense.set_weights(layer.get_weights())
    np.testing.assert_allclose(out, np.asarray(dense(dense(dense(X)))), atol=1e-6)  # Eq. 3
    assert layer.count_params() == 12 * 12 + 12  # Eq. 6: one layer's parameters for three


def test_round_trips_and_bad_input(tmp_path):
    for layer in (TiedAutoencoder(4, seed=1), RepeatedDense(12, repeats=2)):
        assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((12,)), RepeatedDense(12, 2), TiedAutoencoder(3, seed=0)])
    model.save(tmp_path / "s.keras")
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(tmp_path / "s.keras")(X)), np.asarray(model(X)))
    with pytest.raises(ValueError, match="`repeats` must be a positive integer, received repeats=0"):
        RepeatedDense(4, repeats=0)
    with pytest.raises(ValueError, match="RepeatedDense maps C -> C"):
        RepeatedDense(4)(X)
