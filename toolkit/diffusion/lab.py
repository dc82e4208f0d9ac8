"""The Diffusion page's labs: the forward process, DDPM in pixel and latent space, sampling, the trilemma.

- ``ForwardConfig`` / ``forward_process``: x_t of a few glyphs for any t, schedule and T
  (``schedules`` Eq. 3), with the share of the signal √ᾱ_t left in it.
- ``DiffusionConfig`` / ``run_diffusion``: class-conditional DDPMs (``ddpm``) trained live on the
  same glyphs, in pixel space (the U-Net on 28×28 images) and in latent space (the Stable
  Diffusion idea: an autoencoder is trained first, then an MLP ε_θ on its standardized codes,
  and samples are decoded), optionally beside a GAN and a VAE with the budget of
  ``toolkit.generative.comparison`` (the generative trilemma). ``DiffusionMonitor`` is the live
  state: every model's samples from fixed noise, once an epoch.
- ``SampleConfig`` / ``GlyphDiffusion.sample``: DDPM or DDIM sampling with S steps, η and the
  guidance scale w, with snapshots along the chain; ``step_sweep``: steps vs quality vs time.

Latent codes are standardized per coordinate (z − m) / s before diffusion, so N(0, I) is the
right end point, and x̂_0 is clipped to the training codes' range as pixels are to [0, 1]:
measured without that clip, DDIM samples of the cosine schedule left the codes' range
by a factor of 1,000 (ᾱ_T ≈ 0 makes x̂_0 = (x_T − √(1 − ᾱ_T) ε̂) / √ᾱ_T blow up).
"""

from __future__ import annotations

import dataclasses
import time

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.diffusion.schedules import MAX_STEPS, SCHEDULES, NoiseSchedule
from toolkit.rnn.lab import Preset
from toolkit.validation import check_int

SPACES = {"latent": "latent DDPM", "pixel": "pixel DDPM"}
RIVALS = ("GAN", "VAE")
CLASSES = 10  # digits 0-9
WATCHED = 20  # live samples: two of each digit, from fixed noise
WATCH_STEPS = 25  # DDIM steps of the live samples
SCORED = 200  # samples scored per model (20 of each digit)
SCORE_STEPS = 50  # DDIM steps of the scored samples
HELD_OUT = 500  # held-out glyphs (seed 3) for the validation loss and FID's real statistics
PIXEL_WIDTHS = (16, 32, 64)  # the U-Net's channels at 28, 14 and 7 pixels
DIGITS = ("all", *map(str, range(CLASSES)))

FORMULA_FORWARD = r"x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon,\quad " \
                  r"\bar\alpha_t = \prod_{s=1}^{t} (1 - \beta_s)"
FORMULA_STEP = r"x_t - x_{t-1} = \underbrace{(\sqrt{\alpha_t} - 1)\, x_{t-1}}_{\text{average change}} + " \
               r"\underbrace{\sqrt{\beta_t}\, \varepsilon}_{\text{random variation}}"
FORMULA_SCHEDULE = {"linear": r"\beta_t = \tfrac{1000}{T}\big(10^{-4} + (0.02 - 10^{-4})\tfrac{t-1}{T-1}\big)",
                    "cosine": r"\bar\alpha_t = \frac{f(t)}{f(0)},\ f(t) = \cos^2\!\Big(\frac{t/T + 0.008}{1.008}"
                              r"\cdot\frac{\pi}{2}\Big)"}
FORMULA_GUIDANCE = r"\hat\varepsilon = (1 + w)\, \varepsilon_\theta(x_t, t, c) - w\, \varepsilon_\theta(x_t, t, \varnothing)"
FORMULA_SAMPLER = {
    "ddpm": r"x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\hat\varepsilon\Big)"
            r" + \sigma_t z \quad (T \text{ steps})",
    "ddim": r"x_{t'} = \sqrt{\bar\alpha_{t'}}\, \hat x_0 + \sqrt{1 - \bar\alpha_{t'} - \sigma^2}\, \hat\varepsilon + "
            r"\sigma z\ \ (S \text{ steps})"}


