"""Scaled dot-product and multi-head attention, positional encoding, the transformer's blocks.

Vaswani et al. (2017), "Attention is all you need". Every token's query is compared with every
token's key; the softmax of the scaled scores weighs the values:

    (1) Q = X W^Q,  K = X W^K,  V = X W^V                   (B, T, d_k) each, per head
    (2) S = Q Kᵀ / √d_k                                      (B, T, S) the scores: how similar two tokens are
    (3) A = softmax(S + M)                                   M = 0 where attending, −∞ where masked
    (4) Z = A V                                              the weighted values, (B, T, d_v)
    (5) MultiHead(Q, K, V) = Concat(head_1 … head_h) W^O     head_i = Eqs. 1-4 with W_i^Q, W_i^K, W_i^V
    (6) PE(pos, 2i) = sin(pos / 10000^{2i/d}),  PE(pos, 2i+1) = cos(pos / 10000^{2i/d})
    (7) EncoderBlock:  u = LN(x + MHA(x, x)),  z = LN(u + FFN(u)),   FFN(u) = max(0, u W_1 + b_1) W_2 + b_2
    (8) DecoderBlock:  u = LN(y + MHA(y, y, causal)),  v = LN(u + MHA(u, z)),  out = LN(v + FFN(v))

With ``norm_first`` the blocks normalize before each sub-layer instead (x + MHA(LN(x)), the
"pre-norm" transformer of GPT-2 and ViT), which trains more easily without warm-up. The masks:
``padding_mask`` hides a source's padding (id 0) from every query, ``causal_mask`` hides from
position t every position after it, so a decoder trained on whole sentences at once (teacher
forcing) predicts y_t from y_<t only.

``MultiHeadAttention`` mirrors ``keras.layers.MultiHeadAttention``: the same weights, in the same
order and shapes, so ``set_weights(keras_layer.get_weights())`` makes the two agree
(tests/transformers/test_attention.py). ``SinusoidalPositionEncoding`` mirrors
``keras_hub.layers.SinePositionEncoding``.

Symbols -> names: W^Q, W^K, W^V = the "query", "key", "value" kernels (D, h, d_k), W^O = "output"
(h, d_v, D); d_k = `key_dim`, h = `num_heads`, M = `attention_mask` (True = attend).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_bool, check_float, check_int, check_positive_int

MAX_WAVELENGTH = 10_000.0


# ---------------------------------------------------------------- Eqs. 1-4
def scaled_dot_product_attention(query, key, value, mask=None):
    """Eqs. 2-4: (..., T, d_k), (..., S, d_k), (..., S, d_v) -> (output (..., T, d_v), weights (..., T, S)).

    `mask`: broadcastable to (..., T, S), True where a query may attend. A query whose keys are all
    masked gets weight 0 everywhere (output 0), never NaN.
    """
    weights = masked_softmax(attention_scores(query, key), mask)  # Eqs. 2-3, (..., T, S)
    return ops.matmul(weights, value), weights  # Eq. 4


def attention_scores(query, key):
    """Eq. 2: (..., T, d_k), (..., S, d_k) -> Q Kᵀ / √d_k (..., T, S), before the softmax."""
    depth = ops.cast(ops.shape(query)[-1], query.dtype)
    return ops.matmul(query, ops.swapaxes(key, -1, -2)) / ops.sqrt(depth)


def masked_softmax(scores, mask=None):
    """Eq. 3: softmax over the last axis with −∞ where `mask` is False (rows all masked -> 0)."""
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.cast(mask, "bool")
    scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
    return ops.softmax(scores, axis=-1) * ops.cast(ops.any(mask, axis=-1, keepdims=True), scores.dtype)


def padding_mask(ids):
    """(B, S) token ids -> (B, 1, S) bool: True where a key is a token, False on its padding (id 0)."""
    return ops.expand_dims(ops.not_equal(ids, 0), axis=1)


def causal_mask(length: int):
    """(T, T) bool, lower-triangular: position t attends to positions 1 … t only."""
    length = check_positive_int("length", length)
    return ops.convert_to_tensor(np.tril(np.ones((length, length), bool)))


def key_mask(mask):
    """A block's padding mask: (B, S) source ids (id 0 is padding) or bool (True on tokens) ->
    (B, 1, S) bool, the same for every query; None stays None."""
    if mask is None:
        return None
    mask = ops.convert_to_tensor(mask)
    if "int" in keras.backend.standardize_dtype(mask.dtype):
        return padding_mask(mask)
    return ops.expand_dims(ops.cast(mask, "bool"), axis=1)


def _causal_mask_like(x):
    """The (T, T) causal mask of `x` (B, T, D) whose T may be unknown until run time."""
    steps = ops.arange(ops.shape(x)[1])
    return ops.greater_equal(ops.expand_dims(steps, 1), ops.expand_dims(steps, 0))


# ---------------------------------------------------------------- Eq. 5
@keras.saving.register_keras_serializable(package="toolkit")
class MultiHeadAttention(keras.layers.Layer):
    """Eq. 5 from scratch, weight for weight ``keras.layers.MultiHeadAttention``.

    Call as Keras's layer: ``layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False)``; query (B, T, D_q), value (B, S, D_v), key (B, S, D_k) (the
    value when None), attention_mask broadcastable to (B, T, S), True = attend. The scores returned
    are A of Eq. 3 per head, (B, h, T, S).
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = check_positive_int("num_heads", num_heads)
        self.key_dim = check_positive_int("key_dim", key_dim)
        self.value_dim = check_positive_int("value_dim", value_dim) if value_dim is not None else key_dim
        self.dropout = check_float("dropout", dropout, 0.0, 1.0, open_high=True)
        self.use_bias = check_bool("use_bias", use_bias)
        self.output_dim = check_positive_int("output_shape", output_shape) if output_shape is not None else None
        self.attention_dropout = keras.layers.Dropout(self.dropout)

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        heads = self.num_heads
        # the order of keras.layers.MultiHeadAttention.get_weights(): query, key, value, output
        self.query_kernel, self.query_bias = self._projection("query", query_shape[-1], (heads, self.key_dim))
        self.key_kernel, self.key_bias = self._projection("key", key_shape[-1], (heads, self.key_dim))
        self.value_kernel, self.value_bias = self._projection("value", value_shape[-1], (heads, self.value_dim))
        out = self.output_dim or query_shape[-1]
        self.output_kernel = self.add_weight(name="output_kernel", shape=(heads, self.value_dim, out),
                                             initializer="glorot_uniform")
        self.output_bias = self.add_weight(name="output_bias", shape=(out,), initializer="zeros") \
            if self.use_bias else None

    def _projection(self, name, width, shape):
        kernel = self.add_weight(name=f"{name}_kernel", shape=(width, *shape), initializer="glorot_uniform")
        bias = self.add_weight(name=f"{name}_bias", shape=shape, initializer="zeros") if self.use_bias else None
        return kernel, bias

    def heads(self, query, value, key=None):
        """Eq. 1: Q (B, h, T, d_k), K (B, h, S, d_k), V (B, h, S, d_v)."""
        key = value if key is None else key
        return (self._project(query, self.query_kernel, self.query_bias),
                self._project(key, self.key_kernel, self.key_bias),
                self._project(value, self.value_kernel, self.value_bias))

    @staticmethod
    def _project(x, kernel, bias):
        projected = ops.einsum("btd,dhk->bhtk", x, kernel)  # (B, T, D) -> (B, h, T, d)
        return projected if bias is None else projected + ops.expand_dims(bias, 1)  # bias (h, d) -> (h, 1, d)

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None):
        q, k, v = self.heads(query, value, key)
        mask = None if attention_mask is None else ops.expand_dims(attention_mask, -3)  # (B, 1, T, S): every head
        # Eqs. 2-4 per head (Keras scales the query by 1/√d_k before the product: the same scores)
        weights = masked_softmax(attention_scores(q, k), mask)  # (B, h, T, S)
        z = ops.matmul(self.attention_dropout(weights, training=training), v)  # (B, h, T, d_v)
        # Eq. 5: Concat(head_1 … head_h) W^O, (B, h, T, d_v) -> (B, T, D)
        output = ops.einsum("bhtv,hvd->btd", z, self.output_kernel)
        if self.output_bias is not None:
            output = output + self.output_bias
        return (output, weights) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return (*query_shape[:-1], self.output_dim or query_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_dim}


