"""GroupNorm against keras.layers.GroupNormalization(groups)."""

import keras
import pytest

from tests.optim.layer_twins import (
    assert_config_round_trip, assert_keras_file_round_trip, assert_same_gradients,
    assert_same_outputs, inputs, twin,
)
from toolkit.optim import GroupNorm

CASES = [((4, 5, 5, 6), 2, -1), ((4, 6, 5, 5), 3, 1), ((8, 6), 1, -1)]


@pytest.mark.parametrize("shape, groups, axis", CASES, ids=["NHWC", "NCHW", "dense"])
def test_outputs_and_gradients_equal_keras(shape, groups, axis):
    ours, theirs = twin(GroupNorm(groups, axis=axis),
                        keras.layers.GroupNormalization(groups, axis=axis), shape)
    x = inputs(shape)
    assert_same_outputs(ours, theirs, x, training=True)
    assert_same_outputs(ours, theirs, x, training=False)
    assert_same_gradients(ours, theirs, x)


def test_config_and_keras_file_round_trips(tmp_path):
    layer = GroupNorm(groups=2, epsilon=1e-4)
    assert_config_round_trip(layer)
    assert_keras_file_round_trip(layer, inputs((2, 3, 3, 4)), tmp_path)


def test_bad_groups_are_named():
    with pytest.raises(ValueError, match=r"`groups` must be a positive integer, received groups=0. Use InstanceNorm"):
        GroupNorm(0)
    with pytest.raises(ValueError, match="`groups` must divide the number of channels, "
                                         "received groups=4 for 6 channels."):
        GroupNorm(4).build((2, 3, 3, 6))
