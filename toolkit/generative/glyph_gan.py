"""GANs on glyphs, as the "GANs on glyphs" page and ``benchmarks/gan.py`` run them.

One config (``GlyphGanConfig``) names everything a student can toggle: DCGAN or
conditional GAN, the loss, k, the three tricks of the notes, the learning rates, and two
tricks from beyond the notes that are ON by default because they made the default DCGAN
reach recognizable glyphs within two minutes (``benchmarks/gan.py``): one-sided label
smoothing (α = 0.1) and sampling from a moving average of G's weights (d = 0.999). The
conditional GAN starts from its own defaults (``GlyphGanConfig.for_model("conditional")``):
a 64-long z and D's class projection (``dcgan``, Eq. 1), which took its samples from
80.9-88.8 % to >= 90 % of their requested class on 10,000 glyphs (``benchmarks/gan.py``). The
builders turn it into a compiled ``GAN``; ``run_glyph_gan`` trains it through
``toolkit.train.fit`` with a ``GanMonitor``, a ``toolkit.train.Callback`` wrapped in
``Throttle`` (it scores at most every ``SCORE_SECONDS``) that draws a FIXED grid of latent
vectors (the same z every time, so the grid shows the same samples getting better) and scores
500 fresh samples with the shipped glyph classifier of ``metrics``: FID against real glyphs,
Inception Score, share recognized and classes covered (mode collapse). ``diagnose`` names a
run that collapsed or diverged; ``live_samples`` is what a live panel draws between scorings.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import keras
import numpy as np

from toolkit import validation
from toolkit.config import Config, setting, setting_of
from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, ConditionalGAN, numpy_noise
from toolkit.generative.gan_losses import (
    ALTERNATION_LATEX, CLIP_LATEX, LOSS_LABELS, LOSSES, LOSSES_LATEX, WASSERSTEIN,
)
from toolkit.generative.metrics import SCORES_LATEX, glyph_judge
from toolkit.train import Callback, Run, Throttle, compare, fit

MODELS = ("dcgan", "conditional")
GRID_SIZE = 40  # images in the fixed latent grid (4 rows of 10)
EVAL_SAMPLES = 500
SCORE_SECONDS = 2.0  # the monitor scores at most this often (about 0.3 s per scoring on 2 cores)
RENDER_SECONDS_PER_GLYPH = 7e-4  # measured: 2,000 glyphs render in 1.4 s on 2 cores
COMPILE_SECONDS = 5  # measured: the default DCGAN's first epoch took 8.4 s on 2 cores, the next ones 3.6 s
EXPLODED = 1e4  # |loss| above this: the critic diverged (WGAN without clipping)


@dataclasses.dataclass(frozen=True)
class GlyphGanConfig(Config):
    """Every setting of a glyph GAN (the page's URL parameters are the field names)."""

    model: str = setting("dcgan", choices=MODELS, label="Model",
                         help="dcgan: G(z). conditional: G(z, y) and D(x, y) with the class y as an extra input "
                              "and a class projection in D's score.")
    loss: str = setting("non_saturating", choices=LOSSES, label="Loss", formula=LOSSES_LATEX)
    # At the defaults (seed 0, 2 cores) FID falls from 207 to 6.9 after 8 epochs, 4.7 after 12 (the default: 47 s
    # from the click to the end in the browser) and 2.9 after 20.
    epochs: int = setting(12, lo=1, hi=500, widget="number", label="Epochs")
    n: int = setting(2000, lo=100, hi=20_000, step=100, widget="number", label="Training glyphs")
    batch: int = setting(32, lo=1, hi=1024, widget="number", label="Batch size")
    k: int = setting(1, lo=1, hi=10, widget="number", label="k: D steps per G step", formula=ALTERNATION_LATEX)
    g_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="G learning rate η_G")
    d_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="D learning rate η_D")
    clip: float = setting(0.01, lo=0.0, hi=1.0, step=0.01, label="WGAN clip c (0 = off)",
                          formula=CLIP_LATEX)
    feature_matching: bool = setting(False, label="Feature matching",
                                     formula=r"L_G = \lVert \mathbb{E}_x f(x) - \mathbb{E}_z f(G(z)) \rVert_2^2")
    minibatch: bool = setting(False, label="Minibatch discrimination",
                              formula=r"o(x_i) = \textstyle\sum_{j \ne i} e^{-\lVert M_i - M_j \rVert_{L_1}}")
    vbn: bool = setting(False, label="Virtual batch norm (G)",
                        formula=r"\hat h_i = \gamma \frac{h_i - \mu_{\text{ref} \cup i}}{\sigma_{\text{ref} \cup i}} + \beta")
    score: bool = setting(True, label="Score the samples",
                          help="FID, Inception Score and classes covered, from the shipped glyph classifier "
                               "(about 0.3 s per scoring, at most every 2 s).", formula=SCORES_LATEX)
    label_smoothing: float = setting(0.1, lo=0.0, hi=0.45, label="One-sided label smoothing α (0 = off)",
                                     formula=r"L_D = -\mathbb{E}_x [(1 - \alpha) \log D(x) + \alpha \log(1 - D(x))]"
                                             r" - \mathbb{E}_z \log(1 - D(G(z)))")
    ema_decay: float = setting(0.999, lo=0.0, hi=0.9999, label="Weight average of G, decay d (0 = off)",
                               formula=r"\bar\theta_G \leftarrow d\, \bar\theta_G + (1 - d)\, \theta_G")
    projection: bool = setting(False, label="Class projection in D (conditional only)")
    latent_dim: int = setting(16, lo=2, hi=256, label="Length of z")
    filters: int = setting(48, lo=4, hi=128, label="G filters F")
    d_filters: int = setting(32, lo=4, hi=128, label="D filters F")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")
    # model -> the fields whose defaults differ from the DCGAN's (``for_model``)
    MODEL_DEFAULTS: ClassVar[dict] = {"dcgan": {}, "conditional": {"latent_dim": 64, "projection": True}}

    @classmethod
    def for_model(cls, model: str = "dcgan", **settings) -> GlyphGanConfig:
        """The config of `model` with that model's defaults (``MODEL_DEFAULTS``), then `settings`."""
        validation.check_choice("model", model, MODELS)
        return cls(model=model, **{**cls.MODEL_DEFAULTS[model], **settings})

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")