def self_attention_steps(x, layer: MultiHeadAttention, head: int | None = None, mask=None) -> dict:
    """Eqs. 1-4 of `layer` attending over `x` ((T, D) or (1, T, D)) itself, as NumPy arrays.

    Keys "query", "key", "value" (T, d), "scores" (T, T, Eq. 2, before the softmax), "weights"
    (T, T, Eq. 3) and "output" (T, d_v, Eq. 4: weights @ value, before W^O) of head `head`; every
    head, (h, ...) each, when `head` is None. `mask`: (T,) True for tokens (padding hidden from
    every query). The weights are those ``layer(x, x, return_attention_scores=True)`` returns.
    """
    if head is not None:
        head = check_int("head", head, 0, layer.num_heads - 1)
    x = np.asarray(x, np.float32)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[0] != 1):
        raise ValueError(f"`x` must be one sequence, (T, D) or (1, T, D), received shape {x.shape}.")
    x = ops.convert_to_tensor(x.reshape(1, *x.shape[-2:]))  # (1, T, D)
    q, k, v = layer.heads(x, x)  # Eq. 1, (1, h, T, d) each
    scores = attention_scores(q, k)  # Eq. 2, (1, h, T, T)
    keep = None if mask is None else ops.convert_to_tensor(np.asarray(mask, bool).reshape(1, 1, 1, -1))
    weights = masked_softmax(scores, keep)  # Eq. 3
    steps = {"query": q, "key": k, "value": v, "scores": scores, "weights": weights,
             "output": ops.matmul(weights, v)}  # Eq. 4, (1, h, T, d_v)
    chosen = slice(None) if head is None else head
    return {name: ops.convert_to_numpy(value)[0, chosen] for name, value in steps.items()}


