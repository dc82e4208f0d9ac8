"""SGD (Eq. 1) against the notes in NumPy and against keras.optimizers.SGD."""

import keras

from tests.optim.notes_reference import assert_close, keras_path, sgd_path
from toolkit.optim import SGD, keras_builtin


def test_sgd_follows_eq_1(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(SGD(0.05), a, w_star, w0), sgd_path(a, w_star, w0, lr=0.05))


def test_sgd_equals_keras_sgd(quadratic):
    a, w_star, w0 = quadratic
    theirs = keras_builtin("SGD", learning_rate=0.05)
    assert type(theirs) is keras.optimizers.SGD and theirs.momentum == 0
    assert_close(keras_path(SGD(0.05), a, w_star, w0), keras_path(theirs, a, w_star, w0))


def test_sgd_accepts_a_learning_rate_schedule(quadratic):
    a, w_star, w0 = quadratic
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.5)
    ours = keras_path(SGD(schedule), a, w_star, w0, steps=30)
    theirs = keras_path(keras.optimizers.SGD(schedule), a, w_star, w0, steps=30)
    assert_close(ours, theirs)
