"""Flamingo's two new layers (Alayrac et al. 2022): the Perceiver Resampler and the gated cross-attention block.

The notes: "Flamingo's main innovations include the Perceiver Resampler and Gated XATTN-DENSE layers, which are
trained from scratch ... Perceiver Resampler provides meaningful representations of fixed size to address the
challenge of handling varying sizes inputs." A frozen vision encoder gives S feature vectors per image (any S);
the resampler turns them into R learned queries' worth of tokens; gated blocks inserted before the frozen
language model's layers let the text read them. The gates start at 0, so at initialization the language model
computes exactly what it computed alone, and training opens them gradually:

    Perceiver Resampler (x_f: (S, d) visual features, x: (R, d) learned latents, L layers):
    (1) x ← x + Attention(q = LN(x), kv = LN([x_f; x]))
    (2) x ← x + FFW(LN(x))                                  output: (R, d) whatever S was

    GATED XATTN-DENSE (y: (T, d) the language model's hidden states, x: the resampled visual tokens):
    (3) y ← y + tanh(α_xattn) · Attention(q = LN(y), kv = x)
    (4) y ← y + tanh(α_dense) · FFW(LN(y))                  α_xattn = α_dense = 0 at initialization

Symbols -> names: x = ``PerceiverResampler``'s "latents"; each layer's Attention "attention_l" (a
``keras.layers.MultiHeadAttention``), FFW "ffw_l"; α_xattn, α_dense = ``GatedCrossAttentionDense``'s
"alpha_xattn", "alpha_dense".
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit.validation import check_positive_int

LATEX = {
    "resampler": r"x \leftarrow x + \mathrm{Attn}\big(q = x,\ kv = [x_f;\, x]\big),\quad x \leftarrow x + \mathrm{FFW}(x)",
    "gated": r"y \leftarrow y + \tanh(\alpha_{\mathrm{xattn}})\,\mathrm{Attn}(q = y,\ kv = x),\quad "
             r"y \leftarrow y + \tanh(\alpha_{\mathrm{dense}})\,\mathrm{FFW}(y),\quad \alpha = 0 \text{ at start}",
}


def _ffw(dim: int, name: str) -> keras.Sequential:
    return keras.Sequential([keras.layers.LayerNormalization(epsilon=1e-5, name="norm"),
                             keras.layers.Dense(4 * dim, activation="gelu", name="up"),
                             keras.layers.Dense(dim, name="down")], name=name)


@keras.saving.register_keras_serializable(package="toolkit")
class PerceiverResampler(keras.layers.Layer):
    """Eqs. 1-2: visual features (B, S, d) -> (B, R, d) for any S; R = `latents`, L = `depth`."""

    def __init__(self, latents: int = 8, depth: int = 2, heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.latent_count = check_positive_int("latents", latents)
        self.depth = check_positive_int("depth", depth)
        self.heads = check_positive_int("heads", heads)

    def build(self, input_shape):
        dim = int(input_shape[-1])
        if dim % self.heads:
            raise ValueError(f"The features' width must be a multiple of `heads`, received width {dim} and "
                             f"heads={self.heads}.")
        self.dim = dim
        self.latents = self.add_weight(name="latents", shape=(self.latent_count, dim),
                                       initializer=keras.initializers.RandomNormal(stddev=0.02))
        self.query_norms, self.input_norms, self.attentions, self.ffws = [], [], [], []
        for layer in range(self.depth):
            query_norm = keras.layers.LayerNormalization(epsilon=1e-5, name=f"query_norm_{layer + 1}")
            input_norm = keras.layers.LayerNormalization(epsilon=1e-5, name=f"input_norm_{layer + 1}")
            attention = keras.layers.MultiHeadAttention(self.heads, dim // self.heads, name=f"attention_{layer + 1}")
            ffw = _ffw(dim, f"ffw_{layer + 1}")
            query_norm.build((None, self.latent_count, dim))
            input_norm.build((None, None, dim))
            attention.build((None, self.latent_count, dim), (None, None, dim))
            ffw.build((None, self.latent_count, dim))
            self.query_norms.append(query_norm)
            self.input_norms.append(input_norm)
            self.attentions.append(attention)
            self.ffws.append(ffw)

    def call(self, features, training=None):
        batch = ops.shape(features)[0]
        x = ops.broadcast_to(ops.cast(self.latents, features.dtype)[None], (batch, self.latent_count, self.dim))
        for query_norm, input_norm, attention, ffw in zip(self.query_norms, self.input_norms, self.attentions,
                                                          self.ffws):
            keys = input_norm(ops.concatenate([features, x], axis=1))  # Eq. 1: kv = [x_f; x]
            x = x + attention(query_norm(x), keys, training=training)
            x = x + ffw(x, training=training)  # Eq. 2
        return x

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.latent_count, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "latents": self.latent_count, "depth": self.depth, "heads": self.heads}


@keras.saving.register_keras_serializable(package="toolkit")
class GatedCrossAttentionDense(keras.layers.Layer):
    """Eqs. 3-4: ``block([y, x])`` -> y' (B, T, d); y the language model's states, x (B, R, d) visual tokens.

    Both gates start at 0: y' = y exactly until training moves α (its gradient at 0 is not zero).
    """

    def __init__(self, heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.heads = check_positive_int("heads", heads)

    def build(self, input_shape):
        y_shape, x_shape = input_shape
        dim = int(y_shape[-1])
        if dim % self.heads:
            raise ValueError(f"The text states' width must be a multiple of `heads`, received width {dim} and "
                             f"heads={self.heads}.")
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")
        self.attention = keras.layers.MultiHeadAttention(self.heads, dim // self.heads, name="attention")
        self.ffw = _ffw(dim, "ffw")
        self.norm.build(y_shape)
        self.attention.build(y_shape, x_shape)
        self.ffw.build(y_shape)
        self.alpha_xattn = self.add_weight(name="alpha_xattn", shape=(), initializer="zeros")
        self.alpha_dense = self.add_weight(name="alpha_dense", shape=(), initializer="zeros")

    def call(self, inputs, training=None):
        y, x = inputs
        y = y + ops.tanh(self.alpha_xattn) * self.attention(self.norm(y), x, training=training)  # Eq. 3
        return y + ops.tanh(self.alpha_dense) * self.ffw(y, training=training)  # Eq. 4

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "heads": self.heads}
