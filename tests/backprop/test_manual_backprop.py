"""The three phases by hand: shapes in the notes' notation, finite differences, autodiff."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.backprop import (
    backprop, error_estimation, forward_propagation, from_keras, gradient_check,
    gradients_vector, init_network, numerical_gradient, to_keras,
)

NETWORKS = {
    "tanh-sigmoid-bce": dict(sizes=(2, 3, 2, 1), activation="tanh", output="sigmoid"),
    "sigmoid-sigmoid-bce": dict(sizes=(2, 3, 2, 1), activation="sigmoid", output="sigmoid"),
    "relu-linear-mse": dict(sizes=(2, 5, 3), activation="relu", output="linear"),
}


def _targets(kind, x, y):
    return np.stack([y, x[:, 0], x[:, 1]], axis=1) if kind == "relu-linear-mse" else y


def test_every_intermediate_has_the_notes_shape(batch):
    x, y = batch
    net = init_network((2, 3, 2, 1), seed=0)
    trace = backprop(net, x, y)
    assert net.depth == 3 and net.sizes == (2, 3, 2, 1) and net.num_parameters == 9 + 8 + 3
    for l, n in enumerate(net.sizes):
        assert trace.forward.a[l].shape == trace.backward.dL_da[l].shape == (16, n)
        if l >= 1:
            assert net.W[l].shape == trace.backward.dL_dW[l].shape == (n, net.sizes[l - 1])  # w_ji
            assert trace.forward.z[l].shape == trace.backward.delta[l].shape == (16, n)
    np.testing.assert_allclose(trace.forward.a[1], np.tanh(x @ net.W[1].T + net.b[1]))  # Eq. 1


@pytest.mark.parametrize("kind", NETWORKS)
def test_backprop_equals_central_finite_differences(kind, batch):
    x, y = batch
    net = init_network(**NETWORKS[kind], seed=1)
    assert gradient_check(net, x, _targets(kind, x, y), eps=1e-6) < 1e-7  # relative, float64


@pytest.mark.parametrize("kind", NETWORKS)
def test_backprop_equals_gradient_tape_on_keras_model(kind, batch):
    x, y = batch
    net = init_network(**NETWORKS[kind], seed=2)
    targets = _targets(kind, x, y).reshape(len(x), -1)
    model = to_keras(net)
    loss_fn = (keras.losses.BinaryCrossentropy(dtype="float64") if net.loss == "binary_crossentropy"
               else keras.losses.MeanSquaredError(dtype="float64"))
    with tf.GradientTape() as tape:
        loss = loss_fn(targets, model(x))
    tape_grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    trace = backprop(net, x, targets)
    assert trace.error.loss == pytest.approx(float(loss), rel=1e-10)
    np.testing.assert_allclose(trace.forward.a[net.depth], np.asarray(model(x)), rtol=1e-12)
    for l in range(1, net.depth + 1):
        kernel, bias = tape_grads[2 * (l - 1)], tape_grads[2 * l - 1]
        np.testing.assert_allclose(trace.backward.dL_dW[l], kernel.T, rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(trace.backward.dL_db[l], bias, rtol=1e-5, atol=1e-12)


def test_keras_round_trip_keeps_the_weights():
    net = init_network((2, 4, 1), seed=3)
    back = from_keras(to_keras(net), activation="tanh", output="sigmoid")
    for l in net.W:
        np.testing.assert_array_equal(back.W[l], net.W[l])
        np.testing.assert_array_equal(back.b[l], net.b[l])


def test_error_estimation_is_the_sensitivity_of_the_loss(batch):
    x, y = batch
    net = init_network((2, 3, 2, 1), seed=4)
    a_L = forward_propagation(net, x).a[3]
    error = error_estimation(net, a_L, y)
    h = 1e-7
    numeric = np.array([(error_estimation(net, a_L + h * np.eye(16)[b][:, None], y).loss
                         - error_estimation(net, a_L - h * np.eye(16)[b][:, None], y).loss) / (2 * h)
                        for b in range(16)])
    np.testing.assert_allclose(error.dL_da[:, 0], numeric, rtol=1e-6)  # Eq. 2


def test_numerical_gradient_matches_the_parameter_order(batch):
    x, y = batch
    net = init_network((2, 3, 1), seed=5)
    g_bp = gradients_vector(*backprop(net, x, y).gradients)
    np.testing.assert_allclose(numerical_gradient(net, x, y), g_bp, rtol=1e-6, atol=1e-10)


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"`sizes` must list at least 2 positive layer sizes"):
        init_network((2,))
    with pytest.raises(ValueError, match=r"`activation` must be one of 'tanh', 'sigmoid', 'relu', 'linear', "
                                         r"received activation='elu'"):
        init_network(activation="elu")
