"""Progressive GAN (Karras et al., 2018) in miniature: G and D grow 7×7 → 14×14 → 28×28.

The notes: "Progressive GAN: progressive growth of G and D networks. Enable high-quality
images." Training starts with a generator of 7×7 glyphs and a discriminator of 7×7 images,
where the overall shape of a character is learned in few, cheap steps; each new resolution
adds a block to both networks and is faded in smoothly, so the layers already trained are
not shocked by a new, randomly initialised one:

    G_α(z) = (1 − α) · up(toRGB_old(h)) + α · toRGB_new(block(up(h)))                    (1)
    D_α(x) = D_rest((1 − α) · fromRGB_old(down(x)) + α · block(fromRGB_new(x)))           (2)
    x_α    = (1 − α) · up(down(x)) + α · x          real images shown during the fade     (3)
    α_t    = min(1, t / T_fade)                     t = steps of this stage so far        (4)

followed by a stabilising phase at α = 1. up is 2× nearest-neighbour upsampling, down 2×
average pooling; the final sigmoid is applied after Eq. 1 (it commutes with up). Three
tricks of the paper keep the game balanced without batch normalization:

    b_{x,y} = a_{x,y} / √( (1/C) Σ_c (a^c_{x,y})² + ε )          pixel norm in G          (5)
    ŵ       = w · √(2 / fan_in),   w ~ N(0, 1)                     equalized learning rate  (6)
    s       = mean_{h,w,c} √( Var_batch(x_{h,w,c}) + ε )           minibatch std, one more
                                                                   feature map of D         (7)

Eq. 6 scales the weights at run time instead of at initialisation, so Adam's per-weight step
sizes move every layer at the same relative speed. Eq. 7 lets D see the variety of a
minibatch (the notes' minibatch discrimination, without parameters): a collapsed G's batch
has a telltale small s.

| symbol | name here | | symbol | name here |
| α | `alpha` (``FadeIn``) | | T_fade | `fade_steps` |
| ε | `epsilon` | | √(2/fan_in) | ``EqualizedDense.scale`` |
| C (filters) | `filters` | | s | ``MinibatchStdDev`` output |

``ProgressiveGAN`` is the ``gan.GAN`` of one stage (its networks at one resolution, Eq. 4 in
its ``train_step``); ``ProgressiveNetworks`` holds every layer and builds each stage's G and
D from the same layers, so a grown network keeps what the smaller one learned.
``run_progan`` trains the three stages one after another as ONE ``toolkit.train.Run``
whose epochs count up continuously.
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.generative.gan import GAN, all_layers, numpy_noise
from toolkit.generative.gan_losses import LOSSES, LOSSES_LATEX
from toolkit.train import Callback, Run, Throttle, fit
from toolkit.train.callbacks import as_callbacks

RESOLUTIONS = (7, 14, 28)  # one stage per resolution
DISPLAY_SIZE = 28
SLOPE = 0.2  # LeakyReLU slope in both networks, as the paper
ALPHA_LATEX = (r"\begin{array}{l} G_\alpha(z) = (1-\alpha)\,\mathrm{up}(\mathrm{toRGB}_{old}(h))"
               r" + \alpha\, \mathrm{toRGB}_{new}(\mathrm{block}(\mathrm{up}(h))) \\"
               r" \alpha_t = \min(1,\ t / T_{\text{fade}}) \end{array}")
PIXEL_NORM_LATEX = r"b_{x,y} = a_{x,y} \Big/ \sqrt{\tfrac{1}{C}\textstyle\sum_c (a^c_{x,y})^2 + \epsilon}"
EQUALIZED_LATEX = r"\hat w = w \cdot \sqrt{2 / n_{\text{in}}}, \quad w \sim \mathcal{N}(0, 1)"
MINIBATCH_STD_LATEX = (r"\begin{array}{l} s = \operatorname{mean}_{h,w,c}\, \sigma_{h,w,c} \\"
                       r" \sigma = \sqrt{\operatorname{Var}_{\text{batch}}(x) + \epsilon} \end{array}")


# -- the layers of the paper --------------------------------------------------------------
def _he_scale(fan_in: int, gain: float) -> float:
    """Eq. 6: the run-time constant gain / √fan_in (gain √2 is He's)."""
    return float(gain) / math.sqrt(fan_in)


@keras.saving.register_keras_serializable(package="toolkit")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with equalized learning rate (Eq. 6): y = x · (w √(2/fan_in)) + b.

    Mirrors ``keras.layers.Dense`` whose kernel is ``effective_kernel()``.

    Args:
        units: outputs per sample (>= 1).
        gain: the constant of Eq. 6 (√2, He's, by default; 1 for a linear output).
        use_bias: add a bias b (initialised to 0).
    """

    def __init__(self, units, gain=math.sqrt(2.0), use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.gain = validation.check_float("gain", gain, 0.0, None, open_low=True)
        self.use_bias = validation.check_bool("use_bias", use_bias)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.scale = _he_scale(fan_in, self.gain)
        self.kernel = self.add_weight(name="kernel", shape=(fan_in, self.units),
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros") if self.use_bias else None

    def effective_kernel(self):
        """ŵ = w · √(2 / fan_in) (Eq. 6): the kernel a plain Dense layer would hold."""
        return self.kernel * self.scale

    def call(self, x):
        y = keras.ops.matmul(x, self.effective_kernel())  # (B, units)
        return y + self.bias if self.use_bias else y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="toolkit")
class EqualizedConv2D(keras.layers.Layer):
    """A stride-1 "same" convolution with equalized learning rate (Eq. 6), fan_in = k·k·C_in.

    Mirrors ``keras.layers.Conv2D(padding="same")`` whose kernel is ``effective_kernel()``.

    Args:
        filters: output channels (>= 1).
        kernel_size: k of the k×k kernel (odd, >= 1).
        gain: the constant of Eq. 6 (√2 by default; 1 for toRGB).
        use_bias: add a bias per output channel.
    """

    def __init__(self, filters, kernel_size=3, gain=math.sqrt(2.0), use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = validation.check_positive_int("filters", filters)
        self.kernel_size = validation.check_positive_int("kernel_size", kernel_size)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"`kernel_size` must be odd so that 'same' padding is symmetric, "
                             f"received kernel_size={kernel_size}.")
        self.gain = validation.check_float("gain", gain, 0.0, None, open_low=True)
        self.use_bias = validation.check_bool("use_bias", use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        k = self.kernel_size
        self.scale = _he_scale(k * k * channels, self.gain)
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None

    def effective_kernel(self):
        """ŵ = w · √(2 / (k·k·C_in)) (Eq. 6)."""
        return self.kernel * self.scale

    def call(self, x):
        y = keras.ops.conv(x, self.effective_kernel(), strides=1, padding="same")  # (B, H, W, filters)
        return y + self.bias if self.use_bias else y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "gain": self.gain, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="toolkit")
class PixelNorm(keras.layers.Layer):
    """Eq. 5: each pixel's feature vector divided by its root mean square over the channels.

    Args:
        epsilon: ε > 0 under the square root.
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)

    def call(self, a):
        # Eq. 5 over the last (channel) axis: (B, ..., C) / (B, ..., 1)
        return a * keras.ops.rsqrt(keras.ops.mean(keras.ops.square(a), axis=-1, keepdims=True) + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="toolkit")
class MinibatchStdDev(keras.layers.Layer):
    """Eq. 7: appends one feature map holding s, the mean over features and pixels of the
    standard deviation over the batch: (B, H, W, C) -> (B, H, W, C + 1).

    Args:
        epsilon: ε > 0 added to the variance.
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)

    def call(self, x):
        variance = keras.ops.var(x, axis=0)  # (H, W, C), over the batch
        s = keras.ops.mean(keras.ops.sqrt(variance + self.epsilon))  # Eq. 7: a scalar
        ones = keras.ops.ones_like(x[..., :1])  # (B, H, W, 1)
        return keras.ops.concatenate([x, ones * s], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], None if input_shape[-1] is None else input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="toolkit")
class FadeIn(keras.layers.Layer):
    """Eqs. 1-2: (1 − α) · old + α · new, with α a non-trainable weight set while training.

    Args:
        alpha: the initial α in [0, 1].
    """

    def __init__(self, alpha=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_alpha = validation.check_float("alpha", alpha, 0.0, 1.0)

    def build(self, input_shape):
        self.alpha = self.add_weight(name="alpha", shape=(), trainable=False,
                                     initializer=keras.initializers.Constant(self.initial_alpha))

    def call(self, inputs):
        old, new = inputs
        return (1.0 - self.alpha) * old + self.alpha * new

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


# -- the growing networks ------------------------------------------------------------------
def downsample(images, resolution: int):
    """28×28 images average-pooled to `resolution` × `resolution` (B, r, r, C)."""
    factor = int(images.shape[1]) // resolution
    if factor == 1:
        return images
    return keras.ops.average_pool(images, pool_size=factor, strides=factor, padding="valid")


def upsample(images, size: int):
    """Nearest-neighbour upsampling of (B, r, r, C) images to size × size."""
    factor = size // int(images.shape[1])
    if factor == 1:
        return images
    return keras.ops.repeat(keras.ops.repeat(images, factor, axis=1), factor, axis=2)


class ProgressiveNetworks:
    """Every layer of the growing G and D; ``generator(stage)`` / ``discriminator(stage)``
    build the stage's Keras models from these same layers (so growing keeps the weights).

    Shapes, F = `filters` (F at 7×7 and 14×14, F/2 at 28×28):

        G: z (B, d) -> PixelNorm -> EqDense 7·7·F -> LReLU -> PixelNorm -> (B, 7, 7, F)
           -> EqConv 3×3 -> LReLU -> PixelNorm                    block 0, toRGB₀ -> (B, 7, 7, 1)
           -> up -> 2 × [EqConv 3×3 -> LReLU -> PixelNorm]       block 1, toRGB₁ -> (B, 14, 14, 1)
           -> up -> 2 × [EqConv 3×3 -> LReLU -> PixelNorm]       block 2, toRGB₂ -> (B, 28, 28, 1)
           -> sigmoid
        D: x (B, r, r, 1) -> fromRGB (EqConv 1×1, LReLU)
           [block 2: 2 × EqConv 3×3 + LReLU -> avg pool]  (B, 28→14, F)
           [block 1: 2 × EqConv 3×3 + LReLU -> avg pool]  (B, 14→7, F)
           block 0: MinibatchStdDev -> EqConv 3×3 -> LReLU -> Flatten -> EqDense F -> LReLU
           -> EqDense 1 (gain 1): raw score (B, 1)

    Args:
        latent_dim: length d of z.
        filters: F.
        channels: image channels (1 for glyphs).
    """

    def __init__(self, latent_dim: int = 32, filters: int = 32, channels: int = 1):
        self.latent_dim = validation.check_positive_int("latent_dim", latent_dim)
        self.filters = validation.check_int("filters", filters, 2)
        self.channels = validation.check_positive_int("channels", channels)
        widths = (self.filters, self.filters, max(1, self.filters // 2))
        self.widths = widths
        self.g_blocks = [self._g_block0()] + [self._g_block(s, widths[s]) for s in (1, 2)]
        self.to_rgb = [EqualizedConv2D(channels, 1, gain=1.0, name=f"to_rgb_{r}") for r in RESOLUTIONS]
        self.from_rgb = [EqualizedConv2D(widths[s], 1, name=f"from_rgb_{r}") for s, r in enumerate(RESOLUTIONS)]
        self.d_blocks = [self._d_block0()] + [self._d_block(s) for s in (1, 2)]

    def _g_block0(self):
        f = self.filters
        return [PixelNorm(name="g_pixel_norm_z"), EqualizedDense(7 * 7 * f, gain=math.sqrt(2.0) / 4, name="g_dense"),
                keras.layers.Reshape((7, 7, f), name="g_reshape"), keras.layers.LeakyReLU(SLOPE, name="g_act_0a"),
                PixelNorm(name="g_pixel_norm_0a"), EqualizedConv2D(f, 3, name="g_conv_0"),
                keras.layers.LeakyReLU(SLOPE, name="g_act_0b"), PixelNorm(name="g_pixel_norm_0b")]

    def _g_block(self, stage, width):
        r = RESOLUTIONS[stage]
        return [keras.layers.UpSampling2D(2, name=f"g_up_{r}"),
                *[layer for i in "ab" for layer in (EqualizedConv2D(width, 3, name=f"g_conv_{r}{i}"),
                                                     keras.layers.LeakyReLU(SLOPE, name=f"g_act_{r}{i}"),
                                                     PixelNorm(name=f"g_pixel_norm_{r}{i}"))]]

    def _d_block0(self):
        f = self.filters
        return [MinibatchStdDev(name="d_minibatch_std"), EqualizedConv2D(f, 3, name="d_conv_7"),
                keras.layers.LeakyReLU(SLOPE, name="d_act_7"), keras.layers.Flatten(name="features"),
                EqualizedDense(f, name="d_dense"), keras.layers.LeakyReLU(SLOPE, name="d_act_dense"),
                EqualizedDense(1, gain=1.0, name="d_score")]

    def _d_block(self, stage):
        r, width, narrower = RESOLUTIONS[stage], self.widths[stage], self.widths[stage - 1]
        return [EqualizedConv2D(width, 3, name=f"d_conv_{r}a"), keras.layers.LeakyReLU(SLOPE, name=f"d_act_{r}a"),
                EqualizedConv2D(narrower, 3, name=f"d_conv_{r}b"), keras.layers.LeakyReLU(SLOPE, name=f"d_act_{r}b"),
                keras.layers.AveragePooling2D(2, name=f"d_pool_{r}")]

    @staticmethod
    def _apply(layers, x):
        for layer in layers:
            x = layer(x)
        return x

    def _from_rgb(self, stage, x):
        return keras.layers.LeakyReLU(SLOPE, name=f"d_act_from_rgb_{RESOLUTIONS[stage]}")(self.from_rgb[stage](x))

    def generator(self, stage: int, fade: bool = False, alpha: float = 0.0) -> keras.Model:
        """G at RESOLUTIONS[stage]; `fade`: the new block faded in by a ``FadeIn`` (Eq. 1)."""
        stage = validation.check_int("stage", stage, 0, len(RESOLUTIONS) - 1)
        z = keras.Input((self.latent_dim,), name="z")
        h = self._apply(self.g_blocks[0], z)  # (B, 7, 7, F)
        for s in range(1, stage):
            h = self._apply(self.g_blocks[s], h)
        if stage == 0 or not fade:
            image = self.to_rgb[stage](self._apply(self.g_blocks[stage], h) if stage else h)
        else:  # Eq. 1: (1 − α) up(toRGB_old(h)) + α toRGB_new(block(up(h)))
            old = keras.layers.UpSampling2D(2, name="g_fade_up")(self.to_rgb[stage - 1](h))
            new = self.to_rgb[stage](self._apply(self.g_blocks[stage], h))
            image = FadeIn(alpha, name="g_fade")([old, new])
        image = keras.layers.Activation("sigmoid", name="g_image")(image)  # (B, r, r, C) in [0, 1]
        return keras.Model(z, image, name=f"generator_{RESOLUTIONS[stage]}")

    def discriminator(self, stage: int, fade: bool = False, alpha: float = 0.0) -> keras.Model:
        """D at RESOLUTIONS[stage]; `fade`: the new block faded in by a ``FadeIn`` (Eq. 2)."""
        stage = validation.check_int("stage", stage, 0, len(RESOLUTIONS) - 1)
        r = RESOLUTIONS[stage]
        x = keras.Input((r, r, self.channels), name="image")
        h = self._from_rgb(stage, x)
        if stage > 0:
            h = self._apply(self.d_blocks[stage], h)  # (B, r/2, r/2, F)
            if fade:  # Eq. 2: (1 − α) fromRGB_old(down(x)) + α block(fromRGB_new(x))
                old = self._from_rgb(stage - 1, keras.layers.AveragePooling2D(2, name="d_fade_down")(x))
                h = FadeIn(alpha, name="d_fade")([old, h])
        for s in range(stage - 1, 0, -1):  # the blocks of the lower resolutions, then block 0
            h = self._apply(self.d_blocks[s], h)
        h = self._apply(self.d_blocks[0], h)  # (B, 1)
        return keras.Model(x, h, name=f"discriminator_{r}")


@keras.saving.register_keras_serializable(package="toolkit")
class ProgressiveGAN(GAN):
    """The GAN of one stage: real images shown at `resolution` (Eq. 3 while fading), and α
    raised after every step (Eq. 4) in the ``FadeIn`` layers of G and D.

    Args:
        resolution: the stage's image size, one of ``RESOLUTIONS``.
        fade_steps: T_fade of Eq. 4; 0 = no fade (the first stage, or a stage already grown).
        display_size: inference-mode samples (``generate(training=False)``, ``sample``,
            ``generate_numpy``) are upsampled to this size, so a glyph judge can score them.
        (the other arguments as ``GAN``)
    """

    def __init__(self, generator, discriminator, *, resolution=7, fade_steps=0, display_size=DISPLAY_SIZE,
                 **kwargs):
        self.resolution = validation.check_choice("resolution", resolution, RESOLUTIONS)
        self.fade_steps = validation.check_int("fade_steps", fade_steps, 0, hint="0 = no fade-in.")
        self.display_size = validation.check_int("display_size", display_size, self.resolution)
        super().__init__(generator, discriminator, **kwargs)
        self.fades = [layer for network in (generator, discriminator) for layer in all_layers(network)
                      if isinstance(layer, FadeIn)]
        if self.fade_steps and len(self.fades) != 2:
            raise ValueError(f"`fade_steps`={fade_steps} needs a generator and a discriminator built with "
                             f"fade=True (one FadeIn each), found {len(self.fades)} FadeIn layers.")
        self.stage_step = self.add_weight(name="stage_step", shape=(), trainable=False, initializer="zeros")
        self.alpha = self.add_weight(name="alpha", shape=(), trainable=False,
                                     initializer=keras.initializers.Constant(0.0 if self.fade_steps else 1.0))

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        if self.fade_steps:  # Eq. 4: α_t = min(1, t / T_fade)
            alpha = tf.minimum(1.0, self.stage_step / float(self.fade_steps))
            self.alpha.assign(alpha)
            for layer in self.fades:
                layer.alpha.assign(alpha)
        real = downsample(real, self.resolution)  # (B, r, r, C)
        if self.fade_steps:  # Eq. 3: the reals blended as G's output is
            lower = upsample(downsample(real, self.resolution // 2), self.resolution)
            real = (1.0 - self.alpha) * lower + self.alpha * real
        logs = super().train_step(real)
        self.stage_step.assign_add(1.0)
        return logs

    def generate(self, z, labels=None, training=False, average=None):
        images = super().generate(z, labels, training=training, average=average)
        return images if training else upsample(images, self.display_size)

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "fade_steps": self.fade_steps,
                "display_size": self.display_size}


# -- training -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ProGanConfig(Config):
    """Every setting of a progressive GAN on glyphs (the page's URL parameters are the field names)."""

    stable_epochs: int = setting(3, lo=1, hi=100, widget="number", label="Epochs per stage at α = 1",
                                 help="Each of the three resolutions trains this many epochs once grown.")
    fade_epochs: int = setting(2, lo=0, hi=100, widget="number", label="Fade-in epochs",
                               help="Epochs over which α rises from 0 to 1 when 14×14 and 28×28 are added "
                                    "(0 = grow abruptly).")
    n: int = setting(2000, lo=100, hi=20_000, step=100, widget="number", label="Training glyphs")
    batch: int = setting(32, lo=2, hi=1024, widget="number", label="Batch size")
    loss: str = setting("non_saturating", choices=LOSSES, label="Loss", formula=LOSSES_LATEX)
    g_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="G learning rate η_G")
    d_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="D learning rate η_D")
    latent_dim: int = setting(32, lo=2, hi=256, label="Length of z")
    filters: int = setting(32, lo=4, hi=128, label="Filters F")
    score: bool = setting(True, label="Score the samples",
                          help="FID and share recognized by the shipped glyph classifier, at 28×28.")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")

    def stages(self) -> list[tuple[int, int, int]]:
        """(resolution, fade epochs, stable epochs) of every stage, in training order."""
        return [(r, 0 if s == 0 else self.fade_epochs, self.stable_epochs) for s, r in enumerate(RESOLUTIONS)]

    @property
    def epochs(self) -> int:
        return sum(fade + stable for _, fade, stable in self.stages())


