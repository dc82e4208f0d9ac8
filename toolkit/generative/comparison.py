"""GAN vs VAE vs VQ-VAE: the notes' table of generative-model properties, filled with measurements.

The notes list five properties and tick them by hand (GAN: ✓ quality, ✗ coverage; VAE:
✓ latent space, lower quality). Here the three models are trained on the SAME glyphs with
the SAME budget (epochs, batch size, batch order, seed) and each property is measured:

    high-quality sampling   FID (Eq. 2 of ``metrics``) and IS (Eq. 1), share recognized
    coverage                classes covered (Eq. 3 of ``metrics``) of 10
    well-behaved latent     Δ(z) = RMS_pixels( G(z + 0.1 s ε) − G(z) ),  ε ~ N(0, I)        (1)
                            (s: each coordinate's spread in the sampled latent space), its
                            95th percentile (jumps), and the share of steps that change class
    interpolation quality   along z(t) = (1 − t) z₀ + t z₁: share of frames recognized and
                            evenness = max_t Δ_t / mean_t Δ_t (1: evenly spaced frames)     (2)
    interpretable latent    max_i |corr(z_i, stroke thickness)| over latent coordinates       (3)
    efficient likelihood    VAE: ELBO (Eq. 3 of ``vae``); VQ-VAE: the bound of Eq. 9 of
                            ``vqvae`` with its fitted prior; GAN: none (it defines no p(x))

"Latent" is what the sampler draws: z ~ N(0, I) for the GAN and the VAE, the code vectors
e_k of prior-drawn code maps for the VQ-VAE (a step there is re-quantized before decoding).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from toolkit.config import Config, setting
from toolkit.generative import glyph_gan as gg
from toolkit.generative import metrics
from toolkit.generative.autoencoder_lab import AutoencoderLabConfig, build_model
from toolkit.generative.gan import numpy_noise
from toolkit.generative.latent import interpolate
from toolkit.generative.vae import elbo
from toolkit.generative.vqvae import fit_prior, likelihood_bound
from toolkit.train import fit
from toolkit.validation import check_seed

MODELS = ("GAN", "VAE", "VQ-VAE")
STEP = 0.1  # latent step, in units of each coordinate's spread (Eq. 1)
# row id -> (the measure with its unit, the notes' property it measures); ↓ lower is better, ↑ higher
ROWS = {
    "fid": ("FID ↓", "high-quality sampling"),
    "inception_score": ("Inception Score ↑ (1 to 10)", "high-quality sampling"),
    "recognized": ("samples recognized ↑ (share, confidence ≥ 0.9)", "high-quality sampling"),
    "classes_covered": ("classes covered ↑ (of 10)", "coverage"),
    "step_change": (f"pixel change per {STEP:g}-spread z step (RMS, pixels in [0, 1])", "well-behaved latent space"),
    "step_change_p95": ("95th percentile of that change (jumps)", "well-behaved latent space"),
    "step_flips": ("class flips per z step (share)", "well-behaved latent space"),
    "path_recognized": ("interpolation frames recognized ↑ (share)", "well-behaved latent space"),
    "path_evenness": ("interpolation evenness (max / mean frame change, 1 = even)", "well-behaved latent space"),
    "thickness_corr": ("max |corr(z_i, stroke thickness)| ↑ (0 to 1)", "interpretable latent space"),
    "log_likelihood": ("log-likelihood lower bound ↑ (nats per image)", "efficient likelihood computation"),
    "steps": ("optimizer steps (batches seen)", "budget"),
    "updates": ("network updates (GAN: one D and one G per batch)", "budget"),
    "seconds": ("training time (s)", "budget"),
}
PROPERTIES = {label: prop for label, prop in ROWS.values()}  # measure -> the notes' property


@dataclasses.dataclass(frozen=True)
class ComparisonConfig(Config):
    """The shared budget: the same n glyphs, epochs, batch size and seed for every model.

    Field names are the URL names of the "Compare generative models" page.
    """

    epochs: int = setting(3, lo=1, hi=100, widget="number", label="Epochs per model")
    # 10,000 glyphs, ~940 steps: the VAE needs ~1,000 to draw recognizable glyphs (about 45 s on 2 cores)
    n: int = setting(10_000, lo=100, hi=20_000, step=100, widget="number", label="Glyphs")
    batch: int = setting(32, lo=1, hi=1024, widget="number", label="Batch size")
    samples: int = setting(500, lo=20, hi=5000, step=100, widget="number", label="Samples scored per model",
                           help="Generated images per model for FID, IS, recognized share and classes covered.",
                           formula=metrics.SCORES_LATEX)
    # also the VQ-VAE's code size (16 made its samples worse: FID 46 vs 31)
    vae_latent: int = setting(8, lo=1, hi=64, label="VAE latent size d (also the VQ-VAE code size)")
    gan_latent: int = setting(64, lo=2, hi=256, label="GAN latent size")
    codes: int = setting(32, lo=2, hi=512, label="VQ-VAE codebook size K")
    seed: int = 0

    def check(self) -> None:
        check_seed(self.seed)
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the number of glyphs.")


@dataclasses.dataclass
class GenerativeComparison:
    """The measured table, one image grid of samples and one interpolation strip per model.

    A stopped comparison measures the models it trained (the last may be cut short); the
    table's cells of the others are NaN and they have no pictures.
    """

    table: list  # rows {"property", "measure", "GAN", "VAE", "VQ-VAE", "id"} (id: a key of ROWS)
    samples: dict  # model -> (40, 28, 28, 1)
    interpolations: dict  # model -> (10, 28, 28, 1)
    runs: dict  # model -> toolkit.train.Run
    budget: dict


@dataclasses.dataclass
class Generator:
    """What the measurements need from a trained model: latents, decoding, an optional likelihood."""

    sample_latents: callable  # (n, seed) -> (n, ...) latents
    decode: callable  # latents -> images
    log_likelihood: callable | None  # images -> (N,) nats, or None


def _gan_config(config: ComparisonConfig) -> gg.GlyphGanConfig:
    """The DCGAN of ``glyph_gan`` (its defaults: EMA, label smoothing) on the shared budget."""
    return gg.GlyphGanConfig(n=config.n, epochs=config.epochs, batch=config.batch, seed=config.seed,
                             latent_dim=config.gan_latent, score=False)


def _gan(config, data, callbacks, stop):
    run = gg.train(_gan_config(config), callbacks=callbacks, stop=stop, name="GAN", data=data)
    gan = run.model
    return run, Generator(lambda n, s: numpy_noise(gan.noise, n, gan.latent_dim, s), gan.generate_numpy, None)


def _autoencoder(kind, config, images, callbacks, stop):
    lab = AutoencoderLabConfig(model=kind, latent=config.vae_latent, codes=config.codes, batch=config.batch,
                               n=config.n, seed=config.seed, lr=2e-3)
    model = build_model(lab)
    run = fit(model, images, epochs=config.epochs, batch_size=config.batch, seed=config.seed,
              callbacks=callbacks, stop=stop, name="VAE" if kind == "vae" else "VQ-VAE")
    if kind == "vae":
        sample = lambda n, s: numpy_noise("gaussian", n, model.latent_dim, s)  # noqa: E731
        return run, Generator(sample, model.decode, lambda x: elbo(model, x))
    prior = fit_prior(model.code_indices(images), model.num_codes, "markov")
    lookup = lambda n, s: np.asarray(model.quantizer.lookup(prior.sample(n, s)))  # noqa: E731
    return run, Generator(lookup, model.decode_latents, lambda x: likelihood_bound(model, prior, x))


def train_models(config: ComparisonConfig, *, callbacks=(), stop=None):
    """(runs, generators, images): the three models trained on the same glyphs and batches, in
    the order of ``MODELS``; after a stopped run the later models are not trained."""
    data = training_data(config)
    runs, generators = {}, {}
    for name in MODELS:
        runs[name], generators[name] = train_model(name, config, data, callbacks=callbacks, stop=stop)
        if runs[name].status == "stopped":
            break
    return runs, generators, data[0]


def training_data(config: ComparisonConfig):
    """Both splits of glyphs(n, seed=0), as ``glyph_gan.training_data``: every model's images."""
    return gg.training_data(_gan_config(config))


