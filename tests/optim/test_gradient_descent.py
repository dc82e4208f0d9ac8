"""Batch, stochastic and minibatch gradient descent: one rule, three batch sizes.

A linear model y = x w + b with mean squared error, trained by ``SGD`` one epoch over 8
samples, against NumPy: batch_size=8 is one step on the average gradient of all N
samples (BGD), batch_size=1 is one step per sample (SGD), batch_size=4 two minibatch
steps. Tolerance: 1e-6 relative or 1e-5 absolute (float32).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.optim.notes_reference import assert_close
from toolkit.optim import SGD

LR = 0.1


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)
    return x, y


def _numpy_epoch(x, y, batch_size):
    w, b = np.zeros(3), 0.0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size].astype(np.float64), y[start:start + batch_size]
        err = xb @ w + b - yb
        # g^ = 1/B * sum of per-sample gradients of (f(x) - y)^2
        w, b = w - LR * 2 * xb.T @ err / len(xb), b - LR * 2 * err.mean()
    return np.append(w, b)


def _toolkit_epoch(x, y, batch_size):
    w, b = keras.Variable(np.zeros(3, np.float32)), keras.Variable(np.float32(0.0))
    optimizer = SGD(LR)
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(xb, w.value) + b.value - yb))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w.value, b.value]), [w, b]))
    return np.append(w.numpy(), b.numpy())


@pytest.mark.parametrize("batch_size", [8, 1, 4], ids=["batch", "stochastic", "minibatch"])
def test_batch_size_alone_makes_bgd_sgd_and_minibatch(batch_size):
    x, y = _data()
    assert_close(_toolkit_epoch(x, y, batch_size), _numpy_epoch(x, y, batch_size))


def test_the_three_variants_take_different_paths():
    x, y = _data()
    ends = [_numpy_epoch(x, y, b) for b in (8, 1, 4)]
    assert not np.allclose(ends[0], ends[1]) and not np.allclose(ends[0], ends[2])
