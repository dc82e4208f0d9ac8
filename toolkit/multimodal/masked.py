"""Masked image modeling: a masked autoencoder (MAE, He et al. 2022) on the shape crops.

Notes, LARGE MULTIMODAL MODELS: "Masked Image Modeling: some parts of the image are 'masked' and the
model's task is to predict the missing parts. Force encoder to understand visual context." The image is
cut into N = HW / P² patches; a random share r of them is hidden; the encoder (ViT blocks) reads only the
visible ones; a light decoder gets the encoded visible tokens back in place, a learned mask token at every
hidden position, and predicts the pixels of every patch; the loss counts the hidden patches only:

    (1) x = [x_p^1; …; x_p^N],  x_p^i ∈ R^{P²C}            the patches, row by row
    (2) V ⊂ {1..N}, |V| = ⌊(1 − r) N⌋, chosen uniformly     the visible patches; M = the rest
    (3) h = Enc({x_p^i E + E_pos^i : i ∈ V})               the encoder never sees a hidden patch
    (4) x̂ = Dec(unshuffle([h W_d; m, …, m]) + E'_pos)      m = the shared learned mask token
    (5) L = 1/|M| Σ_{i ∈ M} ‖x̂^i − x_p^i‖² / (P²C)

Once trained, the decoder is dropped: the encoder reads every patch, and the mean of its tokens is the
image's feature vector, which ``linear_probe`` scores against labels nobody showed the model.

Symbols -> names: E = "patch_embedding" (``toolkit.transformers.vision.PatchEmbedding``), E_pos and E'_pos
= fixed sinusoidal encodings (``positional_encoding``), Enc = "encoder_block_l" and Dec =
"decoder_block_l" (``toolkit.transformers.attention.EncoderBlock``, pre-norm), W_d =
"decoder_embedding", m = "mask_token", the pixel head "decoder_pixels"; r = `mask_ratio`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.transformers.attention import EncoderBlock, positional_encoding
from toolkit.transformers.vision import PatchEmbedding, patches
from toolkit.validation import check_float, check_positive_int

LATEX = {
    "mask_ratio": r"|V| = \lfloor (1 - r)\,N \rfloor \text{ visible of } N = HW/P^2 \text{ patches}",
    "loss": r"\mathcal{L} = \frac{1}{|M|} \sum_{i \in M} \frac{\lVert \hat x^i - x_p^i \rVert^2}{P^2 C}",
    "encoder": r"h = \mathrm{Enc}(\{x_p^i E + E_{pos}^i : i \in V\})",
    "decoder": r"\hat x = \mathrm{Dec}(\mathrm{unshuffle}([h W_d;\ m, \dots, m]) + E'_{pos})",
}


def visible_count(patches_count: int, mask_ratio: float) -> int:
    """|V| of Eq. 2: at least one patch stays visible and at least one is hidden."""
    return int(min(max(np.floor((1.0 - mask_ratio) * patches_count), 1), patches_count - 1))


def random_split(batch: int, patches_count: int, mask_ratio: float, seed=None):
    """(visible ids (B, |V|), restore ids (B, N), hidden mask (B, N) of 0/1): an independent uniform choice of
    V per image (Eq. 2), made as MAE does by sorting random noise; `restore` undoes the shuffle."""
    keep = visible_count(patches_count, mask_ratio)
    noise = keras.random.uniform((batch, patches_count), seed=seed)
    shuffle = ops.argsort(noise, axis=1)
    restore = ops.argsort(shuffle, axis=1)
    hidden = ops.cast(restore >= keep, "float32")  # position i is hidden when it sorted after the first |V|
    return shuffle[:, :keep], restore, hidden


def _gather(tokens, ids):
    """tokens (B, N, D), ids (B, K) -> (B, K, D)."""
    return ops.take_along_axis(tokens, ops.expand_dims(ids, -1), axis=1)


class PatchEncoderModel(keras.Model):
    """The encoder MAE and BEiT share (Eq. 3): the patch embedding E, `depth` pre-norm ViT blocks and a last
    norm, with fixed sinusoidal positions E_pos; ``features`` is the image's feature vector, the mean of the
    encoder's tokens with every patch visible. Subclasses add their heads and call ``build_encoder``."""

    def __init__(self, image_shape, patch_size: int, dim: int, depth: int, heads: int, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(v) for v in image_shape)
        self.patch_size = check_positive_int("patch_size", patch_size)
        height, width, _ = self.image_shape
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(f"`patch_size` must divide the image's height and width, received "
                             f"patch_size={patch_size} for a {height} × {width} image.")
        self.patches_count = (height // self.patch_size) * (width // self.patch_size)
        self.dim, self.depth, self.heads = (check_positive_int(n, v) for n, v in (("dim", dim), ("depth", depth),
                                                                               ("heads", heads)))
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.embedding = PatchEmbedding(self.patch_size, self.dim, name="patch_embedding")
        self.encoder_blocks = [EncoderBlock(self.dim, self.heads, 2 * self.dim, norm_first=True,
                                            name=f"encoder_block_{i + 1}") for i in range(self.depth)]
        self.encoder_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="encoder_norm")
        self.encoder_position = ops.convert_to_tensor(positional_encoding(self.patches_count, self.dim)[None])

    def build_encoder(self) -> None:
        if not self.embedding.built:  # a subclass may build it first (its weights are drawn in build order)
            self.embedding.build((None, *self.image_shape))
        for block in self.encoder_blocks:
            block.build((None, None, self.dim))
        self.encoder_norm.build((None, None, self.dim))

    def encoder_blocks_and_norm(self, tokens, training=None):
        """Enc's blocks and last norm on (B, T, dim) tokens already embedded and positioned."""
        for block in self.encoder_blocks:
            tokens = block(tokens, training=training)
        return self.encoder_norm(tokens)

    def features(self, images, batch_size: int = 500) -> np.ndarray:
        """The encoder's feature vector of every image (every patch visible)."""
        return np.concatenate([ops.convert_to_numpy(self(images[i:i + batch_size], training=False))
                               for i in range(0, len(images), batch_size)])


