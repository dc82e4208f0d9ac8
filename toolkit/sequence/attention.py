"""Attention for sequence-to-sequence models: additive (Bahdanau) and local (Luong) attention.

An encoder reads the source x_1 … x_S into latent representations h_1 … h_S (for the notes'
RNN with attention, a bidirectional LSTM: h_j = [→h_j ; ←h_j]). When the decoder produces output
t from its state s, attention replaces the one fixed context vector of plain seq2seq by a
context c_t made for that step:

    (1) e_tj = a(s, h_j) = v_aᵀ tanh(W_s s + W_h h_j)                  alignment score (additive)
    (2) a_tj = softmax_j(e_tj) = exp(e_tj) / Σ_k exp(e_tk)               attention weights
    (3) c_t = Σ_j a_tj h_j                                               context vector

(Bahdanau, Cho & Bengio 2015; the notes score s_{t−1} against every h_j). Local attention
(Luong, Pham & Manning 2015, "local-p") looks only at a window of 2D + 1 source positions around
a position it predicts from the decoder state:

    (4) p_t = S · σ(v_pᵀ tanh(W_p s))                    aligned position, in [0, S] (S: the source's length)
    (5) score(s, h_j) = sᵀ W_a h_j  ("general")   or   sᵀ h_j  ("dot")
    (6) a_tj = softmax_{j : |j − p_t| ≤ D}(score(s, h_j)) · exp(−(j − p_t)² / (2σ²)),  σ = D / 2
    (7) c_t = Σ_j a_tj h_j          (a_tj = 0 outside the window; Eq. 6 is not renormalized)

The notes' next steps, s̃_t = tanh(W_c[c_t; s_t]) and P(y_t | y_<t, x) = softmax(W_s s̃_t), are
Dense layers of the model that uses these layers. Hard attention (Show, Attend and Tell) keeps
only one location: ``hard_attention`` turns weights into the one-hot of their argmax (or of a
location sampled from them).

``AdditiveAttention`` mirrors ``keras.layers.AdditiveAttention``, which is Eq. 1 with
W_s = W_h = I (query and keys of one width) and v_a = its `scale`; ``LocalAttention`` with
``score="dot"`` and a window wider than the source mirrors ``keras.layers.Attention``
(``tests/sequence/test_attention.py``). Both take ``[query (B, T, Dq), values (B, S, Dv)]``, an
optional value mask (B, S), and return the contexts (B, T, Dv), with the weights (B, T, S) when
``return_attention_scores=True``.

Symbols -> names: s = query, h_j = values[:, j], W_s = ``query_kernel``, W_h = ``value_kernel``,
v_a = ``score_vector``, W_p = ``position_kernel``, v_p = ``position_vector``, W_a = ``score_kernel``,
D = ``window``, S = the number of source steps.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_choice, check_positive_int

MASKED = -1e9  # the score of a masked or out-of-window position: its weight is exp(-1e9) = 0
SCORES = ("general", "dot")


def _value_mask(mask):
    """The values' mask of Keras's [query_mask, value_mask] convention, or None."""
    if isinstance(mask, (list, tuple)):
        return mask[1] if len(mask) > 1 else None
    return mask


def _masked_softmax(scores, keep):
    """Eq. 2 over the last axis, with positions where `keep` is False at weight 0."""
    if keep is not None:
        scores = ops.where(keep, scores, MASKED)
    return ops.softmax(scores, axis=-1)


class _Attention(keras.layers.Layer):
    """What both attention layers share: [query, values] in, one context per query step out."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None  # the contexts have no padding of their own

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape
        return (*query_shape[:-1], value_shape[-1])  # (B, T, Dv)