def schedule(config: ProGanConfig, points_per_epoch: int = 4) -> dict:
    """The growth schedule: {"epoch", "resolution", "alpha"} arrays (Eq. 4), epoch 0 to the end."""
    epochs, resolutions, alphas, start = [], [], [], 0
    for resolution, fade, stable in config.stages():
        length = fade + stable
        for e in np.linspace(0, length, length * points_per_epoch + 1):
            epochs.append(start + e)
            resolutions.append(resolution)
            alphas.append(min(1.0, e / fade) if fade else 1.0)  # Eq. 4 with t / T_fade = e / fade epochs
        start += length
    return {"epoch": np.array(epochs), "resolution": np.array(resolutions), "alpha": np.array(alphas)}


def position(config: ProGanConfig, epochs_done: int) -> tuple[int, float]:
    """(resolution, α) at the end of epoch `epochs_done` of the whole run (0: before training)."""
    start = 0
    for resolution, fade, stable in config.stages():
        if epochs_done <= start + fade + stable or resolution == RESOLUTIONS[-1]:
            e = max(0, epochs_done - start)  # epochs of this stage done
            return resolution, (min(1.0, e / fade) if fade else 1.0)  # Eq. 4
        start += fade + stable
    raise AssertionError("unreachable")


def build_stage(config: ProGanConfig, networks: ProgressiveNetworks, stage: int, fade_steps: int) -> ProgressiveGAN:
    """The compiled ``ProgressiveGAN`` of `stage` on the shared `networks` (fresh Adam, β = (0, 0.99))."""
    fade = fade_steps > 0
    gan = ProgressiveGAN(networks.generator(stage, fade), networks.discriminator(stage, fade),
                         resolution=RESOLUTIONS[stage], fade_steps=fade_steps, loss=config.loss,
                         seed=config.seed + stage, name=f"progan_{RESOLUTIONS[stage]}")
    gan.compile(keras.optimizers.Adam(config.d_lr, beta_1=0.0, beta_2=0.99),
                keras.optimizers.Adam(config.g_lr, beta_1=0.0, beta_2=0.99))
    gan.build_optimizers()
    return gan


