"""StyleGAN-mini (Karras et al., 2019) on 28x28 glyphs: styles injected at every layer.

"Style GAN: G can capture and manipulate style attributes of images." A mapping network turns
z into an intermediate latent w; the synthesis network starts from a LEARNED CONSTANT, not from
z, and each of its L layers is steered by a style y = A(w) through adaptive instance
normalization, plus per-pixel noise for stochastic detail. Because every layer takes its own
w, styles can be mixed (coarse layers from one latent, fine layers from another) and
truncated towards the mean w̄, all without retraining:

    w = f(z),  f = M x [Dense -> LeakyReLU] after z / sqrt(mean(z²) + ε)     mapping     (1)
    y = (y_s, y_b) = A w                                                     style       (2)
    AdaIN(x_i, y) = y_s,i (x_i − μ(x_i)) / σ(x_i) + y_b,i                     AdaIN       (3)
    x <- x + B ⊙ n,  n ~ N(0, 1) per pixel, B a learned per-channel factor    noise       (4)
    w_l = w₁ for l < c,  w_l = w₂ for l >= c                                 mixing      (5)
    w' = w̄ + ψ (w − w̄)                                                       truncation  (6)
    w̄ <- β w̄ + (1 − β) mean_batch(w)   (training only, β = ``w_avg_decay``)  running mean (7)

μ(x_i), σ(x_i): mean and standard deviation of channel i over the image's pixels; c the
crossover layer, ψ the truncation factor. Synthesis, C = `channels`, L = 6 style layers:

    const (1, 7, 7, C) -> [noise, LReLU, AdaIN w₀] -> [Conv3, noise, LReLU, AdaIN w₁]      7x7   coarse
    -> Upsample -> [Conv3, noise, LReLU, AdaIN w₂] -> [Conv3, noise, LReLU, AdaIN w₃]     14x14  middle (features)
    -> Upsample -> [Conv3, noise, LReLU, AdaIN w₄] -> [Conv3, noise, LReLU, AdaIN w₅]     28x28  fine
    -> toRGB: Conv1 -> sigmoid  (B, 28, 28, 1) in [0, 1]

Training uses style-mixing regularization (the paper's, with probability `mixing`): a batch's
w is paired with another sample's w and the layers from a random crossover on take the other,
so no layer can rely on its neighbours sharing one style. The discriminator is
``dcgan.dcgan_discriminator`` and the alternating steps, loss and weight average of G are
``gan.GAN``'s. ``run_stylegan`` trains it like ``glyph_gan.run_glyph_gan`` (scored with FID by the
shipped glyph judge); ``mixing_statistics`` measures the claim: in a style-mixing grid the judge
reads the class of the coarse source, while the stroke thickness follows the fine source.

Symbols -> names: f ``MappingNetwork``, A the ``Dense`` inside ``AdaIN``, B ``NoiseInput.strength``,
w̄ ``StyleGenerator.mean_w``, ψ `psi`, c `crossover`.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.generative import glyph_gan as gg
from toolkit.generative.dcgan import dcgan_discriminator
from toolkit.generative.gan import GAN, numpy_noise
from toolkit.generative.metrics import glyph_judge
from toolkit.train import Throttle, fit

STYLE_LAYERS = 6  # L: two per resolution, 7x7, 14x14, 28x28
RESOLUTIONS = (7, 7, 14, 14, 28, 28)  # of each style layer
FEATURE_LAYER = 3  # the last 14x14 layer: ``synthesize(return_features=True)``
# c of the page's mixing grid: coarse = the 7x7 and 14x14 layers (which character), fine = the 28x28 layers
# (stroke thickness). At the page's defaults (``benchmarks/stylegan.py``, 20 x 20 grid, 338 pairs of sources of
# different classes) the judge read the coarse source's class in 84 % of the mixed glyphs, the fine source's in
# 3 %, and the mixed glyph's thickness correlated 0.43 with the fine source's, 0.14 with the coarse source's.
# With one noise map for every glyph (w alone), 63 % vs 32 % and 0.42 vs -0.36: each source's 7x7 noise
# also helps choose the character (``ConstantInput``).
DEFAULT_CROSSOVER = 4
MAPPING_LATEX = r"w = f(z),\quad f = \text{MLP}\big(z / \sqrt{\overline{z^2} + \epsilon}\big)"
ADAIN_LATEX = r"\text{AdaIN}(x_i, y) = y_{s,i} \frac{x_i - \mu(x_i)}{\sigma(x_i)} + y_{b,i},\quad (y_s, y_b) = A\,w"
NOISE_LATEX = r"x \leftarrow x + B \odot n,\quad n \sim \mathcal{N}(0, 1)"
MIXING_LATEX = r"w_l = \begin{cases} w_1 & l < c \text{ (coarse)} \\ w_2 & l \ge c \text{ (fine)} \end{cases}"
TRUNCATION_LATEX = r"w' = \bar w + \psi\,(w - \bar w)"


# -- layers --------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class MappingNetwork(keras.layers.Layer):
    """Eq. 1: f(z) = `depth` x [Dense(`units`) -> LeakyReLU(0.2)] after pixel norm; tracks w̄ (Eq. 7).

    Args:
        units: length of w.
        depth: number of dense layers (StyleGAN has 8; 4 suffice on glyphs).
        w_avg_decay: β of the running mean w̄ (Eq. 7), in [0, 1).
        epsilon: ε of the pixel norm.
    """

    def __init__(self, units: int = 32, depth: int = 4, w_avg_decay: float = 0.995, epsilon: float = 1e-8,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.depth = validation.check_positive_int("depth", depth)
        self.w_avg_decay = validation.check_float("w_avg_decay", w_avg_decay, 0.0, 1.0, open_high=True)
        self.epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)
        self.dense = [keras.layers.Dense(self.units, name=f"dense_{i}") for i in range(self.depth)]

    def build(self, input_shape):
        for layer in self.dense:
            layer.build(input_shape)
            input_shape = (input_shape[0], self.units)
        self.mean_w = self.add_weight(name="mean_w", shape=(self.units,), initializer="zeros", trainable=False)

    def call(self, z, training=False):
        # Eq. 1: pixel norm, then the MLP
        h = z * ops.rsqrt(ops.mean(ops.square(z), axis=-1, keepdims=True) + self.epsilon)
        for layer in self.dense:
            h = ops.leaky_relu(layer(h), 0.2)
        if training:  # Eq. 7: w̄ <- β w̄ + (1 − β) mean_batch(w)
            self.mean_w.assign(self.w_avg_decay * self.mean_w + (1 - self.w_avg_decay) * ops.mean(h, axis=0))
        return h  # (B, units)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "depth": self.depth, "w_avg_decay": self.w_avg_decay,
                "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="toolkit")
class AdaIN(keras.layers.Layer):
    """Eqs. 2-3: instance-normalize each channel of x, then scale and shift it by y = A w.

    Call with ``[x, w]``: x (B, H, W, C), w (B, D). A is a Dense(2C) whose bias starts at
    y_s = 1, y_b = 0, so an untrained layer is plain instance normalization
    (``keras.layers.GroupNormalization(groups=C, center=False, scale=False)``).

    Args:
        epsilon: added to σ² before the square root.
    """

    def __init__(self, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        self.channels = int(x_shape[-1])
        bias = np.concatenate([np.ones(self.channels), np.zeros(self.channels)]).astype("float32")
        self.affine = keras.layers.Dense(2 * self.channels, bias_initializer=keras.initializers.Constant(bias),
                                         name="affine")
        self.affine.build(w_shape)

    def call(self, inputs):
        x, w = inputs
        # Eq. 2: y = (y_s, y_b) = A w, each (B, 1, 1, C)
        style = self.affine(w)
        y_s = style[:, None, None, : self.channels]
        y_b = style[:, None, None, self.channels:]
        # Eq. 3: per-sample, per-channel statistics over the pixels, (B, 1, 1, C)
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        variance = ops.var(x, axis=(1, 2), keepdims=True)
        return y_s * (x - mean) * ops.rsqrt(variance + self.epsilon) + y_b

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="toolkit")
class NoiseInput(keras.layers.Layer):
    """Eq. 4: x + B ⊙ n, one N(0, 1) value per pixel broadcast over the channels, B (C,) learned.

    Call with x (B, H, W, C) and optionally ``noise`` (B, H, W, 1); without it fresh noise is drawn.
    B starts at 0 (`initial_strength`), so noise only matters once training finds it useful.

    Args:
        initial_strength: the initial value of every B_i.
        seed: seeds the fresh noise.
    """

    def __init__(self, initial_strength: float = 0.0, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.initial_strength = validation.check_float("initial_strength", initial_strength)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.strength = self.add_weight(name="strength", shape=(int(input_shape[-1]),),
                                        initializer=keras.initializers.Constant(self.initial_strength))

    def call(self, x, noise=None):
        if noise is None:
            shape = ops.shape(x)
            noise = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=self.seed_generator)
        # Eq. 4: x + B ⊙ n, n broadcast over channels
        return x + self.strength * ops.cast(noise, x.dtype)

    def get_config(self):
        return {**super().get_config(), "initial_strength": self.initial_strength, "seed": self.seed}


@keras.saving.register_keras_serializable(package="toolkit")
class MixingRegularization(keras.layers.Layer):
    """w (B, D) -> one w per style layer (B, L, D); in training, with probability `probability`,
    the layers from a random crossover c in [1, L) on take another sample's w (Eq. 5)."""

    def __init__(self, num_layers: int = STYLE_LAYERS, probability: float = 0.9, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.num_layers = validation.check_int("num_layers", num_layers, 1)
        self.probability = validation.check_float("probability", probability, 0.0, 1.0)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, w, training=False):
        ws = ops.repeat(w[:, None, :], self.num_layers, axis=1)  # (B, L, D)
        if not training or self.probability == 0 or self.num_layers < 2:
            return ws
        batch = ops.shape(w)[0]
        other = ops.repeat(ops.roll(w, 1, axis=0)[:, None, :], self.num_layers, axis=1)  # another sample's w
        crossover = keras.random.randint((batch, 1), 1, self.num_layers, seed=self.seed_generator)
        mixed = keras.random.uniform((batch, 1), seed=self.seed_generator) < self.probability
        # Eq. 5 per sample: layers l >= c take the other w
        take_other = ops.logical_and(ops.arange(self.num_layers)[None, :] >= crossover, mixed)  # (B, L)
        return ops.where(take_other[:, :, None], other, ws)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_layers, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "num_layers": self.num_layers, "probability": self.probability,
                "seed": self.seed}