@keras.saving.register_keras_serializable(package="toolkit")
class MaskedAutoencoder(PatchEncoderModel):
    """MAE of Eqs. 1-5 for (H, W, C) images in [0, 1].

    ``model(images)`` is the encoder's feature vector (B, dim), every patch visible (the mean of Enc's
    tokens); ``reconstruct(images, mask_ratio, seed)`` returns the masked input and the reconstruction
    for the page; ``fit`` minimizes Eq. 5 with a fresh V per image and step.
    """

    def __init__(self, image_shape=(32, 32, 3), patch_size: int = 4, dim: int = 64, depth: int = 2, heads: int = 4,
                 decoder_dim: int = 32, decoder_depth: int = 1, mask_ratio: float = 0.75, seed: int = 0, **kwargs):
        super().__init__(image_shape, patch_size, dim, depth, heads, seed, **kwargs)
        self.decoder_dim = check_positive_int("decoder_dim", decoder_dim)
        self.decoder_depth = check_positive_int("decoder_depth", decoder_depth)
        self.mask_ratio = check_float("mask_ratio", mask_ratio, 0.0, 1.0, open_high=True)
        self.pixels = self.patch_size ** 2 * self.image_shape[2]
        self.decoder_embedding = keras.layers.Dense(self.decoder_dim, name="decoder_embedding")
        self.decoder_blocks = [EncoderBlock(self.decoder_dim, 2, 2 * self.decoder_dim, norm_first=True,
                                            name=f"decoder_block_{i + 1}") for i in range(self.decoder_depth)]
        self.decoder_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="decoder_norm")
        self.decoder_pixels = keras.layers.Dense(self.pixels, activation="sigmoid", name="decoder_pixels")
        self.decoder_position = ops.convert_to_tensor(positional_encoding(self.patches_count, self.decoder_dim)[None])
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def build(self, input_shape=None):
        if self.built:
            return
        self.build_encoder()
        self.decoder_embedding.build((None, None, self.dim))
        self.mask_token = self.add_weight(name="mask_token", shape=(1, 1, self.decoder_dim),
                                          initializer=keras.initializers.RandomNormal(stddev=0.02))
        for block in self.decoder_blocks:
            block.build((None, None, self.decoder_dim))
        self.decoder_norm.build((None, None, self.decoder_dim))
        self.decoder_pixels.build((None, None, self.decoder_dim))
        self.built = True

    # -- Eqs. 1-4 --------------------------------------------------------------------
    def encode(self, images, visible=None, training=None):
        """Enc of Eq. 3: (B, |V|, dim) for the `visible` ids (B, |V|), or (B, N, dim) for every patch."""
        tokens = self.embedding(images) + ops.cast(self.encoder_position, "float32")
        if visible is not None:
            tokens = _gather(tokens, visible)
        return self.encoder_blocks_and_norm(tokens, training)

    def decode(self, encoded, restore, training=None):
        """Dec of Eq. 4: encoded visible tokens (B, |V|, dim) and the restore ids -> pixels (B, N, P²C)."""
        tokens = self.decoder_embedding(encoded)
        batch, hidden = ops.shape(tokens)[0], self.patches_count - ops.shape(tokens)[1]
        masks = ops.broadcast_to(ops.cast(self.mask_token, tokens.dtype), (batch, hidden, self.decoder_dim))
        tokens = _gather(ops.concatenate([tokens, masks], axis=1), restore) + ops.cast(self.decoder_position,
                                                                                        "float32")
        for block in self.decoder_blocks:
            tokens = block(tokens, training=training)
        return self.decoder_pixels(self.decoder_norm(tokens))

    def forward(self, images, mask_ratio=None, seed=None, training=None):
        """(target patches, predicted patches, hidden mask) of one masked pass (Eqs. 1-4)."""
        images = ops.convert_to_tensor(images, "float32")
        ratio = self.mask_ratio if mask_ratio is None else mask_ratio
        visible, restore, hidden = random_split(ops.shape(images)[0], self.patches_count, ratio,
                                                seed=self.seed_generator if seed is None else seed)
        predicted = self.decode(self.encode(images, visible, training), restore, training)
        return patches(images, self.patch_size), predicted, hidden

    def call(self, images, training=None):
        return ops.mean(self.encode(images, training=training), axis=1)  # every patch visible

    # -- Eq. 5 and training ------------------------------------------------------------
    def train_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            target, predicted, hidden = self.forward(images, training=True)
            loss = masked_patch_loss(target, predicted, hidden)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        self.loss_tracker.update_state(masked_patch_loss(*self.forward(images, training=False)))
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]

    # -- NumPy helpers for the page ---------------------------------------------------
    def reconstruct(self, images, mask_ratio=None, seed: int = 0) -> dict:
        """For `images` (n, H, W, C): "masked" (hidden patches grey), "reconstruction" (the visible patches kept,
        the hidden ones predicted, as MAE shows them), "prediction" (every patch predicted), "hidden" (n, N)
        and "error" (Eq. 5 per image)."""
        images = np.asarray(images, np.float32)
        target, predicted, hidden = (ops.convert_to_numpy(t) for t in self.forward(images, mask_ratio, seed=seed,
                                                                                      training=False))
        keep = hidden[..., None] == 0
        grey = np.full_like(target, 0.5)
        error = ((predicted - target) ** 2).mean(-1)
        return {"masked": self.unpatch(np.where(keep, target, grey)),
                "reconstruction": self.unpatch(np.where(keep, target, predicted)),
                "prediction": self.unpatch(predicted), "hidden": hidden,
                "error": (error * hidden).sum(-1) / hidden.sum(-1)}

    def unpatch(self, tokens) -> np.ndarray:
        """The inverse of ``patches``: (n, N, P²C) -> (n, H, W, C)."""
        return unpatch(tokens, self.image_shape, self.patch_size)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "patch_size": self.patch_size,
                "dim": self.dim, "depth": self.depth, "heads": self.heads, "decoder_dim": self.decoder_dim,
                "decoder_depth": self.decoder_depth, "mask_ratio": self.mask_ratio, "seed": self.seed}


