"""The notes' three recurrent cells, vanilla RNN, LSTM and GRU, written from scratch as Keras RNN cells.

A cell is the function applied at every time step with the same weights: it reads the input
x_t and the state of the previous step and returns the hidden state h_t (and the new state).
``keras.layers.RNN(cell)`` unrolls it over a sequence. The vanilla cell squashes one affine
map with tanh; the LSTM adds a memory cell c_t updated only by element-wise products and a
sum (Eq. 5), the path along which gradients survive; the GRU merges the LSTM's gates into a
reset and an update gate and keeps everything in h_t.

Vanilla RNN (mirrors ``keras.layers.SimpleRNNCell``):

    (1)  h_t = tanh(x_t W_x + h_{t−1} W_h + b)

LSTM (mirrors ``keras.layers.LSTMCell``):

    (2)  i_t = σ(x_t W_xi + h_{t−1} W_hi + b_i)     f_t, o_t: the same with W_·f, b_f and W_·o, b_o
    (3)  g_t = tanh(x_t W_xg + h_{t−1} W_hg + b_g)
    (4)  c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    (5)  h_t = o_t ⊙ tanh(c_t)

GRU (mirrors ``keras.layers.GRUCell``; the notes' z, see below):

    (6)  r_t = σ(x_t W_xr + h_{t−1} W_hr + b_r)
    (7)  z_t = σ(x_t W_xz + h_{t−1} W_hz + b_z)
    (8)  h'_t = tanh(x_t W_xh + (r_t ⊙ h_{t−1}) W_hh + b_h)              reset_after=False (the notes)
    (9)  h'_t = tanh(x_t W_xh + b_h + r_t ⊙ (h_{t−1} W_hh + b'_h))       reset_after=True (Keras's default)
    (10) h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h'_t

Parameters of a cell with G weight blocks (G = ``NUM_GATES[kind]``), F inputs and U units:

    (11) P = G · (F·U + U·U + U)          (+ G·U for the second GRU bias of reset_after=True)

Symbols -> weights. Keras multiplies row vectors from the left (x_t @ kernel), so the notes'
W_x x_t is ``x_t @ kernel`` with ``kernel`` = W_xᵀ of shape (F, G·U), ``recurrent_kernel`` =
W_hᵀ of shape (U, G·U) and ``bias`` of shape (G·U,); the G blocks of U columns are stacked in
Keras's order, so ``set_weights`` copies weights between a toolkit cell and its Keras twin:

    vanilla  one block                              kernel[:, 0:U] = W_xᵀ
    LSTM     i, f, g (Keras calls it c), o          kernel[:, 0:U] = W_xiᵀ, [U:2U] = W_xfᵀ, ...
    GRU      z, r, h                                bias (2, 3U) when reset_after: rows b and b'

The notes stack the LSTM as (g, i, f, o) = (tanh, σ, σ, σ)(W [x_t; h_{t−1}]): their W is
``concatenate([kernel, recurrent_kernel])ᵀ`` with its row blocks reordered from Keras's
(i, f, g, o) to (g, i, f, o), i.e. block 2 moved to the front. ``unit_forget_bias=True`` (as in
Keras) starts b_f at 1, so f_t ≈ 0.73 and the memory is kept at first.

GRU conventions, where Keras and the notes differ:

  (a) Keras writes h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h'_t: Keras's z is the notes' 1 − z. Since
      σ(−a) = 1 − σ(a), Keras weights become the notes' by negating the z block (the first U
      columns) of ``kernel``, ``recurrent_kernel`` and ``bias``: ``flip_update_gate`` does it
      (and undoes it: it is its own inverse). A toolkit ``GRUCell`` and a ``keras.layers.GRUCell``
      with flipped weights compute the same h_t.
  (b) ``reset_after=False`` applies r_t before the recurrent matrix (Eq. 8, the notes' form;
      ``keras.layers.GRUCell(reset_after=False)``); ``reset_after=True`` applies it after, with a
      second bias b'_h (Eq. 9, Keras's default and the cuDNN form). Both are offered.

Dropout, regularizers and constraints of the Keras cells are not offered (the cells are the
notes' equations); dropout belongs to the regularization chapter.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit import validation

NUM_GATES = {"vanilla": 1, "lstm": 4, "gru": 3}


class _RecurrentCell(keras.layers.Layer):
    """What the three cells share: U units, one activation, the three initializers, the
    ``kernel`` (F, G·U) and ``recurrent_kernel`` (U, G·U) of G = ``gates`` blocks."""

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs):
        units = validation.check_positive_int("units", units)
        use_bias = validation.check_bool("use_bias", use_bias)
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], width), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                        initializer=self._bias_initializer())

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in sizes]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


class _GatedCell(_RecurrentCell):
    """A cell with sigmoid gates: adds ``recurrent_activation`` (σ)."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = keras.activations.get(recurrent_activation)

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": keras.activations.serialize(self.recurrent_activation)}


