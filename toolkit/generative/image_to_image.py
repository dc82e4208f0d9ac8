"""Image-to-image translation: pix2pix (paired) and CycleGAN (unpaired), small enough for a CPU.

pix2pix (Isola et al., 2017) learns a map x -> y from PAIRS (x, y). Its discriminator sees
the input with the output, "how realistic and consistent the generated image looks with the
input"; a PatchGAN D scores every patch of the image instead of the whole, and an L1 term
keeps the output close to the target. CycleGAN (Zhu et al., 2017) translates between two
domains A and B WITHOUT pairs: two translators G: A -> B and F: B -> A, a discriminator per
domain, and the cycle-consistency loss asking F(G(a)) ≈ a and G(F(b)) ≈ b.

    L_cGAN = E log D(x, y) + E log(1 - D(x, G(x)))            pix2pix adversarial (D: ascend)  (1)
    L_L1   = E ‖y - G(x)‖₁;   G* = arg min_G max_D L_cGAN + λ L_L1                              (2)
    L_GAN(G, D_B) = E (D_B(b) - 1)² + E D_B(G(a))²            CycleGAN, least squares         (3)
    L_cyc  = E ‖F(G(a)) - a‖₁ + E ‖G(F(b)) - b‖₁                                               (4)
    L_id   = E ‖G(b) - b‖₁ + E ‖F(a) - a‖₁                    identity (optional)             (5)
    L_G,F  = L_GAN(G, D_B) + L_GAN(F, D_A) + λ_cyc L_cyc + λ_id L_id                          (6)

The glyph tasks: outline -> filled glyph (pix2pix; the outline is the one-pixel contour
around a bold glyph's strokes) and thin <-> bold glyphs (CycleGAN; the same glyph is
rendered with two pen widths, so a test set has true targets although training is unpaired).

| symbol | name here | | symbol | name here |
| λ | `l1_weight` | | λ_cyc, λ_id | `cycle_weight`, `identity_weight` |
| G, F | `generator_ab`, `generator_ba` | | D_A, D_B | `discriminator_a`, `discriminator_b` |
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from scipy import ndimage

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.generative.gan import with_networks
from toolkit.generative.gan_losses import discriminator_loss, generator_loss
from toolkit.generative.own_optimizers import OwnOptimizers

# The translators' last layer is linear: with a sigmoid, the L1 loss on sparse glyphs (most
# target pixels are 0) drives every output into the sigmoid's flat black region, where it
# stays. Outputs are clipped to [0, 1] only for display (``translation_columns``).
OUTPUT_ACTIVATION = "linear"


def _check_shape(image_shape, depth):
    if len(image_shape) != 3 or image_shape[0] % 2 ** depth or image_shape[1] % 2 ** depth:
        raise ValueError(f"`image_shape` must be (H, W, C) with H and W divisible by 2^depth = {2 ** depth}, "
                         f"received image_shape={tuple(image_shape)}.")


def unet_generator(image_shape=(28, 28, 1), filters: int = 16, depth: int = 2, name="unet") -> keras.Model:
    """U-Net: stride-2 encoder, stride-2 decoder, each decoder level concatenated with its encoder twin.

    (B, 28, 28, C) -> down (14, F) -> down (7, 2F) -> up (14, F) ⊕ skip -> up (28, F) ⊕ input
    -> 3x3 conv, linear (OUTPUT_ACTIVATION) -> (B, 28, 28, C).
    """
    validation.check_int("depth", depth, 1, 4)
    _check_shape(image_shape, depth)
    source = keras.Input(image_shape, name="source")
    skips, h = [source], source
    for level in range(depth):
        h = keras.layers.Conv2D(filters * 2 ** level, 4, strides=2, padding="same", name=f"down_{level + 1}")(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        skips.append(h)
    skips.pop()  # the bottleneck is not concatenated with itself
    for level in reversed(range(depth)):
        h = keras.layers.Conv2DTranspose(filters * 2 ** max(level - 1, 0), 4, strides=2, padding="same",
                                         name=f"up_{level + 1}")(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        h = keras.layers.Concatenate(name=f"skip_{level + 1}")([h, skips.pop()])  # U-Net skip connection
    image = keras.layers.Conv2D(image_shape[-1], 3, padding="same", activation=OUTPUT_ACTIVATION, name="image")(h)
    return keras.Model(source, image, name=name)


def patchgan_discriminator(image_shape=(28, 28, 1), filters: int = 16, *, conditional: bool = True,
                           name="patchgan") -> keras.Model:
    """PatchGAN: one score per patch, (B, H/4, W/4, 1); each sees a 10x10-pixel window.

    With `conditional` its inputs are [source, image] (pix2pix, Eq. 1), else [image] (CycleGAN).
    """
    _check_shape(image_shape, 2)
    image = keras.Input(image_shape, name="image")
    inputs = [keras.Input(image_shape, name="source"), image] if conditional else [image]
    h = keras.layers.Concatenate(name="source_and_image")(inputs) if conditional else image
    h = keras.layers.Conv2D(filters, 4, strides=2, padding="same", name="down_1")(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Conv2D(2 * filters, 4, strides=2, padding="same", name="down_2")(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    patches = keras.layers.Conv2D(1, 3, padding="same", name="patch_scores")(h)  # (B, H/4, W/4, 1)
    return keras.Model(inputs if conditional else image, patches, name=name)


def _apply(optimizer, tape, loss, variables):
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


class AdversarialTranslator(OwnOptimizers, keras.Model):
    """What Pix2Pix and CycleGAN share: two optimizers (D's and G's, saved with the model) and
    their loss trackers. Compile with ``compile(d_optimizer, g_optimizer)``."""

    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}

    def default_optimizer(self):
        """Adam(2e-4, beta_1=0.5), pix2pix's and CycleGAN's."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    @property
    def metrics(self):
        return self.trackers