# -- the generator --------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class StyleGenerator(keras.Model):
    """z (B, latent_dim) -> image (B, 28, 28, 1): mapping f, then the synthesis network (module docstring).

    A functional model (``generator.inputs`` is z), so ``gan.GAN`` trains it like any generator.
    Beyond ``__call__`` it exposes ``mapping(z) -> w``, ``synthesize(ws, noise, return_features)``
    with one w per style layer, and ``mean_w`` (w̄, Eq. 7) for mixing and truncation.

    Args:
        latent_dim: length of z.
        w_dim: length of w.
        mapping_layers: dense layers of f.
        channels: C, channels of every synthesis layer.
        mixing: probability of style-mixing regularization while training.
        w_avg_decay: β of the running mean w̄.
        seed: seeds the noise inputs and the mixing regularization.
    """

    def __init__(self, latent_dim: int = 32, w_dim: int = 32, mapping_layers: int = 4, channels: int = 32,
                 mixing: float = 0.9, w_avg_decay: float = 0.995, seed: int | None = None, name="style_generator",
                 **kwargs):
        for arg, value in (("latent_dim", latent_dim), ("w_dim", w_dim), ("mapping_layers", mapping_layers),
                           ("channels", channels)):
            validation.check_positive_int(arg, value)
        validation.check_float("mixing", mixing, 0.0, 1.0)
        self.settings = {"latent_dim": latent_dim, "w_dim": w_dim, "mapping_layers": mapping_layers,
                         "channels": channels, "mixing": mixing, "w_avg_decay": w_avg_decay, "seed": seed}
        parts = _synthesis_layers(channels, seed)
        mapper = MappingNetwork(w_dim, mapping_layers, w_avg_decay, name="mapping")
        mixer = MixingRegularization(STYLE_LAYERS, mixing, seed=seed, name="mixing_regularization")
        z = keras.Input((latent_dim,), name="z")
        ws = mixer(mapper(z))  # (B, L, w_dim)
        image = _synthesis(parts, [ws[:, i] for i in range(STYLE_LAYERS)], [None] * STYLE_LAYERS)[0]
        super().__init__(z, image, name=name, **kwargs)
        self.mapper, self.mixer, self.parts = mapper, mixer, parts
        self.latent_dim, self.w_dim = latent_dim, w_dim

    @property
    def mean_w(self) -> np.ndarray:
        """w̄ (w_dim,), the running mean of w over training (Eq. 7)."""
        return keras.ops.convert_to_numpy(self.mapper.mean_w)

    def mapping(self, z):
        """Eq. 1: w = f(z), (B, w_dim)."""
        return self.mapper(ops.convert_to_tensor(z, "float32"))

    def synthesize(self, ws, noise=None, return_features: bool = False):
        """Images (B, 28, 28, 1) from one w per style layer.

        Args:
            ws: (B, L, w_dim), or (B, w_dim) for the same w at every layer.
            noise: None (fresh noise) or L arrays (B, H_l, W_l, 1), e.g. ``fixed_noise``.
            return_features: also return the (B, 14, 14, C) features of the last 14x14 layer.
        """
        ws = ops.convert_to_tensor(ws, "float32")
        if len(ws.shape) == 2:
            ws = ops.repeat(ws[:, None, :], STYLE_LAYERS, axis=1)  # (B, L, w_dim)
        if tuple(ws.shape[1:]) != (STYLE_LAYERS, self.w_dim):
            raise ValueError(f"`ws` must have shape (B, {STYLE_LAYERS}, {self.w_dim}) or (B, {self.w_dim}), "
                             f"received shape {tuple(ws.shape)}.")
        if noise is not None and len(noise) != STYLE_LAYERS:
            raise ValueError(f"`noise` must hold {STYLE_LAYERS} arrays, one per style layer, received {len(noise)}.")
        noise = [None] * STYLE_LAYERS if noise is None else [ops.convert_to_tensor(n, "float32") for n in noise]
        image, features = _synthesis(self.parts, [ws[:, i] for i in range(STYLE_LAYERS)], noise)
        return (image, features) if return_features else image

    def get_config(self):
        return {"name": self.name, **self.settings}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _synthesis_layers(channels: int, seed) -> dict:
    """The synthesis network's layers: const, and per style layer conv (None for layer 0), noise, AdaIN."""
    layers = {"const": ConstantInput((7, 7, channels), name="const"), "blocks": []}
    for i, size in enumerate(RESOLUTIONS):
        conv = None if i == 0 else keras.layers.Conv2D(channels, 3, padding="same", name=f"conv_{i}")
        noise_seed = None if seed is None else seed + i
        layers["blocks"].append((conv, NoiseInput(seed=noise_seed, name=f"noise_{i}"), AdaIN(name=f"adain_{i}")))
    layers["to_rgb"] = keras.layers.Conv2D(1, 1, activation="sigmoid", name="to_rgb")
    return layers


