"""Autoencoders on glyphs or digits, as the "Autoencoders & VAEs" page and ``benchmarks/autoencoders.py`` run them.

One config (``AutoencoderLabConfig``, field names = the page's URL names) names everything a
student can set: the model (autoencoder, denoising autoencoder, VAE, VQ-VAE), dense or conv
networks, the latent size d, β, the corruption σ, the codebook size K. ``run_lab`` trains
it and returns what the page shows (``LabResult``); ``LabMonitor`` is a
``toolkit.train.Callback`` (``run_lab`` wraps it in ``Throttle``) that reconstructs the same
8 test images and decodes the same 20 latent samples while the model trains, so the page
shows them improving. ``few_labels`` reuses the trained encoder for a classifier that sees
only a few labels (Eq. 4 of ``autoencoder``), against the same classifier trained from scratch.

"Samples" of each model: the VAE decodes z ~ N(0, I) (its prior); the VQ-VAE decodes code
maps drawn from a categorical prior fitted on the training codes (``vqvae.fit_prior``); a
plain autoencoder has no prior, so it decodes z drawn from a Gaussian fitted to its codes,
which shows why it is not a generative model (its latent space has holes).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.generative.autoencoder import (
    Autoencoder, FewLabelsResult, build_decoder, build_encoder, few_labels_comparison,
)
from toolkit.generative.vae import VAE, latent_grid
from toolkit.generative.vqvae import VQVAE, code_usage, fit_prior
from toolkit.train import Callback, Throttle, fit
from toolkit.validation import check_seed

MODELS = ("autoencoder", "denoising", "vae", "vqvae")
MODEL_LABELS = {"autoencoder": "Autoencoder", "denoising": "Denoising autoencoder", "vae": "VAE",
                "vqvae": "VQ-VAE"}
DATASETS = {"glyphs": {"seed": 0}, "digits": {"size": 28}}  # name -> toolkit.data.load arguments
ARCHITECTURES = ("conv", "dense")
SHOWN = 8  # test images reconstructed live
SAMPLES = 20  # latent samples decoded live
PICTURE_SECONDS = 1.0  # the live pictures are redrawn at most this often (they cost a few forward passes)
GRID_SIZE = 12  # tiles per side of the 2-D VAE's latent grid
VALIDATION_BATCH = 500  # held-out images per validation step (the validation loss is a mean: only speed)
NO_ENCODER = ("There is no trained autoencoder to take the encoder from: train one first "
              "(a run whose loss stayed finite).")


@dataclasses.dataclass(frozen=True)
class AutoencoderLabConfig(Config):
    """Every setting of the page, with its bounds (field names are the page's URL names)."""

    model: str = setting("vae", choices=MODELS, label="Model",
                         help="autoencoder: L2 reconstruction. denoising: rebuild the clean image from a noisy "
                              "one. vae: encoder → (μ, log σ²), loss −log p(x|z) + β·KL. vqvae: nearest codebook "
                              "vectors.",
                         formula=r"\begin{array}{l} z = E(x),\; x' = D(z) \\ \text{VAE: } z = \mu(x) + \sigma(x)"
                                 r" \odot \varepsilon,\; \varepsilon \sim \mathcal{N}(0, I) \end{array}")
    architecture: str = setting("conv", choices=ARCHITECTURES, label="Networks")
    dataset: str = setting("glyphs", choices=tuple(DATASETS), label="Data")
    epochs: int = setting(10, lo=1, hi=300, widget="number", label="Epochs")
    # 16, not 8: on 8,000 glyphs, 12 epochs, FID of prior samples 25 instead of 40
    latent: int = setting(16, lo=1, hi=64, widget="number", label="Latent size d",
                          help="2 gives a VAE whose whole latent space can be drawn as a grid.",
                          formula=r"z \in \mathbb{R}^d")
    beta: float = setting(1.0, lo=0.0, hi=20.0, step=0.25, label="β (VAE: weight of KL)",
                          help="β = 1: the loss is minus the ELBO, the notes' likelihood lower bound.",
                          formula=r"\mathcal{L} = -E_z[\log P_\theta(x|z)] + \beta\, D_{KL}(q_\theta(z|x)\,\|\,P_\theta(z))")
    noise: float = setting(0.3, lo=0.0, hi=1.0, step=0.05, widget="slider", label="Noise σ (denoising)",
                           formula=r"\mathcal{L} = \lVert x - D(E(\tilde x)) \rVert_2^2,\; \tilde x = x + \sigma\varepsilon")
    codes: int = setting(32, lo=2, hi=512, widget="number", label="Codebook size K (VQ-VAE)",
                         formula=r"\begin{array}{l} \mathcal{L} = \lVert x - D(e_k) \rVert^2 + \lVert \mathrm{sg}[z_e] - e_k \rVert^2"
                                 r" + 0.25 \lVert z_e - \mathrm{sg}[e_k] \rVert^2 \\ k = \arg\min_{j \le K}"
                                 r" \lVert z_e - e_j \rVert \end{array}")
    lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=5e-4, label="Learning rate")
    batch: int = setting(32, lo=1, hi=1024, widget="number", label="Batch size")
    n: int = setting(2000, lo=100, hi=20_000, step=100, widget="number", label="Glyphs (glyphs only)")
    width: int = setting(32, lo=4, hi=256, widget="number", label="Width F (filters or hidden units)")
    seed: int = 0

    def check(self) -> None:
        check_seed(self.seed)
        if self.model == "vqvae" and self.architecture != "conv":
            raise ValueError("The VQ-VAE quantizes a map of vectors, one per image region: "
                             "choose architecture='conv'.")

    @property
    def run_name(self) -> str:
        return f"{MODEL_LABELS[self.model]} · d={self.latent}" + (f" · β={self.beta:g}" if self.model == "vae" else "")


