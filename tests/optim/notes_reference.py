"""NumPy transcriptions of the notes' update rules (float64), and a runner for Keras optimizers.

Each ``*_path`` returns the weights after every step, shape (steps, n), descending the
quadratic f(w) = 1/2 (w - w*)^T A (w - w*) whose gradient is A (w - w*). The Keras side
runs the optimizer under test on the same quadratic in float32, so comparisons use the
tolerance ``RTOL = 1e-6`` relative or ``ATOL = 1e-5`` absolute.
"""

import keras
import numpy as np
import tensorflow as tf

RTOL, ATOL = 1e-6, 1e-5
STEPS = 100


def random_quadratic(seed=0, n=5):
    """A (symmetric, eigenvalues in [0.5, 5]), w* and a start w0."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.linspace(0.5, 5.0, n)) @ q.T
    return a.astype(np.float32).astype(np.float64), rng.normal(size=n), rng.normal(size=n) * 2


def gradient(a, w_star, w):
    return a @ (w - w_star)


def sgd_path(a, w_star, w, lr, steps=STEPS):
    out = []
    for _ in range(steps):
        w = w - lr * gradient(a, w_star, w)                  # Eq. 1
        out.append(w)
    return np.array(out)


def momentum_path(a, w_star, w, lr, alpha, steps=STEPS):
    v, out = np.zeros_like(w), []
    for _ in range(steps):
        v = alpha * v - lr * gradient(a, w_star, w)          # Eq. 2
        w = w + v                                            # Eq. 3
        out.append(w)
    return np.array(out)


def nesterov_path(a, w_star, w, lr, alpha, steps=STEPS):
    """The notes literally: (w_t, v_t) after every step, gradient at w + alpha v."""
    v, ws, vs = np.zeros_like(w), [], []
    for _ in range(steps):
        w_tilde = w + alpha * v                              # Eq. 4
        v = alpha * v - lr * gradient(a, w_star, w_tilde)    # Eq. 5
        w = w + v                                            # Eq. 6
        ws.append(w)
        vs.append(v)
    return np.array(ws), np.array(vs)


def adagrad_path(a, w_star, w, lr, delta, steps=STEPS, r0=0.0):
    r, out = np.full_like(w, r0), []
    for _ in range(steps):
        g = gradient(a, w_star, w)
        r = r + g * g                                        # Eq. 7
        w = w - lr / np.sqrt(delta + r) * g                  # Eq. 8
        out.append(w)
    return np.array(out)


def rmsprop_path(a, w_star, w, lr, rho, delta, steps=STEPS):
    r, out = np.zeros_like(w), []
    for _ in range(steps):
        g = gradient(a, w_star, w)
        r = rho * r + (1 - rho) * g * g                      # Eq. 9
        w = w - lr / np.sqrt(delta + r) * g                  # Eq. 10
        out.append(w)
    return np.array(out)


def adam_path(a, w_star, w, lr, rho1, rho2, delta, steps=STEPS, delta_of_t=None):
    """Eqs. 11-14; ``delta_of_t(t)`` replaces the constant delta (Keras's relation)."""
    s, r, out = np.zeros_like(w), np.zeros_like(w), []
    for t in range(1, steps + 1):
        g = gradient(a, w_star, w)
        s = rho1 * s + (1 - rho1) * g                        # Eq. 11
        r = rho2 * r + (1 - rho2) * g * g                    # Eq. 12
        s_hat, r_hat = s / (1 - rho1 ** t), r / (1 - rho2 ** t)   # Eq. 13
        d = delta if delta_of_t is None else delta_of_t(t)
        w = w - lr * s_hat / (np.sqrt(r_hat) + d)            # Eq. 14
        out.append(w)
    return np.array(out)


def keras_path(optimizer, a, w_star, w0, steps=STEPS, slots=None):
    """Runs ``optimizer`` on the quadratic in float32; (steps, n) weights (and slot values)."""
    w = keras.Variable(np.asarray(w0, np.float32))
    a32, w_star32 = tf.constant(a, tf.float32), tf.constant(w_star, tf.float32)
    optimizer.build([w])
    out, slot_out = [], []
    for _ in range(steps):
        g = tf.linalg.matvec(a32, tf.convert_to_tensor(w) - w_star32)
        optimizer.apply_gradients([(g, w)])
        out.append(np.array(w.numpy(), np.float64))
        if slots is not None:
            slot_out.append(np.array(slots(optimizer, w), np.float64))
    return (np.array(out), np.array(slot_out)) if slots is not None else np.array(out)


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