# ---------------------------------------------------------------- the forward process
@dataclasses.dataclass(frozen=True)
class ForwardConfig(Config):
    """The forward-process tab: which schedule, how many steps, and the step t looked at."""

    forward_schedule: str = setting("linear", choices=SCHEDULES, label="Noise schedule", formula=FORMULA_SCHEDULE)
    forward_steps: int = setting(1000, lo=10, hi=MAX_STEPS, widget="number", label="Diffusion steps T")
    forward_t: int = setting(250, lo=0, hi=MAX_STEPS, label="Step t", formula=FORMULA_FORWARD,
                             help="t = 0 is the glyph itself, t = T is (almost) pure noise.")

    def check(self):
        if self.forward_t > self.forward_steps:
            raise ValueError(f"Choose a step t of at most T = {self.forward_steps}, received t = {self.forward_t}.")


def forward_process(config: ForwardConfig, images, seed: int = 0) -> dict:
    """x_t (data units, 2x − 1 mapped back) of `images` at the config's t, the values of x_t, ᾱ_t."""
    schedule = NoiseSchedule(config.forward_schedule, config.forward_steps)
    x0 = 2 * np.asarray(images, np.float32) - 1  # DDPM Eq. 1: [0, 1] -> [-1, 1]
    noise = np.random.default_rng(seed).standard_normal(x0.shape).astype(np.float32)
    x_t = schedule.q_sample(x0, np.full(len(x0), config.forward_t), noise)
    return {"images": np.clip((x_t + 1) / 2, 0, 1), "values": x_t.ravel(), "x0": x0.ravel(),
            "alpha_bar": float(schedule.alpha_bars[config.forward_t]), "schedule": schedule}


STARTS = (-0.8, 0.8)  # x_0 of the stochastic paths
PATHS = 6  # paths from each start