@dataclasses.dataclass(frozen=True)
class FewLabelsConfig(Config):
    """The classifiers of ``few_labels``: labelled images per class and their epochs."""

    labels: int = setting(10, lo=1, hi=500, widget="number", label="Labels per class")
    label_epochs: int = setting(30, lo=1, hi=300, widget="number", label="Classifier epochs")


def dataset_spec(config: AutoencoderLabConfig) -> dict:
    """``toolkit.data.load`` arguments of the config's images: glyphs(n, seed=0) or digits(size=28)."""
    extra = {"n": config.n} if config.dataset == "glyphs" else {}
    return {"name": config.dataset, **DATASETS[config.dataset], **extra}


def training_data(config: AutoencoderLabConfig):
    """The toolkit dataset of `config` (``dataset_spec``)."""
    from toolkit.data import load

    return load(**dataset_spec(config))


def build_model(config: AutoencoderLabConfig, image_shape=(28, 28, 1)):
    """The compiled model of `config` (weights seeded by ``config.seed``)."""
    keras.utils.set_random_seed(config.seed)
    shape = dict(architecture=config.architecture, image_shape=image_shape, latent_dim=config.latent,
                 width=config.width)
    if config.model == "vae":
        model = VAE(build_encoder(**shape, variational=True), build_decoder(**shape), beta=config.beta,
                    seed=config.seed, name="vae")
    elif config.model == "vqvae":
        model = VQVAE(build_encoder(**shape, spatial=True), build_decoder(**shape, spatial=True),
                      num_codes=config.codes, name="vqvae")
    else:
        noise = config.noise if config.model == "denoising" else 0.0
        model = Autoencoder(build_encoder(**shape), build_decoder(**shape), noise_std=noise, seed=config.seed,
                            name=config.model)
    model.compile(keras.optimizers.Adam(config.lr))
    return model


def train(config: AutoencoderLabConfig, data=None, *, callbacks=(), stop=None, name=None):
    """Trains the model of `config` on `data`'s (or its own dataset's) training images; the ``Run``.

    Every loss term is also measured on the held-out test images after each epoch (the "val_"
    keys of the history), so a page can show whether the model generalizes."""
    data = data if data is not None else training_data(config)
    model = build_model(config, data.input_shape)
    return fit(model, data.x_train, epochs=config.epochs, batch_size=min(config.batch, len(data.x_train)),
               validation_data=(data.x_test, data.y_test), validation_batch_size=VALIDATION_BATCH,
               seed=config.seed, callbacks=callbacks, stop=stop, name=name or config.run_name,
               config={"dataset": data.spec, "autoencoder": config.values()})


# -- what the page shows -------------------------------------------------------------
@dataclasses.dataclass
class LabResult:
    """A trained lab model and its figures' data (None where a figure does not apply).

    Attributes:
        run: the ``toolkit.train.Run`` (its model is the trained network).
        pictures: the last ``LabMonitor`` pictures (``LabMonitor.pictures``).
        points, axes, labels: test images in the latent space (``latent_points``) and their classes.
        manifold: a 2-D VAE's decoded grid and its z values (``vae.latent_grid``).
        code_counts: a VQ-VAE's code usage on the test images.
        beta_points: the VAE's point of the β trade-off figure (``beta_points``).
    """

    config: AutoencoderLabConfig
    run: object
    pictures: dict = dataclasses.field(default_factory=dict)
    points: np.ndarray | None = None
    axes: str = ""
    labels: np.ndarray | None = None
    manifold: tuple | None = None
    code_counts: np.ndarray | None = None
    beta_points: list = dataclasses.field(default_factory=list)

    @property
    def note(self) -> str:
        """What the page says where the model has no grid and no codebook to draw."""
        if self.config.model == "vae":
            return "Train with latent size d = 2 to see the decoder over a grid of the whole latent space."
        return ("A plain autoencoder has no prior: its “samples” decode z from a Gaussian fitted to the codes, "
                "and land in holes of the latent space. The VAE's KL term fills them.")


