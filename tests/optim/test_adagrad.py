"""Adagrad (Eqs. 7-8) against NumPy and keras.optimizers.Adagrad.

Keras starts its accumulator at initial_accumulator_value a (default 0.1), the notes at
0; the documented relation is Adagrad(epsilon=a + eps) == Keras Adagrad(a, eps).
Tolerance: 1e-6 relative or 1e-5 absolute (float32).
"""

import keras
import numpy as np

from tests.optim.notes_reference import adagrad_path, assert_close, keras_path
from toolkit.optim import Adagrad, keras_builtin


def test_adagrad_follows_eqs_7_8(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(Adagrad(0.3, epsilon=1e-7), a, w_star, w0),
                 adagrad_path(a, w_star, w0, lr=0.3, delta=1e-7))


def test_adagrad_equals_keras_adagrad_with_zero_initial_accumulator(quadratic):
    a, w_star, w0 = quadratic
    theirs = keras_builtin("Adagrad", learning_rate=0.3, epsilon=1e-7)
    assert type(theirs) is keras.optimizers.Adagrad and theirs.initial_accumulator_value == 0
    assert_close(keras_path(Adagrad(0.3, epsilon=1e-7), a, w_star, w0),
                 keras_path(theirs, a, w_star, w0))


def test_keras_default_accumulator_is_a_larger_epsilon(quadratic):
    a, w_star, w0 = quadratic
    keras_default = keras.optimizers.Adagrad(0.3)  # initial_accumulator_value=0.1, eps=1e-7
    theirs = keras_path(keras_default, a, w_star, w0)
    assert_close(keras_path(Adagrad(0.3, epsilon=0.1 + 1e-7), a, w_star, w0), theirs)
    # and the relation is needed: the untransformed epsilon takes another path
    assert not np.allclose(keras_path(Adagrad(0.3), a, w_star, w0), theirs, atol=1e-3)
