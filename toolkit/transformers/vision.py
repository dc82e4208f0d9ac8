"""The vision transformer (ViT, Dosovitskiy et al. 2021) and the Swin transformer (Liu et al. 2021).

ViT reads an image as a sentence of patches: each P × P patch is flattened and projected, a
learned class token is prepended, learned position embeddings are added, and pre-norm encoder
blocks let every token attend to every other. The MLP head reads the class token of the last
block only, so the class token must gather what the image holds:

    (1) z_0 = [x_class; x_p^1 E; … ; x_p^N E] + E_pos          x_p^i ∈ R^{P²C}, N = HW / P²
    (2) z'_l = MSA(LN(z_{l−1})) + z_{l−1},   z_l = MLP(LN(z'_l)) + z'_l
    (3) y = Head(LN(z_L^0))
    (4) R = Π_{l=L..1} normalize(½ mean_heads(A_l) + ½ I)     attention rollout (Abnar & Zuidema 2020)

Swin keeps attention local and builds hierarchical feature maps. Tokens attend within M × M
windows, with a learned bias per relative offset; every second block shifts the windows by
⌊M/2⌋ (a cyclic shift of the map, and a mask that keeps the wrapped-around regions apart) so
information crosses window borders; patch merging halves the resolution between stages, as a
CNN's pooling does:

    (5) Attention(Q, K, V) = softmax(QKᵀ/√d + B + M_mask) V     within one window
    (6) B_ij = B̂[idx(i, j)],  B̂ ∈ R^{(2M−1)² × h},  idx = (Δr + M − 1)(2M − 1) + Δc + M − 1
    (7) ẑ_l = W-MSA(LN(z_{l−1})) + z_{l−1},   z_l = MLP(LN(ẑ_l)) + ẑ_l       (SW-MSA every second block)
    (8) PatchMerging: [x_{2i,2j}; x_{2i+1,2j}; x_{2i,2j+1}; x_{2i+1,2j+1}] -> LN -> W (4C -> 2C)

Symbols -> names: E = ``PatchEmbedding`` ("patch_embedding", a P × P convolution of stride P:
the same linear map of every flattened patch), x_class = ``ClassToken``, E_pos =
``PositionEmbedding``, ViT's blocks "block_l_*" (its attention "block_l_attention", a
``keras.layers.MultiHeadAttention``); M = `window`, s = `shift`, B̂ = ``WindowAttention``'s
"relative_position_bias", M_mask = ``shifted_window_mask(..., additive=True)`` (0 or −100, as
Liu et al.); Swin's blocks "stage_s_block_b" (``SwinBlock``), "merge_s" (``PatchMerging``).
``attention_maps`` reads every A_l of a trained ViT through those names; ``class_token_attention``
and ``attention_rollout`` (Eq. 4) draw where the class token looks.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_float, check_int, check_positive_int, check_probability

MASKED = -100.0  # M_mask of Eq. 5 between tokens of different regions (Liu et al.'s value)


def _check_divides(name: str, value: int, height: int, width: int, what: str):
    if height % value or width % value:
        raise ValueError(f"`{name}` must divide the {what}'s height and width, received {name}={value} for "
                         f"a {height} × {width} {what}.")


def _check_image_shape(image_shape) -> tuple[int, int, int]:
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in shape):
        raise ValueError(f"`image_shape` must be (H, W, C) with positive integers, received "
                         f"image_shape={image_shape!r}.")
    return tuple(int(v) for v in shape)


# ---------------------------------------------------------------- ViT (Eqs. 1-3)
def patches(images, patch_size: int):
    """x_p of Eq. 1: (B, H, W, C) -> (B, N, P·P·C), the patches row by row, each flattened (row, column, channel)."""
    p = check_positive_int("patch_size", patch_size)
    images = ops.convert_to_tensor(images)
    _, height, width, channels = images.shape
    _check_divides("patch_size", p, height, width, "image")
    grid = ops.reshape(images, (-1, height // p, p, width // p, p, channels))  # (B, H/P, P, W/P, P, C)
    grid = ops.transpose(grid, (0, 1, 3, 2, 4, 5))  # (B, H/P, W/P, P, P, C)
    return ops.reshape(grid, (-1, (height // p) * (width // p), p * p * channels))  # (B, N, P²C)


@keras.saving.register_keras_serializable(package="toolkit")
class PatchEmbedding(keras.layers.Layer):
    """x_p E of Eq. 1: (B, H, W, C) -> (B, N, dim), one token per P × P patch.

    A P × P convolution with stride P applies one (P²C × dim) matrix E to every patch: the same
    numbers as ``patches(images, P) @ E`` (``tests/transformers/test_vision.py`` checks it).
    """

    def __init__(self, patch_size: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = check_positive_int("patch_size", patch_size)
        self.dim = check_positive_int("dim", dim)
        self.projection = keras.layers.Conv2D(self.dim, self.patch_size, strides=self.patch_size, name="projection")

    def build(self, input_shape):
        _check_divides("patch_size", self.patch_size, input_shape[1], input_shape[2], "image")
        self.projection.build(input_shape)

    def call(self, images):
        grid = self.projection(images)  # (B, H/P, W/P, dim)
        return ops.reshape(grid, (-1, grid.shape[1] * grid.shape[2], self.dim))  # (B, N, dim)

    def compute_output_shape(self, input_shape):
        tokens = (input_shape[1] // self.patch_size) * (input_shape[2] // self.patch_size)
        return (input_shape[0], tokens, self.dim)

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size, "dim": self.dim}


@keras.saving.register_keras_serializable(package="toolkit")
class ClassToken(keras.layers.Layer):
    """Prepends the learned x_class of Eq. 1: (B, N, dim) -> (B, N + 1, dim)."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim)

    def build(self, input_shape):
        if input_shape[-1] != self.dim:
            raise ValueError(f"`dim` must equal the tokens' width, received dim={self.dim} for tokens of "
                             f"width {input_shape[-1]}.")
        self.token = self.add_weight(name="token", shape=(1, 1, self.dim), initializer="zeros")

    def call(self, tokens):
        token = ops.broadcast_to(ops.cast(self.token, tokens.dtype), (ops.shape(tokens)[0], 1, self.dim))
        return ops.concatenate([token, tokens], axis=1)  # (B, N + 1, dim)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None if input_shape[1] is None else input_shape[1] + 1, self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


