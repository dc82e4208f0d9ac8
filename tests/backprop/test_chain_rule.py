"""∂L/∂a_i⁽ˡ⁻¹⁾ as a sum of chain rules over every pathway of influence."""

import numpy as np
import pytest

from toolkit.backprop import (
    backprop, error_estimation, forward_propagation, init_network, loss_value, paths_to_output,
    pathway_terms,
)


@pytest.fixture
def traced(batch):
    x, y = batch
    net = init_network((2, 3, 2, 1), seed=0)
    return net, x, y, backprop(net, x, y)


def test_one_layer_pathway_terms_sum_to_the_sensitivity(traced):
    net, _, _, trace = traced
    for l in range(1, net.depth + 1):
        terms = pathway_terms(net, trace, l)
        assert terms.shape == (16, net.sizes[l], net.sizes[l - 1])
        # Eq. 3: Σ_j w_ji h'(z_j) ∂L/∂a_j
        np.testing.assert_allclose(terms.sum(axis=1), trace.backward.dL_da[l - 1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("layer, count", [(0, 3 * 2 * 1), (1, 2 * 1), (2, 1)])
def test_complete_pathways_to_the_output_sum_to_the_sensitivity(traced, layer, count):
    net, _, _, trace = traced
    for i in range(net.sizes[layer]):
        paths = paths_to_output(net, trace, layer, i, sample=5)
        assert len(paths) == count and all(path[0] == i for path, _ in paths)
        total = sum(product for _, product in paths)
        assert total == pytest.approx(trace.backward.dL_da[layer][5, i], rel=1e-12, abs=1e-15)


def test_sensitivity_equals_nudging_the_activation(traced):
    """∂L/∂a_i⁽ˡ⁾ is how much L changes when a_i⁽ˡ⁾ changes: check it by nudging a_i of one sample."""
    net, x, y, trace = traced
    h = 1e-6
    for l in (1, 2):
        for i in range(net.sizes[l]):
            nudge = np.zeros((16, net.sizes[l]))
            nudge[7, i] = h
            plus = _loss(net, x, y, {l: nudge})
            minus = _loss(net, x, y, {l: -nudge})
            assert (plus - minus) / (2 * h) == pytest.approx(trace.backward.dL_da[l][7, i], rel=1e-6, abs=1e-10)


def _loss(net, x, y, nudge):
    forward = forward_propagation(net, x, nudge)
    return error_estimation(net, forward.a[net.depth], y).loss


def test_unnudged_forward_gives_the_same_loss(traced):
    net, x, y, trace = traced
    assert loss_value(net, x, y) == trace.error.loss