@keras.saving.register_keras_serializable(package="toolkit")
class VanillaRNNCell(_RecurrentCell):
    """Eq. 1, h_t = tanh(x_t W_x + h_{t−1} W_h + b). Mirrors ``keras.layers.SimpleRNNCell``.

    Args:
        units: U, the size of h_t.
        activation: the squashing function (tanh in the notes).
        use_bias: whether to add b.
        kernel_initializer, recurrent_initializer, bias_initializer: of W_x, W_h and b
            (Keras's defaults: Glorot uniform, orthogonal, zeros).
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``).
    """

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        # Eq. 1: (B, F) @ (F, U) + (B, U) @ (U, U) -> (B, U)
        pre = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)
        if self.use_bias:
            pre = pre + self.bias
        h = self.activation(pre)
        return h, [h]


def lstm_step(cell, x_t, h_prev, c_prev):
    """Eqs. 2-5 for one step with the weights of a toolkit or a Keras ``LSTMCell``.

    Both store the four blocks in the order i, f, g, o, so the same code reads either.
    Returns the tuple (i, f, g, o, c, h) of (B, U) tensors.
    """
    # Eqs. 2-3, all four pre-activations at once: (B, F) @ (F, 4U) + (B, U) @ (U, 4U) -> (B, 4U)
    pre = ops.matmul(x_t, cell.kernel) + ops.matmul(h_prev, cell.recurrent_kernel)
    if cell.use_bias:
        pre = pre + cell.bias
    pre_i, pre_f, pre_g, pre_o = ops.split(pre, 4, axis=-1)
    # Eq. 2: the three sigmoid gates
    i, f, o = (cell.recurrent_activation(a) for a in (pre_i, pre_f, pre_o))
    # Eq. 3: the candidate g_t
    g = cell.activation(pre_g)
    # Eq. 4: c_t = f ⊙ c_{t−1} + i ⊙ g (the additive memory path)
    c = f * c_prev + i * g
    # Eq. 5: h_t = o ⊙ tanh(c_t)
    h = o * cell.activation(c)
    return i, f, g, o, c, h


@keras.saving.register_keras_serializable(package="toolkit")
class LSTMCell(_GatedCell):
    """Eqs. 2-5, states [h_t, c_t]. Mirrors ``keras.layers.LSTMCell`` (same weight layout,
    gate blocks i, f, g, o: see the module docstring for the notes' (g, i, f, o) stacking).

    Args:
        units: U, the size of h_t and c_t.
        activation: of g_t and of c_t in Eq. 5 (tanh).
        recurrent_activation: of the gates i, f, o (sigmoid).
        use_bias: whether to add the biases b_i, b_f, b_g, b_o.
        unit_forget_bias: start b_f at 1 (plus ``bias_initializer`` for the others), as Keras.
        kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``).
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         **kwargs)
        self.unit_forget_bias = validation.check_bool("unit_forget_bias", unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer

        def forget_one(shape, dtype=None):  # blocks i, f, g, o: b_f = 1
            units = self.units
            return ops.concatenate([self.bias_initializer((units,), dtype=dtype),
                                    ops.ones((units,), dtype=dtype),
                                    self.bias_initializer((2 * units,), dtype=dtype)])
        return forget_one

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        *_, c, h = lstm_step(self, inputs, h_prev, c_prev)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


@keras.saving.register_keras_serializable(package="toolkit")
class GRUCell(_GatedCell):
    """Eqs. 6-10 with the notes' update gate z_t (Keras's is 1 − z_t: see ``flip_update_gate``).
    Mirrors ``keras.layers.GRUCell`` (same weight layout, gate blocks z, r, h).

    Args:
        units: U, the size of h_t.
        activation: of the candidate h'_t (tanh).
        recurrent_activation: of the gates r_t and z_t (sigmoid).
        reset_after: False: r_t before the recurrent matrix (Eq. 8, the notes); True: after,
            with a second bias, so ``bias`` has shape (2, 3U) (Eq. 9, Keras's default).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``).
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=False, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         **kwargs)
        self.reset_after = validation.check_bool("reset_after", reset_after)

    def _bias_shape(self):
        # reset_after: row 0 is b (with x_t), row 1 is b' (with h_{t−1})
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self):
        """(b, b') each (3U,) or None."""
        if not self.use_bias:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        U = self.units
        b_x, b_h = self._biases()
        from_x = ops.matmul(inputs, self.kernel)  # (B, 3U): blocks z, r, h
        if b_x is not None:
            from_x = from_x + b_x
        from_h = ops.matmul(h_prev, self.recurrent_kernel[:, :2 * U])  # (B, 2U): blocks z, r
        if b_h is not None:
            from_h = from_h + b_h[:2 * U]
        # Eq. 7: z_t (the notes' update gate)
        z = self.recurrent_activation(from_x[:, :U] + from_h[:, :U])
        # Eq. 6: r_t
        r = self.recurrent_activation(from_x[:, U:2 * U] + from_h[:, U:])
        candidate = self._candidate(from_x[:, 2 * U:], h_prev, r, b_h)
        # Eq. 10: h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h'_t
        h = (1 - z) * h_prev + z * candidate
        return h, [h]

    def _candidate(self, from_x, h_prev, r, b_h):
        """h'_t from x_t W_xh + b_h (B, U), by Eq. 8 or Eq. 9."""
        W_hh = self.recurrent_kernel[:, 2 * self.units:]  # (U, U)
        if not self.reset_after:
            # Eq. 8: r before the matrix
            return self.activation(from_x + ops.matmul(r * h_prev, W_hh))
        recurrent = ops.matmul(h_prev, W_hh)
        if b_h is not None:
            recurrent = recurrent + b_h[2 * self.units:]
        # Eq. 9: r after the matrix and its bias
        return self.activation(from_x + r * recurrent)

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


