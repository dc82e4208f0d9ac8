"""GANs on glyphs, as the "GANs on glyphs" page and ``benchmarks/gan.py`` run them.

One config (``GlyphGanConfig``) names everything a student can toggle: DCGAN or
conditional GAN, the loss, k, the three tricks of the notes, the learning rates, and two
tricks from beyond the notes that are ON by default because they made the default DCGAN
reach recognizable glyphs within two minutes (``benchmarks/gan.py``): one-sided label
smoothing (α = 0.1) and sampling from a moving average of G's weights (d = 0.999). The
conditional GAN starts from its own defaults (``GlyphGanConfig.for_model("conditional")``):
a 64-long z and D's class projection (``dcgan``, Eq. 1), which took its samples from
80.9-88.8 % to >= 90 % of their requested class on 10,000 glyphs (``benchmarks/gan.py``). The
builders turn it into a compiled ``GAN``; ``GanMonitor`` is a ``toolkit.train.Callback``
that, after every chunk of epochs, draws a FIXED grid of latent vectors (the same z every
time, so the grid shows the same samples getting better), and scores 500 fresh samples with
the glyph classifier of ``metrics``: FID against real glyphs, Inception Score, share
recognized and classes covered (mode collapse). ``diagnose`` names a run that collapsed or
diverged.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import keras
import numpy as np

from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, ConditionalGAN, numpy_noise
from toolkit.generative.gan_losses import LOSSES, WASSERSTEIN
from toolkit.generative.metrics import glyph_judge
from toolkit.train import Callback, compare, fit

MODELS = ("dcgan", "conditional")
LEARNING_RATE_RANGE = (1e-5, 0.1)
GRID_SIZE = 40  # images in the fixed latent grid (4 rows of 10)
EVAL_SAMPLES = 500
EXPLODED = 1e4  # |loss| above this: the critic diverged (WGAN without clipping)


@dataclasses.dataclass
class GlyphGanConfig:
    """Every setting of a glyph GAN; ``validate`` explains a bad value in one sentence."""

    model: str = "dcgan"
    loss: str = "non_saturating"
    d_steps: int = 1
    feature_matching: bool = False
    minibatch_discrimination: bool = False
    virtual_batch_norm: bool = False
    label_smoothing: float = 0.1
    ema_decay: float = 0.999
    projection: bool = False  # conditional D only: the class projection term (dcgan, Eq. 1)
    clip_value: float = 0.01
    latent_dim: int = 16
    filters: int = 48  # F of the generator
    d_filters: int = 32  # F of the discriminator
    d_lr: float = 2e-3
    g_lr: float = 2e-3
    batch_size: int = 32
    n: int = 2000
    seed: int = 0
    # model -> the fields whose defaults differ from the DCGAN's (``for_model``)
    MODEL_DEFAULTS: ClassVar[dict] = {"dcgan": {}, "conditional": {"latent_dim": 64, "projection": True}}

    @classmethod
    def for_model(cls, model: str = "dcgan", **settings) -> GlyphGanConfig:
        """The config of `model` with that model's defaults (``MODEL_DEFAULTS``), then `settings`."""
        if model not in MODELS:
            raise ValueError(f"`model` must be one of {', '.join(MODELS)}, received model={model!r}.")
        return cls(model=model, **{**cls.MODEL_DEFAULTS[model], **settings})

    def validate(self) -> GlyphGanConfig:
        if self.model not in MODELS:
            raise ValueError(f"`model` must be one of {', '.join(MODELS)}, received model={self.model!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {', '.join(LOSSES)}, received loss={self.loss!r}.")
        for name, low, high in (("d_steps", 1, 10), ("latent_dim", 2, 256), ("filters", 4, 128), ("d_filters", 4, 128),
                                ("n", 100, 60_000), ("batch_size", 1, 4096)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                label = "`d_steps` (k, D steps per G step)" if name == "d_steps" else f"`{name}`"
                raise ValueError(f"{label} must be an integer in [{low}, {high}], received {value!r}.")
        for name in ("d_lr", "g_lr"):
            value, (low, high) = getattr(self, name), LEARNING_RATE_RANGE
            if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
                raise ValueError(f"`{name}` (learning rate of {name[0].upper()}) must be in [{low:g}, {high:g}], "
                                 f"received {value!r}.")
        if not isinstance(self.projection, (bool, np.bool_)):
            raise ValueError(f"`projection` must be True or False, received {self.projection!r}.")
        if isinstance(self.label_smoothing, bool) or not (isinstance(self.label_smoothing, (int, float))
                                                          and 0 <= self.label_smoothing < 0.5):
            raise ValueError(f"`label_smoothing` (one-sided, D's real target 1 - α) must be in [0, 0.5), "
                             f"0 = off, received {self.label_smoothing!r}.")
        if isinstance(self.ema_decay, bool) or not (isinstance(self.ema_decay, (int, float))
                                                    and 0 <= self.ema_decay < 1):
            raise ValueError(f"`ema_decay` (weight average of G) must be in [0, 1), 0 = off, "
                             f"received {self.ema_decay!r}.")
        if self.batch_size > self.n:
            raise ValueError(f"`batch_size` ({self.batch_size}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")
        return self


def training_data(config: GlyphGanConfig):
    """The n glyphs (both splits of ``toolkit.data.glyphs(n, seed=0)``): images, labels, dataset."""
    from toolkit.data import glyphs

    data = glyphs(n=config.n, seed=0)
    images = np.concatenate([data.x_train, data.x_test])
    labels = np.concatenate([data.y_train, data.y_test]).astype(np.int32)
    return images, labels, data


def build_gan(config: GlyphGanConfig) -> GAN:
    """The compiled GAN of `config` (weights seeded by ``config.seed``)."""
    config.validate()
    keras.utils.set_random_seed(config.seed)
    classes = 10 if config.model == "conditional" else 0
    generator = dcgan_generator(config.latent_dim, filters=config.filters, num_classes=classes,
                                normalization="virtual" if config.virtual_batch_norm else "batch")
    discriminator = dcgan_discriminator(filters=config.d_filters, num_classes=classes,
                                        batch_norm=config.loss != "wgan_gp",
                                        minibatch_discrimination=config.minibatch_discrimination,
                                        projection=bool(classes and config.projection))
    options = dict(loss=config.loss, d_steps=config.d_steps, clip_value=config.clip_value,
                   feature_matching=config.feature_matching, seed=config.seed,
                   label_smoothing=config.label_smoothing if config.loss not in WASSERSTEIN else 0.0,
                   ema_decay=config.ema_decay)
    gan = (ConditionalGAN(generator, discriminator, num_classes=classes, **options) if classes
           else GAN(generator, discriminator, **options))
    beta_1 = 0.0 if config.loss in WASSERSTEIN else 0.5
    gan.compile(keras.optimizers.Adam(config.d_lr, beta_1=beta_1), keras.optimizers.Adam(config.g_lr, beta_1=beta_1))
    return gan


def gan_inputs(config, images, labels):
    """What ``fit`` trains on: the images, or (images, labels) for the conditional GAN."""
    return (images, labels) if config.model == "conditional" else images


class GanMonitor(Callback):
    """Scores the samples after every chunk of epochs, per run (see the module docstring).

    Attributes:
        evaluations: run name -> {"epoch", "fid", "inception_score", "recognized",
            "classes_covered"} lists.
        grids: run name -> (GRID_SIZE, 28, 28, 1) images of the fixed latent grid.
        on_update: optional callable(monitor, run) called after every evaluation.
    """

    def __init__(self, real_images, *, seed: int = 0, on_update=None, judge=None, every: int = 1,
                 score: bool = True):
        self.judge = (judge or glyph_judge()) if score else None
        self.real_features = self.judge.features(real_images[:1000]) if score else None
        self.seed, self.on_update, self.every = seed, on_update, max(1, int(every))
        self.evaluations, self.grids, self.diagnosis = {}, {}, {}

    def on_start(self, run) -> None:
        self._evaluate(run)

    def on_progress(self, run) -> None:
        last = self.evaluations.get(run.name, {}).get("epoch", [0])[-1]
        if run.epochs_done - last >= self.every or run.epochs_done == run.epochs:
            self._evaluate(run)

    def on_end(self, run) -> None:
        if self.evaluations.get(run.name, {}).get("epoch", [None])[-1] != run.epochs_done:
            self._evaluate(run)

    def _evaluate(self, run) -> None:
        gan = run.model
        grid = sample_grid(gan, seed=self.seed)
        report = self._score(gan)
        record = self.evaluations.setdefault(run.name, {k: [] for k in ("epoch", "fid", "inception_score",
                                                                        "recognized", "classes_covered")})
        record["epoch"].append(run.epochs_done)
        for key in ("fid", "inception_score", "recognized", "classes_covered"):
            record[key].append(float(report[key]))
        self.grids[run.name] = np.nan_to_num(np.clip(grid, 0, 1))
        self.diagnosis[run.name] = diagnose(run.history, record)
        if self.on_update is not None:
            self.on_update(self, run)

    def _score(self, gan) -> dict:
        """The judge's report on EVAL_SAMPLES fresh samples (NaN when scoring is off or samples are NaN)."""
        samples = sample_grid(gan, EVAL_SAMPLES, seed=self.seed + 1) if self.judge is not None else None
        if samples is None or not np.all(np.isfinite(samples)):
            return {"fid": math.nan, "inception_score": math.nan, "recognized": math.nan,
                    "classes_covered": math.nan}
        return self.judge.report(samples, self.real_features)

    def should_stop(self, name=None) -> bool:
        """True once a run diverged (use as ``fit(stop=monitor.should_stop)``)."""
        return any(d[0] == "diverged" for n, d in self.diagnosis.items() if name in (None, n))


def sample_grid(gan, n: int = GRID_SIZE, seed: int = 0) -> np.ndarray:
    """n samples from latent vectors fixed by `seed` (labels 0..9 repeated for a conditional GAN)."""
    z = numpy_noise(gan.noise, n, gan.latent_dim, seed)
    labels = np.arange(n) % gan.num_classes if isinstance(gan, ConditionalGAN) else None
    return gan.generate_numpy(z, labels)


def diagnose(history: dict, evaluations: dict) -> tuple[str, str]:
    """("ok" | "collapsed" | "diverged", one sentence) from the losses and the sample scores."""
    losses = [np.asarray(history[k], float) for k in ("d_loss", "g_loss") if k in history and len(history[k])]
    if any(not np.all(np.isfinite(v)) or np.abs(v).max() > EXPLODED for v in losses):
        return "diverged", ("The losses exploded or became NaN: the critic is unbounded. Turn on weight "
                            "clipping or the gradient penalty (WGAN-GP), or lower the learning rates.")
    covered, recognized = evaluations.get("classes_covered", []), evaluations.get("recognized", [])
    # recognizable samples (>= 20 % recognized) that nevertheless fall in at most 2 classes
    if len(covered) >= 3 and recognized[-1] >= 0.2 and covered[-1] <= 2:
        return "collapsed", (f"Mode collapse: the samples cover only {int(covered[-1])} of the 10 classes. "
                             "Try minibatch discrimination, feature matching, or a smaller learning rate for G.")
    return "ok", ""


def train(config: GlyphGanConfig, epochs: int, *, callbacks=(), monitor: GanMonitor | None = None,
          stop=None, name: str | None = None, steps_per_callback: int | None = None):
    """Trains the GAN of `config` on its glyphs; returns the ``toolkit.train.Run``."""
    config.validate()
    images, labels, data = training_data(config)
    gan = build_gan(config)
    stops = [s for s in (stop, monitor.should_stop if monitor else None) if s is not None]
    return fit(gan, gan_inputs(config, images, labels), epochs=epochs, batch_size=config.batch_size,
               seed=config.seed, callbacks=[*callbacks, *([monitor] if monitor else [])],
               stop=(lambda: any(s() if callable(s) else s.is_set() for s in stops)) if stops else None,
               config={"dataset": data.spec, "gan": dataclasses.asdict(config)}, steps_per_callback=steps_per_callback,
               name=name or f"{config.model} · {config.loss}")


def compare_variants(configs: dict, epochs: int, *, monitor: GanMonitor | None = None, callbacks=(), stop=None):
    """Trains every named config from the same seed and batches (``toolkit.train.compare``)."""
    if not configs:
        raise ValueError("`configs` must name at least one variant.")
    first = next(iter(configs.values())).validate()
    if any(c.validate().model != first.model or c.n != first.n or c.batch_size != first.batch_size
           for c in configs.values()):
        raise ValueError("Variants compared side by side must share the model, the glyphs and the batch size.")
    images, labels, data = training_data(first)
    builders = {name: (lambda c=c: build_gan(c)) for name, c in configs.items()}
    return compare(builders, (gan_inputs(first, images, labels), None), epochs=epochs,
                   batch_size=first.batch_size, seed=first.seed,
                   callbacks=[*callbacks, *([monitor] if monitor else [])], stop=stop,
                   config={"dataset": data.spec})


def conditional_accuracy(gan: ConditionalGAN, judge=None, n: int = 1000, seed: int = 7) -> float:
    """Share of conditional samples that the glyph classifier assigns to their requested class."""
    if not isinstance(gan, ConditionalGAN):
        raise ValueError("`gan` must be a ConditionalGAN: only it can be asked for a class.")
    judge = judge or glyph_judge()
    labels = np.arange(n) % gan.num_classes
    images = gan.sample(n, labels=labels, seed=seed)
    return float(np.mean(judge.probabilities(images).argmax(1) == labels))
