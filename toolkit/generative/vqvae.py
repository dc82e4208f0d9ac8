"""VQ-VAE (van den Oord et al., 2017): a discrete latent space made of codebook vectors.

The notes: in a VAE prior and posterior are Gaussians; in a VQ-VAE they are CATEGORICAL and
"samples drawn from these distributions index an embedding table", whose vectors are passed
to the decoder. The encoder makes one vector per position of a small map, each is replaced
by its nearest codebook vector, and the decoder draws the image from the quantized map.
Argmin has no gradient, so the decoder's gradient is copied straight through to the encoder;
the codebook learns from its own loss, and a commitment loss keeps the encoder near it.
Sampling needs a prior over the code indices, fitted after training on the codes of the data.

    z_e = E(x)   (B, h, w, D): one D-vector per position                                 (1)
    k = argmin_j ‖z_e − e_j‖²,   z_q = e_k   (nearest code of the K-code book e)         (2)
    ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²   (all distances with one matrix product)             (3)
    z_q' = z_e + sg[z_q − z_e]   (forward z_q, backward ∂L/∂z_e = ∂L/∂z_q: straight-through) (4)
    L = ‖x − D(z_q')‖² + ‖sg[z_e] − z_q‖² + β ‖z_e − sg[z_q]‖²                            (5)
        reconstruction    codebook loss      commitment loss
    perplexity = exp(−Σ_j p_j log p_j),  p_j the share of positions that use code j      (6)
    categorical prior per position t: p(k_t = j) = (n_tj + α) / (N + K α)                 (7)
    Markov (autoregressive) prior, raster order: p(k_t = j | k_{t−1} = i) ∝ n_t,ij + α     (8)
    log p(x) ≥ log p(x | z_q(x)) + log p(k(x))   (q is one-hot: KL(q ‖ p) = −log p(k))   (9)

Symbols: sg = ``stop_gradient``, e = `codebook` (K, D), β = `beta`, α = `alpha`. The sums
of Eq. 5 run over the pixels (reconstruction) and the positions and D (the two VQ terms) of
one image, then are averaged over the batch. Eq. 9 uses the decoder's outputs as Bernoulli
pixel probabilities (``vae.bernoulli_log_likelihood``), so it is in nats comparable to a
VAE's ELBO.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from toolkit.generative.autoencoder import first_input, pair_image_shape, predict, with_networks
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.generative.vae import bernoulli_log_likelihood
from toolkit.validation import check_choice, check_int, check_nonnegative, check_positive_int

PRIORS = ("categorical", "markov")
CODES_HINT = ("With a codebook of size 1 every position gets the same code and the decoder can only draw "
              "one image.")


def nearest_codes(z, codebook):
    """Eq. 2-3: index of the nearest code (N,) for each row of z (N, D), codebook (K, D)."""
    distances = (keras.ops.sum(keras.ops.square(z), axis=1, keepdims=True)
                 - 2.0 * keras.ops.matmul(z, keras.ops.transpose(codebook))
                 + keras.ops.sum(keras.ops.square(codebook), axis=1)[None, :])  # (N, K), Eq. 3
    return keras.ops.argmin(distances, axis=1)


def straight_through(z_e, z_q):
    """Eq. 4: the value of z_q with the gradient of z_e (identity from z_q' to z_e)."""
    return z_e + keras.ops.stop_gradient(z_q - z_e)


def vq_losses(z_e, z_q):
    """Eq. 5's two VQ terms per batch: (codebook ‖sg[z_e] − z_q‖², commitment ‖z_e − sg[z_q]‖²)."""
    def per_image(difference):
        squared = keras.ops.square(difference)
        return keras.ops.mean(keras.ops.sum(keras.ops.reshape(squared, (keras.ops.shape(squared)[0], -1)), axis=1))

    return (per_image(keras.ops.stop_gradient(z_e) - z_q),
            per_image(z_e - keras.ops.stop_gradient(z_q)))


def perplexity(indices, num_codes):
    """Eq. 6: exp of the entropy of the code usage (1: one code used; K: all used equally)."""
    shares = keras.ops.mean(keras.ops.one_hot(keras.ops.reshape(indices, (-1,)), num_codes), axis=0)  # (K,)
    return keras.ops.exp(-keras.ops.sum(shares * keras.ops.log(shares + 1e-10)))


@keras.saving.register_keras_serializable(package="toolkit")
class VectorQuantizer(keras.layers.Layer):
    """Eq. 2 and 4: replaces each D-vector of the last axis by its nearest of `num_codes` codes.

    ``call`` returns the straight-through z_q' (same shape as the input); ``nearest``
    returns (z_q, indices). The codebook (K, D) starts uniform in [−1/K, 1/K] as in the
    paper. Mirrors ``keras_hub``'s absence of one: the reference test is a NumPy argmin.
    """

    def __init__(self, num_codes, **kwargs):
        super().__init__(**kwargs)
        self.num_codes = check_int("num_codes", num_codes, 2, hint=CODES_HINT)

    def build(self, input_shape):
        self.code_dim = int(input_shape[-1])
        limit = 1.0 / self.num_codes
        self.codebook = self.add_weight(name="codebook", shape=(self.num_codes, self.code_dim),
                                        initializer=keras.initializers.RandomUniform(-limit, limit))

    def nearest(self, z_e):
        """(z_q, indices): nearest codes (Eq. 2), indices of shape z_e.shape[:-1]."""
        flat = keras.ops.reshape(z_e, (-1, self.code_dim))  # (B·h·w, D)
        indices = nearest_codes(flat, self.codebook)
        z_q = keras.ops.reshape(keras.ops.take(self.codebook, indices, axis=0), keras.ops.shape(z_e))
        return z_q, keras.ops.reshape(indices, keras.ops.shape(z_e)[:-1])

    def call(self, z_e):
        z_q, _ = self.nearest(z_e)
        return straight_through(z_e, z_q)  # Eq. 4

    def lookup(self, indices):
        """e_k for integer indices of any shape: shape + (D,)."""
        return keras.ops.take(self.codebook, keras.ops.cast(indices, "int32"), axis=0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_codes": self.num_codes}


@keras.saving.register_keras_serializable(package="toolkit")
class VQVAE(OwnOptimizers, keras.Model):
    """A VQ-VAE trained on Eq. 5.

    Args:
        encoder: x -> z_e (B, h, w, D) (``build_encoder(spatial=True)``).
        decoder: z_q (B, h, w, D) -> image of the encoder's input shape (``build_decoder(spatial=True)``).
        num_codes: K, the codebook size (>= 2).
        beta: β, the weight of the commitment loss (the paper uses 0.25).

    Metrics: ``loss``, ``reconstruction``, ``codebook``, ``commitment``, ``perplexity`` (Eq. 6).
    """

    def __init__(self, encoder, decoder, *, num_codes=64, beta=0.25, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.image_shape = pair_image_shape(encoder, decoder, "VQ-VAE")
        if len(encoder.outputs[0].shape) != 4:
            raise ValueError("A VQ-VAE's encoder must make a (B, h, w, D) map of vectors; build it with "
                             f"build_encoder(..., spatial=True), received output shape {encoder.outputs[0].shape}.")
        self.num_codes = check_int("num_codes", num_codes, 2, hint=CODES_HINT)
        self.beta = check_nonnegative("beta", beta, hint="β weighs the commitment loss.")
        self.code_shape = tuple(int(s) for s in encoder.outputs[0].shape[1:3])  # (h, w)
        self.quantizer = VectorQuantizer(num_codes, name="quantizer")
        self.quantizer.build(encoder.outputs[0].shape)
        self.trackers = [keras.metrics.Mean(name=name) for name in
                         ("loss", "reconstruction", "codebook", "commitment", "perplexity")]
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers)

    def call(self, x, training=False):
        return self.decoder(self.quantizer(self.encoder(x, training=training)), training=training)

    def losses_of(self, x, training=False):
        """Eq. 1-6 for a batch: (loss, reconstruction, codebook, commitment, perplexity)."""
        # Step 1: encode, Eq. 1
        z_e = self.encoder(x, training=training)
        # Step 2: nearest codes, Eq. 2-3
        z_q, indices = self.quantizer.nearest(z_e)
        # Step 3: decode the straight-through z_q', Eq. 4
        x_reconstructed = self.decoder(straight_through(z_e, z_q), training=training)
        # Step 4: L, Eq. 5
        squared = keras.ops.square(keras.ops.cast(x, "float32") - x_reconstructed)
        reconstruction = keras.ops.mean(keras.ops.sum(keras.ops.reshape(squared, (keras.ops.shape(x)[0], -1)), axis=1))
        codebook, commitment = vq_losses(z_e, z_q)
        loss = reconstruction + codebook + self.beta * commitment
        return loss, reconstruction, codebook, commitment, perplexity(indices, self.num_codes)

    def train_step(self, data):
        x = first_input(data)
        with tf.GradientTape() as tape:
            values = self.losses_of(x, training=True)
        # Step 5: one gradient step on encoder, codebook and decoder
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(values[0], weights), weights))
        return self._track(values)

    def test_step(self, data):
        return self._track(self.losses_of(first_input(data)))

    def _track(self, values):
        for tracker, value in zip(self.trackers, values):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.trackers}

    # -- NumPy helpers ---------------------------------------------------------------
    def encode(self, images, batch_size=500) -> np.ndarray:
        """z_e = E(x), the continuous encoder outputs (N, h, w, D)."""
        return predict(self.encoder, images, batch_size)

    def code_indices(self, images, batch_size=500) -> np.ndarray:
        """k(x): the (N, h, w) code index of every position (Eq. 2)."""
        z_e = self.encode(images, batch_size)
        return keras.ops.convert_to_numpy(self.quantizer.nearest(z_e)[1]).astype(np.int32)

    def decode_indices(self, indices, batch_size=500) -> np.ndarray:
        """D(e_k) for (N, h, w) code indices."""
        return predict(self.decoder, keras.ops.convert_to_numpy(self.quantizer.lookup(indices)), batch_size)

    def decode_latents(self, z_e, batch_size=500) -> np.ndarray:
        """D(quantize(z_e)) for continuous encoder outputs (N, h, w, D)."""
        return self.decode_indices(keras.ops.convert_to_numpy(self.quantizer.nearest(np.asarray(z_e, np.float32))[1]),
                                   batch_size)

    def reconstruct(self, images) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, np.float32)
        return images, self.decode_indices(self.code_indices(images))

    def sample(self, n: int, prior: CodePrior, seed: int = 0) -> np.ndarray:
        """n images decoded from code maps drawn from a fitted `prior` (``fit_prior``)."""
        if prior.code_shape != self.code_shape or prior.num_codes != self.num_codes:
            raise ValueError(f"The prior was fitted on {prior.code_shape} maps of {prior.num_codes} codes, but this "
                             f"VQ-VAE makes {self.code_shape} maps of {self.num_codes} codes: fit it on this model.")
        return self.decode_indices(prior.sample(n, seed))

    def get_config(self):
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "num_codes": self.num_codes, "beta": self.beta}

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(config, ("encoder", "decoder")))