class _Stages(Callback):
    """Merges every stage's ``fit`` into one ``Run`` whose epochs count up continuously (as
    ``ffnn.playground``'s ``_Continue``), and tells `callbacks` about that run only.

    It also times each stage's epochs between progress reports, the callbacks' own time
    (scoring) and the first chunk (tracing) left out: ``seconds_per_epoch``.
    """

    def __init__(self, run, callbacks, config):
        self.run, self.callbacks, self.config = run, list(callbacks), config
        self.seen, self.seconds, self.last_stage, self.resolution = 0, 0.0, False, None
        self.timing, self.seconds_per_epoch = None, {}

    def next_stage(self, model, last: bool):
        self.run.model, self.seen, self.seconds, self.last_stage = model, 0, 0.0, last
        self.resolution, self.timing = model.resolution, None

    def _merge(self, segment):
        new = segment.epochs_done - self.seen
        if new > 0:
            self.run.append_epochs({key: values[self.seen:] for key, values in segment.history.items()})
            done = [position(self.config, self.run.epochs_done + e) for e in range(1, new + 1)]
            self.run.append_epochs({"resolution": [r for r, _ in done], "alpha": [a for _, a in done]})
            self.run.epochs_done += new
            self.seen = segment.epochs_done
        self.run.steps_done, self.run.steps_per_epoch = segment.steps_done, segment.steps_per_epoch
        self.run.wall_time += segment.wall_time - self.seconds
        self.seconds = segment.wall_time

    def _time(self, epochs_done, entered):
        """Training seconds since the previous report's end, per epoch (first report: tracing, skipped)."""
        if self.timing is not None and epochs_done > self.timing[1]:
            seconds, epochs = self.seconds_per_epoch.get(self.resolution, (0.0, 0))
            self.seconds_per_epoch[self.resolution] = (seconds + entered - self.timing[0],
                                                       epochs + epochs_done - self.timing[1])
        self.timing = (None, epochs_done)

    def _forward(self, hook, segment):
        entered = time.perf_counter()
        self._merge(segment)
        self._time(segment.epochs_done, entered)
        for cb in self.callbacks:
            getattr(cb, hook)(self.run)
        self.timing = (time.perf_counter(), segment.epochs_done)

    def on_start(self, segment):
        if self.run.status == "pending":
            self.run.status = "running"
            for cb in self.callbacks:
                cb.on_start(self.run)

    def on_first_step(self, segment):
        if self.run.epochs_done == 0:
            for cb in self.callbacks:
                cb.on_first_step(self.run)

    def on_queue(self, position_in_line):
        for cb in self.callbacks:
            cb.on_queue(position_in_line)

    def on_progress(self, segment):
        self._forward("on_progress", segment)

    def on_end(self, segment):
        if segment.status == "completed" and not self.last_stage:
            entered = time.perf_counter()
            self._merge(segment)  # the next stage goes on in the same run
            self._time(segment.epochs_done, entered)
            return
        self.run.status, self.run.message = segment.status, segment.message
        self._forward("on_end", segment)


