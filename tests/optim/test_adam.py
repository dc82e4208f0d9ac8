"""Adam (Eqs. 11-14) against NumPy and keras.optimizers.Adam.

Keras puts its epsilon where the notes' delta_t = eps / sqrt(1 - rho2^t) would be. Tested:
Keras equals Eqs. 11-14 with that delta_t at every step; the two agree on the first step
after the transformation, and on every step as eps -> 0; the moment slots hold Keras's
m and v. Tolerance: 1e-6 relative or 1e-5 absolute (float32).
"""

import keras
import numpy as np

from tests.optim.notes_reference import adam_path, assert_close, keras_path
from toolkit.optim import Adam, keras_builtin

LR, RHO1, RHO2 = 0.05, 0.9, 0.999


def test_adam_follows_eqs_11_14(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(Adam(LR, RHO1, RHO2, epsilon=1e-3), a, w_star, w0),
                 adam_path(a, w_star, w0, LR, RHO1, RHO2, delta=1e-3))


def test_bias_correction_makes_the_first_step_eta_sized(quadratic):
    a, w_star, w0 = quadratic
    first = keras_path(Adam(LR, epsilon=1e-7), a, w_star, w0, steps=1)[0]
    # Eq. 13 at t = 1: s^ = g, r^ = g^2, so every parameter moves by eta (sign of -g)
    np.testing.assert_allclose(np.abs(first - w0), LR, rtol=1e-4)


def test_keras_adam_is_eqs_11_14_with_epsilon_hat(quadratic):
    a, w_star, w0 = quadratic
    eps = 0.05
    theirs = keras_path(keras_builtin("Adam", learning_rate=LR, epsilon=eps), a, w_star, w0)
    assert_close(theirs, adam_path(a, w_star, w0, LR, RHO1, RHO2, delta=None,
                                   delta_of_t=lambda t: eps / np.sqrt(1 - RHO2 ** t)))


def test_first_step_agrees_after_the_documented_transformation(quadratic):
    a, w_star, w0 = quadratic
    eps = 0.05
    theirs = keras_path(keras.optimizers.Adam(LR, epsilon=eps), a, w_star, w0, steps=1)
    ours = keras_path(Adam(LR, epsilon=eps / np.sqrt(1 - RHO2)), a, w_star, w0, steps=1)
    assert_close(ours, theirs)
    untransformed = keras_path(Adam(LR, epsilon=eps), a, w_star, w0, steps=1)
    assert not np.allclose(untransformed, theirs, atol=1e-3)


def test_adam_equals_keras_adam_as_epsilon_goes_to_zero(quadratic):
    a, w_star, w0 = quadratic
    assert_close(keras_path(Adam(LR, epsilon=1e-10), a, w_star, w0),
                 keras_path(keras.optimizers.Adam(LR, epsilon=1e-10), a, w_star, w0))


def test_moment_slots_hold_keras_m_and_v():
    gradients = np.random.default_rng(1).normal(size=(20, 5)).astype("float32")
    slots = []
    for optimizer in (Adam(LR), keras.optimizers.Adam(LR)):
        w = keras.Variable(np.zeros(5, np.float32))
        for g in gradients:  # the same gradient sequence for both, whatever w does
            optimizer.apply_gradients([(g, w)])
        slots.append([v.numpy() for v in optimizer.variables[2:]])  # s, r / m, v
    assert_close(np.array(slots[0]), np.array(slots[1]))
