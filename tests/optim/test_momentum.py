"""Momentum (Eqs. 2-3) against the notes in NumPy and keras.optimizers.SGD(momentum)."""

import keras
import numpy as np

from tests.optim.notes_reference import assert_close, keras_path, momentum_path
from toolkit.optim import Momentum, keras_builtin


def test_momentum_follows_eqs_2_3(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(Momentum(0.02, momentum=0.9), a, w_star, w0),
                 momentum_path(a, w_star, w0, lr=0.02, alpha=0.9))


def test_momentum_equals_keras_sgd_with_momentum(quadratic):
    a, w_star, w0 = quadratic
    theirs = keras_builtin("Momentum", learning_rate=0.02, momentum=0.9)
    assert type(theirs) is keras.optimizers.SGD and theirs.momentum == 0.9
    assert not theirs.nesterov
    assert_close(keras_path(Momentum(0.02, momentum=0.9), a, w_star, w0),
                 keras_path(theirs, a, w_star, w0))


def test_velocity_slot_holds_v(quadratic):
    a, w_star, w0 = quadratic
    optimizer = Momentum(0.02, momentum=0.5)
    path, velocities = keras_path(optimizer, a, w_star, w0, steps=10,
                                  slots=lambda o, w: o.velocities[0].numpy())
    assert_close(velocities, np.diff(np.vstack([w0, path]), axis=0))  # Eq. 3: v = w_t - w_{t-1}


def test_zero_momentum_is_sgd(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(Momentum(0.05, momentum=0.0), a, w_star, w0),
                 keras_path(keras.optimizers.SGD(0.05), a, w_star, w0))
