"""How much of the loss's gradient reaches each hidden state: the vanishing gradient, measured.

A recurrent network applies the same cell at every step, h_t = cell(x_t, h_{t−1}) from h_0 = 0,
and here reads out only the last state (many-to-one): L = loss(y, readout(h_T)). By the chain
rule the error at step T reaches an earlier state h_t through every step in between:

    (1)  ∂L/∂h_t = ∂L/∂h_T · Π_{k=t+1}^{T} ∂h_k/∂h_{k−1}
    (2)  vanilla cell:  ∂h_k/∂h_{k−1} = diag(tanh'(a_k)) W_hᵀ,   a_k = x_k W_x + h_{k−1} W_h + b
    (3)  ||∂L/∂h_t|| ≤ ||∂L/∂h_T|| · (max tanh' · ||W_h||)^{T−t}
    (4)  LSTM memory:   ∂c_k/∂c_{k−1} = diag(f_k)   (+ the terms through h_{k−1} and the gates)
    (5)  gradient_ratio = ||∂L/∂h_1|| / ||∂L/∂h_T||

For the vanilla cell tanh' = 1 − tanh² ≤ 1 (equal to 1 only at 0), so when ||W_h|| < 1, or
||W_h|| = 1 (the orthogonal initialization) with units away from 0, every factor of Eq. 1
shrinks the gradient and Eq. 3 makes it vanish geometrically in T − t: the first steps of a long
sequence get almost none of the last step's error and the cell cannot learn to use them.
The LSTM's memory is updated additively (c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t), so along the c path
each step multiplies the gradient by the forget gate alone (Eq. 4): no squashing derivative,
no weight matrix, and f_t near 1 (``unit_forget_bias`` starts it at σ(1) ≈ 0.73) carries the
error back over many steps. At initialization the LSTM's curve still falls (like
Π f_k ≈ 0.73^{T−t}), only far more slowly than the vanilla one; training can push f_k toward 1.
The GRU's carry path multiplies by 1 − z_k (Eq. 10 of ``cells``), ≈ 1/2 at initialization
(zero bias), so an untrained GRU's curve can fall faster than the vanilla one until its update
gate learns to stay near 0.

``hidden_state_gradients`` measures the curve t -> mean over the batch of ||∂L/∂h_t||_2 (total
derivatives: each ∂L/∂h_t sums every path from h_t to L) by running the cell step by step in
Python under ``tf.GradientTape`` and differentiating with respect to the list of h_t. It works
with toolkit and Keras cells alike (anything with ``state_size`` and
``call(x_t, states) -> (h_t, states)``). L is what ``loss`` returns: a Keras loss averages over
the batch, so every per-sample gradient carries a factor 1/B; the ratios between steps, which
are what the curve shows, do not depend on it.

With ``per_step=True`` the model is many-to-many: L = Σ_t loss(y_t, readout(h_t)). Then
∂L/∂h_t is the step's own error plus all that reaches it from the later steps: with vanishing
gradients the curve stays near the size of one step's error (each step hears little beyond its
own), and it rises toward t = 1 only when errors from far ahead survive the trip.

Symbols: h_t = ``states[0]`` after step t (t = 1 … T is index t − 1 of the returned array),
readout = ``readout``, loss = ``loss``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

from toolkit import validation


def _check_sequences(x):
    x = np.asarray(x)
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError(f"`x` must be a (B, T, F) array of sequences, received x of shape {x.shape}; "
                         "add a batch axis with x[None] for a single sequence.")
    return x


def _check_targets(y, x, per_step):
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != x.shape[0] or (per_step and (y.ndim < 2 or y.shape[1] != x.shape[1])):
        expected = "(B, T, ...), one target per step," if per_step else "(B, ...), one target per sequence,"
        raise ValueError(f"`y` must be {expected} for x of shape {x.shape}, received y of shape {y.shape}.")
    return y


def zero_state(cell, batch):
    """S_0 = 0: one (B, size) tensor per entry of ``cell.state_size``."""
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [ops.zeros((batch, size), dtype=cell.compute_dtype) for size in sizes]


def _unroll(cell, x):
    """h_t = cell(x_t, S_{t−1}) for t = 1 … T from S_0 = 0: the list of T (B, U) tensors."""
    sequence = ops.convert_to_tensor(x, dtype=cell.compute_dtype)
    states, hidden = zero_state(cell, x.shape[0]), []
    for t in range(x.shape[1]):
        h, states = cell_step(cell, sequence[:, t], states)
        hidden.append(h)
    return hidden


def cell_step(cell, x_t, states):
    """One step h_t, S_t = cell(x_t, S_{t−1}), with S_t always a list (Keras cells differ)."""
    h, states = cell(x_t, states)
    return h, list(states) if isinstance(states, (list, tuple)) else [states]


def _loss(readout, loss, hidden, y, per_step):
    """Many-to-one: loss(y, readout(h_T)); many-to-many: Σ_t loss(y_t, readout(h_t))."""
    if not per_step:
        return loss(y, readout(hidden[-1]))
    return sum(loss(y[:, t], readout(h)) for t, h in enumerate(hidden))


def hidden_state_gradients(cell, readout, x, y, loss, *, per_step=False) -> np.ndarray:
    """The curve of Eq. 1: mean over the batch of ||∂L/∂h_t||_2 for t = 1 … T, shape (T,).

    Args:
        cell: a Keras RNN cell (toolkit or ``keras.layers``), built or not.
        readout: a Keras layer mapping h_t to ŷ (e.g. ``keras.layers.Dense(1)``).
        x: inputs, (B, T, F).
        y: targets, (B, ...) for the last step, or (B, T, ...) with ``per_step=True``.
        loss: a Keras loss object or a callable ``loss(y_true, y_pred) -> scalar``.
        per_step: False: L at the last step only (many-to-one); True: L summed over every step.
    """
    per_step = validation.check_bool("per_step", per_step)
    x = _check_sequences(x)
    y = _check_targets(y, x, per_step)
    with tf.GradientTape() as tape:
        hidden = _unroll(cell, x)
        for h in hidden:
            tape.watch(h)
        total = _loss(readout, loss, hidden, y, per_step)
    # Eq. 1: the adjoint of every h_t, through all later steps
    grads = tape.gradient(total, hidden)
    norms = [np.zeros(x.shape[0]) if g is None else np.linalg.norm(ops.convert_to_numpy(g), axis=-1)
             for g in grads]  # T arrays of shape (B,)
    return np.mean(np.stack(norms, axis=1), axis=0)


def gradient_ratio(norms) -> float:
    """Eq. 5: norms[0] / norms[-1], how much of step T's gradient reaches step 1.

    For a caption: "the gradient at step 1 is 10^k of the one at step T" with
    k = log10(gradient_ratio(norms)) (negative when the gradient vanishes).
    """
    norms = np.asarray(norms, dtype=float)
    if norms.ndim != 1 or norms.size == 0 or not np.all(np.isfinite(norms)) or norms[-1] <= 0:
        raise ValueError("`norms` must be a non-empty 1-D array of finite gradient norms whose last "
                         f"value is positive, received norms={norms!r}.")
    return float(norms[0] / norms[-1])

