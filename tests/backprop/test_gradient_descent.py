"""Gradient descent with backprop: steps against the gradient lower the loss."""

import numpy as np

from toolkit.backprop import backprop, gradient_descent, gradient_descent_step, init_network, loss_value
from toolkit.data import toy2d


def test_small_step_against_the_gradient_lowers_the_loss_as_predicted(batch):
    x, y = batch
    net = init_network((2, 3, 2, 1), seed=0)
    trace = backprop(net, x, y)
    lr = 1e-4
    step = gradient_descent_step(net, *trace.gradients, lr)
    squared_norm = sum(np.sum(g**2) for grads in trace.gradients for g in grads.values())
    # first order: L(w − η∇L) ≈ L(w) − η‖∇L‖²
    change = loss_value(step, x, y) - trace.error.loss
    assert change < 0 and abs(change / (-lr * squared_norm) - 1) < 1e-3


def test_gradient_descent_learns_xor():
    data = toy2d("xor", n=200, seed=0)
    net = init_network((2, 8, 8, 1), seed=0)
    trained, losses = gradient_descent(net, data.x_train / 6, data.y_train, lr=0.5, steps=300)
    assert len(losses) == 300 and losses[-1] < losses[0] / 4
    predictions = loss_value(trained, data.x_test / 6, data.y_test)
    assert predictions < losses[0] / 2  # generalizes to the held-out half
