"""InstanceNorm against keras.layers.GroupNormalization(groups=-1)."""

import keras
import numpy as np
import pytest

from tests.optim.layer_twins import (
    assert_config_round_trip, assert_keras_file_round_trip, assert_same_gradients,
    assert_same_outputs, inputs, twin,
)
from toolkit.optim import InstanceNorm

CASES = [((4, 5, 5, 3), -1), ((4, 3, 5, 5), 1)]


@pytest.mark.parametrize("shape, axis", CASES, ids=["NHWC", "NCHW"])
def test_outputs_and_gradients_equal_keras(shape, axis):
    ours, theirs = twin(InstanceNorm(axis=axis),
                        keras.layers.GroupNormalization(groups=-1, axis=axis), shape)
    x = inputs(shape)
    assert_same_outputs(ours, theirs, x, training=True)
    assert_same_outputs(ours, theirs, x, training=False)
    assert_same_gradients(ours, theirs, x)


def test_every_sample_and_channel_is_standardized_over_h_w():
    out = np.asarray(InstanceNorm(epsilon=1e-6)(inputs((2, 6, 6, 3))))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1, atol=1e-4)


def test_config_and_keras_file_round_trips(tmp_path):
    layer = InstanceNorm(axis=1, epsilon=1e-4)
    assert_config_round_trip(layer)
    assert_keras_file_round_trip(layer, inputs((2, 3, 4, 4)), tmp_path)
