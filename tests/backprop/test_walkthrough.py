"""One step of backprop laid out for the page: GradientTape agrees, labels and pathways add up."""

import numpy as np
import pytest

from toolkit.backprop import (
    backprop, gradient_rows, init_network, neuron_names, parameter_names, pathway_rows,
    phase_labels, tape_gradients,
)

X, Y = np.array([[0.5, -0.3]]), np.array([1.0])


@pytest.mark.parametrize("activation, output", [("tanh", "sigmoid"), ("relu", "linear"), ("sigmoid", "sigmoid")])
def test_tape_gradients_equal_ours(activation, output):
    net = init_network((2, 3, 2, 1), activation, output, seed=1)
    trace = backprop(net, X, Y)
    dW, db, loss = tape_gradients(net, X, Y)
    assert loss == pytest.approx(trace.error.loss, rel=1e-12)
    for l in net.W:
        np.testing.assert_allclose(dW[l], trace.backward.dL_dW[l], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(db[l], trace.backward.dL_db[l], rtol=1e-9, atol=1e-12)
    rows = gradient_rows(net, trace, (dW, db, loss))
    assert len(rows) == net.num_parameters == 20
    assert rows[0]["parameter"] == "w11^(1)" and rows[6]["parameter"] == "b1^(1)"
    assert max(row["|difference|"] for row in rows) < 1e-12


def test_names_follow_the_notes():
    net = init_network((2, 3, 2, 1), seed=0)
    assert neuron_names(net) == [["x1", "x2"], ["a1^(1)", "a2^(1)", "a3^(1)"], ["a1^(2)", "a2^(2)"], ["ŷ"]]
    weights, biases = parameter_names(net, 2)
    assert weights[1][2] == "w23^(2)" and biases == ["b1^(2)", "b2^(2)"]  # w_ji: to j from i


@pytest.mark.parametrize("phase", ["forward", "error", "backward"])
def test_phase_labels_cover_every_neuron_and_link(phase):
    net = init_network((2, 3, 2, 1), seed=0)
    labels = phase_labels(net, backprop(net, X, Y), phase)
    assert [len(t) for t in labels["node_text"]] == [2, 3, 2, 1]
    assert [np.shape(t) for t in labels["link_text"]] == [(2, 3), (3, 2), (2, 1)]
    assert all(np.all(np.abs(v) <= 1) for v in labels["node_values"])
    if phase == "error":
        assert labels["node_text"][-1][0].startswith("ŷ ") and "∂L/∂a" in labels["node_text"][-1][0]
    if phase == "backward":
        assert labels["node_text"][0][0].startswith("∂L/∂x")


def test_unknown_phase_is_rejected():
    net = init_network((2, 3, 1), seed=0)
    with pytest.raises(ValueError, match=r"`phase` must be one of 'forward', 'error', 'backward'"):
        phase_labels(net, backprop(net, X, Y), "sideways")


def test_pathways_sum_to_the_backprop_sensitivity():
    net = init_network((2, 3, 2, 1), seed=2)
    trace = backprop(net, X, Y)
    for layer, i in [(1, 0), (1, 2), (2, 1)]:
        rows = pathway_rows(net, trace, layer, i)
        assert len(rows) == {1: 2, 2: 1}[layer] + 1  # one pathway per later neuron chain, plus the sum
        assert rows[-1]["chain-rule product"] == pytest.approx(trace.backward.dL_da[layer][0, i], rel=1e-12)
        assert rows[0]["pathway"].endswith("→ ŷ → L")


def test_walkthrough_config_builds_the_page_network_and_example():
    from toolkit.backprop import WalkthroughConfig

    config = WalkthroughConfig(activation="relu", seed=3, y=0)
    net = config.network()
    assert net.sizes == (2, 3, 2, 1) and net.activation == "relu" and net.output == "sigmoid"
    np.testing.assert_array_equal(net.W[1], init_network((2, 3, 2, 1), "relu", seed=3).W[1])
    x, y = config.example()
    assert x.shape == (1, 2) and y.tolist() == [0.0]
    with pytest.raises(ValueError, match=r"`x1` must be a finite number in \[-1, 1\], received x1=2"):
        WalkthroughConfig(x1=2.0)
    with pytest.raises(ValueError, match=r"`activation` must be one of 'tanh', 'sigmoid', 'relu'"):
        WalkthroughConfig(activation="elu")


def test_steps_against_the_gradient_lower_the_loss_at_the_page_defaults():
    """Notes, 2. BACKPROPAGATION, Gradient Descent Algorithm: the direction is the negative gradient,
    and updating iteratively lowers the loss. The page's defaults (tanh, seed 0, η = 0.5, the example
    (0.5, −0.3) with y = 1), stepped with its "Take a gradient step" button's functions."""
    from toolkit.backprop import WalkthroughConfig, gradient_descent_step

    config = WalkthroughConfig()
    net, (x, y) = config.network(), config.example()
    losses = [backprop(net, x, y).error.loss]
    for _ in range(20):
        trace = backprop(net, x, y)
        net = gradient_descent_step(net, *trace.gradients, config.eta)
        losses.append(backprop(net, x, y).error.loss)
    assert np.all(np.diff(losses) < 0), losses  # every step lowers L
    assert losses[-1] < 0.25 * losses[0], losses
