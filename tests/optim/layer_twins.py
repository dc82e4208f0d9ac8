"""Checks shared by the normalization tests: a toolkit layer and its Keras twin.

Both layers are built on the same input shape and get the same random weights; outputs
must then agree to ``ATOL = 1e-5`` (float32), gradients to 1e-5 absolute or ``RTOL = 1e-6``
relative (the γ and β gradients are sums over the whole batch, of order 100).
"""

import keras
import numpy as np
import tensorflow as tf

ATOL, RTOL = 1e-5, 1e-6


def inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * 2 + 0.5).astype("float32")


def twin(ours, theirs, shape, seed=1):
    """Builds both layers and copies random weights from ``theirs`` into ``ours``."""
    ours.build(shape)
    theirs.build(shape)
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def assert_same_outputs(ours, theirs, x, training):
    np.testing.assert_allclose(np.asarray(ours(x, training=training)),
                               np.asarray(theirs(x, training=training)), atol=ATOL)


def gradients(layer, x, training=True):
    """d(sum(out * u)) / d(x, trainable weights) for a fixed random upstream u."""
    x = tf.constant(x)
    u = tf.constant(inputs(x.shape, seed=7))
    variables = [w.value for w in layer.trainable_weights]
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x, training=training) * u)
    return [g.numpy() for g in tape.gradient(loss, [x, *variables])]


def assert_same_gradients(ours, theirs, x, training=True):
    for g_ours, g_theirs in zip(gradients(ours, x, training), gradients(theirs, x, training)):
        np.testing.assert_allclose(g_ours, g_theirs, rtol=RTOL, atol=ATOL)


def assert_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def assert_keras_file_round_trip(layer, x, tmp_path):
    """Saves a model around ``layer`` and checks the reloaded one gives identical outputs."""
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    model.save(tmp_path / "norm.keras")
    loaded = keras.saving.load_model(tmp_path / "norm.keras")
    assert type(loaded.layers[0]) is type(layer)
    for training in (False, True):
        np.testing.assert_array_equal(np.asarray(loaded(x, training=training)),
                                      np.asarray(model(x, training=training)))
