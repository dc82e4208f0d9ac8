"""Nesterov (Eqs. 4-6) through the look-ahead re-parametrisation (Eqs. 4'-6').

The NumPy reference runs the notes literally (gradient at w + alpha v, variables w and
v); the toolkit's variable must then hold the look-ahead point w + alpha v, its velocity
slot v, ``notes_weights`` w, and it must agree with keras SGD(nesterov=True).
Tolerance: 1e-6 relative or 1e-5 absolute (float32).
"""

import keras
import numpy as np

from tests.optim.notes_reference import assert_close, keras_path, nesterov_path
from toolkit.optim import Nesterov, keras_builtin

LR, ALPHA = 0.02, 0.9


def _run(quadratic):
    a, w_star, w0 = quadratic
    return keras_path(Nesterov(LR, momentum=ALPHA), a, w_star, w0,
                      slots=lambda o, w: np.stack([o.velocities[0].numpy(),
                                                   o.notes_weights(w).numpy()]))


def test_variable_is_the_look_ahead_point_of_the_notes(quadratic):
    a, w_star, w0 = quadratic
    w, v = nesterov_path(a, w_star, w0, lr=LR, alpha=ALPHA)
    theta, slots = _run(quadratic)
    assert_close(theta, w + ALPHA * v)  # Eq. 4': theta = w + alpha v
    assert_close(slots[:, 0], v)        # the velocity of Eq. 5
    assert_close(slots[:, 1], w)        # notes_weights recovers Eq. 6's w


def test_nesterov_equals_keras_sgd_nesterov(quadratic):
    a, w_star, w0 = quadratic
    theirs = keras_builtin("Nesterov", learning_rate=LR, momentum=ALPHA)
    assert type(theirs) is keras.optimizers.SGD and theirs.nesterov
    assert_close(_run(quadratic)[0], keras_path(theirs, a, w_star, w0))


def test_nesterov_differs_from_plain_momentum(quadratic):
    a, w_star, w0 = quadratic
    plain = keras_path(keras.optimizers.SGD(LR, momentum=ALPHA), a, w_star, w0, steps=10)
    assert not np.allclose(_run(quadratic)[0][:10], plain, atol=1e-3)