def _synthesis(layers, ws, noise):
    """(image (B, 28, 28, 1), features (B, 14, 14, C)) from L w's and L noise maps (or None)."""
    x = layers["const"](ws[0])  # (B, 7, 7, C)
    features = None
    for i, (conv, noise_input, adain) in enumerate(layers["blocks"]):
        if i and RESOLUTIONS[i] != RESOLUTIONS[i - 1]:
            x = ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)  # nearest upsampling, (B, 2H, 2W, C)
        if conv is not None:
            x = conv(x)
        x = noise_input(x, noise[i])  # Eq. 4
        x = adain([ops.leaky_relu(x, 0.2), ws[i]])  # Eqs. 2-3
        if i == FEATURE_LAYER:
            features = x  # (B, 14, 14, C)
    return layers["to_rgb"](x), features  # (B, 28, 28, 1)


@keras.saving.register_keras_serializable(package="toolkit")
class ConstantInput(keras.layers.Layer):
    """The learned constant input of the synthesis network, tiled over the batch of its input.

    It starts at ones, as StyleGAN's. While it is still nearly flat over the pixels, the first AdaIN's
    σ(x_i) comes mostly from the noise B ⊙ n, so the 7x7 noise also helps choose the character (which
    is why ``mixing_grid`` mixes each source's noise maps with its styles). Drawing it from N(0, 1)
    instead (StyleGAN2) was measured worse at the page's defaults: FID 49 with 4 classes after 8 epochs,
    against 9.8 with 8 classes."""

    def __init__(self, shape=(7, 7, 32), **kwargs):
        super().__init__(**kwargs)
        self.shape = tuple(validation.check_positive_int("shape", s) for s in shape)

    def build(self, input_shape):
        self.constant = self.add_weight(name="constant", shape=(1, *self.shape), initializer="ones")

    def call(self, reference):
        return ops.repeat(self.constant, ops.shape(reference)[0], axis=0)  # (B, 7, 7, C)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.shape)

    def get_config(self):
        return {**super().get_config(), "shape": list(self.shape)}


