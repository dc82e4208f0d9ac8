"""Masked image modeling with visual tokens: BEiT (Bao et al., 2022) on the shape crops.

Notes, LARGE MULTIMODAL MODELS: "BEiT: BERT Pre-training of Image transformers. Before pre-train, learn an
'image tokenizer' where an image is tokenized into discrete visual tokens." The tokenizer here is a VQ-VAE
(``toolkit.generative.vqvae``) trained once on crops of a seed no page uses, and shipped: its encoder
downsamples by 4, so a 32 × 32 crop becomes an 8 × 8 map of code indices, one visual token per 4 × 4 patch.
BEiT then trains a ViT as BERT trains on words: some patches are replaced by a learned [M] embedding, the
encoder reads every position (the masked ones included, unlike MAE), and a softmax over the K codes
predicts the hidden patches' tokens:

    (1) z_i = argmin_k ‖E_vq(x)_i − e_k‖,  i = 1..N            the tokenizer's visual tokens (frozen)
    (2) M ⊂ {1..N}, |M| = N − ⌊(1 − r) N⌋, chosen uniformly      the masked positions
    (3) h^0_i = x_p^i E + E_pos^i  (i ∉ M),   e_[M] + E_pos^i  (i ∈ M)
    (4) h = Enc(h^0),   p(z_i | x^M) = softmax(W_c LN(h_i) + b_c)
    (5) L = −1/|M| Σ_{i ∈ M} log p(z_i | x^M)

BEiT masks blocks of patches (about 40 % of them); here the positions are drawn uniformly, by
``masked.random_split``, so that the MAE on the same page hides the same share the same way and only the
target differs: pixels there, tokens here. As for the MAE, the image's feature vector is the mean of the
encoder's tokens with nothing masked (``call``), which the page's linear probes read.

Symbols -> names: E_vq and e_k = the shipped tokenizer (``tokenizer()``), E = "patch_embedding", e_[M] =
"mask_token", Enc = "encoder_block_l" (``toolkit.transformers.attention.EncoderBlock``, pre-norm), W_c and b_c
= "token_head"; r = `mask_ratio`.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.multimodal.masked import PatchEncoderModel, random_split
from toolkit.validation import check_float, check_int

ASSETS = Path(__file__).resolve().parent / "assets"
TOKENIZER = ASSETS / "crops_tokenizer.keras"
# How the shipped tokenizer was trained: crops of a seed no page uses, K codes of d numbers per 4 × 4 patch.
TOKENIZER_RECIPE = {"crops": 6000, "seed": 31, "epochs": 30, "num_codes": 64, "code_dim": 16, "width": 32}
CHECK_CROPS, CHECK_SEED = 1000, 32  # held-out crops the training script and the test score
PATCH = 4  # the tokenizer's downsampling: one visual token per 4 × 4 patch
LATEX = {
    "tokens": r"z_i = \arg\min_k \lVert E_{vq}(x)_i - e_k \rVert,\quad i = 1 \dots N",
    "input": r"h^0_i = \begin{cases} x_p^i E + E_{pos}^i & i \notin M \\ e_{[M]} + E_{pos}^i & i \in M \end{cases}",
    "loss": r"\mathcal{L} = -\frac{1}{|M|} \sum_{i \in M} \log p(z_i \mid x^{M})",
}
_LOADING = threading.Lock()


def build_tokenizer(image_shape=(32, 32, 3), num_codes: int = 64, code_dim: int = 16, width: int = 32):
    """An untrained VQ-VAE whose (H/4, W/4) code map gives one visual token per 4 × 4 patch."""
    from toolkit.generative.autoencoder import build_decoder, build_encoder
    from toolkit.generative.vqvae import VQVAE

    encoder = build_encoder("conv", image_shape, code_dim, width, spatial=True)
    decoder = build_decoder("conv", image_shape, code_dim, width, spatial=True)
    return VQVAE(encoder, decoder, num_codes=num_codes, name="tokenizer")


@functools.lru_cache(maxsize=1)
def _shipped_tokenizer():
    return keras.saving.load_model(TOKENIZER, compile=False)


def tokenizer():
    """The shipped VQ-VAE, loaded once and shared read-only by every session (it is only ever evaluated)."""
    with _LOADING:
        return _shipped_tokenizer()


def tokenizer_facts() -> dict:
    """What ``main`` measured when it trained the shipped tokenizer (its JSON file)."""
    return json.loads(TOKENIZER.with_suffix(".json").read_text())


def visual_tokens(images, vqvae=None) -> np.ndarray:
    """Eq. 1: the (n, N) visual tokens of (n, H, W, C) crops, row by row as ``patches`` orders the patches."""
    vqvae = tokenizer() if vqvae is None else vqvae
    codes = vqvae.code_indices(np.asarray(images, np.float32))
    return codes.reshape(len(codes), -1)


def draw_tokens(tokens, vqvae=None) -> np.ndarray:
    """The tokenizer's decoder applied to (n, N) visual tokens: what a token map looks like, (n, H, W, C)."""
    vqvae = tokenizer() if vqvae is None else vqvae
    tokens = np.asarray(tokens, np.int32)
    return vqvae.decode_indices(tokens.reshape(len(tokens), *vqvae.code_shape))