@dataclasses.dataclass
class ProGanResult:
    """One trained progressive GAN as the page shows it afterwards."""

    run: Run
    config: ProGanConfig
    evaluations: dict  # the monitor's record (epoch, fid, recognized, ...)
    grid: np.ndarray | None  # (GRID_SIZE, 28, 28, 1) the fixed latent grid after training
    diagnosis: tuple
    samples: dict  # resolution -> (10, r, r, 1) the fixed z through each stage's generator, native size
    seconds_per_epoch: dict  # resolution -> wall seconds per epoch of that stage (first epoch, tracing, left out)

    def display_samples(self) -> dict:
        """"r×r" -> the stage's samples upsampled (nearest) to 28×28, so their pixels show."""
        return {f"{r}×{r}": keras.ops.convert_to_numpy(upsample(images, DISPLAY_SIZE))
                for r, images in self.samples.items()}

    def table(self) -> list[dict]:
        """One row per stage trained: its epochs, seconds per epoch, and the scores at its end."""
        rows, end = [], 0
        scored = dict(zip(self.evaluations.get("epoch", []), zip(self.evaluations.get("fid", []),
                                                                 self.evaluations.get("recognized", []))))
        for resolution, fade, stable in self.config.stages():
            end += fade + stable
            if end > self.run.epochs_done:
                break
            fid, recognized = scored.get(end, (math.nan, math.nan))
            rows.append({"stage": f"{resolution}×{resolution}", "epochs (fade + stable)": f"{fade} + {stable}",
                         "s / epoch": round(self.seconds_per_epoch.get(resolution, math.nan), 2),
                         "FID at its end": round(fid, 1), "recognized": f"{recognized:.0%}"})
        return rows