def code_usage(vqvae: VQVAE, images) -> np.ndarray:
    """(K,) how many positions of `images` use each code; zeros are dead codes."""
    return np.bincount(vqvae.code_indices(images).ravel(), minlength=vqvae.num_codes)


@dataclasses.dataclass
class CodePrior:
    """A prior over (h, w) maps of code indices, fitted by counting (Eq. 7 or 8).

    Attributes:
        kind: "categorical" (independent per position) or "markov" (each position given the
            previous one in raster order: a first-order autoregressive prior).
        probs: (T, K) for categorical, (T, K, K) for markov (row i: previous code i).
    """

    kind: str
    code_shape: tuple
    num_codes: int
    probs: np.ndarray

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """(n, h, w) code maps drawn position by position."""
        rng = np.random.default_rng(seed)
        positions = int(np.prod(self.code_shape))
        codes = np.zeros((check_positive_int("n", n), positions), np.int32)
        for t in range(positions):
            if self.kind == "categorical":
                p = self.probs[t]
            else:  # Eq. 8: the row of the previous code (row 0 for the first position)
                p = self.probs[t][codes[:, t - 1] if t else np.zeros(n, np.int32)]
            p = np.broadcast_to(p, (n, self.num_codes))
            codes[:, t] = (p.cumsum(1) > rng.random((n, 1))).argmax(1)  # inverse-CDF draw per row
        return codes.reshape((n,) + tuple(self.code_shape))

    def log_prob(self, indices) -> np.ndarray:
        """log p(k) of (N, h, w) code maps (N,), in nats."""
        flat = np.asarray(indices).reshape(len(indices), -1)
        positions = np.arange(flat.shape[1])
        if self.kind == "categorical":
            return np.log(self.probs[positions, flat]).sum(1)
        first = np.log(self.probs[0, 0, flat[:, 0]])
        rest = np.log(self.probs[positions[1:], flat[:, :-1], flat[:, 1:]]).sum(1)
        return first + rest


