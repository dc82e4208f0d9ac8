"""The noise-prediction network ε_θ(x_t, t [, c]): a small U-Net with attention at low resolution.

The notes: "Temporal information is embedded via Fourier features (sinusoidal functions). For
images, U-Net architecture is used with the addition of attention mechanisms." The time step
is embedded as the transformer embeds a position (Eq. 6 of ``toolkit.transformers.attention``,
with t in place of the position), passed through an MLP, and added inside every residual
block; a condition c (a class, or a caption's words) is embedded and added to it:

    γ(t)_{2i} = sin(t / 10000^{2i/d}),  γ(t)_{2i+1} = cos(t / 10000^{2i/d})            (1)
    e = MLP(γ(t)) + E_c[c]                              (class; c = ∅ is its own row)  (2)
    e = MLP(γ(t)) + W_w · mean_{words w ∈ c} E_w[w]     (text; no word = ∅)            (3)
    h ← h + Conv(swish(GN(Conv(swish(GN(h))) + W e)))   (residual block)                (4)
    h ← h + MHA(GN(h), GN(h))   over the H·W positions   (attention at the lowest level)(5)

Down the U the resolution halves at each level (a stride-2 convolution), up it doubles
(nearest upsampling + convolution); each level's features skip across and are concatenated.
The output convolution starts at zero, so an untrained network predicts ε̂ = 0.

Mirrors the DDPM U-Net (Ho et al. 2020; keras.io/examples/generative/ddpm) in small.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_int, check_positive_int

MAX_PERIOD = 10_000.0


@keras.saving.register_keras_serializable(package="toolkit")
class TimeEmbedding(keras.layers.Layer):
    """Eq. 1: (B,) or (B, 1) time steps -> (B, dim) Fourier features (no weights).

    The same table as ``toolkit.transformers.positional_encoding(T + 1, dim)`` read at row t,
    and as ``keras_hub.layers.SinePositionEncoding`` with t as the position.
    """

    def __init__(self, dim: int, max_period: float = MAX_PERIOD, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim)
        if self.dim % 2:
            raise ValueError(f"`dim` must be even (sine and cosine pairs), received dim={dim}.")
        self.max_period = float(max_period)

    def call(self, t):
        t = ops.reshape(ops.cast(t, "float32"), (-1, 1))
        dimension = np.arange(self.dim)
        rates = ops.convert_to_tensor((self.max_period ** (-(2 * (dimension // 2)) / self.dim)).astype("float32"))
        angles = t * rates[None]  # (B, dim)
        return ops.where(ops.convert_to_tensor(dimension % 2 == 0), ops.sin(angles), ops.cos(angles))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "max_period": self.max_period}


@keras.saving.register_keras_serializable(package="toolkit")
class MaskedMean(keras.layers.Layer):
    """Eq. 3's mean over a caption's words: (B, L, D) embeddings and (B, L) ids -> (B, D); id 0
    (padding) is left out, and a caption with no words gives the zero vector (the empty prompt ∅)."""

    def call(self, embeddings, ids):
        keep = ops.cast(ops.not_equal(ids, 0), embeddings.dtype)[..., None]  # (B, L, 1)
        return ops.sum(embeddings * keep, axis=1) / ops.maximum(ops.sum(keep, axis=1), 1.0)

    def compute_output_shape(self, embeddings_shape, ids_shape):
        return (embeddings_shape[0], embeddings_shape[2])


def _groups(channels: int) -> int:
    return math.gcd(channels, 8)


def residual_block(h, embedding, channels: int, name: str):
    """Eq. 4, with a 1×1 convolution on the skip when the width changes."""
    skip = h if h.shape[-1] == channels else keras.layers.Conv2D(channels, 1, name=f"{name}_skip")(h)
    h = keras.layers.GroupNormalization(_groups(h.shape[-1]), name=f"{name}_norm1")(h)
    h = keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv1")(keras.layers.Activation("swish")(h))
    shift = keras.layers.Dense(channels, name=f"{name}_time")(embedding)  # W e, (B, C)
    h = h + keras.layers.Reshape((1, 1, channels))(shift)
    h = keras.layers.GroupNormalization(_groups(channels), name=f"{name}_norm2")(h)
    h = keras.layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv2")(keras.layers.Activation("swish")(h))
    return skip + h


def attention_block(h, heads: int, name: str):
    """Eq. 5: self-attention over the H·W positions of (B, H, W, C)."""
    height, width, channels = h.shape[1:]
    tokens = keras.layers.Reshape((height * width, channels))(  # (B, H·W, C)
        keras.layers.GroupNormalization(_groups(channels), name=f"{name}_norm")(h))
    attended = keras.layers.MultiHeadAttention(heads, channels // heads, name=f"{name}_mha")(tokens, tokens)
    return h + keras.layers.Reshape((height, width, channels))(attended)


def _condition(embedding, num_classes: int, vocabulary: int, text_length: int, inputs: dict):
    """Eq. 2 or 3: the condition's embedding added to the time embedding."""
    dim = embedding.shape[-1]
    if num_classes:
        inputs["label"] = keras.Input((), dtype="int32", name="label")  # num_classes is ∅
        table = keras.layers.Embedding(num_classes + 1, dim, name="class_embedding")
        embedding = embedding + table(inputs["label"])
    if vocabulary:
        inputs["tokens"] = keras.Input((text_length,), dtype="int32", name="tokens")
        words = keras.layers.Embedding(vocabulary, dim, name="word_embedding")(inputs["tokens"])
        pooled = MaskedMean(name="caption_mean")(words, inputs["tokens"])
        embedding = embedding + keras.layers.Dense(dim, name="caption_projection")(pooled)
    return embedding


