"""BatchNorm against keras.layers.BatchNormalization, plus the notes' Eqs. 1-6 directly."""

import keras
import numpy as np
import pytest

from tests.optim.layer_twins import (
    ATOL, assert_config_round_trip, assert_keras_file_round_trip, assert_same_gradients,
    assert_same_outputs, inputs, twin,
)
from toolkit.optim import BatchNorm

CASES = [((8, 5, 5, 4), -1), ((8, 4, 5, 5), 1), ((16, 6), -1)]
IDS = ["NHWC", "NCHW", "dense"]


def _pair(shape, axis, momentum=0.9):
    return twin(BatchNorm(axis=axis, momentum=momentum),
                keras.layers.BatchNormalization(axis=axis, momentum=momentum), shape)


@pytest.mark.parametrize("shape, axis", CASES, ids=IDS)
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_outputs_equal_keras(shape, axis, training):
    ours, theirs = _pair(shape, axis)
    assert_same_outputs(ours, theirs, inputs(shape), training)


@pytest.mark.parametrize("shape, axis", CASES, ids=IDS)
def test_moving_statistics_equal_keras_after_training_calls(shape, axis):
    ours, theirs = _pair(shape, axis)
    for seed in range(3):
        x = inputs(shape, seed)
        ours(x, training=True)
        theirs(x, training=True)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(),
                                   atol=ATOL)


@pytest.mark.parametrize("shape, axis", CASES, ids=IDS)
def test_gradients_equal_keras(shape, axis):
    ours, theirs = _pair(shape, axis)
    assert_same_gradients(ours, theirs, inputs(shape), training=True)
    assert_same_gradients(ours, theirs, inputs(shape), training=False)


def test_training_standardizes_each_channel_with_batch_statistics():
    x = inputs((32, 3))
    out = np.asarray(BatchNorm(epsilon=1e-6)(x, training=True))  # gamma = 1, beta = 0
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)  # Eqs. 1, 3
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)   # Eqs. 2, 3


def test_moving_averages_follow_eqs_5_6_and_are_used_at_test_time():
    layer = BatchNorm(momentum=0.8)
    x = inputs((32, 3))
    layer(x, training=True)
    mean, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.2 * mean, rtol=1e-5)    # Eq. 5
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.8 + 0.2 * var, rtol=1e-5)  # Eq. 6
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    expected = gamma * (x - layer.moving_mean.numpy()) / np.sqrt(
        layer.moving_variance.numpy() + 1e-3) + beta                                 # Eq. 4
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), expected, atol=ATOL)


def test_frozen_layer_runs_in_inference_mode_like_keras():
    ours, theirs = _pair((16, 6), -1)
    ours.trainable = theirs.trainable = False
    assert_same_outputs(ours, theirs, inputs((16, 6)), training=True)
    np.testing.assert_array_equal(ours.moving_mean.numpy(), theirs.moving_mean.numpy())


def test_config_and_keras_file_round_trips(tmp_path):
    layer = BatchNorm(axis=1, momentum=0.5, epsilon=1e-4, name="bn")
    assert_config_round_trip(layer)
    x = inputs((4, 3, 2, 2))
    layer(x, training=True)  # moving statistics away from their initial values
    assert_keras_file_round_trip(layer, x, tmp_path)


@pytest.mark.parametrize("kwargs, message", [
    ({"momentum": 1.0}, "`momentum` must be a finite number in [0, 1), received momentum=1.0."),
    ({"epsilon": 0}, "`epsilon` must be a finite number in (0, ∞), received epsilon=0."),
    ({"axis": [1, 2]}, "`axis` must be one integer (the channel axis), received axis=[1, 2]."),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError) as info:
        BatchNorm(**kwargs)
    assert message in str(info.value)


def test_batch_axis_is_refused():
    with pytest.raises(ValueError, match="`axis` must name non-batch axes"):
        BatchNorm(axis=0).build((4, 3))
