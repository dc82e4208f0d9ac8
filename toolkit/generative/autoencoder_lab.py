"""Autoencoders on glyphs or digits, as the "Autoencoders & VAEs" page and ``benchmarks/autoencoders.py`` run them.

One config (``AutoencoderLabConfig``) names everything a student can set: the model
(autoencoder, denoising autoencoder, VAE, VQ-VAE), dense or conv networks, the latent size,
β, the corruption σ, the codebook size. ``build_model`` turns it into a compiled model;
``LabMonitor`` is a ``toolkit.train.Callback`` that, while training runs, reconstructs the
same 8 test images and decodes the same 20 latent samples, so the page shows them improving.
``few_labels`` reuses the trained encoder for a classifier that sees only a few labels
(Eq. 4 of ``autoencoder``), against the same classifier trained from scratch.

"Samples" of each model: the VAE decodes z ~ N(0, I) (its prior); the VQ-VAE decodes code
maps drawn from a categorical prior fitted on the training codes (``vqvae.fit_prior``); a
plain autoencoder has no prior, so it decodes z drawn from a Gaussian fitted to its codes,
which shows why it is not a generative model (its latent space has holes).
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np

from toolkit.generative.autoencoder import (
    Autoencoder, FewLabelsResult, build_decoder, build_encoder, check_latent_dim, check_positive_int,
    few_labels_comparison,
)
from toolkit.generative.vae import VAE, check_beta
from toolkit.generative.vqvae import VQVAE, check_num_codes, code_usage, fit_prior
from toolkit.train import Callback, fit

MODELS = ("autoencoder", "denoising", "vae", "vqvae")
MODEL_LABELS = {"autoencoder": "Autoencoder", "denoising": "Denoising autoencoder", "vae": "VAE",
                "vqvae": "VQ-VAE"}
DATASETS = ("glyphs", "digits")
ARCHITECTURES = ("conv", "dense")
SHOWN = 8  # test images reconstructed live
SAMPLES = 20  # latent samples decoded live


@dataclasses.dataclass
class AutoencoderLabConfig:
    """Every setting of the page; ``validate`` explains a bad value in one sentence."""

    model: str = "vae"
    architecture: str = "conv"
    dataset: str = "glyphs"
    latent_dim: int = 16  # 16, not 8: on 8,000 glyphs, 12 epochs, FID of prior samples 25 instead of 40
    beta: float = 1.0
    noise_std: float = 0.3
    num_codes: int = 32
    width: int = 32
    learning_rate: float = 2e-3
    batch_size: int = 32
    n: int = 2000
    seed: int = 0

    def validate(self) -> AutoencoderLabConfig:
        for name, choices in (("model", MODELS), ("architecture", ARCHITECTURES), ("dataset", DATASETS)):
            if getattr(self, name) not in choices:
                raise ValueError(f"`{name}` must be one of {', '.join(choices)}, received {name}={getattr(self, name)!r}.")
        check_latent_dim(self.latent_dim)
        check_beta(self.beta)
        check_num_codes(self.num_codes)
        if self.model == "vqvae" and self.architecture != "conv":
            raise ValueError("The VQ-VAE quantizes a map of vectors, one per image region: choose architecture='conv'.")
        if not (isinstance(self.noise_std, (int, float)) and 0 <= self.noise_std <= 1):
            raise ValueError(f"`noise_std` must be a number in [0, 1], received noise_std={self.noise_std!r}.")
        if not (isinstance(self.learning_rate, (int, float)) and 1e-5 <= self.learning_rate <= 0.1):
            raise ValueError(f"`learning_rate` must be in [1e-5, 0.1], received learning_rate={self.learning_rate!r}.")
        for name, low, high in (("width", 4, 256), ("batch_size", 1, 4096), ("n", 100, 60_000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise ValueError(f"`{name}` must be an integer in [{low}, {high}], received {name}={value!r}.")
        return self


def training_data(config: AutoencoderLabConfig):
    """The toolkit dataset of `config` (glyphs(n, seed=0) or digits(size=28))."""
    from toolkit.data import digits, glyphs

    return glyphs(n=config.n, seed=0) if config.dataset == "glyphs" else digits(size=28)


def build_model(config: AutoencoderLabConfig, image_shape=(28, 28, 1)):
    """The compiled model of `config` (weights seeded by ``config.seed``)."""
    config.validate()
    keras.utils.set_random_seed(config.seed)
    shape = dict(architecture=config.architecture, image_shape=image_shape, latent_dim=config.latent_dim,
                 width=config.width)
    if config.model == "vae":
        model = VAE(build_encoder(**shape, variational=True), build_decoder(**shape), beta=config.beta,
                    seed=config.seed, name="vae")
    elif config.model == "vqvae":
        model = VQVAE(build_encoder(**shape, spatial=True), build_decoder(**shape, spatial=True),
                      num_codes=config.num_codes, name="vqvae")
    else:
        noise = config.noise_std if config.model == "denoising" else 0.0
        model = Autoencoder(build_encoder(**shape), build_decoder(**shape), noise_std=noise, seed=config.seed,
                            name=config.model)
    model.compile(keras.optimizers.Adam(config.learning_rate))
    return model


def train(config: AutoencoderLabConfig, epochs: int, *, callbacks=(), monitor=None, stop=None, name=None):
    """Trains the model of `config` on its training images; returns the ``toolkit.train.Run``."""
    config.validate()
    data = training_data(config)
    model = build_model(config, data.input_shape)
    return fit(model, data.x_train, epochs=epochs, batch_size=min(config.batch_size, len(data.x_train)),
               seed=config.seed, callbacks=[*callbacks, *([monitor] if monitor else [])], stop=stop,
               config={"dataset": data.spec, "autoencoder": dataclasses.asdict(config)},
               name=name or f"{MODEL_LABELS[config.model]} · d={config.latent_dim}"
                            + (f" · β={config.beta:g}" if config.model == "vae" else ""))


# -- sampling ---------------------------------------------------------------------
def latent_sampler(model, train_images, seed: int = 0):
    """A function n -> n generated images (see the module docstring for each model)."""
    if isinstance(model, VAE):
        return lambda n, s=seed: model.sample(n, seed=s)
    if isinstance(model, VQVAE):
        prior = fit_prior(model.code_indices(train_images), model.num_codes)
        return lambda n, s=seed: model.sample(n, prior, seed=s)
    codes = model.encode(train_images)
    mean, cov = codes.mean(0), np.cov(codes, rowvar=False).reshape(codes.shape[1], codes.shape[1])
    return lambda n, s=seed: model.decode(
        np.random.default_rng(s).multivariate_normal(mean, cov, n).astype(np.float32))


def latent_points(model, images) -> tuple[np.ndarray, str]:
    """2-D points for a latent scatter and what the axes are: z itself when d = 2, else PCA of z
    (μ for a VAE, z_e averaged over positions for a VQ-VAE)."""
    codes = model.encode(images)
    codes = codes.reshape(len(codes), -1, codes.shape[-1]).mean(1) if codes.ndim == 4 else codes
    if codes.shape[1] == 1:
        return np.concatenate([codes, np.zeros_like(codes)], 1), "z (1-D)"
    if codes.shape[1] == 2:
        return codes, "z₁, z₂"
    centered = codes - codes.mean(0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T, "principal component 1 of z, principal component 2 of z"


class LabMonitor(Callback):
    """Reconstructions of `SHOWN` test images and `SAMPLES` decoded latents while a model trains.

    Attributes:
        snapshot: {"epoch", "inputs", "reconstructions", "samples"} (the latest).
        on_update: optional callable(monitor, run) called after every snapshot.
    """

    def __init__(self, train_images, test_images, *, seed: int = 0, on_update=None, every_seconds: float = 1.0):
        self.train_images = np.asarray(train_images[:2000], np.float32)
        self.test_images = np.asarray(test_images[:SHOWN], np.float32)
        self.seed, self.on_update, self.every_seconds = seed, on_update, every_seconds
        self.snapshot, self._last = {}, -math.inf

    def on_progress(self, run) -> None:
        if time.monotonic() - self._last >= self.every_seconds:
            self._draw(run)

    def on_end(self, run) -> None:
        if self.snapshot.get("epoch") != run.epochs_done and run.status != "diverged":
            self._draw(run)

    def _draw(self, run) -> None:
        model = run.model
        inputs, outputs = model.reconstruct(self.test_images)
        samples = latent_sampler(model, self.train_images, self.seed)(SAMPLES)
        self.snapshot = {"epoch": run.epochs_done, "inputs": np.clip(np.nan_to_num(inputs), 0, 1),
                         "reconstructions": np.clip(np.nan_to_num(outputs), 0, 1),
                         "samples": np.clip(np.nan_to_num(samples), 0, 1)}
        self._last = time.monotonic()
        if self.on_update is not None:
            self.on_update(self, run)


def beta_points(run, config: AutoencoderLabConfig) -> list[dict]:
    """[{"beta", "kl", "reconstruction"}] of a finished VAE run (nats per image), [] otherwise:
    the points of the β trade-off figure."""
    if config.model != "vae" or run.status == "diverged":
        return []
    return [{"beta": config.beta, "kl": run.final("kl"), "reconstruction": run.final("reconstruction")}]


def codebook_counts(model, images) -> np.ndarray | None:
    """Code usage (K,) of a VQ-VAE on `images`; None for other models."""
    return code_usage(model, images) if isinstance(model, VQVAE) else None


# -- the encoder reused by a classifier (Eq. 4 of ``autoencoder``) ----------------------
def few_labels(run, data, labels_per_class: int = 10, epochs: int = 30, *, test_images: int = 1000,
               seed: int = 0) -> FewLabelsResult:
    """Classifiers on `labels_per_class` labelled training images per class: one starts from the
    encoder of `run`'s trained model (μ head for a VAE, the flattened z_e map for a VQ-VAE), one
    from scratch; both scored on the first `test_images` test images of `data` after every epoch."""
    if run is None or run.status == "diverged":
        raise ValueError("There is no trained autoencoder to take the encoder from: train one first "
                         "(a run whose loss stayed finite).")
    labels_per_class = check_positive_int("labels_per_class", labels_per_class)
    epochs = check_positive_int("epochs", epochs)
    counts = np.bincount(np.asarray(data.y_train).astype(int))
    if labels_per_class > counts.min():
        raise ValueError(f"`labels_per_class` must be at most {counts.min()} (the rarest class has that many "
                         f"training images), received labels_per_class={labels_per_class}.")
    return few_labels_comparison(run.model.encoder, data.x_train, data.y_train, data.x_test[:test_images],
                                 data.y_test[:test_images], labels_per_class=labels_per_class, epochs=epochs,
                                 seed=seed, batch_size=min(32, labels_per_class * len(counts)))


def few_labels_table(result: FewLabelsResult) -> list[dict]:
    """One row per classifier: labels seen, final training and test accuracy."""
    return [{"classifier": name, "labelled images": result.labels_per_class * result.num_classes,
             "train accuracy": round(float(history["accuracy"][-1]), 3),
             "test accuracy": round(result.accuracy[name], 3)}
            for name, history in result.histories.items()]