@keras.saving.register_keras_serializable(package="toolkit")
class MaskedTokenModel(PatchEncoderModel):
    """BEiT of Eqs. 2-5 for (H, W, C) images in [0, 1] and their visual tokens (Eq. 1, computed beforehand).

    ``fit(images, tokens)`` minimizes Eq. 5 with a fresh M per image and step; ``model(images)`` is the
    encoder's feature vector (B, dim), nothing masked (``features`` for arrays); ``predict_tokens(images,
    hidden)`` gives the most likely token of every position for a given mask.
    """

    def __init__(self, image_shape=(32, 32, 3), num_codes: int = 64, patch_size: int = PATCH, dim: int = 64,
                 depth: int = 2, heads: int = 4, mask_ratio: float = 0.4, seed: int = 0, **kwargs):
        super().__init__(image_shape, patch_size, dim, depth, heads, seed, **kwargs)
        self.num_codes = check_int("num_codes", num_codes, 2)
        self.mask_ratio = check_float("mask_ratio", mask_ratio, 0.0, 1.0, open_high=True)
        self.token_head = keras.layers.Dense(self.num_codes, name="token_head")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="token_accuracy")

    def build(self, input_shape=None):
        if self.built:
            return
        # E, then e_[M], then the blocks: the order the initial weights are drawn in, which the lesson's numbers
        # were measured with (with e_[M] drawn after the blocks, another draw, the shape probe gained 0.04, not 0.09)
        self.embedding.build((None, *self.image_shape))
        self.mask_token = self.add_weight(name="mask_token", shape=(1, 1, self.dim),
                                          initializer=keras.initializers.RandomNormal(stddev=0.02))
        self.build_encoder()
        self.token_head.build((None, None, self.dim))
        self.built = True

    # -- Eqs. 2-4 --------------------------------------------------------------------
    def encode(self, images, hidden=None, training=None):
        """Enc of Eqs. 3-4: (B, N, dim); positions with `hidden` (B, N) = 1 read e_[M] instead of their patch."""
        tokens = self.embedding(ops.convert_to_tensor(images, "float32"))
        if hidden is not None:
            hidden = ops.cast(hidden, tokens.dtype)[..., None]
            tokens = tokens * (1.0 - hidden) + ops.cast(self.mask_token, tokens.dtype) * hidden
        return self.encoder_blocks_and_norm(tokens + ops.cast(self.encoder_position, tokens.dtype), training)

    def token_logits(self, images, hidden, training=None):
        """The logits of p(z_i | x^M) of Eq. 4 at every position, (B, N, K)."""
        return self.token_head(self.encode(images, hidden, training))

    def call(self, images, training=None):
        return ops.mean(self.encode(images, training=training), axis=1)  # nothing masked

    # -- Eq. 5 and training ------------------------------------------------------------
    def _loss_and_accuracy(self, data, training):
        images, tokens = data[0], data[1]
        _, _, hidden = random_split(ops.shape(images)[0], self.patches_count, self.mask_ratio,
                                    seed=self.seed_generator)
        logits = self.token_logits(images, hidden, training)
        return masked_token_loss(tokens, logits, hidden), masked_token_accuracy(tokens, logits, hidden)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss, accuracy = self._loss_and_accuracy(data, training=True)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, accuracy)

    def test_step(self, data):
        return self._track(*self._loss_and_accuracy(data, training=False))

    def _track(self, loss, accuracy):
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(accuracy)
        return {"loss": self.loss_tracker.result(), "token_accuracy": self.accuracy_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    # -- NumPy helpers for the page ---------------------------------------------------
    def fixed_mask(self, n: int, seed: int) -> np.ndarray:
        """One (n, N) 0/1 mask at this model's ratio, the same for a given seed: held-out crops scored alike."""
        _, _, hidden = random_split(n, self.patches_count, self.mask_ratio, seed=seed)
        return ops.convert_to_numpy(hidden)

    def predict_tokens(self, images, hidden) -> np.ndarray:
        """argmax_k p(z_i = k | x^M) at every position (n, N), for `hidden` (n, N) of 0/1."""
        logits = self.token_logits(np.asarray(images, np.float32), np.asarray(hidden, np.float32), training=False)
        return ops.convert_to_numpy(ops.argmax(logits, axis=-1)).astype(np.int32)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "num_codes": self.num_codes,
                "patch_size": self.patch_size, "dim": self.dim, "depth": self.depth, "heads": self.heads,
                "mask_ratio": self.mask_ratio, "seed": self.seed}