def flip_update_gate(weights, units):
    """Keras GRU weights [kernel, recurrent_kernel, (bias)] <-> the notes' (convention (a)).

    Negates the z block (the first ``units`` columns) of every array: Keras's z = σ(a) is the
    notes' 1 − z = σ(−a). Its own inverse. Returns new NumPy arrays.
    """
    units = validation.check_positive_int("units", units)
    flipped = [np.array(w, copy=True) for w in weights]
    for w in flipped:
        w[..., :units] *= -1
    return flipped


CELLS = {"vanilla": VanillaRNNCell, "lstm": LSTMCell, "gru": GRUCell}
KERAS_CELLS = {"vanilla": keras.layers.SimpleRNNCell, "lstm": keras.layers.LSTMCell,
               "gru": keras.layers.GRUCell}


def make_cell(kind, units, *, builtin=False, **kwargs):
    """A cell of ``kind`` ("vanilla", "lstm", "gru") with ``units`` units.

    ``builtin=False`` gives the toolkit cell of ``CELLS``, ``builtin=True`` its Keras
    counterpart of ``KERAS_CELLS``. The Keras GRU is made with ``reset_after=False`` (unless
    ``kwargs`` says otherwise), so both compute the notes' Eq. 8 family (the Keras z being the
    notes' 1 − z: they learn the same functions). ``kwargs`` go to the constructor.
    """
    validation.check_choice("kind", kind, CELLS)
    units = validation.check_positive_int("units", units)
    validation.check_bool("builtin", builtin)
    if not builtin:
        return CELLS[kind](units, **kwargs)
    if kind == "gru":
        kwargs = {"reset_after": False, **kwargs}
    return KERAS_CELLS[kind](units, **kwargs)


def cell_parameters(kind, input_dim, units, *, reset_after=False):
    """Eq. 11: the trainable parameters of a cell, G · (F·U + U·U + U) (+ G·U for a
    ``reset_after=True`` GRU), G = ``NUM_GATES[kind]``, F = ``input_dim``, U = ``units``."""
    validation.check_choice("kind", kind, CELLS)
    F = validation.check_positive_int("input_dim", input_dim)
    U = validation.check_positive_int("units", units)
    if validation.check_bool("reset_after", reset_after) and kind != "gru":
        raise ValueError(f"`reset_after` applies to the GRU only, received reset_after=True "
                         f"with kind={kind!r}.")
    G = NUM_GATES[kind]
    # Eq. 11
    return G * (F * U + U * U + U) + (G * U if reset_after else 0)


def _is_lstm(cell):
    return isinstance(cell, (LSTMCell, keras.layers.LSTMCell))


def lstm_gates(cell, x):
    """The gates of an LSTM cell over a sequence, for the "gate activations" heatmap.

    Runs ``cell`` (a toolkit ``LSTMCell`` or a ``keras.layers.LSTMCell``, both read through
    ``lstm_step``) step by step from h_0 = c_0 = 0 over ``x`` of shape (T, F) or (B, T, F)
    (already embedded). Returns {"i", "f", "g", "o", "c", "h"}: NumPy arrays of shape (T, U)
    or (B, T, U); i, f, o lie in (0, 1), g in (−1, 1).
    """
    if not _is_lstm(cell):
        raise ValueError("`cell` must be a toolkit LSTMCell or a keras.layers.LSTMCell, "
                         f"received cell={cell!r}.")
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"`x` must be a (T, F) or (B, T, F) array, received x of shape {x.shape}.")
    batched = x if x.ndim == 3 else x[None]  # (B, T, F)
    if not cell.built:
        cell.build((None, batched.shape[-1]))
    if batched.shape[-1] != cell.kernel.shape[0]:
        raise ValueError(f"`x` must have {cell.kernel.shape[0]} features (the cell's input size), "
                         f"received x of shape {x.shape}.")
    sequence = ops.convert_to_tensor(batched, dtype=cell.compute_dtype)
    h = c = ops.zeros((batched.shape[0], cell.units), dtype=cell.compute_dtype)
    steps = []
    for t in range(batched.shape[1]):
        step = lstm_step(cell, sequence[:, t], h, c)
        c, h = step[4], step[5]
        steps.append(step)
    # (B, T, U) per name, or (T, U) for a single sequence
    gates = {name: np.stack([ops.convert_to_numpy(s[k]) for s in steps], axis=1)
             for k, name in enumerate(("i", "f", "g", "o", "c", "h"))}
    return gates if x.ndim == 3 else {name: value[0] for name, value in gates.items()}
