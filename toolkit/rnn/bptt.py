"""Truncated backpropagation through time: a recurrent network trained block by block.

The notes: backpropagating through every step of a long sequence is expensive and makes the
vanishing gradient worse, so "we divide it into smaller blocks of fixed length. Each block
is treated as a separate training unit. After presenting a block to the network, backprop is
performed only for a limited number of backward time steps." K_1 is the length of a block,
K_2 the number of time steps backpropagated within each block (1 ≤ k2 ≤ k1 ≤ T). The cell
reads x_t and the state S_t (h_t, plus c_t for an LSTM) and the readout maps h_t to ŷ_t:

    (h_t, S_{t+1}) = cell(x_t, S_t),   S_0 = 0,   ŷ_t = readout(h_t),   t = 0 … T − 1        (1)
    block b = [s_b, e_b):  s_b = b·k1,  e_b = min(s_b + k1, T),  b = 0 … ⌈T/k1⌉ − 1          (2)
    backprop window [w_b, e_b):  w_b = max(s_b, e_b − k2)                                    (3)
        (a last block shorter than k2 is backpropagated whole; many-to-one: only the last
        block has an error, for the others w_b = e_b: they run forward only)
    S̄_{w_b} = stop_gradient(S_{w_b}),  S_{w_b} run forward from S_{s_b} over [s_b, w_b)      (4)
    E_b = (1 / (e_b − w_b)) Σ_{t=w_b}^{e_b−1} ℓ(y_t, ŷ_t),  ŷ_t unrolled from S̄_{w_b}        (5)
        (many-to-one: E = ℓ(y, ŷ_{T−1}) in the last block)
    W ← W − η ∇_W E_b          (one optimizer update per block; η, momentum… the optimizer's) (6)
    S_{s_{b+1}} = stop_gradient(S_{e_b}),  S_{e_b} computed before the update of Eq. 6        (7)
    backprop steps per sequence = Σ_b (e_b − w_b)  (T for full BPTT, k1 = k2 = T)            (8)

The notes' algorithm, step by step, as ``TruncatedBPTT.train_step`` numbers it:

    1. a block of k1 steps of (x, y) pairs; run it forward over [s_b, w_b) with no gradient (Eq. 4)
    2. unroll the last k2 steps and accumulate their errors (Eq. 5): each error flows back at
       most k2 steps, never into an earlier block
    3. roll up the network and update the weights (Eq. 6)
    4. carry the state into the next block and repeat (Eq. 7)

The carried state S_{e_b} is the one computed during the block's own forward pass, with the
weights before the block's update (the usual choice: no second forward pass per block); the
next block's steps run with the updated weights. Full BPTT is one block with k1 = k2 = T,
what ``k1=None, k2=None`` gives, and what ``keras.layers.RNN`` + ``keras.layers.Dense``
trained by ``model.fit`` computes (the library counterpart; a test shows they agree).
This is the notes' k2 ≤ k1 version: Williams & Peng's TBPTT(k1, k2) with k2 > k1, which
backpropagates k2 steps every k1 steps over overlapping windows (as Sutskever, 2013 uses it),
is not implemented.

Symbols: k1 = ``k1``, k2 = ``k2``, S_t = ``states``, [s_b, w_b, e_b) = ``Block(start,
window_start, end)``, E_b = ``loss``. The optimizer's ``iterations`` counts updates (Eq. 6),
so each batch advances it by ⌈T/k1⌉, the blocks (1 for many-to-one).
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import tensorflow as tf
from keras import ops

from toolkit.validation import check_bool, check_int, check_positive_int

K2_HINT = "k2 counts the steps backpropagated within a block of k1 steps, so k2 ≤ k1."


class Block(NamedTuple):
    """One training unit of Eq. 2-3: steps [start, window_start) run forward only,
    [window_start, end) are backpropagated (none when window_start == end)."""

    start: int
    window_start: int
    end: int


def resolve_lengths(T: int, k1=None, k2=None) -> tuple[int, int]:
    """(k1, k2) for sequences of T steps: k1 None is T (one block), k2 None is k1."""
    k1 = T if k1 is None else check_int(
        "k1", k1, 1, T, hint=f"A block cannot be longer than the sequence (T={T} steps).")
    k2 = k1 if k2 is None else check_int("k2", k2, 1, k1, hint=K2_HINT)
    return k1, k2


def block_schedule(T: int, k1=None, k2=None, many_to_one: bool = False) -> tuple[Block, ...]:
    """Eq. 2-3: the blocks of a sequence of T steps, in order."""
    T = check_positive_int("T", T)
    k1, k2 = resolve_lengths(T, k1, k2)
    blocks = []
    for start in range(0, T, k1):
        end = min(start + k1, T)
        has_error = not many_to_one or end == T  # many-to-one: the one target is at step T − 1
        blocks.append(Block(start, max(start, end - k2) if has_error else end, end))
    return tuple(blocks)


def backprop_steps_per_sequence(T: int, k1=None, k2=None, many_to_one: bool = False) -> int:
    """Eq. 8: the time steps one sequence backpropagates through (T for full BPTT)."""
    return sum(block.end - block.window_start for block in block_schedule(T, k1, k2, many_to_one))


def _check_cell(cell):
    if not isinstance(cell, keras.layers.Layer) or isinstance(cell, keras.layers.RNN) \
            or not hasattr(cell, "state_size"):
        raise ValueError("`cell` must be a Keras RNN cell (a layer with `state_size` and "
                         f"call(x_t, states) -> (h_t, states)), received cell={cell!r}; "
                         "pass e.g. keras.layers.SimpleRNNCell(16), not keras.layers.SimpleRNN(16).")
    return cell


def _check_readout(readout):
    if not isinstance(readout, keras.layers.Layer):
        raise ValueError(f"`readout` must be a Keras layer mapping h_t to ŷ_t, received readout={readout!r}; "
                         "pass e.g. keras.layers.Dense(1).")
    return readout


def _stop_gradient(states):
    return [ops.stop_gradient(s) for s in states]


@keras.saving.register_keras_serializable(package="toolkit")
class TruncatedBPTT(keras.Model):
    """A cell and a readout trained with truncated BPTT (module docstring, Eq. 1-8).

    Args:
        cell: a Keras RNN cell (``keras.layers.SimpleRNNCell`` / ``LSTMCell`` / ``GRUCell`` or
            a toolkit cell): ``state_size`` and ``call(x_t, states) -> (h_t, states)``.
        readout: a Keras layer mapping h_t to ŷ_t (e.g. ``keras.layers.Dense``).
        k1: K_1, steps per block (>= 1; None: the whole sequence, one block).
        k2: K_2, steps backpropagated within each block (1 <= k2 <= k1; None: k2 = k1).
            ``k1=None, k2=None`` is full BPTT.
        many_to_one: one target per sequence, y (B, ...), predicted from h_{T−1}; otherwise
            one target per step, y (B, T, ...).

    Train with ``compile(optimizer, loss, metrics)`` and ``model.fit`` or ``toolkit.train.fit``.
    The logged ``loss`` is E_b (Eq. 5) averaged over the blocks that have an error; the
    compiled metrics see the predictions made during training, every step of the sequence
    (many-to-many) or ŷ_{T−1} (many-to-one). ``call`` and ``evaluate`` run the whole sequence.
    """

    def __init__(self, cell, readout, k1=None, k2=None, many_to_one=False, **kwargs):
        super().__init__(**kwargs)
        self.k1 = None if k1 is None else check_positive_int("k1", k1)
        self.k2 = None if k2 is None else check_positive_int("k2", k2)
        if self.k1 is not None and self.k2 is not None:
            check_int("k2", self.k2, 1, self.k1, hint=K2_HINT)
        self.many_to_one = check_bool("many_to_one", many_to_one)
        # Eq. 1 unrolled by one keras.layers.RNN (a tf.while_loop), used for the whole sequence
        # (call) and for the segments of train_step; the cell is reached only through it.
        self.rnn = keras.layers.RNN(_check_cell(cell), return_sequences=True, return_state=True,
                                    name="rnn")
        self.readout = _check_readout(readout)

    @property
    def cell(self):
        return self.rnn.cell

    def build(self, input_shape):
        # Either may already be built: train_step calls them without calling the model.
        if not self.rnn.built:
            self.rnn.build(input_shape)
        h_shape = self.rnn.compute_output_shape(input_shape)[0]  # (B, T, units)
        if not self.readout.built:
            self.readout.build((h_shape[0], h_shape[2]) if self.many_to_one else h_shape)
        self.built = True

    def call(self, x, training=False):
        """ŷ over the whole sequence, full forward from S_0 = 0: (B, T, ...) or (B, ...) many-to-one."""
        h = self.rnn(x, training=training)[0]  # (B, T, units)
        return self.readout(h[:, -1] if self.many_to_one else h, training=training)

    def blocks(self, T: int) -> tuple[Block, ...]:
        """Eq. 2-3 for sequences of T steps."""
        return block_schedule(T, self.k1, self.k2, self.many_to_one)

    def backprop_steps_per_sequence(self, T: int) -> int:
        """Eq. 8 for sequences of T steps: k2 × the blocks with an error (T for full BPTT)."""
        return backprop_steps_per_sequence(T, self.k1, self.k2, self.many_to_one)

    def _segment(self, x, states):
        """Eq. 1 over the steps of `x` (B, t, F) from `states` (None: S_0 = 0): (h (B, t, units), states)."""
        h, *states = self.rnn(x, initial_state=states, training=True)
        return h, states

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        T = x.shape[1]
        if T is None:
            raise ValueError("TruncatedBPTT needs sequences of a known length T to cut them into blocks, "
                             f"received inputs of shape {tuple(x.shape)}; pad the sequences to one length.")
        states, predictions = None, []  # S_0 = 0
        for s, w, e in self.blocks(T):  # a Python loop, unrolled at trace time: ⌈T/k1⌉ blocks
            # Step 1: a block of k1 steps; its first steps [s, w) run forward only, so S_w is a constant (Eq. 4)
            if w > s:
                h, states = self._segment(x[:, s:w], states)
                states = _stop_gradient(states)
                if not self.many_to_one:
                    predictions.append(self.readout(h, training=True))
            if w < e:  # many-to-one blocks before the last have no error and no update
                # Steps 2-3: backprop over [w, e), one update (Eq. 5-6)
                y_pred, states = self._backprop_window(x, y, sample_weight, w, e, states)
                predictions.append(y_pred)
            # Step 4: carry S_e, computed before the update, into the next block (Eq. 7)
            states = _stop_gradient(states)
        y_pred = predictions[-1] if self.many_to_one else ops.concatenate(predictions, axis=1)  # (B, T, ...)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def _backprop_window(self, x, y, sample_weight, w, e, states):
        """Steps 2-3 for the window [w, e) started from the constant S̄_w: (ŷ of the window, S_e)."""
        with tf.GradientTape() as tape:
            # Step 2: unroll the last e − w ≤ k2 steps and accumulate their errors (Eq. 5)
            h, states = self._segment(x[:, w:e], states)  # (B, e − w, units)
            y_pred = self.readout(h[:, -1] if self.many_to_one else h, training=True)
            loss = self._compute_loss(x=x[:, w:e], y=y if self.many_to_one else y[:, w:e], y_pred=y_pred,
                                      sample_weight=self._window(sample_weight, w, e), training=True)
            self._loss_tracker.update_state(loss, sample_weight=ops.shape(x)[0])
            scaled = self.optimizer.scale_loss(loss)
        # Step 3: roll up the network and update the weights (Eq. 6)
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
        return y_pred, states

    def _window(self, sample_weight, start, end):
        """Per-step weights (B, T) sliced to the window; per-sequence weights (B,) kept."""
        if sample_weight is None or self.many_to_one or len(sample_weight.shape) < 2:
            return sample_weight
        return sample_weight[:, start:end]

    def get_config(self):
        return {**super().get_config(), "cell": keras.saving.serialize_keras_object(self.cell),
                "readout": keras.saving.serialize_keras_object(self.readout),
                "k1": self.k1, "k2": self.k2, "many_to_one": self.many_to_one}

    @classmethod
    def from_config(cls, config):
        layers = {key: keras.saving.deserialize_keras_object(config[key]) for key in ("cell", "readout")}
        return cls(**{**config, **layers})