@dataclasses.dataclass(frozen=True)
class LossComparisonConfig(GlyphGanConfig):
    """Several losses trained side by side: every other field as ``GlyphGanConfig`` (whose
    ``loss`` it ignores); ``epochs`` is per variant and defaults to 5."""

    losses: tuple = setting(("minimax", "non_saturating", "wgan_gp"), choices=LOSSES, min_count=1, label="Losses",
                            help="Each trains from the same seed: identical initial weights (where the networks "
                                 "match) and identical batches.", formula=LOSSES_LATEX)
    epochs: int = setting_of(GlyphGanConfig, "epochs", 5)

    def variants(self) -> dict[str, GlyphGanConfig]:
        """Loss label -> the config of that variant."""
        shared = {f.name: getattr(self, f.name) for f in dataclasses.fields(GlyphGanConfig)}
        return {LOSS_LABELS[loss]: GlyphGanConfig(**{**shared, "loss": loss}) for loss in self.losses}


def training_data(config: GlyphGanConfig):
    """The n glyphs (both splits of ``toolkit.data.glyphs(n, seed=0)``): images, labels, dataset."""
    from toolkit.data import glyphs

    data = glyphs(n=config.n, seed=0)
    images = np.concatenate([data.x_train, data.x_test])
    labels = np.concatenate([data.y_train, data.y_test]).astype(np.int32)
    return images, labels, data


def setup_message(config: GlyphGanConfig) -> str:
    """What happens before the first epoch, with measured estimates of the long parts."""
    from toolkit.data.cache import cache_path
    from toolkit.data.synthetic_glyphs import GLYPHS_VERSION

    arguments = {"n": config.n, "size": 28, "seed": 0, "classes": 10, "test_ratio": 0.2}
    compiling = f"building the GAN and compiling its training step (about {COMPILE_SECONDS} s on 2 cores)…"
    if cache_path("glyphs", GLYPHS_VERSION, arguments).exists():
        return f"Loading the glyphs, {compiling}"
    seconds = max(1, round(config.n * RENDER_SECONDS_PER_GLYPH))
    return f"Rendering {config.n:,} glyphs (about {seconds} s, once for this server), then {compiling}"


def build_gan(config: GlyphGanConfig) -> GAN:
    """The compiled GAN of `config` (weights seeded by ``config.seed``)."""
    keras.utils.set_random_seed(config.seed)
    classes = 10 if config.model == "conditional" else 0
    generator = dcgan_generator(config.latent_dim, filters=config.filters, num_classes=classes,
                                normalization="virtual" if config.vbn else "batch")
    discriminator = dcgan_discriminator(filters=config.d_filters, num_classes=classes,
                                        batch_norm=config.loss != "wgan_gp", minibatch_discrimination=config.minibatch,
                                        projection=bool(classes and config.projection))
    options = dict(loss=config.loss, d_steps=config.k, clip_value=config.clip,
                   feature_matching=config.feature_matching, seed=config.seed,
                   label_smoothing=config.label_smoothing if config.loss not in WASSERSTEIN else 0.0,
                   ema_decay=config.ema_decay)
    gan = (ConditionalGAN(generator, discriminator, num_classes=classes, **options) if classes
           else GAN(generator, discriminator, **options))
    beta_1 = 0.0 if config.loss in WASSERSTEIN else 0.5
    gan.compile(keras.optimizers.Adam(config.d_lr, beta_1=beta_1), keras.optimizers.Adam(config.g_lr, beta_1=beta_1))
    gan.build_optimizers()  # eagerly: the first trace of the step is then about 2 s shorter
    return gan