@keras.saving.register_keras_serializable(package="toolkit")
class PositionEmbedding(keras.layers.Layer):
    """+ E_pos of Eq. 1: one learned vector per position, (B, length, dim) -> (B, length, dim)."""

    def __init__(self, length: int, **kwargs):
        super().__init__(**kwargs)
        self.length = check_positive_int("length", length)

    def build(self, input_shape):
        if input_shape[1] != self.length:
            raise ValueError(f"`length` must equal the number of tokens, received length={self.length} for "
                             f"{input_shape[1]} tokens.")
        self.positions = self.add_weight(name="positions", shape=(self.length, input_shape[-1]),
                                         initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, tokens):
        return tokens + ops.cast(self.positions, tokens.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "length": self.length}


@keras.saving.register_keras_serializable(package="toolkit")
class ClassTokenOutput(keras.layers.Layer):
    """z_L^0 of Eq. 3: (B, N + 1, dim) -> (B, dim), the class token's row (the head sees nothing else)."""

    def call(self, tokens):
        return tokens[:, 0]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def _vit_block(z, name: str, dim: int, heads: int, mlp_dim: int, dropout: float):
    """Eq. 2, one pre-norm block; its attention weights are the second output of "{name}_attention"."""
    h = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm_1")(z)
    h, _ = keras.layers.MultiHeadAttention(heads, dim // heads, dropout=dropout, name=f"{name}_attention")(
        h, h, return_attention_scores=True)  # (B, N + 1, dim), A: (B, heads, N + 1, N + 1)
    z = keras.layers.Add(name=f"{name}_residual_1")([z, h])  # z'_l
    h = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm_2")(z)
    h = keras.layers.Dense(mlp_dim, activation="gelu", name=f"{name}_mlp_1")(h)
    h = keras.layers.Dropout(dropout, name=f"{name}_mlp_dropout")(h)
    h = keras.layers.Dense(dim, name=f"{name}_mlp_2")(h)
    return keras.layers.Add(name=f"{name}_residual_2")([z, h])  # z_l


