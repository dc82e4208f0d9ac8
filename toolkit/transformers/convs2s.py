"""Convolutional sequence to sequence learning (Gehring et al. 2017), small, for the dates of Chapter 7.

The encoder and the decoder are stacks of gated convolutions instead of LSTMs, so every position
of a sentence is computed at once (in training; greedy decoding still goes a step at a time).
The encoder's convolutions are centred ("same" padding), the decoder's causal, and every decoder
layer attends to the encoder's outputs:

    (1) e_j = E x_j + P_j,  g_i = E' y_{i−1} + P'_i         token plus learned position embeddings
    (2) GLU([A B]) = A ⊗ σ(B)                                gated linear unit, [A B] = W * h + b (2d channels)
    (3) h^l = (GLU(W^l * h^{l−1} + b^l) + h^{l−1}) · √0.5    a residual layer (encoder: centred,
                                                             decoder: causal)
    (4) d_i^l = (W_d^l h_i^l + b_d^l + g_i) · √0.5           the decoder state as a query
    (5) a_ij^l = exp(d_i^l · z_j) / Σ_t exp(d_i^l · z_t)     z_j = z_j^u, the encoder's last layer (keys)
    (6) c_i^l = m √(1/m) Σ_j a_ij^l (z_j + e_j)              values z + e; m = the source's length
    (7) h_i^l ← (h_i^l + W_c^l c_i^l) · √0.5                 the context joins the decoder layer
    (8) P(y_i | y_<i, x) = softmax(W_o h_i^L + b_o)          (the softmax in the loss)

The √0.5 of Eqs. 3, 4 and 7 keeps the variance of a sum of two terms (Gehring et al. Sec. 3.4), as
does Eq. 6's m √(1/m) = √m for a weighted mean over m positions. The scores of Eq. 5 are the plain
dot products of the paper (the transformer divides them by √d). Padding (source id 0) gets weight 0
and does not count in m.

Inputs and parts as ``toolkit.sequence.seq2seq``'s translators: "source" (B, S) and
"decoder_inputs" (B, T) ids -> logits (B, T, V); the model chains an "encoder" (source -> [z, e])
and a "decoder" ([source, z, e, decoder inputs] -> logits) that ``seq2seq.translate`` decodes greedily.

Symbols -> names: E, P = the "source_embedding" layer's "embedding" and "positions" (E', P' of
"target_embedding"), W^l = "encoder_conv_l" / "decoder_conv_l", W_d^l and W_c^l = the "query" and
"context" of "decoder_attention_l", W_o = "readout", u = L = `layers`, a^l from ``convs2s_attention``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from toolkit.sequence.seq2seq import (SOURCE_LENGTH, SOURCE_VOCAB, TARGET_VOCAB, encoder_decoder, translator_parts,
                                      source_input, target_input)
from toolkit.transformers.attention import masked_softmax
from toolkit.validation import check_bool, check_int, check_positive_int

SCALE = math.sqrt(0.5)
MAX_LAYERS = 8
MAX_TARGET_LENGTH = 64  # positions P' of the decoder's position embedding


@keras.saving.register_keras_serializable(package="toolkit")
class GatedConv1D(keras.layers.Layer):
    """Eqs. 2-3: (B, T, d) -> (GLU(W * h + b) + h) · √0.5; `causal` pads k − 1 steps on the left only
    (``keras.layers.Conv1D(padding="causal")``), otherwise the kernel is centred ("same")."""

    def __init__(self, dim: int, kernel_size: int = 3, causal: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.kernel_size = check_positive_int("dim", dim), check_positive_int("kernel_size", kernel_size)
        self.causal = check_bool("causal", causal)
        self.conv = keras.layers.Conv1D(2 * self.dim, self.kernel_size, padding="causal" if causal else "same",
                                        name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, h):
        a, b = ops.split(self.conv(h), 2, axis=-1)  # [A B] (B, T, 2d) -> A, B (B, T, d)
        return (a * ops.sigmoid(b) + h) * SCALE  # Eqs. 2-3

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "kernel_size": self.kernel_size, "causal": self.causal}


@keras.saving.register_keras_serializable(package="toolkit")
class TokenAndLearnedPosition(keras.layers.Layer):
    """Eq. 1: E ids + P_position, (B, T) -> (B, T, d), T ≤ `max_length` (the positions are learned)."""

    def __init__(self, vocabulary: int, dim: int, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary, self.dim = check_positive_int("vocabulary", vocabulary), check_positive_int("dim", dim)
        self.max_length = check_positive_int("max_length", max_length)
        self.embedding = keras.layers.Embedding(self.vocabulary, self.dim, name="embedding")

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.positions = self.add_weight(name="positions", shape=(self.max_length, self.dim),
                                         initializer=keras.initializers.RandomNormal(stddev=0.1))

    def call(self, ids):
        steps = ops.shape(ids)[1]
        return self.embedding(ids) + self.positions[None, :steps]  # Eq. 1, (B, T, d)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.dim)

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "dim": self.dim,
                "max_length": self.max_length}


@keras.saving.register_keras_serializable(package="toolkit")
class ConvAttention(keras.layers.Layer):
    """Eqs. 4-7 for one decoder layer: [h (B, T, d), g (B, T, d), z (B, S, d), e (B, S, d), source ids (B, S)]
    -> (h + W_c c) · √0.5 (B, T, d); with `return_attention_scores`, also a (B, T, S)."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim)
        self.query = keras.layers.Dense(self.dim, name="query")
        self.context = keras.layers.Dense(self.dim, name="context")

    def build(self, input_shape):
        self.query.build(input_shape[0])
        self.context.build(input_shape[0])

    def call(self, inputs, return_attention_scores=False):
        h, g, z, e, source = inputs
        d = (self.query(h) + g) * SCALE  # Eq. 4, (B, T, d)
        tokens = ops.not_equal(source, 0)  # (B, S): False on padding
        scores = ops.matmul(d, ops.swapaxes(z, 1, 2))  # Eq. 5's d_i · z_j, (B, T, S)
        weights = masked_softmax(scores, ops.expand_dims(tokens, 1))  # Eq. 5, padding at 0
        m = ops.sum(ops.cast(tokens, h.dtype), axis=1)[:, None, None]  # (B, 1, 1)
        c = ops.matmul(weights, z + e) * ops.sqrt(m)  # Eq. 6, (B, T, d)
        out = (h + self.context(c)) * SCALE  # Eq. 7
        return (out, weights) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def convs2s(dim: int = 64, layers: int = 2, kernel_size: int = 3, *, source_vocab: int = len(SOURCE_VOCAB),
            target_vocab: int = len(TARGET_VOCAB), source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 1-8 with `layers` gated convolutions of width `kernel_size` on each side, `dim` channels.

    Inputs [source ids (B, S), decoder input ids (B, T)], output logits (B, T, target_vocab), T ≤ 64,
    as ``seq2seq.bahdanau``'s; the attention weights come from ``convs2s_attention``.
    """
    dim, kernel_size = check_positive_int("dim", dim), check_positive_int("kernel_size", kernel_size)
    layers = check_int("layers", layers, 1, MAX_LAYERS)
    source_vocab, target_vocab = check_positive_int("source_vocab", source_vocab), \
        check_positive_int("target_vocab", target_vocab)
    length = check_positive_int("source_length", source_length)
    encoder = _encoder(dim, layers, kernel_size, source_vocab, length)
    decoder = _decoder(dim, layers, kernel_size, target_vocab, length)
    return encoder_decoder(encoder, decoder, length, name="convs2s")


def _encoder(dim, layers, kernel_size, source_vocab, length):
    """source (B, S) -> [z (B, S, d), e (B, S, d)]: the last layer and the embeddings (Eqs. 1-3)."""
    source = source_input(length)
    e = TokenAndLearnedPosition(source_vocab, dim, length, name="source_embedding")(source)  # Eq. 1
    z = e
    for layer in range(1, layers + 1):
        z = GatedConv1D(dim, kernel_size, name=f"encoder_conv_{layer}")(z)  # Eq. 3, every position at once
    return keras.Model(source, [z, e], name="encoder")


def _decoder(dim, layers, kernel_size, target_vocab, length):
    """[source (B, S), z, e (B, S, d), decoder inputs (B, T)] -> logits (B, T, V) (Eqs. 1, 3-8)."""
    source, targets = source_input(length), target_input()
    z, e = keras.Input((length, dim), name="memory"), keras.Input((length, dim), name="source_embedded")
    g = TokenAndLearnedPosition(target_vocab, dim, MAX_TARGET_LENGTH, name="target_embedding")(targets)  # Eq. 1
    h = g
    for layer in range(1, layers + 1):
        h = GatedConv1D(dim, kernel_size, causal=True, name=f"decoder_conv_{layer}")(h)  # Eq. 3: h_i from y_<i
        h = ConvAttention(dim, name=f"decoder_attention_{layer}")([h, g, z, e, source])  # Eqs. 4-7
    logits = keras.layers.Dense(target_vocab, name="readout")(h)  # Eq. 8 (softmax in the loss)
    return keras.Model([source, z, e, targets], logits, name="decoder")


def convs2s_attention(model: keras.Model, source_ids, decoder_ids) -> list[np.ndarray]:
    """a^l of Eq. 5 for every decoder layer l = 1 … L: a list of NumPy (B, T, S) weights, for (B, S)
    source and (B, T) decoder ids (teacher forcing, or a translation shifted behind <start>)."""
    encoder, decoder = translator_parts(model)
    if not any(isinstance(layer, ConvAttention) for layer in decoder.layers):
        raise ValueError(f"`model` must be built by toolkit.transformers.convs2s.convs2s, received "
                         f"{model.name!r}, whose decoder has no ConvAttention layer.")
    source = np.asarray(source_ids, np.int32)
    z, e = encoder(source)  # (B, S, d) each
    g = decoder.get_layer("target_embedding")(np.asarray(decoder_ids, np.int32))  # (B, T, d)
    h, found = g, []
    for layer in decoder.layers:  # in the order they were called: conv_1, attention_1, conv_2, …
        if isinstance(layer, GatedConv1D):
            h = layer(h)
        elif isinstance(layer, ConvAttention):
            h, weights = layer([h, g, z, e, source], return_attention_scores=True)
            found.append(ops.convert_to_numpy(weights))
    return found