def gan_inputs(config, images, labels):
    """What ``fit`` trains on: the images, or (images, labels) for the conditional GAN."""
    return (images, labels) if config.model == "conditional" else images


class GanMonitor(Callback):
    """Scores the samples of every run it watches (see the module docstring).

    Pass it wrapped in ``Throttle`` (``run_glyph_gan`` does, every ``SCORE_SECONDS``):
    ``on_start`` and ``on_end`` always score, ``on_progress`` when the throttle lets it.

    Attributes:
        evaluations: run name -> {"epoch", "fid", "inception_score", "recognized",
            "classes_covered"} lists, one entry per scoring.
        grids: run name -> (GRID_SIZE, 28, 28, 1) images of the fixed latent grid.
        diagnosis: run name -> ("ok" | "collapsed" | "diverged", sentence).
    """

    def __init__(self, judge=None, *, seed: int = 0):
        self.judge, self.seed = judge, seed  # no judge: grids and diagnosis, no scores
        self.real_features = None
        self.evaluations, self.grids, self.diagnosis = {}, {}, {}

    def use_real(self, images) -> None:
        """The real glyphs that FID compares against (their first 1,000)."""
        self.real_features = self.judge.features(images[:1000]) if self.judge is not None else None

    def on_start(self, run) -> None:
        self._evaluate(run)

    def on_progress(self, run) -> None:
        if self.evaluations.get(run.name, {}).get("epoch", [None])[-1] != run.epochs_done:
            self._evaluate(run)

    on_end = on_progress

    def _evaluate(self, run) -> None:
        gan = run.model
        report = self._score(gan)
        record = self.evaluations.setdefault(run.name, {k: [] for k in ("epoch", "fid", "inception_score",
                                                                        "recognized", "classes_covered")})
        record["epoch"].append(run.epochs_done)
        for key in ("fid", "inception_score", "recognized", "classes_covered"):
            record[key].append(float(report[key]))
        self.grids[run.name] = np.nan_to_num(np.clip(sample_grid(gan, seed=self.seed), 0, 1))
        self.diagnosis[run.name] = diagnose(run.history, record)

    def _score(self, gan) -> dict:
        """The judge's report on EVAL_SAMPLES fresh samples (NaN when scoring is off or samples are NaN)."""
        samples = sample_grid(gan, EVAL_SAMPLES, seed=self.seed + 1) if self.judge is not None else None
        if samples is None or self.real_features is None or not np.all(np.isfinite(samples)):
            return {"fid": math.nan, "inception_score": math.nan, "recognized": math.nan,
                    "classes_covered": math.nan}
        return self.judge.report(samples, self.real_features)

    def scores(self) -> dict:
        """A copy of ``evaluations`` (what a live frame keeps), runs with at least one score."""
        return {name: {k: list(v) for k, v in record.items()} for name, record in self.evaluations.items()
                if self.judge is not None}

    def should_stop(self, name=None) -> bool:
        """True once a run diverged (use as ``fit(stop=monitor.should_stop)``)."""
        return any(d[0] == "diverged" for n, d in self.diagnosis.items() if name in (None, n))


def sample_grid(gan, n: int = GRID_SIZE, seed: int = 0) -> np.ndarray:
    """n samples from latent vectors fixed by `seed` (labels 0..9 repeated for a conditional GAN)."""
    z = numpy_noise(gan.noise, n, gan.latent_dim, seed)
    labels = np.arange(n) % gan.num_classes if isinstance(gan, ConditionalGAN) else None
    return gan.generate_numpy(z, labels)


def live_samples(run) -> dict:
    """What a live panel shows of a glyph GAN run now: the fixed grid, the run's name and epoch."""
    return {"grid": np.nan_to_num(np.clip(sample_grid(run.model), 0, 1)), "run": run.name, "epoch": run.epochs_done,
            "conditional": isinstance(run.model, ConditionalGAN)}


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


@dataclasses.dataclass
class GlyphGanResult:
    """One trained glyph GAN as the page shows it afterwards."""

    run: Run
    config: GlyphGanConfig
    evaluations: dict  # the monitor's record of this run (empty lists without scoring)
    grid: np.ndarray  # (GRID_SIZE, 28, 28, 1) the fixed latent grid after training
    diagnosis: tuple  # ("ok" | "collapsed" | "diverged", sentence)
    class_accuracy: float | None = None  # conditional GAN: samples the judge assigns to their class