# -- mixing and truncation ------------------------------------------------------------------
def truncate(w, mean_w, psi: float):
    """Eq. 6: w' = w̄ + ψ (w − w̄)."""
    psi = validation.check_float("psi", psi, 0.0, 2.0, hint="ψ = 1 keeps w, ψ = 0 gives w̄.")
    return mean_w + psi * (np.asarray(w) - mean_w)


def mix(w1, w2, crossover: int) -> np.ndarray:
    """Eq. 5: (B, L, D) with w₁ at the layers l < c (coarse) and w₂ at l >= c (fine)."""
    validation.check_int("crossover", crossover, 0, STYLE_LAYERS, hint="0 = all fine styles, "
                         f"{STYLE_LAYERS} = all coarse styles.")
    w1, w2 = np.asarray(w1, np.float32), np.asarray(w2, np.float32)
    layers = np.arange(STYLE_LAYERS)[None, :, None]  # (1, L, 1)
    return np.where(layers < crossover, w1[:, None, :], w2[:, None, :])  # (B, L, D)


def fixed_noise(batch: int, seed: int = 0, same_for_all: bool = True) -> list:
    """L noise maps (B, H_l, W_l, 1) drawn from `seed`; the same map for every row by default."""
    rng = np.random.default_rng(seed)
    maps = [rng.standard_normal((1 if same_for_all else batch, s, s, 1)).astype(np.float32) for s in RESOLUTIONS]
    return [np.repeat(m, batch, axis=0) if same_for_all else m for m in maps]


