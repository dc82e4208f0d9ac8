"""get_config -> from_config, and .keras save -> load -> training continues identically."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.optim import SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp

OPTIMIZERS = [
    SGD(0.05, clipnorm=1.0),
    Momentum(0.05, momentum=0.8),
    Nesterov(0.05, momentum=0.7),
    Adagrad(0.2, epsilon=1e-4),
    RMSProp(0.01, rho=0.8, epsilon=1e-5),
    Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
]
IDS = [type(o).__name__ for o in OPTIMIZERS]


def _fresh(optimizer):
    return type(optimizer).from_config(optimizer.get_config())


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=IDS)
def test_config_round_trip(optimizer):
    clone = _fresh(optimizer)
    assert type(clone) is type(optimizer)
    assert clone.get_config() == optimizer.get_config()


def test_config_round_trip_keeps_a_schedule():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.9)
    clone = Adam.from_config(Adam(schedule).get_config())
    assert isinstance(clone._learning_rate, keras.optimizers.schedules.ExponentialDecay)
    assert clone._learning_rate.get_config() == schedule.get_config()


def _model(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _step(model, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    model.optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                        model.trainable_variables))


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=IDS)
def test_keras_file_round_trip_continues_training_identically(optimizer, tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = _model(_fresh(optimizer))
    for _ in range(3):
        _step(model, x, y)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")

    assert type(loaded.optimizer) is type(optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for ours, theirs in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())  # slots and step count
    for _ in range(2):
        _step(model, x, y)
        _step(loaded, x, y)
    for ours, theirs in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