def run_lab(config: AutoencoderLabConfig, data=None, *, monitor: LabMonitor | None = None, callbacks=(),
            stop=None, picture_seconds: float = PICTURE_SECONDS) -> LabResult:
    """Trains the model of `config` and measures what the page draws.

    `monitor` (a ``LabMonitor``) is called through ``Throttle(monitor, picture_seconds)`` before
    `callbacks`, so a watcher reading ``monitor.pictures`` in its own ``on_progress`` sees the
    newest pictures. A diverged run keeps only its run and pictures.
    """
    data = data if data is not None else training_data(config)
    watchers = [Throttle(monitor, picture_seconds)] if monitor is not None else []
    run = train(config, data, callbacks=[*watchers, *callbacks], stop=stop)
    result = LabResult(config, run, pictures=dict(monitor.pictures) if monitor is not None else {})
    if run.status == "diverged":
        return result
    model = run.model
    result.points, result.axes = latent_points(model, data.x_test)
    result.labels = np.asarray(data.y_test)
    if isinstance(model, VAE) and model.latent_dim == 2:
        result.manifold = latent_grid(model, GRID_SIZE)
    result.code_counts = codebook_counts(model, data.x_test)
    result.beta_points = beta_points(run, config)
    return result


def has_encoder(result: LabResult | None) -> bool:
    """Whether `result` holds a trained encoder that ``few_labels`` can reuse."""
    return result is not None and result.run.status != "diverged"


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

    Every ``on_progress`` redraws them (wrap the monitor in ``toolkit.train.Throttle``, as
    ``run_lab`` does, to redraw only every so often); ``on_end`` draws the final state.

    Attributes:
        pictures: {"epoch", "inputs", "reconstructions", "samples"} (the latest; {} before the first).
    """

    def __init__(self, train_images, test_images, *, seed: int = 0):
        self.train_images = np.asarray(train_images[:2000], np.float32)
        self.test_images = np.asarray(test_images[:SHOWN], np.float32)
        self.seed, self.pictures = seed, {}

    def on_progress(self, run) -> None:
        self.pictures = self.draw(run.model, run.epochs_done)

    def on_end(self, run) -> None:
        if self.pictures.get("epoch") != run.epochs_done and run.status != "diverged":
            self.pictures = self.draw(run.model, run.epochs_done)

    def draw(self, model, epoch: int) -> dict:
        """The pictures of `model` now (pixels clipped to [0, 1], NaN drawn as 0)."""
        inputs, outputs = model.reconstruct(self.test_images)
        samples = latent_sampler(model, self.train_images, self.seed)(SAMPLES)
        return {"epoch": epoch, "inputs": np.clip(np.nan_to_num(inputs), 0, 1),
                "reconstructions": np.clip(np.nan_to_num(outputs), 0, 1),
                "samples": np.clip(np.nan_to_num(samples), 0, 1)}


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
def few_labels(result: LabResult | None, data, config: FewLabelsConfig | None = None, *, test_images: int = 1000,
               seed: int = 0, callbacks=(), stop=None) -> FewLabelsResult:
    """Classifiers on `config.labels` labelled training images per class: one starts from the
    encoder of `result`'s trained model (μ head for a VAE, the flattened z_e map for a VQ-VAE),
    one from scratch; both scored on the first `test_images` test images of `data` after every
    epoch. Each classifier's run is reported to `callbacks`; `stop` ends the comparison."""
    if not has_encoder(result):
        raise ValueError(NO_ENCODER)
    config = config or FewLabelsConfig()
    counts = np.bincount(np.asarray(data.y_train).astype(int))
    if config.labels > counts.min():
        raise ValueError(f"`labels` (labelled images per class) must be at most {counts.min()} (the rarest class "
                         f"has that many training images), received labels={config.labels}.")
    few = few_labels_comparison(result.run.model.encoder, data.x_train, data.y_train, data.x_test[:test_images],
                                data.y_test[:test_images], labels_per_class=config.labels,
                                epochs=config.label_epochs, seed=seed,
                                batch_size=min(32, config.labels * len(counts)), callbacks=callbacks, stop=stop)
    few.encoder_of = str(result.run.name)
    return few


def few_labels_table(result: FewLabelsResult) -> list[dict]:
    """One row per classifier: labels seen, final training and test accuracy."""
    return [{"classifier": name, "labelled images": result.labels_per_class * result.num_classes,
             "train accuracy": round(float(history["accuracy"][-1]), 3),
             "test accuracy": round(result.accuracy[name], 3)}
            for name, history in result.histories.items() if len(history.get("accuracy", ()))]