def latents(generator: StyleGenerator, seeds, psi: float = 1.0) -> np.ndarray:
    """(len(seeds), w_dim): w of z drawn from each seed (one N(0, I) z per seed), truncated by ψ."""
    z = np.concatenate([numpy_noise("gaussian", 1, generator.latent_dim, int(s)) for s in seeds])
    return truncate(ops.convert_to_numpy(generator.mapping(z)), generator.mean_w, psi)


def source_noise(seeds) -> list:
    """L noise maps (len(seeds), H_l, W_l, 1): each source's own noise, drawn from its seed."""
    rngs = [np.random.default_rng((int(seed), 1)) for seed in seeds]  # a stream apart from the seed's z
    return [np.stack([rng.standard_normal((size, size, 1)) for rng in rngs]).astype(np.float32)
            for size in RESOLUTIONS]


def render(generator: StyleGenerator, ws, noise) -> np.ndarray:
    """Images of per-layer latents `ws` (B, L, D) with the L noise maps `noise`, clipped to [0, 1], (B, 28, 28, 1)."""
    return np.clip(ops.convert_to_numpy(generator.synthesize(ws, noise)), 0.0, 1.0)


@dataclasses.dataclass
class MixingGrid:
    """The classic grid: mixed[r, c] has the coarse styles of row source r and the fine of column source c."""

    rows: np.ndarray  # (R, 28, 28, 1) the coarse sources
    columns: np.ndarray  # (C, 28, 28, 1) the fine sources
    mixed: np.ndarray  # (R, C, 28, 28, 1)
    crossover: int

    def tiles(self) -> np.ndarray:
        """((R + 1)·(C + 1), 28, 28, 1) row-major: a blank corner, the column sources on top, each row
        source on the left of its mixed images."""
        top = np.concatenate([np.zeros_like(self.rows[:1]), self.columns])
        body = [np.concatenate([self.rows[r:r + 1], self.mixed[r]]) for r in range(len(self.rows))]
        return np.concatenate([top, *body])


