"""Which axes of (N, C, H, W) each norm averages over, and that the layers agree."""

import numpy as np
import pytest

from tests.optim.layer_twins import inputs
from toolkit.optim import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, normalization_axes


@pytest.mark.parametrize("kind, nchw, nhwc", [
    ("batch", (0, 2, 3), (0, 1, 2)),
    ("layer", (1, 2, 3), (1, 2, 3)),
    ("instance", (2, 3), (1, 2)),
    ("group", (1, 2, 3), (1, 2, 3)),
])
def test_axes_table(kind, nchw, nhwc):
    assert normalization_axes(kind) == nchw
    assert normalization_axes(kind, "NHWC") == nhwc


@pytest.mark.parametrize("kind, layer", [
    ("batch", BatchNorm(axis=1, epsilon=1e-6)),
    ("layer", LayerNorm(axis=[1, 2, 3], epsilon=1e-6)),
    ("instance", InstanceNorm(axis=1, epsilon=1e-6)),
])
def test_layers_standardize_over_exactly_those_axes(kind, layer):
    out = np.asarray(layer(inputs((6, 3, 4, 4)), training=True))  # NCHW, gamma 1, beta 0
    axes = normalization_axes(kind, "NCHW")
    np.testing.assert_allclose(out.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=axes), 1, atol=1e-4)


def test_group_norm_standardizes_each_group_of_channels():
    out = np.asarray(GroupNorm(2, axis=1, epsilon=1e-6)(inputs((6, 4, 3, 3))))
    for group in (out[:, :2], out[:, 2:]):  # channels of one group, then C, H, W averaged
        np.testing.assert_allclose(group.mean(axis=normalization_axes("group")), 0, atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="`kind` must be one of 'batch', 'layer', 'instance', 'group', "
                                         "received kind='weight'."):
        normalization_axes("weight")
    with pytest.raises(ValueError, match="`data_format` must be one of 'NCHW', 'NHWC', "
                                         "received data_format='CHWN'."):
        normalization_axes("batch", "CHWN")