def train_model(name: str, config: ComparisonConfig, data, *, callbacks=(), stop=None):
    """(run, Generator) of one of ``MODELS`` trained on `data` (``training_data``) with the budget."""
    if name == "GAN":
        return _gan(config, data, callbacks, stop)
    if name not in MODELS:
        raise ValueError(f"`name` must be one of {', '.join(MODELS)}, received {name!r}.")
    return _autoencoder("vae" if name == "VAE" else "vqvae", config, data[0], callbacks, stop)


def latent_smoothness(generator: Generator, judge, n: int = 200, seed: int = 0) -> dict:
    """Eq. 1: mean and 95th percentile RMS pixel change for a 0.1-spread step, and class flips."""
    z = generator.sample_latents(n, seed)
    spread = z.reshape(len(z), -1).std(0).reshape(z.shape[1:]) + 1e-8
    step = STEP * spread * np.random.default_rng(seed + 1).standard_normal(z.shape).astype(np.float32)
    before, after = generator.decode(z), generator.decode(z + step)
    change = np.sqrt(np.mean((after - before) ** 2, axis=(1, 2, 3)))
    flips = judge.probabilities(before).argmax(1) != judge.probabilities(after).argmax(1)
    return {"mean": float(change.mean()), "p95": float(np.percentile(change, 95)), "flips": float(flips.mean())}


