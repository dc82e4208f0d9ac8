"""LayerNorm against keras.layers.LayerNormalization."""

import keras
import numpy as np
import pytest

from tests.optim.layer_twins import (
    assert_config_round_trip, assert_keras_file_round_trip, assert_same_gradients,
    assert_same_outputs, inputs, twin,
)
from toolkit.optim import LayerNorm

CASES = [((8, 6), -1), ((4, 3, 5, 5), [1, 2, 3]), ((4, 5, 5, 3), [-1])]
IDS = ["features", "CHW", "channels"]


def _pair(shape, axis):
    return twin(LayerNorm(axis=axis), keras.layers.LayerNormalization(axis=axis), shape)


@pytest.mark.parametrize("shape, axis", CASES, ids=IDS)
def test_outputs_and_gradients_equal_keras(shape, axis):
    ours, theirs = _pair(shape, axis)
    x = inputs(shape)
    assert_same_outputs(ours, theirs, x, training=True)
    assert_same_outputs(ours, theirs, x, training=False)
    assert_same_gradients(ours, theirs, x)


def test_each_sample_is_normalized_on_its_own():
    layer = LayerNorm(axis=[1, 2, 3])
    x = inputs((4, 3, 5, 5))
    alone = np.asarray(layer(x[:1]))
    np.testing.assert_allclose(np.asarray(layer(x))[:1], alone, atol=1e-6)
    np.testing.assert_allclose(alone.mean(), 0, atol=1e-5)


def test_config_and_keras_file_round_trips(tmp_path):
    layer = LayerNorm(axis=[1, 2], epsilon=1e-5)
    assert_config_round_trip(layer)
    assert_keras_file_round_trip(layer, inputs((2, 3, 4)), tmp_path)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"`epsilon` must be a finite number in \(0, ∞\), .*epsilon=-1"):
        LayerNorm(epsilon=-1)
    with pytest.raises(ValueError, match=r"`axis` must be an integer .* received axis='last'"):
        LayerNorm(axis="last")