# ---------------------------------------------------------------- Eq. 6
def positional_encoding(length: int, depth: int, max_wavelength: float = MAX_WAVELENGTH) -> np.ndarray:
    """Eq. 6 as a (length, depth) float32 array: sine on even dimensions, cosine on odd ones."""
    length, depth = check_positive_int("length", length), check_positive_int("depth", depth)
    positions = np.arange(length, dtype=np.float64)[:, None]
    rates = max_wavelength ** (-(2 * (np.arange(depth) // 2)) / depth)  # 1 / 10000^{2i/d}
    angles = positions * rates[None]
    return np.where(np.arange(depth) % 2 == 0, np.sin(angles), np.cos(angles)).astype(np.float32)


@keras.saving.register_keras_serializable(package="toolkit")
class SinusoidalPositionEncoding(keras.layers.Layer):
    """Eq. 6 as a layer, ``keras_hub.layers.SinePositionEncoding``'s interface: (B, T, D) -> the
    (B, T, D) encodings of positions 0 … T − 1 (to add to the embeddings; T may vary per call)."""

    def __init__(self, max_wavelength: float = MAX_WAVELENGTH, **kwargs):
        super().__init__(**kwargs)
        self.max_wavelength = check_float("max_wavelength", max_wavelength, 1.0)

    def call(self, inputs):
        shape = ops.shape(inputs)
        depth = shape[-1]
        positions = ops.cast(ops.arange(shape[-2]), self.compute_dtype)
        dimension = ops.arange(depth)
        rates = ops.power(ops.cast(self.max_wavelength, self.compute_dtype),
                          -ops.cast(2 * (dimension // 2), self.compute_dtype) / ops.cast(depth, self.compute_dtype))
        angles = ops.expand_dims(positions, 1) * ops.expand_dims(rates, 0)  # (T, D)
        encoding = ops.where(ops.equal(dimension % 2, 0), ops.sin(angles), ops.cos(angles))
        return ops.broadcast_to(encoding, shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_wavelength": self.max_wavelength}


# ---------------------------------------------------------------- Eqs. 7-8
class _Block(keras.layers.Layer):
    """What both blocks share: validated sizes, the FFN, residual + LayerNorm around a sub-layer."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.0, norm_first: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.dim, self.heads = check_positive_int("dim", dim), check_positive_int("heads", heads)
        if self.dim % self.heads:
            raise ValueError(f"`dim` must be a multiple of `heads` (d_k = dim / heads), received dim={dim} and "
                             f"heads={heads}.")
        self.ffn_dim = check_positive_int("ffn_dim", ffn_dim)
        self.dropout = check_float("dropout", dropout, 0.0, 1.0, open_high=True)
        self.norm_first = check_bool("norm_first", norm_first)
        self.ffn = keras.Sequential([keras.layers.Dense(self.ffn_dim, activation="relu", name="ffn_1"),
                                     keras.layers.Dense(self.dim, name="ffn_2")], name="ffn")
        self.drop = keras.layers.Dropout(self.dropout)

    def _build_sublayers(self, shape, norms):
        for norm in norms:
            norm.build(shape)
        self.ffn.build(shape)

    def _attention(self, name):
        return MultiHeadAttention(self.heads, self.dim // self.heads, dropout=self.dropout, name=name)

    def _residual(self, x, norm, sublayer, training):
        """x + Sublayer(x), normalized after (post-norm, Eqs. 7-8) or before the sub-layer (pre-norm)."""
        if self.norm_first:
            out, *scores = _as_tuple(sublayer(norm(x)))
            return (x + self.drop(out, training=training), *scores)
        out, *scores = _as_tuple(sublayer(x))
        return (norm(x + self.drop(out, training=training)), *scores)

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "heads": self.heads, "ffn_dim": self.ffn_dim,
                "dropout": self.dropout, "norm_first": self.norm_first}


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


@keras.saving.register_keras_serializable(package="toolkit")
class EncoderBlock(_Block):
    """Eq. 7: self-attention over the source, then the FFN, each with a residual and LayerNorm.

    ``block(x, source_mask=None, return_attention_scores=False)``: x (B, S, D); `source_mask`
    (B, S), the source ids (id 0 is padding) or bool, True on tokens: padding is never attended
    to. Returns (B, S, D), and A (B, h, S, S) when asked.
    """

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.0, norm_first: bool = False,
                 **kwargs):
        super().__init__(dim, heads, ffn_dim, dropout, norm_first, **kwargs)
        self.self_attention = self._attention("self_attention")
        self.norm_1 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm_1")
        self.norm_2 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm_2")

    def build(self, x_shape):
        self.self_attention.build(x_shape, x_shape)
        self._build_sublayers(x_shape, (self.norm_1, self.norm_2))

    def call(self, x, source_mask=None, return_attention_scores=False, training=None):
        keys = key_mask(source_mask)  # (B, 1, S)
        x, scores = self._residual(x, self.norm_1, lambda h: self.self_attention(
            h, h, attention_mask=keys, return_attention_scores=True, training=training), training)
        x, = self._residual(x, self.norm_2, lambda h: self.ffn(h, training=training), training)
        return (x, scores) if return_attention_scores else x


@keras.saving.register_keras_serializable(package="toolkit")
class DecoderBlock(_Block):
    """Eq. 8: masked self-attention, attention over the encoder's output, the FFN.

    ``block(y, memory, memory_mask=None, return_attention_scores=False)``: y (B, T, D) the
    decoder's inputs, memory (B, S, D) the encoder's output, memory_mask (B, S) the source ids or
    bool, True on source tokens. Self-attention is causal (``causal_mask``): y_t attends to y_1 … y_t.
    Returns (B, T, D), and (self A (B, h, T, T), cross A (B, h, T, S)) when asked.
    """

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.0, norm_first: bool = False,
                 **kwargs):
        super().__init__(dim, heads, ffn_dim, dropout, norm_first, **kwargs)
        self.self_attention = self._attention("self_attention")
        self.cross_attention = self._attention("cross_attention")
        self.norm_1, self.norm_2, self.norm_3 = (keras.layers.LayerNormalization(epsilon=1e-5, name=f"norm_{i}")
                                                 for i in (1, 2, 3))

    def build(self, y_shape, memory_shape):
        self.self_attention.build(y_shape, y_shape)
        self.cross_attention.build(y_shape, memory_shape)
        self._build_sublayers(y_shape, (self.norm_1, self.norm_2, self.norm_3))

    def call(self, y, memory, memory_mask=None, return_attention_scores=False, training=None):
        causal = ops.expand_dims(_causal_mask_like(y), 0)  # (1, T, T): y_t sees y_1 … y_t
        keys = key_mask(memory_mask)  # (B, 1, S)
        y, self_scores = self._residual(y, self.norm_1, lambda h: self.self_attention(
            h, h, attention_mask=causal, return_attention_scores=True, training=training), training)
        y, cross_scores = self._residual(y, self.norm_2, lambda h: self.cross_attention(
            h, memory, attention_mask=keys, return_attention_scores=True, training=training), training)
        y, = self._residual(y, self.norm_3, lambda h: self.ffn(h, training=training), training)
        return (y, self_scores, cross_scores) if return_attention_scores else y