def interpolation_quality(generator: Generator, judge, pairs: int = 20, steps: int = 10, seed: int = 0):
    """Eq. 2 over `pairs` latent pairs: (share of frames recognized, evenness, the first strip)."""
    z0, z1 = generator.sample_latents(pairs, seed + 2), generator.sample_latents(pairs, seed + 3)
    shape = z0.shape[1:]
    paths = np.concatenate([interpolate(a, b, steps).reshape((steps,) + shape) for a, b in zip(z0, z1)])
    frames = np.clip(generator.decode(paths), 0, 1)  # (pairs · steps, H, W, C)
    recognized = judge.probabilities(frames).max(1) >= 0.9
    strips = frames.reshape((pairs, steps) + frames.shape[1:])
    deltas = np.sqrt(np.mean(np.diff(strips, axis=1) ** 2, axis=(2, 3, 4)))  # (pairs, steps - 1)
    evenness = deltas.max(1) / np.maximum(deltas.mean(1), 1e-8)
    return float(recognized.mean()), float(evenness.mean()), strips[0]


def interpretability(generator: Generator, judge, n: int = 500, seed: int = 0) -> float:
    """Eq. 3: the strongest |correlation| between one latent coordinate and the judged thickness."""
    z = generator.sample_latents(n, seed + 4)
    coordinates = z.reshape(n, -1, z.shape[-1]).mean(1) if z.ndim > 2 else z  # VQ: average over positions
    thickness = judge.attributes(generator.decode(z))["thickness"]
    corr = [abs(np.corrcoef(coordinates[:, i], thickness)[0, 1]) for i in range(coordinates.shape[1])]
    return float(np.nanmax(corr)) if corr else float("nan")


def measure(generator: Generator, judge, real_features, held_out, config: ComparisonConfig) -> tuple[dict, dict]:
    """Every row of the table for one model, and its images (samples, interpolation strip)."""
    samples = np.clip(np.nan_to_num(generator.decode(generator.sample_latents(config.samples, config.seed))), 0, 1)
    report = judge.report(samples, real_features)
    smooth = latent_smoothness(generator, judge, seed=config.seed)
    recognized_path, evenness, strip = interpolation_quality(generator, judge, seed=config.seed)
    likelihood = float(np.mean(generator.log_likelihood(held_out))) if generator.log_likelihood else float("nan")
    values = {
        "fid": report["fid"], "inception_score": report["inception_score"], "recognized": report["recognized"],
        "classes_covered": report["classes_covered"], "step_change": smooth["mean"],
        "step_change_p95": smooth["p95"], "step_flips": smooth["flips"], "path_recognized": recognized_path,
        "path_evenness": evenness, "thickness_corr": interpretability(generator, judge, seed=config.seed),
        "log_likelihood": likelihood,
    }
    return values, {"samples": samples[:40], "interpolation": strip}


def compare_generative_models(config: ComparisonConfig | None = None, *, judge=None, callbacks=(),
                              stop=None) -> GenerativeComparison:
    """Trains GAN, VAE and VQ-VAE on the same glyphs and budget and fills the notes' table.

    `judge` scores the samples (default: the glyph classifier of ``metrics``, loaded here, so
    a page calls this function from its training thread). Every model's run is reported to
    `callbacks` (``toolkit.train.Callback``) under its name; `stop` ends training between
    chunks of epochs, and the models trained so far are still measured.
    """
    from toolkit.data import glyphs

    config = config or ComparisonConfig()
    judge = judge or metrics.glyph_judge()
    start = time.perf_counter()
    runs, generators, images = train_models(config, callbacks=callbacks, stop=stop)
    real_features = judge.features(images[:1000])
    held_out = glyphs(n=1000, seed=3).x_test  # glyphs none of the models saw
    columns, samples, strips = {}, {}, {}
    for name, generator in generators.items():
        values, pictures = measure(generator, judge, real_features, held_out, config)
        steps = int(runs[name].epochs_done * np.ceil(len(images) / config.batch))
        updates = steps * (2 if name == "GAN" else 1)  # GAN: one D and one G step per batch
        columns[name] = {**values, "steps": steps, "updates": updates, "seconds": runs[name].wall_time}
        samples[name], strips[name] = pictures["samples"], pictures["interpolation"]
    table = [{"property": prop, "measure": label, **{m: columns.get(m, {}).get(row, math.nan) for m in MODELS},
              "id": row} for row, (label, prop) in ROWS.items()]
    budget = {"glyphs": len(images), "epochs": config.epochs, "batch_size": config.batch,
              "seed": config.seed, "total seconds": time.perf_counter() - start}
    return GenerativeComparison(table, samples, strips, runs, budget)