def fit_prior(indices, num_codes: int, kind: str = "categorical", alpha: float = 0.1) -> CodePrior:
    """Eq. 7 or 8 from (N, h, w) code maps of the training data; α smooths unseen codes."""
    check_choice("kind", kind, PRIORS)
    indices = np.asarray(indices, np.int64)
    if indices.ndim != 3 or len(indices) == 0:
        raise ValueError(f"`indices` must be (N, h, w) code maps with N >= 1, received shape {indices.shape}.")
    flat = indices.reshape(len(indices), -1)
    positions = flat.shape[1]
    if kind == "categorical":
        counts = np.stack([np.bincount(flat[:, t], minlength=num_codes) for t in range(positions)]) + alpha
        return CodePrior(kind, indices.shape[1:], num_codes, counts / counts.sum(1, keepdims=True))  # Eq. 7
    counts = np.full((positions, num_codes, num_codes), alpha)
    counts[0] += np.bincount(flat[:, 0], minlength=num_codes)[None, :]  # position 0 has no predecessor
    for t in range(1, positions):
        np.add.at(counts[t], (flat[:, t - 1], flat[:, t]), 1.0)
    return CodePrior(kind, indices.shape[1:], num_codes, counts / counts.sum(2, keepdims=True))  # Eq. 8


def likelihood_bound(vqvae: VQVAE, prior: CodePrior, images) -> np.ndarray:
    """Eq. 9 per image (nats): log p(x | z_q(x)) + log p(k(x)), a lower bound on log p(x)."""
    images = np.asarray(images, np.float32)
    indices = vqvae.code_indices(images)
    reconstructed = vqvae.decode_indices(indices)
    return keras.ops.convert_to_numpy(bernoulli_log_likelihood(images, reconstructed)) + prior.log_prob(indices)
