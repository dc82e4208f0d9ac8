"""RMSProp (Eqs. 9-10) against NumPy and keras.optimizers.RMSprop (momentum 0, not centred)."""

import keras

from tests.optim.notes_reference import assert_close, keras_path, rmsprop_path
from toolkit.optim import RMSProp, keras_builtin


def test_rmsprop_follows_eqs_9_10(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(RMSProp(0.01, rho=0.9, epsilon=1e-6), a, w_star, w0),
                 rmsprop_path(a, w_star, w0, lr=0.01, rho=0.9, delta=1e-6))


def test_rmsprop_equals_keras_rmsprop(quadratic):
    a, w_star, w0 = quadratic
    theirs = keras_builtin("RMSProp", learning_rate=0.01, rho=0.8, epsilon=1e-3)
    assert type(theirs) is keras.optimizers.RMSprop
    assert theirs.momentum == 0 and not theirs.centered
    assert_close(keras_path(RMSProp(0.01, rho=0.8, epsilon=1e-3), a, w_star, w0),
                 keras_path(theirs, a, w_star, w0))


def test_keras_defaults_match_ours(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(RMSProp(), a, w_star, w0),
                 keras_path(keras.optimizers.RMSprop(), a, w_star, w0))