@keras.saving.register_keras_serializable(package="toolkit")
class Pix2Pix(AdversarialTranslator):
    """Paired translation source -> target (Eqs. 1-2); train on x=(sources, targets) tuples.

    Args:
        generator: source -> image (``unet_generator``).
        discriminator: [source, image] -> patch logits (``patchgan_discriminator``).
        l1_weight: λ of Eq. 2 (pix2pix used 100).
    """

    def __init__(self, generator, discriminator, *, l1_weight: float = 100.0, **kwargs):
        super().__init__(**kwargs)
        self.l1_weight = validation.check_nonnegative("l1_weight", l1_weight)
        self.generator, self.discriminator = generator, discriminator
        self.trackers = [keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "l1")]

    def call(self, source, training=False):
        return self.generator(source, training=training)

    def train_step(self, data):
        source, target = data[0] if len(data) == 1 or isinstance(data[0], (tuple, list)) else data
        # Step 1: G's output for the step (fixed while D learns)
        fake = tf.stop_gradient(self.generator(source, training=True))
        # Step 2: D ascends L_cGAN (Eq. 1), real pairs vs generated pairs, patch by patch
        with tf.GradientTape() as tape:
            d_loss = discriminator_loss("non_saturating", self.discriminator([source, target], training=True),
                                        self.discriminator([source, fake], training=True))
        _apply(self.d_optimizer, tape, d_loss, self.discriminator.trainable_variables)
        # Step 3: G descends -log D(x, G(x)) + λ ‖y - G(x)‖₁ (Eq. 2)
        with tf.GradientTape() as tape:
            fake = self.generator(source, training=True)
            l1 = tf.reduce_mean(tf.abs(target - fake))
            g_loss = generator_loss("non_saturating", self.discriminator([source, fake], training=True)) \
                + self.l1_weight * l1
        _apply(self.g_optimizer, tape, g_loss, self.generator.trainable_variables)
        for tracker, value in zip(self.trackers, (d_loss, g_loss, l1)):
            tracker.update_state(value)
        return {t.name: t.result() for t in self.trackers}

    def get_config(self):
        return {**super().get_config(), "l1_weight": self.l1_weight,
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator)}

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(config, ("generator", "discriminator")))