def mixing_grid(generator: StyleGenerator, row_seeds, column_seeds, crossover: int,
                psi: float = 1.0, shared_noise: bool = False) -> MixingGrid:
    """Sources drawn from seeds; every pair mixed at `crossover` (Eq. 5). The noise inputs are mixed
    the same way: layers < c take the row source's noise maps, the others the column source's;
    `shared_noise` gives every image one noise map instead, so only w differs between images."""
    w_rows, w_columns = latents(generator, row_seeds, psi), latents(generator, column_seeds, psi)
    rows, cols = len(w_rows), len(w_columns)
    if shared_noise:
        n_rows, n_columns = fixed_noise(rows), fixed_noise(cols)
    else:
        n_rows, n_columns = source_noise(row_seeds), source_noise(column_seeds)
    ws = mix(np.repeat(w_rows, cols, axis=0), np.tile(w_columns, (rows, 1)), crossover)  # (R·C, L, D)
    noise = [np.repeat(a, cols, axis=0) if layer < crossover else np.tile(b, (rows, 1, 1, 1))
             for layer, (a, b) in enumerate(zip(n_rows, n_columns))]
    mixed = render(generator, ws, noise).reshape(rows, cols, 28, 28, 1)
    return MixingGrid(render(generator, mix(w_rows, w_rows, 0), n_rows),
                      render(generator, mix(w_columns, w_columns, 0), n_columns), mixed, crossover)


def truncation_images(generator: StyleGenerator, seeds, psis) -> np.ndarray:
    """(len(psis)·len(seeds), 28, 28, 1): one row per ψ, one column per seed (Eq. 6), each seed's own noise."""
    noise = source_noise(seeds)
    return np.concatenate([render(generator, mix(w, w, 0), noise)
                           for w in (latents(generator, seeds, psi) for psi in psis)])


def mixing_statistics(generator: StyleGenerator, judge, crossover: int, n: int = 20, seed: int = 100,
                      shared_noise: bool = False) -> dict:
    """What the judge reads in an n x n mixing grid (``mixing_grid``): how often the mixed image's class is
    the coarse (row) source's and the fine (column) source's (over pairs whose sources differ in class),
    and the correlation of its stroke thickness with each source's."""
    grid = mixing_grid(generator, range(seed, seed + n), range(seed + n, seed + 2 * n), crossover,
                       shared_noise=shared_noise)
    rows, cols = judge.outputs(grid.rows), judge.outputs(grid.columns)
    mixed = judge.outputs(grid.mixed.reshape(-1, 28, 28, 1))  # (n·n) in row-major order
    row_class = np.repeat(rows["class"].argmax(1), n)
    col_class = np.tile(cols["class"].argmax(1), n)
    mixed_class = mixed["class"].argmax(1)
    differ = row_class != col_class
    row_thick = np.repeat(rows["attributes"][:, 0], n)
    col_thick = np.tile(cols["attributes"][:, 0], n)
    thick = mixed["attributes"][:, 0]
    return {"crossover": crossover, "pairs": int(differ.sum()),
            "class_of_coarse": float(np.mean(mixed_class[differ] == row_class[differ])),
            "class_of_fine": float(np.mean(mixed_class[differ] == col_class[differ])),
            "thickness_vs_coarse": float(np.corrcoef(thick, row_thick)[0, 1]),
            "thickness_vs_fine": float(np.corrcoef(thick, col_thick)[0, 1])}


# -- training -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class StyleGanConfig(Config):
    """Every setting of the StyleGAN page (the URL parameters are the field names).

    Defaults measured on 2,000 glyphs (``benchmarks/stylegan.py``): with η_G = η_D = 2e-3 FID reached 15
    after 3 epochs, then rose to 32 by epoch 12 as the classes collapsed from 9 to 4; η_G = 1e-3 with a
    faster D (η_D = 2e-3) fell steadily to FID 9.8 after 8 epochs, 8 classes covered (41 s on 2 idle cores).
    """

    epochs: int = setting(8, lo=1, hi=500, widget="number", label="Epochs")
    n: int = setting(2000, lo=100, hi=20_000, step=100, widget="number", label="Training glyphs")
    batch: int = setting(32, lo=1, hi=1024, widget="number", label="Batch size")
    g_lr: float = setting(1e-3, lo=1e-5, hi=0.1, step=1e-4, label="G learning rate η_G")
    d_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="D learning rate η_D")
    latent_dim: int = setting(32, lo=2, hi=256, label="Length of z")
    w_dim: int = setting(32, lo=2, hi=256, label="Length of w")
    mapping_layers: int = setting(4, lo=1, hi=8, label="Mapping layers")
    channels: int = setting(32, lo=4, hi=128, label="Synthesis channels C")
    mixing: float = setting(0.9, lo=0.0, hi=1.0, step=0.05, label="Mixing regularization (probability)",
                            help="While training, this share of the samples take another sample's w from a "
                                 "random layer on, so coarse and fine styles stay separable.")
    d_filters: int = setting(32, lo=4, hi=128, label="D filters F")
    ema_decay: float = setting(0.999, lo=0.0, hi=0.9999, label="Weight average of G, decay d (0 = off)")
    score: bool = setting(True, label="Score the samples")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")