def stops_of(stop, monitor):
    """One stop test: the caller's `stop` (callable or event) or the monitor's diverged run."""
    stops = [s for s in (stop, monitor.should_stop) if s is not None]
    return lambda: any(s() if callable(s) else s.is_set() for s in stops)


def _result(run, config, monitor) -> GlyphGanResult:
    accuracy = None
    if config.model == "conditional" and monitor.judge is not None and run.status != "diverged":
        accuracy = conditional_accuracy(run.model, monitor.judge)
    return GlyphGanResult(run, config, monitor.evaluations.get(run.name, {}), monitor.grids.get(run.name),
                          monitor.diagnosis.get(run.name, ("ok", "")), accuracy)


def train(config: GlyphGanConfig, epochs: int | None = None, *, callbacks=(), stop=None, name: str | None = None,
          steps_per_callback: int | None = None, data=None) -> Run:
    """Trains the GAN of `config` on its glyphs (``training_data``, or `data` if given) for
    `epochs` (default ``config.epochs``), unscored; returns the ``toolkit.train.Run``."""
    images, labels, dataset = data or training_data(config)
    gan = build_gan(config)
    return fit(gan, gan_inputs(config, images, labels), epochs=epochs or config.epochs, batch_size=config.batch,
               seed=config.seed, callbacks=callbacks, stop=stop, steps_per_callback=steps_per_callback,
               config={"dataset": dataset.spec, "gan": dataclasses.asdict(config)},
               name=name or f"{config.model} · {config.loss}")


def run_glyph_gan(config: GlyphGanConfig, *, judge=None, monitor: GanMonitor | None = None, callbacks=(),
                  stop=None, on_setup=None, steps_per_callback: int | None = None) -> GlyphGanResult:
    """Trains the GAN of `config` on its glyphs for ``config.epochs``, scored while it trains.

    Args:
        judge: the glyph classifier that scores samples (default ``glyph_judge()`` when
            ``config.score``); `monitor` (a ``GanMonitor``) may be given instead, so a caller
            can read its scores while the run trains.
        callbacks, stop: the toolkit's progress protocol (``toolkit.train.fit``); the monitor
            is added, wrapped in ``Throttle(SCORE_SECONDS)``, before them, so they see its scores.
            A run whose losses explode also stops.
        on_setup: optional callable(text) told what happens before the first epoch.
    """
    if on_setup is not None:
        on_setup(setup_message(config))
    data = training_data(config)
    if monitor is None:
        monitor = GanMonitor((judge or glyph_judge()) if config.score else None, seed=config.seed)
    monitor.use_real(data[0])
    run = train(config, callbacks=[Throttle(monitor, SCORE_SECONDS), *callbacks], stop=stops_of(stop, monitor),
                steps_per_callback=steps_per_callback, data=data)
    return _result(run, config, monitor)


def compare_variants(configs: dict, *, judge=None, monitor: GanMonitor | None = None, callbacks=(),
                     stop=None, on_setup=None) -> dict:
    """Trains every named config from the same seed and batches (``toolkit.train.compare``).

    Returns name -> ``GlyphGanResult``; every variant trains for the first config's epochs.
    `judge`, `monitor`, `callbacks`, `stop` and `on_setup` as in ``run_glyph_gan``.
    """
    if not configs:
        raise ValueError("`configs` must name at least one variant.")
    first = next(iter(configs.values()))
    if any(c.model != first.model or c.n != first.n or c.batch != first.batch for c in configs.values()):
        raise ValueError("Variants compared side by side must share the model, the glyphs and the batch size.")
    if on_setup is not None:
        on_setup(setup_message(first))
    images, labels, data = training_data(first)
    if monitor is None:
        monitor = GanMonitor((judge or glyph_judge()) if first.score else None, seed=first.seed)
    monitor.use_real(images)
    builders = {name: (lambda c=c: build_gan(c)) for name, c in configs.items()}
    runs = compare(builders, (gan_inputs(first, images, labels), None), epochs=first.epochs,
                   batch_size=first.batch, seed=first.seed, callbacks=[Throttle(monitor, SCORE_SECONDS), *callbacks],
                   stop=stop, config={"dataset": data.spec})
    return {name: _result(run, configs[name], monitor) for name, run in runs.items()}


def conditional_accuracy(gan: ConditionalGAN, judge=None, n: int = 1000, seed: int = 7) -> float:
    """Share of conditional samples that the glyph classifier assigns to their requested class."""
    if not isinstance(gan, ConditionalGAN):
        raise ValueError("`gan` must be a ConditionalGAN: only it can be asked for a class.")
    judge = judge or glyph_judge()
    labels = np.arange(n) % gan.num_classes
    images = gan.sample(n, labels=labels, seed=seed)
    return float(np.mean(judge.probabilities(images).argmax(1) == labels))