def stage_samples(networks: ProgressiveNetworks, n: int = 10, seed: int = 0) -> dict:
    """resolution -> G_stage(z) at α = 1 for n latent vectors fixed by `seed` (native size)."""
    z = numpy_noise("gaussian", n, networks.latent_dim, seed)
    return {r: keras.ops.convert_to_numpy(networks.generator(s)(z, training=False)) for s, r in enumerate(RESOLUTIONS)}


def live_samples(run) -> dict:
    """What a live panel shows now: the fixed grid (upsampled to 28), its resolution, α, epoch."""
    from toolkit.generative.glyph_gan import sample_grid

    gan = run.model
    if gan is None:  # before the first stage is built
        return {}
    return {"grid": np.nan_to_num(np.clip(sample_grid(gan), 0, 1)), "resolution": gan.resolution,
            "alpha": float(keras.ops.convert_to_numpy(gan.alpha)), "epoch": run.epochs_done}


def run_progan(config: ProGanConfig, *, judge=None, monitor=None, callbacks=(), stop=None,
               on_setup=None) -> ProGanResult:
    """Trains the three stages of `config` as one run (7×7, then 14×14 and 28×28 faded in).

    Args:
        judge, monitor: as ``glyph_gan.run_glyph_gan`` (a ``GanMonitor``, scoring at 28×28).
        callbacks, stop: the toolkit's progress protocol; the callbacks see ONE run, whose
            history also holds each epoch's "resolution" and "alpha".
        on_setup: optional callable(text) told what happens before the first epoch.
    """
    from toolkit.generative import glyph_gan as gg
    from toolkit.generative.metrics import glyph_judge

    if on_setup is not None:
        on_setup("Rendering or loading the glyphs, then building the 7×7 networks…")
    images, _, dataset = gg.training_data(config)
    if monitor is None:
        monitor = gg.GanMonitor((judge or glyph_judge()) if config.score else None, seed=config.seed)
    monitor.use_real(images)
    keras.utils.set_random_seed(config.seed)
    networks = ProgressiveNetworks(config.latent_dim, config.filters)
    run = Run(name=f"ProGAN · {config.loss}", model=None, epochs=config.epochs,
              config={"dataset": dataset.spec, "progan": dataclasses.asdict(config)})
    stages = _Stages(run, [Throttle(monitor, gg.SCORE_SECONDS), *as_callbacks(callbacks)], config)
    steps = math.ceil(len(images) / config.batch)
    for s, (resolution, fade, stable) in enumerate(config.stages()):
        gan = build_stage(config, networks, s, fade * steps)
        stages.next_stage(gan, last=s == len(RESOLUTIONS) - 1)
        # one report an epoch: the live grid follows α, and every epoch is timed
        segment = fit(gan, images, epochs=fade + stable, batch_size=config.batch, seed=config.seed + s,
                      callbacks=[stages], stop=gg.stops_of(stop, monitor), steps_per_callback=steps, name=run.name)
        if segment.status != "completed":
            break
        monitor.on_progress(run)  # every stage's end is scored (the throttled reports may miss it)
    if run.status == "completed":
        run.message = f"Grew 7×7 → 14×14 → 28×28 in {run.epochs_done} epochs."
    seconds = {r: total / epochs for r, (total, epochs) in stages.seconds_per_epoch.items()}
    return ProGanResult(run, config, monitor.evaluations.get(run.name, {}), monitor.grids.get(run.name),
                        monitor.diagnosis.get(run.name, ("ok", "")), stage_samples(networks, seed=config.seed),
                        seconds)