def vit(image_shape=(28, 28, 1), classes: int = 10, *, patch_size: int = 7, dim: int = 64, depth: int = 2,
        heads: int = 4, mlp_dim: int = 128, dropout: float = 0.0) -> keras.Model:
    """Eqs. 1-3: a ViT classifier of `depth` pre-norm blocks and a linear head on the class token; logits (B, classes).

    The head is one linear layer, as ViT's head when fine-tuned. With the defaults on 28 × 28 × 1
    glyphs: 4 × 4 = 16 patches of 7 × 7 pixels, 17 tokens, 72,074 weights (LeNet-5 has 61,706).
    """
    height, width, _ = _check_image_shape(image_shape)
    classes = check_int("classes", classes, 2)
    patch_size, dim = check_positive_int("patch_size", patch_size), check_positive_int("dim", dim)
    depth, heads = check_int("depth", depth, 1, 12), check_positive_int("heads", heads)
    mlp_dim, dropout = check_positive_int("mlp_dim", mlp_dim), check_probability("dropout", dropout)
    _check_divides("patch_size", patch_size, height, width, "image")
    if dim % heads:
        raise ValueError(f"`dim` must be a multiple of `heads`, received dim={dim} and heads={heads}.")
    tokens = (height // patch_size) * (width // patch_size)
    images = keras.Input(tuple(image_shape), name="images")
    z = PatchEmbedding(patch_size, dim, name="patch_embedding")(images)  # (B, N, dim)
    z = ClassToken(dim, name="class_token")(z)  # (B, N + 1, dim)
    z = PositionEmbedding(tokens + 1, name="position_embedding")(z)  # Eq. 1
    for layer in range(1, depth + 1):
        z = _vit_block(z, f"block_{layer}", dim, heads, mlp_dim, dropout)  # Eq. 2
    z = keras.layers.LayerNormalization(epsilon=1e-6, name="norm")(z)
    logits = keras.layers.Dense(classes, name="head")(ClassTokenOutput(name="class_token_output")(z))  # Eq. 3
    return keras.Model(images, logits, name="vit")


def _vit_depth(model) -> int:
    names = {layer.name for layer in model.layers}
    if "class_token" not in names or "block_1_attention" not in names:
        raise ValueError(f"`model` must be built by toolkit.transformers.vision.vit, received model {model.name!r}.")
    return sum(name.endswith("_attention") and name.startswith("block_") for name in names)


def attention_maps(model: keras.Model, images) -> list[np.ndarray]:
    """A_l of every block of a ``vit`` model, first to last: each (B, heads, N + 1, N + 1), token 0 the class token."""
    depth = _vit_depth(model)
    scores = [model.get_layer(f"block_{layer}_attention").output[1] for layer in range(1, depth + 1)]
    reader = keras.Model(model.input, scores)
    found = reader(ops.convert_to_tensor(np.asarray(images, np.float32)), training=False)
    return [ops.convert_to_numpy(a) for a in (found if isinstance(found, (list, tuple)) else [found])]


def _grid(model) -> tuple[int, int]:
    size = model.get_layer("patch_embedding").patch_size
    height, width = model.inputs[0].shape[1:3]
    return height // size, width // size


def class_token_attention(model: keras.Model, images) -> np.ndarray:
    """Where the class token looks in the last block: (B, heads, H/P, W/P), each head's row of A_L over the patches."""
    weights = attention_maps(model, images)[-1][:, :, 0, 1:]  # (B, heads, N)
    return weights.reshape(*weights.shape[:2], *_grid(model))


def attention_rollout(model: keras.Model, images) -> np.ndarray:
    """Eq. 4: the class token's row of the rollout over the patches, (B, H/P, W/P).

    The ½ I is the residual path; each map sums to less than 1 (the rest stays on the class token).
    """
    rollout = None
    for weights in attention_maps(model, images):
        mixed = 0.5 * weights.mean(axis=1) + 0.5 * np.eye(weights.shape[-1])[None]  # (B, N + 1, N + 1)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        rollout = mixed if rollout is None else mixed @ rollout  # Eq. 4: later blocks on the left
    return rollout[:, 0, 1:].reshape(len(rollout), *_grid(model))


# ---------------------------------------------------------------- Swin: windows, shifts and masks
def window_partition(x, window: int):
    """(B, H, W, C) -> (B · nW, M², C): the M × M windows row by row, each flattened row by row."""
    _, height, width, channels = x.shape
    x = ops.reshape(x, (-1, height // window, window, width // window, window, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # (B, H/M, W/M, M, M, C)
    return ops.reshape(x, (-1, window * window, channels))  # (B · nW, M², C)


def window_reverse(windows, window: int, height: int, width: int):
    """The inverse of ``window_partition``: (B · nW, M², C) -> (B, H, W, C)."""
    channels = windows.shape[-1]
    x = ops.reshape(windows, (-1, height // window, width // window, window, window, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # (B, H/M, M, W/M, M, C)
    return ops.reshape(x, (-1, height, width, channels))


def _check_windows(height, width, window, shift) -> tuple[int, int, int, int]:
    height, width = check_positive_int("height", height), check_positive_int("width", width)
    window = check_positive_int("window", window)
    shift = check_int("shift", shift, 0, window - 1)
    _check_divides("window", window, height, width, "grid")
    return height, width, window, shift


def window_ids(height: int, width: int, window: int, shift: int = 0) -> np.ndarray:
    """(H, W) ints: which window every token is in, on the unshifted map (the paper's Figure 2).

    Shift 0: the M × M windows. Shift s: the windows' borders moved by s down and right, cut at
    the edges (3 × 3 regions for two windows a side). Tokens i, j share a window when
    ⌊(i + M − s) / M⌋ are equal along both axes; the ids are numbered 0, 1, … row by row.
    """
    height, width, window, shift = _check_windows(height, width, window, shift)
    rows = (np.arange(height) + window - shift) // window
    columns = (np.arange(width) + window - shift) // window
    ids = rows[:, None] * (columns.max() + 1) + columns[None, :]
    return np.unique(ids, return_inverse=True)[1].reshape(height, width)


def shifted_window_mask(height: int, width: int, window: int, shift: int, *, additive: bool = False) -> np.ndarray:
    """(nW, M², M²): which tokens of each window of the cyclically shifted map may attend to each other.

    After ``roll(x, −s)``, a window can hold tokens that were far apart (wrapped around); only
    tokens of the same window of ``window_ids(…, shift)`` may attend. Bool (True = attend), or
    M_mask of Eq. 5 (0 or −100) when `additive`. Shift 0 gives all True: plain windows.
    """
    ids = np.roll(window_ids(height, width, window, shift), (-shift, -shift), axis=(0, 1))  # the shifted map
    grouped = ops.convert_to_numpy(window_partition(ops.convert_to_tensor(ids[None, :, :, None]), window))[..., 0]
    mask = grouped[:, :, None] == grouped[:, None, :]  # (nW, M², M²)
    return np.where(mask, 0.0, MASKED).astype(np.float32) if additive else mask


def relative_position_index(window: int) -> np.ndarray:
    """idx of Eq. 6, (M², M²) ints in [0, (2M − 1)²): the row of B̂ for each pair of tokens of a window."""
    window = check_positive_int("window", window)
    coords = np.stack(np.meshgrid(np.arange(window), np.arange(window), indexing="ij")).reshape(2, -1)  # (2, M²)
    offsets = coords[:, :, None] - coords[:, None, :] + window - 1  # (2, M², M²): Δr, Δc shifted into [0, 2M − 2]
    return offsets[0] * (2 * window - 1) + offsets[1]


# ---------------------------------------------------------------- Swin: layers (Eqs. 5-8)
@keras.saving.register_keras_serializable(package="toolkit")
class WindowAttention(keras.layers.Layer):
    """Eqs. 5-6: multi-head self-attention within each window, with the learned relative position bias.

    ``layer(windows, window_mask=None, return_attention_scores=False)``: windows (B · nW, M², dim),
    the windows of each image consecutive (``window_partition``); `window_mask` (nW, M², M²) bool,
    True = may attend. Returns (B · nW, M², dim), and the weights (B · nW, heads, M², M²) when asked.
    """

    def __init__(self, dim: int, window: int, heads: int, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.window = check_positive_int("dim", dim), check_positive_int("window", window)
        self.heads = check_positive_int("heads", heads)
        if self.dim % self.heads:
            raise ValueError(f"`dim` must be a multiple of `heads`, received dim={dim} and heads={heads}.")
        self.qkv = keras.layers.Dense(3 * self.dim, name="qkv")
        self.projection = keras.layers.Dense(self.dim, name="projection")
        self.index = relative_position_index(self.window).reshape(-1)  # (M⁴,), Eq. 6

    def build(self, input_shape):
        if input_shape[-2] != self.window ** 2 or input_shape[-1] != self.dim:
            raise ValueError(f"`windows` must be (B · nW, {self.window ** 2}, {self.dim}) for window={self.window} "
                             f"and dim={self.dim}, received shape {tuple(input_shape)}.")
        self.qkv.build(input_shape)
        self.projection.build(input_shape)
        self.bias_table = self.add_weight(name="relative_position_bias", shape=((2 * self.window - 1) ** 2, self.heads),
                                          initializer=keras.initializers.TruncatedNormal(stddev=0.02))  # B̂

    def position_bias(self):
        """B of Eq. 6, (heads, M², M²): B̂ read at each pair's relative offset."""
        tokens = self.window ** 2
        bias = ops.take(self.bias_table, self.index, axis=0)  # (M⁴, heads)
        return ops.transpose(ops.reshape(bias, (tokens, tokens, self.heads)), (2, 0, 1))

    def call(self, windows, window_mask=None, return_attention_scores=False):
        tokens, head_dim = self.window ** 2, self.dim // self.heads
        qkv = ops.reshape(self.qkv(windows), (-1, tokens, 3, self.heads, head_dim))
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]  # each (B·nW, M², heads, d)
        scores = ops.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(head_dim) + self.position_bias()  # Eq. 5
        if window_mask is not None:  # the same nW masks for every image: (B, nW, heads, M², M²)
            masks = ops.convert_to_tensor(window_mask)
            added = ops.where(masks, 0.0, MASKED)[:, None]  # (nW, 1, M², M²)
            scores = ops.reshape(scores, (-1, masks.shape[0], self.heads, tokens, tokens)) + added
            scores = ops.reshape(scores, (-1, self.heads, tokens, tokens))
        weights = ops.softmax(scores, axis=-1)  # (B·nW, heads, M², M²)
        out = ops.einsum("bhqk,bkhd->bqhd", weights, v)  # (B·nW, M², heads, d)
        out = self.projection(ops.reshape(out, (-1, tokens, self.dim)))
        return (out, weights) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "window": self.window, "heads": self.heads}


@keras.saving.register_keras_serializable(package="toolkit")
class SwinBlock(keras.layers.Layer):
    """Eq. 7, one block on an H × W map: (B, H, W, dim) -> (B, H, W, dim).

    LN, cyclic shift by −s (``keras.ops.roll``), window attention with ``shifted_window_mask``,
    the reverse shift and the residual; then LN, MLP (dim -> mlp_ratio · dim -> dim) and the residual.
    Shift 0 is W-MSA, shift ⌊M/2⌋ SW-MSA.
    """

    def __init__(self, dim: int, heads: int, window: int, shift: int = 0, mlp_ratio: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.heads = check_positive_int("dim", dim), check_positive_int("heads", heads)
        self.window = check_positive_int("window", window)
        self.shift = check_int("shift", shift, 0, self.window - 1)
        self.mlp_ratio = check_float("mlp_ratio", mlp_ratio, 0.25, 16.0)
        self.norm_1 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm_1")
        self.attention = WindowAttention(self.dim, self.window, self.heads, name="window_attention")
        self.norm_2 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm_2")
        self.mlp_1 = keras.layers.Dense(max(1, int(self.dim * self.mlp_ratio)), activation="gelu", name="mlp_1")
        self.mlp_2 = keras.layers.Dense(self.dim, name="mlp_2")
        self.mask = None

    def build(self, input_shape):
        _, height, width, channels = input_shape
        if channels != self.dim:
            raise ValueError(f"`dim` must equal the map's channels, received dim={self.dim} for {channels} channels.")
        _check_windows(height, width, self.window, self.shift)
        self.mask = shifted_window_mask(height, width, self.window, self.shift) if self.shift else None
        for layer in (self.norm_1, self.norm_2, self.mlp_1):
            layer.build(input_shape)
        self.mlp_2.build((*input_shape[:-1], self.mlp_1.units))
        self.attention.build((None, self.window ** 2, self.dim))

    def call(self, x, return_attention_scores=False):
        height, width = x.shape[1], x.shape[2]
        h = self.norm_1(x)
        if self.shift:  # the cyclic shift: the map moves up and left by s
            h = ops.roll(h, (-self.shift, -self.shift), axis=(1, 2))
        windows = window_partition(h, self.window)  # (B · nW, M², dim)
        out, weights = self.attention(windows, window_mask=self.mask, return_attention_scores=True)
        h = window_reverse(out, self.window, height, width)  # (B, H, W, dim)
        if self.shift:
            h = ops.roll(h, (self.shift, self.shift), axis=(1, 2))
        x = x + h  # Eq. 7: ẑ_l
        x = x + self.mlp_2(self.mlp_1(self.norm_2(x)))  # Eq. 7: z_l
        return (x, weights) if return_attention_scores else x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "heads": self.heads, "window": self.window,
                "shift": self.shift, "mlp_ratio": self.mlp_ratio}


@keras.saving.register_keras_serializable(package="toolkit")
class PatchMerging(keras.layers.Layer):
    """Eq. 8: (B, H, W, dim) -> (B, H/2, W/2, 2 · dim), each 2 × 2 neighbourhood concatenated,
    normalized, projected."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim)
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")
        self.reduction = keras.layers.Dense(2 * self.dim, use_bias=False, name="reduction")

    def build(self, input_shape):
        _, height, width, channels = input_shape
        if channels != self.dim:
            raise ValueError(f"`dim` must equal the map's channels, received dim={self.dim} for {channels} channels.")
        if height % 2 or width % 2:
            raise ValueError(f"PatchMerging needs an even grid to merge 2 × 2 patches, received a {height} × {width} "
                             f"grid; use fewer stages or a smaller patch size.")
        self.norm.build((None, None, None, 4 * self.dim))
        self.reduction.build((None, None, None, 4 * self.dim))

    def call(self, x):
        # Eq. 8: [x_{2i,2j}; x_{2i+1,2j}; x_{2i,2j+1}; x_{2i+1,2j+1}], (B, H/2, W/2, 4 · dim)
        merged = ops.concatenate([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], axis=-1)
        return self.reduction(self.norm(merged))  # (B, H/2, W/2, 2 · dim)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] // 2, input_shape[2] // 2, 2 * self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def stage_window(height: int, width: int, window: int) -> tuple[int, bool]:
    """The window of a stage on an H × W grid and whether its blocks shift: a grid no larger than M is
    one window (no shift: there is no border to cross), as in Liu et al."""
    if min(height, width) <= window:
        if height != width:
            raise ValueError(f"`window` must divide the grid, received window={window} for a {height} × {width} grid.")
        return height, False
    _check_divides("window", window, height, width, "grid")
    return window, True


def swin(image_shape=(28, 28, 1), classes: int = 10, *, patch_size: int = 2, dim: int = 32, depths=(2, 2),
         heads=(2, 4), window: int = 7, mlp_ratio: float = 2.0) -> keras.Model:
    """Eqs. 5-8: patch embedding, stages of Swin blocks (shift 0, ⌊M/2⌋, 0, …) with patch merging
    between them (the width doubles), LN, global average pooling and a linear head; logits (B, classes).

    The defaults on 28 × 28 glyphs: 2 × 2 patches, a 14 × 14 grid of 2 × 2 windows of 7 × 7 (the
    shift matters there), merged into one 7 × 7 window of 64-wide tokens; 95,510 weights.
    """
    height, width, _ = _check_image_shape(image_shape)
    classes, patch_size = check_int("classes", classes, 2), check_positive_int("patch_size", patch_size)
    dim, window = check_positive_int("dim", dim), check_positive_int("window", window)
    depths, heads = tuple(depths), tuple(heads)
    if not depths or len(depths) != len(heads):
        raise ValueError(f"`depths` and `heads` must give one value per stage, received depths={depths} and "
                         f"heads={heads}.")
    depths = tuple(check_int("depths", d, 1, 12) for d in depths)
    _check_divides("patch_size", patch_size, height, width, "image")
    images = keras.Input(tuple(image_shape), name="images")
    x = keras.layers.Conv2D(dim, patch_size, strides=patch_size, name="patch_embedding")(images)  # (B, H/P, W/P, dim)
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="patch_norm")(x)
    grid, width_now = (height // patch_size, width // patch_size), dim
    for stage, (depth, stage_heads) in enumerate(zip(depths, heads), start=1):
        if stage > 1:
            x = PatchMerging(width_now, name=f"merge_{stage}")(x)  # Eq. 8
            grid, width_now = (grid[0] // 2, grid[1] // 2), 2 * width_now
        m, shifts = stage_window(*grid, window)
        for block in range(depth):
            shift = m // 2 if shifts and block % 2 else 0
            x = SwinBlock(width_now, stage_heads, m, shift, mlp_ratio, name=f"stage_{stage}_block_{block + 1}")(x)
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(images, keras.layers.Dense(classes, name="head")(x), name="swin")