def diffusion_unet(image_shape=(28, 28, 1), widths=(32, 64, 64), *, attention: bool = True, heads: int = 4,
                   num_classes: int = 0, vocabulary: int = 0, text_length: int = 12, time_dim: int | None = None,
                   name: str = "unet") -> keras.Model:
    """ε_θ as a functional model: inputs {"x": (B, H, W, C), "t": (B,)} plus "label" (B,) when
    `num_classes`, "tokens" (B, text_length) when `vocabulary`; output ε̂ (B, H, W, C).

    Args:
        widths: channels of each level; the resolution halves len(widths) − 1 times, so H and W
            must be divisible by 2^(len(widths) − 1).
        attention: self-attention (Eq. 5) at the lowest resolution.
        num_classes: class conditioning (Eq. 2); the label ``num_classes`` means "no class".
        vocabulary: text conditioning (Eq. 3) on word ids in [0, vocabulary), 0 padding.
    """
    height, width, image_channels = (check_positive_int("image_shape", s) for s in image_shape)
    if not widths or any(check_positive_int("widths", w) % _groups(w) for w in widths):
        raise ValueError(f"`widths` must be positive channel counts, received widths={widths!r}.")
    factor = 2 ** (len(widths) - 1)
    if height % factor or width % factor:
        raise ValueError(f"The image side must be divisible by 2^(len(widths) - 1) = {factor} to halve it "
                         f"{len(widths) - 1} times, received image_shape={tuple(image_shape)}; use fewer levels.")
    num_classes = check_int("num_classes", num_classes, 0)
    vocabulary = check_int("vocabulary", vocabulary, 0)
    time_dim = time_dim or 4 * widths[0]
    inputs = {"x": keras.Input(tuple(image_shape), name="x"), "t": keras.Input((), name="t")}
    embedding = TimeEmbedding(widths[0], name="time_features")(inputs["t"])  # Eq. 1
    embedding = keras.layers.Dense(time_dim, activation="swish", name="time_mlp1")(embedding)
    embedding = keras.layers.Dense(time_dim, name="time_mlp2")(embedding)
    embedding = keras.layers.Activation("swish")(_condition(embedding, num_classes, vocabulary, text_length, inputs))

    h = keras.layers.Conv2D(widths[0], 3, padding="same", name="stem")(inputs["x"])
    skips = []
    for level, channels in enumerate(widths):  # down: (B, H / 2^l, W / 2^l, widths[l])
        if level:
            h = keras.layers.Conv2D(channels, 3, strides=2, padding="same", name=f"down{level}")(h)
        h = residual_block(h, embedding, channels, f"down{level}_block")
        skips.append(h)
    if attention:
        h = attention_block(h, heads if widths[-1] % heads == 0 else 1, "middle_attention")
    h = residual_block(h, embedding, widths[-1], "middle_block")
    for level in reversed(range(len(widths))):  # up, each level's skip concatenated
        h = keras.layers.Concatenate()([h, skips[level]])
        h = residual_block(h, embedding, widths[level], f"up{level}_block")
        if level:
            h = keras.layers.UpSampling2D(name=f"up{level}")(h)
            h = keras.layers.Conv2D(widths[level - 1], 3, padding="same", name=f"up{level}_conv")(h)
    h = keras.layers.Activation("swish")(keras.layers.GroupNormalization(_groups(widths[0]), name="out_norm")(h))
    noise = keras.layers.Conv2D(image_channels, 3, padding="same", kernel_initializer="zeros", name="epsilon")(h)
    return keras.Model(inputs, noise, name=name)


def diffusion_mlp(dim: int, *, hidden: int = 256, depth: int = 3, num_classes: int = 0, vocabulary: int = 0,
                  text_length: int = 12, time_dim: int = 64, name: str = "mlp") -> keras.Model:
    """ε_θ for vectors (latent diffusion: x is an autoencoder's code z, (B, d)): the time features
    of Eq. 1 and the class of Eq. 2 or the caption of Eq. 3 give e, added before each of `depth`
    residual swish layers:

        h ← h + W₂ swish(W₁ swish(h + e) + b₁) + b₂,   ε̂ = W_out swish(h)   (W_out starts at 0)

    Inputs {"x": (B, d), "t": (B,)} plus "label" (B,) when `num_classes` (label K is ∅), "tokens"
    (B, text_length) when `vocabulary` (word ids, 0 padding; all zeros is ∅).
    """
    dim = check_positive_int("dim", dim)
    hidden = check_positive_int("hidden", hidden)
    depth = check_positive_int("depth", depth)
    num_classes = check_int("num_classes", num_classes, 0)
    vocabulary = check_int("vocabulary", vocabulary, 0)
    inputs = {"x": keras.Input((dim,), name="x"), "t": keras.Input((), name="t")}
    embedding = TimeEmbedding(check_positive_int("time_dim", time_dim), name="time_features")(inputs["t"])
    embedding = keras.layers.Dense(hidden, activation="swish", name="time_mlp")(embedding)
    embedding = _condition(embedding, num_classes, vocabulary, text_length, inputs)
    h = keras.layers.Dense(hidden, name="stem")(inputs["x"])
    for layer in range(depth):
        inner = keras.layers.Activation("swish")(h + embedding)
        inner = keras.layers.Dense(hidden, activation="swish", name=f"block{layer}_dense1")(inner)
        h = h + keras.layers.Dense(hidden, name=f"block{layer}_dense2")(inner)
    noise = keras.layers.Dense(dim, kernel_initializer="zeros", name="epsilon")(keras.layers.Activation("swish")(h))
    return keras.Model(inputs, noise, name=name)
