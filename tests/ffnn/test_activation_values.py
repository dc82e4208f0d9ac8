"""activation_values: every h and h' on a grid, as plain arrays (what the Activations page plots)."""

import numpy as np
import pytest

from toolkit.ffnn import ACTIVATIONS
from toolkit.ffnn.activations import activation_values


def test_values_match_the_functions_and_their_parameters():
    z = np.linspace(-4, 4, 81)
    values = activation_values(list(ACTIVATIONS), z, leaky_alpha=0.1, elu_alpha=2.0, swish_beta=3.0)
    assert list(values) == list(ACTIVATIONS)
    h, dh = values["leaky_relu"]
    np.testing.assert_allclose(h, np.where(z > 0, z, 0.1 * z), atol=1e-6)
    np.testing.assert_allclose(dh, np.where(z > 0, 1.0, 0.1), atol=1e-6)
    np.testing.assert_allclose(values["elu"][0], np.where(z > 0, z, 2.0 * np.expm1(z)), atol=1e-5)
    np.testing.assert_allclose(values["swish"][0], z / (1 + np.exp(-3.0 * z)), atol=1e-5)
    np.testing.assert_allclose(values["tanh"][1], 1 - np.tanh(z) ** 2, atol=1e-6)
    assert all(v.dtype == np.float64 and v.shape == z.shape for pair in values.values() for v in pair)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match=r"`names` must be one of 'sigmoid'.*received names='gelu'"):
        activation_values(["gelu"], np.zeros(3))