@keras.saving.register_keras_serializable(package="toolkit")
class CycleGAN(AdversarialTranslator):
    """Unpaired translation A <-> B (Eqs. 3-6); train on x=(images_a, images_b) tuples.

    The tuple's two arrays are batched together, but nothing pairs them: they are different
    samples of the two domains.
    """

    optimizer_networks = {"d_optimizer": ("discriminator_a", "discriminator_b"),
                          "g_optimizer": ("generator_ab", "generator_ba")}

    def __init__(self, generator_ab, generator_ba, discriminator_a, discriminator_b, *,
                 cycle_weight: float = 10.0, identity_weight: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        cycle_weight = validation.check_nonnegative("cycle_weight", cycle_weight)
        identity_weight = validation.check_nonnegative("identity_weight", identity_weight)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.trackers = [keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "cycle")]

    def call(self, images_a, training=False):
        return self.generator_ab(images_a, training=training)

    def train_step(self, data):
        a, b = data[0] if isinstance(data[0], (tuple, list)) else data
        generators = self.generator_ab.trainable_variables + self.generator_ba.trainable_variables
        # Step 1: G and F translate, cycle back, and descend Eq. 6
        with tf.GradientTape() as tape:
            fake_b, fake_a = self.generator_ab(a, training=True), self.generator_ba(b, training=True)
            cycle = tf.reduce_mean(tf.abs(self.generator_ba(fake_b, training=True) - a)) \
                + tf.reduce_mean(tf.abs(self.generator_ab(fake_a, training=True) - b))  # Eq. 4
            g_loss = generator_loss("lsgan", self.discriminator_b(fake_b, training=True)) \
                + generator_loss("lsgan", self.discriminator_a(fake_a, training=True)) + self.cycle_weight * cycle
            if self.identity_weight:  # Eq. 5
                g_loss += self.identity_weight * (tf.reduce_mean(tf.abs(self.generator_ab(b, training=True) - b))
                                                  + tf.reduce_mean(tf.abs(self.generator_ba(a, training=True) - a)))
        _apply(self.g_optimizer, tape, g_loss, generators)
        # Step 2: each discriminator descends its least-squares loss (Eq. 3)
        discriminators = self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables
        with tf.GradientTape() as tape:
            d_loss = discriminator_loss("lsgan", self.discriminator_b(b, training=True),
                                        self.discriminator_b(tf.stop_gradient(fake_b), training=True)) \
                + discriminator_loss("lsgan", self.discriminator_a(a, training=True),
                                     self.discriminator_a(tf.stop_gradient(fake_a), training=True))
        _apply(self.d_optimizer, tape, d_loss, discriminators)
        for tracker, value in zip(self.trackers, (d_loss, g_loss, cycle)):
            tracker.update_state(value)
        return {t.name: t.result() for t in self.trackers}

    def get_config(self):
        nets = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
        return {**super().get_config(), "cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight,
                **{k: keras.saving.serialize_keras_object(getattr(self, k)) for k in nets}}

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(
            config, ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")))


# -- glyph pairs ----------------------------------------------------------------------------
THIN, BOLD = 1.4, 3.6  # pen widths in pixels of the two CycleGAN domains


def render_with_thickness(n: int, seed: int, thicknesses, size: int = 28, classes: int = 10):
    """The same n glyphs drawn once per pen width in `thicknesses`: [(n, size, size, 1)], labels (n,).

    Uses ``toolkit.data.synthetic_glyphs`` with every attribute and warp field shared, so
    only the stroke width differs between the returned sets.
    """
    from toolkit.data import synthetic_glyphs as sg

    n = validation.check_int("n", n, 1, 50_000)
    rng = np.random.default_rng(seed)
    attrs = sg.sample_attributes(n, classes, rng)
    elastic, pen = sg.sample_fields(n, size, rng)
    target = np.stack([attrs["dx"], attrs["dy"]], -1) * (size / 28.0)
    sets = []
    for thickness in thicknesses:
        drawn = dict(attrs, thickness=np.full(n, thickness, np.float32))
        first = sg.draw(drawn, elastic, pen, target, classes)
        images = sg.draw(drawn, elastic, pen, target - (sg.centre_of_mass(first) - target), classes)
        sets.append((images / np.maximum(images.max(axis=(1, 2), keepdims=True), 1e-6))[..., None].astype(np.float32))
    return sets, attrs["label"]


def outline(images, threshold: float = 0.5) -> np.ndarray:
    """The one-pixel contour around each glyph's strokes: dilate(mask) minus mask, (N, H, W, 1)."""
    images = np.asarray(images, np.float32)
    mask = images[..., 0] > threshold
    grown = ndimage.binary_dilation(mask, structure=np.ones((1, 3, 3), bool))
    return (grown & ~mask)[..., None].astype(np.float32)


def outline_pairs(n: int = 2000, seed: int = 0):
    """pix2pix data: (outlines, filled bold glyphs, labels) for n glyphs."""
    (filled,), labels = render_with_thickness(n, seed, [BOLD])
    return outline(filled), filled, labels


def thin_bold_sets(n: int = 2000, seed: int = 0, paired: bool = False):
    """CycleGAN data: (thin glyphs, bold glyphs, labels).

    Unpaired (default): the bold set is a DIFFERENT draw of n glyphs (seed + 1000), the
    way CycleGAN's domains come; `paired` draws the same glyphs twice, for evaluation.
    """
    (thin, bold_same), labels = render_with_thickness(n, seed, [THIN, BOLD])
    if paired:
        return thin, bold_same, labels
    (bold,), _ = render_with_thickness(n, seed + 1000, [BOLD])
    return thin, bold, labels


# -- the page's experiments -----------------------------------------------------------------
TRANSLATORS = ("pix2pix", "cyclegan")
TRANSLATOR_LABELS = {"pix2pix": "pix2pix: outline → filled (paired)",
                     "cyclegan": "CycleGAN: thin → bold (unpaired)"}
HELD_OUT = 8  # test glyphs shown in the page's columns
# measured on 2 busy cores: 1,000 pix2pix pairs render in 1.3 s, 1,000 CycleGAN glyphs of each domain in 2.0 s
RENDER_SECONDS = {"pix2pix": 1.3e-3, "cyclegan": 2.0e-3}  # per training glyph


@dataclasses.dataclass(frozen=True)
class TranslatorConfig(Config):
    """The image-to-image experiment of the page (field names are its URL parameters)."""

    kind: str = setting("pix2pix", choices=TRANSLATORS, widget="radio", label="Translator",
                        help="pix2pix: outline → filled glyph, from pairs. CycleGAN: thin → bold glyph, "
                             "from two unpaired sets.",
                        formula=r"\begin{array}{l} \text{pix2pix: } G^* = \arg\min_G \max_D \; \mathcal{L}_{cGAN}(G, D)"
                                r" + \lambda\, \mathbb{E}\lVert y - G(x) \rVert_1 \\ \text{CycleGAN: } \mathcal{L}_{cyc} ="
                                r" \mathbb{E}\lVert F(G(a)) - a \rVert_1 + \mathbb{E}\lVert G(F(b)) - b \rVert_1 \end{array}")
    epochs: int = setting(10, lo=1, hi=200, widget="number", label="Epochs")
    n: int = setting(1000, lo=50, hi=10_000, step=50, widget="number", label="Training glyphs (per domain)")
    batch: int = setting(32, lo=1, hi=1024, widget="number", label="Batch size")
    filters: int = setting(16, lo=4, hi=64, label="Filters F of G and D")
    lr: float = setting(1e-3, lo=1e-5, hi=0.1, step=1e-4, label="Learning rate (Adam, β1 = 0.5, both networks)")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")


def build_translator(config: TranslatorConfig | None = None):
    """A compiled Pix2Pix (outline -> filled) or CycleGAN (thin <-> bold) for 28x28 glyphs."""
    config = config or TranslatorConfig()
    keras.utils.set_random_seed(config.seed)
    filters = config.filters
    if config.kind == "pix2pix":
        model = Pix2Pix(unet_generator(filters=filters), patchgan_discriminator(filters=filters))
    else:
        model = CycleGAN(unet_generator(filters=filters, name="thin_to_bold"),
                         unet_generator(filters=filters, name="bold_to_thin"),
                         patchgan_discriminator(filters=filters, conditional=False, name="d_thin"),
                         patchgan_discriminator(filters=filters, conditional=False, name="d_bold"),
                         identity_weight=1.0)
    model.compile(*(keras.optimizers.Adam(config.lr, beta_1=0.5) for _ in model.optimizer_networks))
    model.build_optimizers()  # eagerly: the first trace of the step is then shorter
    return model


def held_out_pairs(config: TranslatorConfig):
    """(inputs, targets): HELD_OUT glyphs never trained on, with their true translations."""
    if config.kind == "pix2pix":
        inputs, targets, _ = outline_pairs(HELD_OUT, config.seed + 500)
    else:
        inputs, targets, _ = thin_bold_sets(HELD_OUT, config.seed + 500, paired=True)
    return inputs, targets


def translation_data(config: TranslatorConfig):
    """The training arrays (x for ``fit``): (outlines, filled) pairs, or (thin, bold) unpaired sets."""
    if config.kind == "pix2pix":
        source, target, _ = outline_pairs(config.n, config.seed)
        return source, target
    thin, bold, _ = thin_bold_sets(config.n, config.seed)
    return thin, bold


def setup_message(config: TranslatorConfig) -> str:
    """What happens before the first epoch, with a measured estimate of the rendering."""
    return (f"Rendering {config.n:,} training glyphs (about {max(1, round(config.n * RENDER_SECONDS[config.kind]))} s), "
            "then building the networks and compiling the training step…")


def translation_columns(model, inputs, targets) -> dict:
    """{"input", "output", "target"} images (and "cycled back" for CycleGAN) for the page's columns."""
    outputs = np.clip(keras.ops.convert_to_numpy(model(inputs)), 0, 1)
    columns = {"input": inputs, "output": outputs, "target": targets}
    if isinstance(model, CycleGAN):
        columns["cycled back F(G(a))"] = np.clip(keras.ops.convert_to_numpy(model.generator_ba(outputs)), 0, 1)
    return columns


def train_translator(config: TranslatorConfig | None = None, *, callbacks=(), stop=None, on_setup=None):
    """Trains pix2pix or CycleGAN on glyphs through ``toolkit.train.fit``; returns the ``Run``.

    `callbacks` and `stop` are the toolkit's progress protocol; `on_setup` (optional
    callable(text)) is told what happens before the first epoch.
    """
    from toolkit.train import fit

    config = config or TranslatorConfig()
    if on_setup is not None:
        on_setup(setup_message(config))
    x = translation_data(config)
    model = build_translator(config)
    return fit(model, x, epochs=config.epochs, batch_size=config.batch, seed=config.seed, callbacks=callbacks,
               stop=stop, config={"translator": dataclasses.asdict(config)}, name=TRANSLATOR_LABELS[config.kind])