def masked_token_loss(tokens, logits, hidden):
    """Eq. 5: the cross-entropy of the true visual tokens at the masked positions only."""
    per_position = keras.losses.sparse_categorical_crossentropy(ops.cast(tokens, "int32"), logits, from_logits=True)
    hidden = ops.cast(hidden, per_position.dtype)
    return ops.sum(per_position * hidden) / ops.maximum(ops.sum(hidden), 1.0)


def masked_token_accuracy(tokens, logits, hidden):
    """The share of masked positions whose most likely token is the tokenizer's."""
    right = ops.cast(ops.equal(ops.argmax(logits, axis=-1), ops.cast(tokens, "int64")), "float32")
    hidden = ops.cast(hidden, "float32")
    return ops.sum(right * hidden) / ops.maximum(ops.sum(hidden), 1.0)


def most_common_visible_token(tokens, hidden) -> np.ndarray:
    """The baseline without a model of shapes: every masked position guessed as the image's most frequent
    visible token (the background, mostly); (n,) the share of masked positions it gets right per image."""
    tokens, hidden = np.asarray(tokens), np.asarray(hidden) > 0
    right = np.zeros(len(tokens))
    for row, (codes, masked) in enumerate(zip(tokens, hidden)):
        guess = np.bincount(codes[~masked]).argmax()
        right[row] = (codes[masked] == guess).mean()
    return right


def train_tokenizer(crops: int, seed: int, epochs: int, num_codes: int, code_dim: int, width: int):
    """The tokenizer of Eq. 1 trained on ``shape_crops(crops, seed)`` (Adam 2e-3, batch 128): (VQ-VAE, seconds)."""
    import time

    from toolkit.diffusion.text_lab import shape_crops
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    images = shape_crops(crops, seed=seed).images
    vqvae = seeded_build(lambda: build_tokenizer(images.shape[1:], num_codes, code_dim, width), seed)
    vqvae.compile(keras.optimizers.Adam(2e-3))
    started = time.perf_counter()
    fit(vqvae, images, batch_size=128, epochs=epochs, seed=seed, name="tokenizer")
    return vqvae, time.perf_counter() - started


def scored(vqvae) -> dict:
    """The tokenizer on ``CHECK_CROPS`` held-out crops: squared error per pixel of its reconstructions, the
    codes it uses and its perplexity (Eq. 6 of ``vqvae``)."""
    from toolkit.diffusion.text_lab import shape_crops

    images = shape_crops(CHECK_CROPS, seed=CHECK_SEED).images
    tokens = visual_tokens(images, vqvae)
    drawn = draw_tokens(tokens, vqvae)
    counts = np.bincount(tokens.ravel(), minlength=vqvae.num_codes) / tokens.size
    used = counts[counts > 0]
    return {"pixel_mse": round(float(((drawn - images) ** 2).mean()), 5), "codes_used": int(len(used)),
            "perplexity": round(float(np.exp(-(used * np.log(used)).sum())), 2)}


def main() -> None:
    """Trains the shipped tokenizer at ``TOKENIZER_RECIPE``, scores it on held-out crops and writes it."""
    from toolkit.saving import save_uncompiled

    vqvae, seconds = train_tokenizer(**TOKENIZER_RECIPE)
    scores = scored(vqvae)
    print(f"trained in {seconds:.0f} s on {os.cpu_count()} cores; held-out {scores}")
    save_uncompiled(vqvae, TOKENIZER, **TOKENIZER_RECIPE, **scores,
                    check_crops={"crops": CHECK_CROPS, "seed": CHECK_SEED}, train_seconds=round(seconds, 1),
                    cores=os.cpu_count())
    print(f"wrote {TOKENIZER} ({TOKENIZER.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