@keras.saving.register_keras_serializable(package="toolkit")
class AdditiveAttention(_Attention):
    """Bahdanau attention, Eq. 1-3: e = v_aᵀ tanh(W_s s + W_h h_j), a = softmax(e), c = Σ a h.

    Args:
        units: width of W_s s and W_h h_j (the tanh layer of the alignment model).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        self.query_kernel = self.add_weight(name="query_kernel", shape=(query_shape[-1], self.units),
                                            initializer="glorot_uniform")
        self.value_kernel = self.add_weight(name="value_kernel", shape=(value_shape[-1], self.units),
                                            initializer="glorot_uniform")
        self.score_vector = self.add_weight(name="score_vector", shape=(self.units,), initializer="glorot_uniform")

    def call(self, inputs, mask=None, return_attention_scores=False):
        query, values = inputs
        # Eq. 1: (B, T, 1, U) + (B, 1, S, U) -> tanh -> · v_a -> (B, T, S)
        projected_query = ops.expand_dims(ops.matmul(query, self.query_kernel), 2)
        projected_values = ops.expand_dims(ops.matmul(values, self.value_kernel), 1)
        scores = ops.sum(ops.tanh(projected_query + projected_values) * self.score_vector, axis=-1)
        keep = _value_mask(mask)
        # Eq. 2: a_tj, masked source positions at 0
        weights = _masked_softmax(scores, None if keep is None else ops.expand_dims(ops.cast(keep, "bool"), 1))
        contexts = ops.matmul(weights, values)  # Eq. 3: (B, T, Dv)
        return (contexts, weights) if return_attention_scores else contexts

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="toolkit")
class LocalAttention(_Attention):
    """Luong's local-p attention, Eq. 4-7: a window of 2D + 1 positions around p_t, Gaussian-weighted.

    Args:
        window: D, the half-width of the window (σ = D / 2).
        units: width of the position model's tanh layer (W_p s).
        score: "general" (sᵀ W_a h_j, Eq. 5, needs the query and values widths) or "dot" (sᵀ h_j,
            query and values of one width).
    """

    def __init__(self, window: int = 2, units: int = 16, score: str = "general", **kwargs):
        super().__init__(**kwargs)
        self.window = check_positive_int("window", window)
        self.units = check_positive_int("units", units)
        self.score = check_choice("score", score, SCORES)

    def build(self, input_shape):
        query_shape, value_shape = input_shape
        if self.score == "dot" and query_shape[-1] != value_shape[-1]:
            raise ValueError(f'score="dot" needs a query as wide as the values, received widths {query_shape[-1]} '
                             f'and {value_shape[-1]}; use score="general".')
        self.position_kernel = self.add_weight(name="position_kernel", shape=(query_shape[-1], self.units),
                                               initializer="glorot_uniform")
        self.position_vector = self.add_weight(name="position_vector", shape=(self.units,),
                                               initializer="glorot_uniform")
        if self.score == "general":
            self.score_kernel = self.add_weight(name="score_kernel", shape=(query_shape[-1], value_shape[-1]),
                                                initializer="glorot_uniform")

    def positions(self, query, source_length):
        """Eq. 4: p_t = S · σ(v_pᵀ tanh(W_p s)), shape (B, T); `source_length` is S, or (B, 1) of
        each source's own length."""
        hidden = ops.tanh(ops.matmul(query, self.position_kernel))  # (B, T, U)
        return source_length * ops.sigmoid(ops.sum(hidden * self.position_vector, axis=-1))

    def call(self, inputs, mask=None, return_attention_scores=False):
        query, values = inputs
        steps = ops.shape(values)[1]
        value_mask = _value_mask(mask)
        # S of Eq. 4 is the source's length: with a mask, each source's unpadded steps (else a
        # window placed at the middle of a padded source would see only padding and never learn)
        lengths = steps if value_mask is None else ops.sum(ops.cast(value_mask, query.dtype), axis=-1, keepdims=True)
        p = ops.expand_dims(self.positions(query, lengths), -1)  # (B, T, 1)
        j = ops.cast(ops.arange(steps), p.dtype)  # (S,)
        # Eq. 5: (B, T, S)
        keys = values if self.score == "dot" else ops.matmul(values, ops.transpose(self.score_kernel))
        scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))
        keep = ops.abs(j - p) <= self.window  # the window |j − p_t| ≤ D
        if value_mask is not None:
            keep = ops.logical_and(keep, ops.expand_dims(ops.cast(value_mask, "bool"), 1))
        sigma = self.window / 2
        # Eq. 6: the window's softmax times the Gaussian centred on p_t
        weights = _masked_softmax(scores, keep) * ops.exp(-ops.square(j - p) / (2 * sigma**2))
        weights = ops.where(keep, weights, 0.0)  # a window with no kept position has no weight at all
        contexts = ops.matmul(weights, values)  # Eq. 7
        return (contexts, weights) if return_attention_scores else contexts

    def get_config(self):
        return {**super().get_config(), "window": self.window, "units": self.units, "score": self.score}


def hard_attention(weights, *, sample: bool = False, seed: int = 0) -> np.ndarray:
    """Show, Attend and Tell's hard attention: weight 1 at one location, 0 elsewhere.

    `weights` (..., S) are soft attention weights; the location is their argmax, or, with
    ``sample=True``, a location drawn with probability a_j (the stochastic version of the paper).
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 0 or weights.shape[-1] == 0:
        raise ValueError(f"`weights` must have a last axis of locations, received shape {weights.shape}.")
    if sample:
        rng = np.random.default_rng(seed)
        flat = weights.reshape(-1, weights.shape[-1])
        chosen = np.array([rng.choice(len(row), p=row / row.sum()) for row in flat]).reshape(weights.shape[:-1])
    else:
        chosen = weights.argmax(axis=-1)
    return np.eye(weights.shape[-1], dtype=np.float32)[chosen]