@keras.saving.register_keras_serializable(package="toolkit")
class StyleGAN(GAN):
    """``gan.GAN`` with a ``StyleGenerator``: its weight average Ḡ is a ``StyleGenerator`` too, so the
    samples' generator keeps ``mapping``, ``synthesize`` and ``mean_w`` (``keras.models.clone_model``
    would return a plain functional copy)."""

    def __init__(self, generator, discriminator, **kwargs):
        if not isinstance(generator, StyleGenerator):
            raise ValueError(f"`generator` must be a StyleGenerator, received {type(generator).__name__}.")
        super().__init__(generator, discriminator, **kwargs)

    def _average_generator(self):
        average = StyleGenerator.from_config({**self.generator.get_config(), "name": "ema_generator"})
        average.set_weights(self.generator.get_weights())
        average.trainable = False
        return average


def build_stylegan(config: StyleGanConfig) -> StyleGAN:
    """The compiled ``GAN`` of a ``StyleGenerator`` and a DCGAN discriminator (weights seeded by config.seed)."""
    keras.utils.set_random_seed(config.seed)
    generator = StyleGenerator(config.latent_dim, config.w_dim, config.mapping_layers, config.channels,
                               config.mixing, seed=config.seed)
    discriminator = dcgan_discriminator(filters=config.d_filters)
    gan = StyleGAN(generator, discriminator, loss="non_saturating", seed=config.seed, label_smoothing=0.1,
              ema_decay=config.ema_decay)
    gan.compile(keras.optimizers.Adam(config.d_lr, beta_1=0.5), keras.optimizers.Adam(config.g_lr, beta_1=0.5))
    gan.build_optimizers()
    return gan


def sampling_generator(gan: StyleGAN) -> StyleGenerator:
    """The generator samples come from: the weight average Ḡ when on, else G."""
    return gan.ema_generator if gan.ema_generator is not None else gan.generator


@dataclasses.dataclass
class StyleGanResult:
    """One trained StyleGAN as the page shows it afterwards."""

    run: object  # toolkit.train.Run
    config: StyleGanConfig
    evaluations: dict
    grid: np.ndarray  # (GRID_SIZE, 28, 28, 1)
    diagnosis: tuple

    @property
    def generator(self) -> StyleGenerator:
        return sampling_generator(self.run.model)


def run_stylegan(config: StyleGanConfig, *, judge=None, monitor: gg.GanMonitor | None = None, callbacks=(),
                 stop=None, on_setup=None) -> StyleGanResult:
    """Trains the StyleGAN of `config` on its glyphs for ``config.epochs``, scored while it trains
    (as ``glyph_gan.run_glyph_gan``: a ``GanMonitor`` throttled to every ``SCORE_SECONDS``)."""
    if on_setup is not None:
        on_setup(gg.setup_message(config))
    images, _, dataset = gg.training_data(config)
    if monitor is None:
        monitor = gg.GanMonitor((judge or glyph_judge()) if config.score else None, seed=config.seed)
    monitor.use_real(images)
    gan = build_stylegan(config)
    run = fit(gan, images, epochs=config.epochs, batch_size=config.batch, seed=config.seed,
              callbacks=[Throttle(monitor, gg.SCORE_SECONDS), *callbacks], stop=gg.stops_of(stop, monitor),
              config={"dataset": dataset.spec, "stylegan": dataclasses.asdict(config)}, name="StyleGAN-mini")
    return StyleGanResult(run, config, monitor.evaluations.get(run.name, {}), monitor.grids.get(run.name),
                          monitor.diagnosis.get(run.name, ("ok", "")))