def unpatch(tokens, image_shape, patch_size: int) -> np.ndarray:
    """The inverse of ``patches``: (n, N, P²C) -> (n, H, W, C)."""
    height, width, channels = image_shape
    p = patch_size
    grid = np.reshape(tokens, (-1, height // p, width // p, p, p, channels)).transpose(0, 1, 3, 2, 4, 5)
    return grid.reshape(-1, height, width, channels)


def greyed(images, hidden, patch_size: int) -> np.ndarray:
    """`images` (n, H, W, C) with every hidden patch ((n, N) = 1) painted mid-grey: what the encoder is shown."""
    images = np.asarray(images, np.float32)
    target = ops.convert_to_numpy(patches(images, patch_size))
    return unpatch(np.where(np.asarray(hidden)[..., None] > 0, 0.5, target), images.shape[1:], patch_size)


def masked_patch_loss(target, predicted, hidden):
    """Eq. 5: the mean squared error per pixel over the hidden patches only (visible ones cost nothing)."""
    target, predicted, hidden = (ops.cast(t, "float32") for t in (target, predicted, hidden))
    per_patch = ops.mean(ops.square(predicted - target), axis=-1)  # (B, N)
    return ops.sum(per_patch * hidden) / ops.maximum(ops.sum(hidden), 1.0)


def mean_colour_error(images, hidden, patch_size: int) -> np.ndarray:
    """The baseline a model without context could reach: every hidden patch predicted as the mean of the
    visible pixels, channel by channel; Eq. 5 per image."""
    target = ops.convert_to_numpy(patches(np.asarray(images, np.float32), patch_size))  # (n, N, P²C)
    channels = np.asarray(images).shape[-1]
    keep = (hidden == 0)[..., None]
    by_channel = target.reshape(*target.shape[:2], -1, channels)
    mean = (by_channel * keep[..., None]).sum((1, 2)) / (keep.sum(1) * by_channel.shape[2])  # (n, C)
    error = ((by_channel - mean[:, None, None]) ** 2).mean((2, 3))
    return (error * hidden).sum(-1) / hidden.sum(-1)