def stochastic_paths(config: ForwardConfig, seed: int = 0) -> dict:
    """Eq. 6 of ``schedules`` iterated in 1-D: PATHS paths from each of STARTS, their mean and spread."""
    schedule = NoiseSchedule(config.forward_schedule, config.forward_steps)
    x0 = np.repeat(np.array(STARTS)[None, :, None], PATHS, axis=2)  # (1, S, P)
    every = max(1, config.forward_steps // 250)  # at most ~250 points a path
    steps = np.arange(0, config.forward_steps + 1, every)
    root = np.sqrt(schedule.alpha_bars[steps])[:, None]
    return {"steps": steps, "paths": schedule.paths(x0[0], seed)[steps], "means": root * np.array(STARTS),
            "spreads": np.sqrt(1 - root ** 2) * np.ones(len(STARTS))}


# ---------------------------------------------------------------- training
@dataclasses.dataclass(frozen=True)
class DiffusionConfig(Config):
    """Train class-conditional DDPMs on glyphs, in latent and/or pixel space, optionally against a GAN and a VAE.

    Measured at the defaults on 2 cores (seed 0): the latent DDPM (autoencoder and diffusion, 21 s in
    all) draws digits the glyph judge recognizes 0.94 of the time with w = 2 (FID 9.7), 0.98 of them the
    digit asked for; the pixel DDPM, after its one epoch and 33 s, draws noise the judge recognizes 0.02 of
    the time (FID 105); given 3 epochs (59 s, the "pixel-longer" lesson) it draws strokes, 0.13 (FID 60).
    The whole default run, scoring included, takes 77 s (100 s with 3 pixel epochs).
    """

    spaces: tuple = setting(tuple(SPACES), choices=tuple(SPACES), min_count=1, label="Diffuse in",
                            formula={"latent": r"z_0 = \frac{E(x) - m}{s},\ \ \hat x = D(s\,\hat z_0 + m)"
                                               r"\ (d \text{ numbers})",
                                     "pixel": r"x_0 = 2x - 1 \in [-1, 1]^{28 \times 28}\ \ (784 \text{ numbers})"})
    n: int = setting(6000, lo=500, hi=20_000, step=500, widget="number", label="Glyphs",
                     help="Digits 0-9 of toolkit.data.glyphs (seed 0), the same for every model.")
    schedule: str = setting("cosine", choices=SCHEDULES, label="Noise schedule", formula=FORMULA_SCHEDULE)
    steps: int = setting(1000, lo=10, hi=MAX_STEPS, widget="number", label="Diffusion steps T",
                         formula=r"t \sim \mathcal{U}\{1, \dots, T\},\ \ "
                                 r"L = \lVert \varepsilon - \varepsilon_\theta(x_t, t, c) \rVert^2")
    latent: int = setting(16, choices=(2, 4, 8, 16, 32), label="Latent size d")
    autoencoder_epochs: int = setting(10, lo=1, hi=100, widget="number", label="Autoencoder epochs")
    latent_epochs: int = setting(40, lo=1, hi=400, widget="number", label="Latent DDPM epochs")
    pixel_epochs: int = setting(1, lo=1, hi=100, widget="number", label="Pixel DDPM epochs")
    drop: float = setting(0.1, lo=0.0, hi=0.9, step=0.05, label="Condition dropped p∅",
                          formula=r"c \leftarrow \varnothing \text{ with probability } p_\varnothing",
                          help="Trains the unconditional ε_θ(x_t, t, ∅) inside the same network: guidance needs it.")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size")
    lr: float = setting(0.002, lo=1e-4, hi=0.02, step=1e-4, label="Learning rate (Adam)")
    rivals: tuple = setting((), choices=RIVALS, label="Also train (the trilemma)",
                            help="A DCGAN and a VAE with the budget of 'Compare generative models' (3 epochs, batch 32).")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")


PRESETS = (
    Preset("latent", "Latent diffusion is faster and better (the defaults)",
           "Both models learn the same thing, to predict the noise, from the same glyphs. The pixel DDPM "
           "diffuses 784 numbers per glyph with a U-Net; the latent DDPM 16, the code of an autoencoder trained "
           "first, with a small MLP. At seed 0 on 2 cores the latent model draws recognizable digits after 21 s "
           "(0.94 recognized by the glyph judge, 0.98 of them the digit asked for); the pixel model, after one epoch "
           "and 33 s, still draws noise (0.02 recognized, FID 105 against 9.7). This is why Stable Diffusion works in "
           "a latent space.",
           {}),
    Preset("pixel-longer", "Give the pixel model three times the time",
           "The pixel U-Net trains 3 epochs (59 s at seed 0 on 2 cores, against the latent model's 21 s): it now "
           "draws strokes, but the judge still recognizes only 0.13 of its samples (FID 60), and its samples take "
           "about 50 times the latent model's sampling time (100 evaluations each, of a U-Net on 784 numbers "
           "instead of an MLP on 16).",
           {"pixel_epochs": 3}),
    Preset("trilemma", "The generative trilemma: GAN, VAE and diffusion",
           "Adds a DCGAN and a VAE trained on the same glyphs (3 epochs each, the budget of 'Compare generative "
           "models'). The table then shows the trilemma of the notes, measured at seed 0 on 2 cores: the GAN samples "
           "in one network evaluation and sharply (FID 7.8) but the judge recognizes only 0.60 of its samples, "
           "in 9 classes; the VAE samples fastest but blurs (FID 75, 0.17 recognized); the latent DDPM is sharp "
           "and covers all 10 digits (FID 9.7, 0.94 recognized) but needs 100 network evaluations per sample.",
           {"rivals": RIVALS, "spaces": ("latent",)}),
    Preset("no-guidance", "Never dropping the condition: no guidance possible",
           "With p∅ = 0 the network never learns ε_θ(x_t, t, ∅), so the guided formula mixes in an "
           "untrained prediction: compare the Sample tab's class agreement at w = 0 and w = 2.",
           {"drop": 0.0, "spaces": ("latent",)}),
)


def autoencoder(config: DiffusionConfig):
    from toolkit.generative.autoencoder import Autoencoder, build_encoder, build_decoder

    shape = {"architecture": "conv", "image_shape": (28, 28, 1), "latent_dim": config.latent, "width": 32}
    model = Autoencoder(build_encoder(**shape), build_decoder(**shape), name="autoencoder")
    model.compile(keras.optimizers.Adam(config.lr))
    return model


def ddpm(config: DiffusionConfig, space: str, data_range=None):
    """The compiled, class-conditional DDPM of one space; a latent one clips x̂_0 to `data_range`."""
    from toolkit.diffusion.ddpm import DDPM
    from toolkit.diffusion.unet import diffusion_mlp, diffusion_unet

    if space == "pixel":
        network = diffusion_unet((28, 28, 1), PIXEL_WIDTHS, num_classes=CLASSES)
        options = {}
    else:
        network = diffusion_mlp(config.latent, num_classes=CLASSES)
        options = {"scale": 1.0, "shift": 0.0, "data_range": data_range}
    model = DDPM(network, schedule=config.schedule, steps=config.steps, drop_condition=config.drop,
                 seed=config.seed, name=SPACES[space].replace(" ", "_"), **options)
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return model


@dataclasses.dataclass
class GlyphDiffusion:
    """A trained DDPM on glyphs and, in latent space, its autoencoder and the codes' standardization."""

    space: str
    model: object  # toolkit.diffusion.DDPM
    decoder: object = None  # the autoencoder (latent space)
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def name(self) -> str:
        return SPACES[self.space]

    def decode(self, x) -> np.ndarray:
        """DDPM data units -> images in [0, 1]: D(s z + m) in latent space, clipped pixels otherwise."""
        if self.decoder is not None:
            x = self.decoder.decode(np.asarray(x, np.float32) * self.std + self.mean)
        return np.clip(np.nan_to_num(x), 0.0, 1.0)  # a diverged run's NaN drawn black, not passed on

    def sample(self, labels, *, sampler: str = "ddim", sampling_steps: int = SCORE_STEPS, guidance: float = 2.0,
               eta: float = 0.0, seed: int = 0, keep: int = 0):
        """Images of the digits `labels` ((n,) ints); with `keep`, also [(t, images)] along the chain.

        DDIM takes at most the model's T steps: `sampling_steps` above T is read as T (a model
        trained with T = 10 is watched and scored with 10 steps, not 25 or 50)."""
        labels = np.asarray(labels, np.int32)
        sampling_steps = min(sampling_steps, self.model.steps)
        out = self.model.sample(len(labels), sampler=sampler, sampling_steps=sampling_steps, condition=labels,
                                guidance=guidance, eta=eta, seed=seed, keep=keep)
        if not keep:
            return self.decode(out)
        samples, frames = out
        return self.decode(samples), [(t, self.decode(x)) for t, x in frames]


def digit_labels(n: int) -> np.ndarray:
    """n labels, the digits 0-9 in turn: equal shares of every class."""
    return np.arange(check_int("n", n, 1, 10_000)) % CLASSES


class DiffusionMonitor:
    """The live state, ``fn(run) -> dict`` for the panel: each diffusion model's samples of the
    digits 0-9 (twice), or of the given `conditions` (what its ``sample`` takes: the text lab's
    prompts), from the same fixed noise, DDIM with 25 steps and w = 2, once an epoch."""

    def __init__(self, conditions=None):
        self.conditions = digit_labels(WATCHED) if conditions is None else conditions
        self.model: GlyphDiffusion | None = None
        self.samples: dict[str, tuple[int, np.ndarray]] = {}

    def watch(self, model: GlyphDiffusion | None) -> None:
        self.model = model

    def __call__(self, run) -> dict:
        model = self.model
        if model is not None and run.name == model.name and run.epochs_done:
            if self.samples.get(model.name, (None,))[0] != run.epochs_done:
                images = model.sample(self.conditions, sampling_steps=WATCH_STEPS, seed=1)
                self.samples[model.name] = (run.epochs_done, images)
        return {"samples": dict(self.samples)}


@dataclasses.dataclass
class DiffusionResult:
    """The trained models (diffusion and rivals), their runs and the measured trilemma table."""

    config: DiffusionConfig
    models: dict  # name -> GlyphDiffusion
    runs: dict  # name -> toolkit.train.Run (the autoencoder's too)
    rows: list
    samples: dict  # name -> (SCORED, 28, 28, 1) scored samples

    def table(self) -> list[dict]:
        return self.rows


def glyph_images(config: DiffusionConfig):
    """(images, labels, dataset) of glyphs(n, seed=0), both splits, and held-out glyphs (seed 3, never
    trained on): (images, labels)."""
    from toolkit.data import glyphs
    from toolkit.generative import comparison

    data = comparison.training_data(comparison.ComparisonConfig(n=config.n, seed=config.seed))
    held_out = glyphs(n=max(5 * HELD_OUT, 1000), seed=3)
    return data, (held_out.x_test[:HELD_OUT], held_out.y_test[:HELD_OUT])


def fit_model(model, x, y, validation, epochs, config, callbacks, stop, name, dataset: dict | None = None):
    """``toolkit.train.fit`` with a lab config's batch and seed; the run records `dataset` (the glyphs by default)."""
    from toolkit.train import fit

    dataset = dataset or {"name": "glyphs", "n": config.n, "seed": 0}
    return fit(model, x, y, batch_size=min(config.batch, len(x)), epochs=epochs, validation_data=validation,
               seed=config.seed, callbacks=callbacks, stop=stop, name=name,
               config={"dataset": dataset, **config.values()})


def standardized_codes(coder, images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, m, s): the codes E(x) of `images` standardized per coordinate, z = (E(x) − m) / s."""
    codes = coder.encode(images)
    mean, std = codes.mean(0), codes.std(0) + 1e-6
    return ((codes - mean) / std).astype(np.float32), mean, std


def train_latent(config, images, labels, held_out, monitor, callbacks, stop) -> tuple[dict, GlyphDiffusion | None]:
    """The autoencoder, then the DDPM on its standardized codes; (runs, model or None if stopped early)."""
    from toolkit.train.compare import seeded_build

    coder = seeded_build(lambda: autoencoder(config), config.seed)
    runs = {"autoencoder": fit_model(coder, images, None, (held_out[0], None), config.autoencoder_epochs, config,
                                callbacks, stop, "autoencoder")}
    if runs["autoencoder"].status == "stopped":
        return runs, None
    z, mean, std = standardized_codes(coder, images)
    z_held = ((coder.encode(held_out[0]) - mean) / std).astype(np.float32)
    code_range = (float(z.min()), float(z.max()))  # x̂_0 clipped to the codes' range (module docstring)
    model = seeded_build(lambda: ddpm(config, "latent", code_range), config.seed)
    result = GlyphDiffusion("latent", model, coder, mean, std)
    monitor.watch(result)
    runs[result.name] = fit_model(model, z, labels, (z_held, held_out[1]), config.latent_epochs, config, callbacks,
                                  stop, result.name)
    return runs, result


def train_pixel(config, images, labels, held_out, monitor, callbacks, stop) -> tuple[dict, GlyphDiffusion]:
    from toolkit.train.compare import seeded_build

    result = GlyphDiffusion("pixel", seeded_build(lambda: ddpm(config, "pixel"), config.seed))
    monitor.watch(result)
    run = fit_model(result.model, images, labels, held_out, config.pixel_epochs, config, callbacks, stop, result.name)
    return {result.name: run}, result


def timed(sample) -> tuple[np.ndarray, float]:
    """(images, seconds per 100 images) of ``sample()``, which draws SCORED images."""
    start = time.perf_counter()
    images = sample()
    return images, (time.perf_counter() - start) * 100 / SCORED


def judged(judge, images, labels) -> tuple[float, float]:
    """(share the judge recognizes with confidence ≥ 0.9, share it reads as `labels`)."""
    probabilities = judge.probabilities(images)
    return float(np.mean(probabilities.max(1) >= 0.9)), float(np.mean(probabilities.argmax(1) == labels))


def score_row(name: str, images, seconds_per_100: float, train_seconds: float, judge, real_features,
              labels=None, evaluations: int | None = None) -> dict:
    """One row of the trilemma table: quality (FID, recognized), diversity (classes), speed."""
    report = judge.report(images, real_features)
    agree = judged(judge, images, labels)[1] if labels is not None else None
    return {"model": name, "train (s)": round(train_seconds, 1), "FID ↓": round(report["fid"], 1),
            "recognized ↑": round(report["recognized"], 3), "classes covered ↑": int(report["classes_covered"]),
            "digit asked for ↑": "—" if agree is None else round(agree, 3),
            "network evaluations per sample": evaluations or 1, "sampling s / 100 ↓": round(seconds_per_100, 3)}


def run_diffusion(config: DiffusionConfig, *, callbacks=(), stop=None,
                  monitor: DiffusionMonitor | None = None, judge=None) -> DiffusionResult:
    """Trains the chosen spaces (latent first: it is fast), then the rivals, and measures the table.

    Every model samples SCORED images (20 of each digit for the DDPMs: DDIM with 50 steps, w = 2)
    scored by the glyph judge against the held-out glyphs' features.
    """
    from toolkit.generative import comparison
    from toolkit.generative.metrics import glyph_judge

    monitor = monitor or DiffusionMonitor()
    data, held_out = glyph_images(config)
    images, labels = data[:2]
    runs, models, rivals = {}, {}, {}
    stopped = lambda: any(run.status == "stopped" for run in runs.values())  # noqa: E731
    trainers = {"latent": train_latent, "pixel": train_pixel}
    for space in (space for space in SPACES if space in config.spaces):
        if stopped():
            break
        new_runs, model = trainers[space](config, images, labels, held_out, monitor, callbacks, stop)
        runs.update(new_runs)
        if model is not None:
            models[model.name] = model
    budget = comparison.ComparisonConfig(n=config.n, seed=config.seed)
    for name in config.rivals:
        if stopped():
            break
        runs[name], rivals[name] = comparison.train_model(name, budget, data, callbacks=callbacks, stop=stop)
    judge = judge or glyph_judge()
    real_features = judge.features(held_out[0])
    rows, samples = [], {}
    asked = digit_labels(SCORED)
    for name, model in models.items():
        samples[name], seconds = timed(lambda: model.sample(asked, seed=config.seed + 2))
        train_seconds = runs[name].wall_time + (runs["autoencoder"].wall_time if model.space == "latent" else 0)
        rows.append(score_row(name, samples[name], seconds, train_seconds, judge, real_features, asked,
                              2 * min(SCORE_STEPS, model.model.steps)))
    for name, generator in rivals.items():
        samples[name], seconds = timed(lambda: np.clip(generator.decode(generator.sample_latents(SCORED, config.seed)),
                                                       0, 1))
        rows.append(score_row(name, samples[name], seconds, runs[name].wall_time, judge, real_features))
    return DiffusionResult(config, models, runs, rows, samples)


# ---------------------------------------------------------------- sampling
@dataclasses.dataclass(frozen=True)
class SampleConfig(Config):
    """The Sample tab: sampler, steps, η, guidance and which digit."""

    sampler: str = setting("ddim", choices=("ddim", "ddpm"), label="Sampler", formula=FORMULA_SAMPLER)
    sampling_steps: int = setting(50, lo=1, hi=MAX_STEPS, widget="number", label="DDIM steps S",
                                  help="DDIM visits S of the T steps, evenly spaced; DDPM always takes all T.")
    eta: float = setting(0.0, lo=0.0, hi=1.0, step=0.1, label="DDIM η (0: deterministic)")
    guidance: float = setting(2.0, lo=0.0, hi=10.0, step=0.5, label="Guidance scale w", formula=FORMULA_GUIDANCE)
    digit: str = setting("all", choices=DIGITS, label="Digit c")
    count: int = setting(40, lo=10, hi=200, step=10, widget="number", label="Samples")
    sample_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Noise seed")

    def labels(self) -> np.ndarray:
        return digit_labels(self.count) if self.digit == "all" else np.full(self.count, int(self.digit), np.int32)


def sample_with(model: GlyphDiffusion, config: SampleConfig, judge, keep: int = 6) -> dict:
    """Samples of the tab's settings: images, snapshots along the chain, seconds, and how the judge reads them."""
    labels = config.labels()
    steps = min(config.sampling_steps, model.model.steps)
    start = time.perf_counter()
    out = model.sample(labels, sampler=config.sampler, sampling_steps=steps, guidance=config.guidance,
                       eta=config.eta, seed=config.sample_seed, keep=keep)
    images, frames = out if keep else (out, [])
    seconds = time.perf_counter() - start
    recognized, agree = judged(judge, images, labels)
    return {"images": images, "frames": frames, "seconds": seconds, "labels": labels,
            "recognized": recognized, "agree": agree,
            "steps": model.model.steps if config.sampler == "ddpm" else len(model.model.timesteps("ddim", steps))}


SWEEP = (5, 10, 25, 50, 100)  # DDIM steps of the sweep (and DDPM with all T)


def step_sweep(model: GlyphDiffusion, judge, *, guidance: float = 2.0, count: int = 100, seed: int = 0) -> list[dict]:
    """Steps vs quality vs time: DDIM with each S of SWEEP (at most T), then DDPM with all T steps."""
    labels = digit_labels(count)
    settings = [("DDIM", s) for s in SWEEP if s < model.model.steps] + [("DDPM", model.model.steps)]
    rows = []
    for sampler, steps in settings:
        start = time.perf_counter()
        images = model.sample(labels, sampler=sampler.lower(), sampling_steps=steps, guidance=guidance, seed=seed)
        seconds = time.perf_counter() - start
        recognized, agree = judged(judge, images, labels)
        rows.append({"sampler": sampler, "steps": steps, "seconds": round(seconds, 2),
                     "recognized ↑": round(recognized, 3), "digit asked for ↑": round(agree, 3)})
    return rows


# ---------------------------------------------------------------- the ELBO on a tiny case
ELBO_LATEX = (r"-\log p_\theta(x_0) \le \underbrace{D_{KL}(q(x_T|x_0)\,\|\,p(x_T))}_{L_T} + \sum_{t=2}^{T}"
              r"\underbrace{D_{KL}(q(x_{t-1}|x_t,x_0)\,\|\,p_\theta(x_{t-1}|x_t))}_{L_{t-1}}"
              r"\underbrace{-\log p_\theta(x_0|x_1)}_{L_0},\qquad L_{t-1} \propto "
              r"\lVert \varepsilon - \varepsilon_\theta(x_t, t) \rVert^2")


def elbo_table(steps: int = 100, points: int = 200, seed: int = 0) -> list[dict]:
    """The bound's terms (``elbo``) on 1-D data x_0 ~ N(0.5, 0.2²) for three denoisers, beside the
    exact −log p(x_0): the best one, E[ε | x_t] (denoising score matching's minimizer), is tightest."""
    from toolkit.diffusion.elbo import GaussianData, elbo_terms

    data, schedule = GaussianData(), NoiseSchedule("linear", check_int("steps", steps, 2, MAX_STEPS))
    x0 = data.sample(check_int("points", points, 1, 10_000), seed)
    exact = float(-np.mean(data.log_likelihood(x0)))
    best = lambda xt, t: data.best_noise(schedule, xt, t)  # noqa: E731
    denoisers = {"the best: E[ε | x_t]": best, "the best × 1.2": lambda xt, t: 1.2 * best(xt, t),
                 "always ε̂ = 0": lambda xt, t: np.zeros_like(xt)}
    rows = []
    for name, predict in denoisers.items():
        terms = elbo_terms(schedule, x0, predict, seed=seed)
        rows.append({"denoiser ε̂": name, "noise error E‖ε − ε̂‖²": round(float(terms["noise_mse"].mean()), 4),
                     "L_T": float(f"{terms['prior']:.2g}"), "Σ L_{t−1}": round(float(terms["steps"].sum()), 3),
                     "L_0": round(terms["reconstruction"], 3), "−ELBO (nats)": round(terms["total"], 3),
                     "−log p(x₀) exact": round(exact, 3)})
    return rows
