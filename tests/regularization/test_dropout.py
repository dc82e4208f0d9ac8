"""InvertedDropout against keras.layers.Dropout: same mask statistics and scaling, identity at inference."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.regularization import InvertedDropout

X = np.random.default_rng(0).uniform(0.5, 1.5, size=(200, 100)).astype("float32")


@pytest.mark.parametrize("layer", [InvertedDropout(0.3, seed=1), keras.layers.Dropout(0.3, seed=1)],
                         ids=["toolkit", "keras"])
def test_mask_statistics(layer):
    out = np.asarray(layer(X, training=True))
    dropped = out == 0
    assert abs(dropped.mean() - 0.3) < 0.01  # Eq. 1: 20 000 draws, std of the fraction 0.003
    np.testing.assert_allclose(out[~dropped], X[~dropped] / 0.7, rtol=1e-6)  # Eq. 2
    assert abs(out.mean() / X.mean() - 1) < 0.01  # Eq. 4


def test_identity_at_inference_and_fresh_masks():
    layer = InvertedDropout(0.5, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    first, second = (np.asarray(layer(X, training=True)) == 0 for _ in range(2))
    assert (first != second).mean() > 0.4


def test_gradient_is_the_mask_over_keep():
    x = tf.constant(X[:4])
    layer = InvertedDropout(0.25, seed=3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x, training=True)
        total = tf.reduce_sum(out)
    grad = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(grad, (out.numpy() != 0) / 0.75, rtol=1e-6)


def test_round_trips(tmp_path):
    layer = InvertedDropout(0.4, seed=7)
    assert InvertedDropout.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((100,)), layer])
    model.save(tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras")
    assert isinstance(loaded.layers[0], InvertedDropout) and loaded.layers[0].rate == 0.4
    np.testing.assert_array_equal(np.asarray(loaded(X, training=False)), X)


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, "0.5", True])
def test_rate_outside_0_1_is_refused(rate):
    with pytest.raises(ValueError, match=r"`rate` must be a finite number in \[0, 1\), received rate=.*units dropped"):
        InvertedDropout(rate)
