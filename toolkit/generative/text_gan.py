"""Text-to-image GAN on glyphs: GAN-CLS (Reed et al., 2016) in miniature.

The notes: "G receive text and noise and produce an image. D distinguishes between real
images with matching descriptions and generated." Every glyph gets a caption made from its
own attributes ("a bold 7", "a thin slanted 3", "a 5"); a sentence embedding φ(t) turns the
caption into a vector that G and D receive beside z and x. The matching-aware discriminator
sees three kinds of pairs per step, so it must learn whether the image FITS the text, not
only whether it looks real:

    φ(t) = (1 / |t|) Σ_{w ∈ t} E[w]                                                      (1)
    s_r = D(x, φ(t)),  s_w = D(x, φ(t̂)),  s_f = D(G(z, φ(t)), φ(t))   (logits)             (2)
    L_D = −log σ(s_r) − ½ [log(1 − σ(s_w)) + log(1 − σ(s_f))]        (GAN-CLS)            (3)
    L_D = −log σ(s_r) − log(1 − σ(s_f))                              (plain conditional) (4)
    L_G = −log σ(s_f)                                                 (non-saturating)    (5)

t̂ is a WRONG caption: the caption of another glyph that contradicts this one (another digit,
or the opposite thickness or slant word). Reed et al. draw any other caption; on glyphs with
four-word captions a random one is often still true ("a 5" of a bold 5), so it is redrawn
until it contradicts (``wrong_captions``). With one-sided label smoothing α the −log σ(s_r)
of Eqs. 3-4 becomes −(1 − α) log σ(s_r) − α log(1 − σ(s_r)).

φ is learned with the GAN, not pretrained and frozen: the vocabulary is 17 words whose only
meaning is what they say about a glyph, and G and D each learn their own table E (Eq. 1,
``SentenceEmbedding``), so each network can place "bold" where it is most useful to it.
Conditioning: G concatenates φ(t) to z (``dcgan_generator``'s label input); D tiles φ(t)
over the image as extra channels and adds the projection ⟨V φ(t), features⟩ to its score
(``dcgan`` Eq. 1).

Symbols -> variables: φ(t) ``SentenceEmbedding``; s_r, s_w, s_f ``real_scores``,
``wrong_scores``, ``fake_scores``; t̂ ``wrong``; α ``label_smoothing``.

Captions: "a [thin|bold] [upright|slanted] D". Thickness (attrs "thickness", 1.8-3.2 px) is
named "thin" below ``THIN_BELOW`` and "bold" above ``BOLD_ABOVE`` with probability
p_thickness; middle glyphs get no thickness word. Slant likewise ("upright" below
``UPRIGHT_BELOW``, "slanted" above ``SLANTED_ABOVE``) with p_slant. A typed caption
(``check_caption``) must name exactly one digit, at most one thickness and one slant word,
in at most ``TEXT_LENGTH`` words; the article ("a", "an") is optional.

Agreement (``agreement``): samples of captions naming a digit, a thickness and a slant are
read by the shipped glyph judge (``metrics.glyph_judge``: class, thickness, slant); a sample
agrees in class when the judge's class is the caption's digit (chance 10 %), in thickness
when the judged thickness is on the named side of ``THICKNESS_MIDDLE`` (chance 50 %), in
slant likewise around ``SLANT_MIDDLE``.
"""

from __future__ import annotations

import dataclasses
import itertools

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, numpy_noise, with_networks
from toolkit.train import Callback, Run, Throttle, fit

THICKNESS_WORDS = ("thin", "bold")
SLANT_WORDS = ("upright", "slanted")
DIGITS = tuple(str(d) for d in range(10))
VOCABULARY = ("a", "an", *THICKNESS_WORDS, *SLANT_WORDS, *DIGITS)  # id = index + 1; 0 pads
TEXT_LENGTH = 4  # words: "a bold slanted 7"
CAPTION_CHARACTERS = 40
THIN_BELOW, BOLD_ABOVE = 2.25, 2.75  # px: the outer thirds of the data's 1.8-3.2
UPRIGHT_BELOW, SLANTED_ABOVE = 0.05, 0.2  # shear: the data's -0.15-0.4
THICKNESS_MIDDLE, SLANT_MIDDLE = 2.5, 0.125  # agreement reads the judged value's side of these
GRID_ROWS = ("a thin", "a bold", "a thin slanted", "a bold upright")  # the live grid: each row before every digit
EVAL_PER_CAPTION = 10  # samples of each of the 40 "a {thickness} {slant} {digit}" captions
SCORE_SECONDS = 2.0
FORMULA_PHI = r"h = \varphi(t) = \frac{1}{|t|} \sum_{w \in t} E[w], \quad \hat h = \varphi(\hat t)"
FORMULA_CLS = r"L_D = -\log D(x, h) - \tfrac12\big[\log(1 - D(x, \hat h)) + \log(1 - D(G(z, h), h))\big]"
FORMULA_PLAIN = r"L_D = -\log D(x, h) - \log(1 - D(G(z, h), h))"
FORMULA_G = r"L_G = -\log D(G(z, h), h)"


# ---------------------------------------------------------------- captions
def caption_words(label: int, thickness: float, slant: float, name_thickness: bool, name_slant: bool) -> str:
    """The caption of one glyph: "a [thin|bold] [upright|slanted] D" (a word only when named and not middle;
    "an upright D")."""
    words = []
    if name_thickness and (thickness < THIN_BELOW or thickness > BOLD_ABOVE):
        words.append("thin" if thickness < THIN_BELOW else "bold")
    if name_slant and (slant < UPRIGHT_BELOW or slant > SLANTED_ABOVE):
        words.append("upright" if slant < UPRIGHT_BELOW else "slanted")
    article = "an" if words and words[0] == "upright" else "a"
    return " ".join([article, *words, str(int(label))])


def captions(labels, attrs: dict, p_thickness: float, p_slant: float, seed: int = 0) -> list[str]:
    """One caption per glyph, each attribute word kept with its probability (module docstring)."""
    p_thickness = validation.check_float("p_thickness", p_thickness, 0.0, 1.0)
    p_slant = validation.check_float("p_slant", p_slant, 0.0, 1.0)
    rng = np.random.default_rng(seed)
    named_t, named_s = rng.random(len(labels)) < p_thickness, rng.random(len(labels)) < p_slant
    return [caption_words(y, t, s, nt, ns) for y, t, s, nt, ns in
            zip(labels, attrs["thickness"], attrs["slant"], named_t, named_s)]


def asked(caption: str) -> dict[str, str]:
    """What `caption` names: {"digit" | "thickness" | "slant": word}."""
    named = {}
    for word in _words(caption):
        for key, words in (("digit", DIGITS), ("thickness", THICKNESS_WORDS), ("slant", SLANT_WORDS)):
            if word in words:
                named[key] = word
    return named


def _words(caption: str) -> list[str]:
    from toolkit.data.text import tokenize

    return tokenize(caption, True)


def unknown_words(caption: str) -> list[str]:
    """The words of `caption` outside ``VOCABULARY`` (the networks have no embedding for them)."""
    return sorted({word for word in _words(caption) if word not in VOCABULARY})


def check_caption(caption: str) -> str:
    """`caption` if G can draw it, else ValueError with one sentence saying what to change.

    A caption holds at most ``TEXT_LENGTH`` words of ``VOCABULARY``, exactly one digit (every
    training caption names one: G never saw a caption without), and at most one thickness
    and one slant word.
    """
    caption = validation.check_text("caption", caption, CAPTION_CHARACTERS)
    words, example = _words(caption), "Write a caption such as 'a bold slanted 7'."
    unknown = unknown_words(caption)
    if unknown:
        raise ValueError(f"The caption '{caption}' has words no training caption holds: "
                         f"{', '.join(repr(w) for w in unknown)}; use only {', '.join(VOCABULARY)}.")
    if len(words) > TEXT_LENGTH:
        raise ValueError(f"A caption holds at most {TEXT_LENGTH} words, received {len(words)}: '{caption}'. {example}")
    for what, group in (("digit", DIGITS), ("thickness word", THICKNESS_WORDS), ("slant word", SLANT_WORDS)):
        count = sum(word in group for word in words)
        if what == "digit" and count != 1:
            raise ValueError(f"A caption names exactly one digit, received {count} in '{caption}'. {example}")
        if count > 1:
            raise ValueError(f"A caption names at most one {what}, received {count} in '{caption}'. {example}")
    return caption


def tokens(texts) -> np.ndarray:
    """(N, TEXT_LENGTH) int32 word ids (index in ``VOCABULARY`` + 1), 0 after the last word."""
    ids = np.zeros((len(texts), TEXT_LENGTH), np.int32)
    for row, text in enumerate(texts):
        words = [VOCABULARY.index(w) + 1 for w in _words(check_caption(text))]
        ids[row, :len(words)] = words
    return ids


def contradicts(a: dict, b: dict) -> bool:
    """True when captions naming `a` and `b` (``asked``) cannot describe the same glyph."""
    return any(key in a and key in b and a[key] != b[key] for key in ("digit", "thickness", "slant"))


def wrong_captions(texts, seed: int = 0) -> list[str]:
    """For each caption t, a caption t̂ of another glyph that contradicts it (Eq. 2's wrong text)."""
    rng = np.random.default_rng(seed)
    named = [asked(t) for t in texts]
    choice = rng.permutation(len(texts))
    for _ in range(100):  # redraw the pairs that do not contradict (about 1 in 10 each round)
        bad = np.array([not contradicts(named[i], named[j]) for i, j in enumerate(choice)])
        if not bad.any():
            break
        choice[bad] = rng.integers(0, len(texts), int(bad.sum()))
    else:
        raise ValueError("Could not find a contradicting caption for every glyph: the captions are too alike.")
    return [texts[j] for j in choice]


# ---------------------------------------------------------------- φ(t) and the networks
@keras.saving.register_keras_serializable(package="toolkit")
class SentenceEmbedding(keras.layers.Layer):
    """φ(t), Eq. 1: the mean of the learned embeddings E[w] of a caption's words (id 0 pads).

    Mirrors ``keras.layers.Embedding(mask_zero=True)`` followed by
    ``keras.layers.GlobalAveragePooling1D`` (which averages over the unmasked steps).

    Args:
        vocabulary_size: V, word ids are 1..V (0 is padding).
        dim: length of φ(t).
    """

    def __init__(self, vocabulary_size: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = validation.check_positive_int("vocabulary_size", vocabulary_size)
        self.dim = validation.check_positive_int("dim", dim)

    def build(self, input_shape):
        self.embeddings = self.add_weight(name="embeddings", shape=(self.vocabulary_size + 1, self.dim),
                                          initializer="uniform")

    def call(self, ids):
        ids = keras.ops.cast(ids, "int32")
        vectors = keras.ops.take(self.embeddings, ids, axis=0)  # (B, T, dim)
        mask = keras.ops.cast(keras.ops.not_equal(ids, 0), vectors.dtype)[..., None]  # (B, T, 1)
        # Eq. 1: φ(t) = Σ_w E[w] / |t|
        return keras.ops.sum(vectors * mask, axis=1) / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)  # (B, dim)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "dim": self.dim}


def text_generator(latent_dim: int = 32, text_dim: int = 16, filters: int = 48,
                   name: str = "text_generator") -> keras.Model:
    """G(z, φ(t)): [z (B, d), word ids (B, T)] -> (B, 28, 28, 1); φ(t) concatenated to z."""
    z = keras.Input((latent_dim,), name="z")
    words = keras.Input((TEXT_LENGTH,), dtype="int32", name="caption")
    phi = SentenceEmbedding(len(VOCABULARY), text_dim, name="phi_g")(words)  # (B, text_dim)
    body = dcgan_generator(latent_dim, filters=filters, num_classes=text_dim, name="dcgan_generator")
    return keras.Model([z, words], body([z, phi]), name=name)


def text_discriminator(text_dim: int = 16, filters: int = 32, *, projection: bool = True,
                       name: str = "text_discriminator") -> keras.Model:
    """D(x, φ(t)): [x (B, 28, 28, 1), word ids (B, T)] -> logit (B, 1); φ(t) tiled over x [+ projection]."""
    x = keras.Input((28, 28, 1), name="x")
    words = keras.Input((TEXT_LENGTH,), dtype="int32", name="caption")
    phi = SentenceEmbedding(len(VOCABULARY), text_dim, name="phi_d")(words)  # (B, text_dim)
    body = dcgan_discriminator(filters=filters, num_classes=text_dim, projection=projection,
                               name="dcgan_discriminator")
    return keras.Model([x, words], body([x, phi]), name=name)


def gan_cls_loss(real_scores, wrong_scores, fake_scores, matching_aware: bool = True,
                 label_smoothing: float = 0.0):
    """L_D of Eq. 3 (matching-aware) or Eq. 4 (plain conditional) from D's logits, batch means."""
    alpha = label_smoothing
    # −log σ(s) = softplus(−s);  −log(1 − σ(s)) = softplus(s)
    real = keras.ops.mean((1 - alpha) * keras.ops.softplus(-real_scores) + alpha * keras.ops.softplus(real_scores))
    fake = keras.ops.mean(keras.ops.softplus(fake_scores))
    if not matching_aware:
        return real + fake  # Eq. 4
    return real + 0.5 * (keras.ops.mean(keras.ops.softplus(wrong_scores)) + fake)  # Eq. 3


@keras.saving.register_keras_serializable(package="toolkit")
class TextGAN(GAN):
    """GAN-CLS: G(z, φ(t)) and a matching-aware D(x, φ(t)) (module docstring, Eqs. 2-5).

    Trains on (images, caption ids, wrong caption ids) (``tokens`` of ``captions`` and
    ``wrong_captions``). Its loss is the non-saturating one; other arguments as ``GAN``.

    Args:
        matching_aware: True adds the (real image, wrong text) -> fake term (Eq. 3);
            False is the plain conditional GAN (Eq. 4), which ignores the wrong text.
    """

    def __init__(self, generator, discriminator, *, matching_aware: bool = True, **kwargs):
        if len(generator.inputs) != 2 or len(discriminator.inputs) != 2:
            raise ValueError("A TextGAN needs a generator with inputs [z, caption] and a discriminator with inputs "
                             f"[x, caption], received {len(generator.inputs)} and {len(discriminator.inputs)} inputs; "
                             "build them with text_generator and text_discriminator.")
        kwargs.setdefault("loss", "non_saturating")
        if kwargs["loss"] != "non_saturating":
            raise ValueError("`loss` of a TextGAN must be 'non_saturating' (Eqs. 3-5), "
                             f"received loss={kwargs['loss']!r}.")
        self.matching_aware = validation.check_bool("matching_aware", matching_aware)
        super().__init__(generator, discriminator, **kwargs)

    def _generator_inputs(self, z, labels):
        return [z, labels]

    def _discriminator_inputs(self, samples, labels):
        return [samples, labels]

    def _label_batch(self, labels):
        return keras.ops.cast(keras.ops.convert_to_tensor(labels), "int32")

    def _unpack_text(self, data):
        """(images, caption ids, wrong caption ids) from one batch, however ``fit`` nested it."""
        while isinstance(data, (tuple, list)) and len(data) == 1 or (
                isinstance(data, (tuple, list)) and len(data) == 2 and data[1] is None):
            data = data[0]
        if not (isinstance(data, (tuple, list)) and len(data) == 3):
            raise ValueError("A TextGAN trains on (images, caption ids, wrong caption ids): pass x as that tuple.")
        images, words, wrong = data
        return keras.ops.convert_to_tensor(images), self._label_batch(words), self._label_batch(wrong)

    def call(self, inputs, training=False):
        z, words = inputs
        return self.generate(z, self._label_batch(words), training=training)

    def train_step(self, data):
        real, words, wrong = self._unpack_text(data)
        batch_size = tf.shape(real)[0]
        for _ in range(self.d_steps):
            self.text_discriminator_step(real, words, wrong, batch_size)
        self.generator_step(real, words, batch_size)  # Eq. 5 (GAN.generator_step, the non-saturating loss)
        return {m.name: m.result() for m in self.metrics}

    def text_discriminator_step(self, real, words, wrong, batch_size):
        """The three pairs of Eq. 2 and one descent step on Eq. 3 (or 4)."""
        # 1. fakes for the right captions (G is not updated here)
        fake = tf.stop_gradient(self.generate(self.sample_z(batch_size), words, training=True))
        with tf.GradientTape() as tape:
            # 2. Eq. 2: (real, right) -> real; (real, wrong) -> fake; (fake, right) -> fake
            real_scores = self.score(real, words, training=True)
            wrong_scores = self.score(real, wrong, training=True)
            fake_scores = self.score(fake, words, training=True)
            # 3. Eq. 3 (matching-aware) or Eq. 4
            d_loss = gan_cls_loss(real_scores, wrong_scores, fake_scores, self.matching_aware, self.label_smoothing)
        weights = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(self._readable(real_scores))
        self.d_fake_tracker.update_state(self._readable(fake_scores))
        return d_loss

    def draw(self, texts, z) -> np.ndarray:
        """G(z, φ(t)) for NumPy noise `z` (N, d) and N captions (Ḡ when the weight average is on)."""
        return self.generate_numpy(z, tokens(texts))

    def get_config(self):
        return {**super().get_config(), "matching_aware": self.matching_aware}

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(config, ("generator", "discriminator")))


# ---------------------------------------------------------------- config, data, training
@dataclasses.dataclass(frozen=True)
class TextGanConfig(Config):
    """Every setting of the text-to-image GAN (the page's URL parameters are the field names).

    Measured at the defaults (``benchmarks/text_gan.py``, 2 cores, 57-128 s of training depending on
    the machine's load), on 10 samples of each of the 40 captions "a {thin|bold} {upright|slanted}
    {digit}": the judge reads the caption's digit in 0.87 / 0.88 of the samples (seeds 0 / 1; chance
    0.10), the named side of the thickness in 0.76 / 0.82 and of the slant in 0.91 / 0.87 (chance
    0.50); "bold" samples are 2.79 / 2.69 px thick, "thin" ones 2.48 / 2.38 px. Without the
    matching-aware term (a plain conditional GAN) the class share is 0.61 / 0.73 and class and
    thickness together 0.41 / 0.53 (GAN-CLS: 0.67 / 0.74).
    """

    matching_aware: bool = setting(True, label="Matching-aware D",
                                   help="Off: the plain conditional GAN of Eq. 4; D never sees a real glyph "
                                        "with a wrong caption.")
    epochs: int = setting(10, lo=1, hi=200, widget="number", label="Epochs")
    n: int = setting(2000, lo=100, hi=20_000, step=100, widget="number", label="Training glyphs")
    batch: int = setting(32, lo=8, hi=512, widget="number", label="Batch size")
    p_thickness: float = setting(0.8, lo=0.0, hi=1.0, step=0.1, label="Captions naming the thickness p_thickness",
                                 formula=r"P(\text{thin/bold} \in t) = p_{thickness}")
    p_slant: float = setting(0.5, lo=0.0, hi=1.0, step=0.1, label="Captions naming the slant p_slant",
                             formula=r"P(\text{upright/slanted} \in t) = p_{slant}")
    text_dim: int = setting(16, lo=2, hi=64, label="Length of φ(t)")
    latent_dim: int = setting(32, lo=2, hi=128, label="Length of z")
    g_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="G learning rate η_G")
    d_lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="D learning rate η_D")
    label_smoothing: float = setting(0.1, lo=0.0, hi=0.45, label="One-sided label smoothing α")
    ema_decay: float = setting(0.999, lo=0.0, hi=0.9999, label="Weight average of G, decay d (0 = off)")
    filters: int = setting(48, lo=4, hi=128, label="G filters F")
    d_filters: int = setting(32, lo=4, hi=128, label="D filters F")
    score: bool = setting(True, label="Judge the samples",
                          help="Class, thickness and slant of 200 samples read by the shipped glyph judge "
                               "(about 0.3 s, at most every 2 s).")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training glyphs; "
                             "choose a batch of at most the dataset's size.")


@dataclasses.dataclass
class CaptionedGlyphs:
    """The training set: images (N, 28, 28, 1), labels (N,), captions, wrong captions, and the dataset."""

    images: np.ndarray
    labels: np.ndarray
    texts: list
    wrong: list
    dataset: object

    def inputs(self) -> tuple:
        """What ``fit`` trains on: (images, caption ids, wrong caption ids)."""
        return self.images, tokens(self.texts), tokens(self.wrong)


def training_data(config: TextGanConfig) -> CaptionedGlyphs:
    """The n glyphs of ``toolkit.data.glyphs(n, seed=0)`` (both splits) with their captions."""
    from toolkit.data import glyphs

    data = glyphs(n=config.n, seed=0)
    images = np.concatenate([data.x_train, data.x_test])
    labels = np.concatenate([data.y_train, data.y_test]).astype(np.int32)
    attrs = {k: np.concatenate([data.attrs_train[k], data.attrs_test[k]]) for k in ("thickness", "slant")}
    texts = captions(labels, attrs, config.p_thickness, config.p_slant, seed=config.seed)
    return CaptionedGlyphs(images, labels, texts, wrong_captions(texts, seed=config.seed + 1), data)


def build_text_gan(config: TextGanConfig) -> TextGAN:
    """The compiled TextGAN of `config` (weights seeded by ``config.seed``)."""
    keras.utils.set_random_seed(config.seed)
    gan = TextGAN(text_generator(config.latent_dim, config.text_dim, config.filters),
                  text_discriminator(config.text_dim, config.d_filters), matching_aware=config.matching_aware,
                  seed=config.seed, label_smoothing=config.label_smoothing, ema_decay=config.ema_decay)
    gan.compile(keras.optimizers.Adam(config.d_lr, beta_1=0.5), keras.optimizers.Adam(config.g_lr, beta_1=0.5))
    gan.build_optimizers()
    return gan


def grid_captions() -> list[str]:
    """The live grid's captions, row-major: every row of ``GRID_ROWS`` before every digit."""
    return [f"{row} {digit}" for row in GRID_ROWS for digit in DIGITS]


def sample_grid(gan: TextGAN, seed: int = 0) -> np.ndarray:
    """(40, 28, 28, 1) the grid captions drawn with the SAME z down each column (and every epoch)."""
    z = numpy_noise(gan.noise, len(DIGITS), gan.latent_dim, seed)  # one z per digit column
    return np.nan_to_num(np.clip(gan.draw(grid_captions(), np.tile(z, (len(GRID_ROWS), 1))), 0, 1))


def evaluation_captions() -> list[str]:
    """The 40 captions "a {thickness} {slant} {digit}" that agreement is measured on."""
    return [f"a {t} {s} {d}" for t, s, d in itertools.product(THICKNESS_WORDS, SLANT_WORDS, DIGITS)]


def read_samples(judge, images) -> dict[str, np.ndarray]:
    """What the glyph judge reads in `images`: class (N,), thickness (N,) px, slant (N,)."""
    out = judge.outputs(images)
    return {"class": out["class"].argmax(1), "thickness": out["attributes"][:, 0], "slant": out["attributes"][:, 1]}


def agreement_of(texts, read: dict) -> dict[str, float]:
    """Shares of samples whose judged class / thickness / slant agree with their caption (NaN if none named)."""
    named = [asked(t) for t in texts]
    checks = {
        "class": [(n["digit"] == str(c)) if "digit" in n else None for n, c in zip(named, read["class"])],
        "thickness": [((th > THICKNESS_MIDDLE) == (n["thickness"] == "bold")) if "thickness" in n else None
                      for n, th in zip(named, read["thickness"])],
        "slant": [((s > SLANT_MIDDLE) == (n["slant"] == "slanted")) if "slant" in n else None
                  for n, s in zip(named, read["slant"])],
    }
    both = [a and b for a, b in zip(checks["class"], checks["thickness"]) if a is not None and b is not None]
    shares = {key: _share(values) for key, values in checks.items()}
    shares["class and thickness"] = float(np.mean(both)) if both else float("nan")
    return shares


def _share(checks) -> float:
    """Share of True among the checks that apply (not None); NaN when none applies."""
    applied = [check for check in checks if check is not None]
    return float(np.mean(applied)) if applied else float("nan")


def agreement(gan: TextGAN, judge, per_caption: int = EVAL_PER_CAPTION, seed: int = 1) -> dict[str, float]:
    """Agreement shares of `per_caption` samples of every ``evaluation_captions`` caption, plus the mean
    judged thickness of the "thin" and of the "bold" samples (px)."""
    texts = [t for t in evaluation_captions() for _ in range(per_caption)]
    read = read_samples(judge, gan.draw(texts, numpy_noise(gan.noise, len(texts), gan.latent_dim, seed)))
    bold = np.array(["bold" in t for t in texts])
    return {**agreement_of(texts, read), "bold thickness": float(read["thickness"][bold].mean()),
            "thin thickness": float(read["thickness"][~bold].mean())}


AGREEMENT_KEYS = ("class", "thickness", "slant", "class and thickness")


class TextGanMonitor(Callback):
    """Draws the fixed caption grid and measures agreement while a TextGAN trains (wrap in ``Throttle``).

    Attributes:
        evaluations: run name -> {"epoch", *AGREEMENT_KEYS, "bold thickness", "thin thickness"} lists.
        grids: run name -> (40, 28, 28, 1) the grid of ``sample_grid``.
    """

    def __init__(self, judge=None, *, seed: int = 0):
        self.judge, self.seed = judge, seed
        self.evaluations, self.grids = {}, {}

    def on_start(self, run) -> None:
        self._evaluate(run)

    def on_progress(self, run) -> None:
        if self.evaluations.get(run.name, {}).get("epoch", [None])[-1] != run.epochs_done:
            self._evaluate(run)

    on_end = on_progress

    def _evaluate(self, run) -> None:
        self.grids[run.name] = sample_grid(run.model, self.seed)
        if self.judge is None:
            return
        shares = agreement(run.model, self.judge, per_caption=5)  # 200 samples: about 0.2 s
        record = self.evaluations.setdefault(run.name, {"epoch": []})
        record["epoch"].append(run.epochs_done)
        for key, value in shares.items():
            record.setdefault(key, []).append(value)

    def scores(self) -> dict:
        """A copy of ``evaluations`` (what a live frame keeps)."""
        return {name: {k: list(v) for k, v in record.items()} for name, record in self.evaluations.items()}


def live_samples(run) -> dict:
    """What the live panel draws between scorings: the fixed caption grid, the epoch."""
    return {"grid": sample_grid(run.model), "epoch": run.epochs_done}


@dataclasses.dataclass
class TextGanResult:
    """One trained text GAN: the run, its config, the monitor's record, and the final agreement."""

    run: Run
    config: TextGanConfig
    evaluations: dict
    grid: np.ndarray
    agreement: dict | None  # ``agreement`` after training (None without scoring)

    @property
    def model(self) -> TextGAN:
        return self.run.model


def setup_message(config: TextGanConfig) -> str:
    return (f"Loading {config.n:,} glyphs, writing their captions, building G and D and compiling the GAN-CLS "
            "training step (10-20 s on 2 cores, depending on their load)…")


def run_text_gan(config: TextGanConfig, *, judge=None, monitor: TextGanMonitor | None = None, callbacks=(),
                 stop=None, on_setup=None) -> TextGanResult:
    """Trains the TextGAN of `config` for ``config.epochs``, its caption agreement measured while it trains.

    Args:
        judge: the glyph judge that reads samples (default ``metrics.glyph_judge()`` when
            ``config.score``); or give `monitor` to read its record while the run trains.
        callbacks, stop: the toolkit's progress protocol (``toolkit.train.fit``); the monitor
            comes first, wrapped in ``Throttle(SCORE_SECONDS)``.
        on_setup: optional callable(text) told what happens before the first epoch.
    """
    if on_setup is not None:
        on_setup(setup_message(config))
    if monitor is None:
        from toolkit.generative.metrics import glyph_judge

        monitor = TextGanMonitor((judge or glyph_judge()) if config.score else None, seed=config.seed)
    data = training_data(config)
    gan = build_text_gan(config)
    run = fit(gan, data.inputs(), epochs=config.epochs, batch_size=config.batch, seed=config.seed,
              callbacks=[Throttle(monitor, SCORE_SECONDS), *callbacks], stop=stop,
              config={"dataset": data.dataset.spec, "text_gan": dataclasses.asdict(config)},
              name="GAN-CLS" if config.matching_aware else "conditional (no wrong text)")
    final = agreement(gan, monitor.judge) if monitor.judge is not None and run.status != "diverged" else None
    return TextGanResult(run, config, monitor.evaluations.get(run.name, {}), sample_grid(gan, config.seed), final)


def agreement_row(result: TextGanResult) -> dict:
    """One row of the page's agreement table: the run's D, epochs and ``agreement`` (shares, px)."""
    shares = result.agreement or {}
    row = {"D": result.run.name, "epochs": result.run.epochs_done}
    row.update({f"{key} agrees ↑": round(shares.get(key, float("nan")), 3) for key in AGREEMENT_KEYS})
    row.update({"bold px": round(shares.get("bold thickness", float("nan")), 2),
                "thin px": round(shares.get("thin thickness", float("nan")), 2)})
    return row


CHANCE_ROW = {"D": "chance (random samples)", "class agrees ↑": 0.1, "thickness agrees ↑": 0.5,
              "slant agrees ↑": 0.5, "class and thickness agrees ↑": 0.05}


@dataclasses.dataclass(frozen=True)
class CaptionConfig(Config):
    """The caption box: a typed caption, how many samples, and their noise seed."""

    caption: str = setting("a bold slanted 7", max_length=CAPTION_CHARACTERS, label="Caption t",
                           help="Words: a or an, thin or bold, upright or slanted, and exactly one digit 0-9.")
    count: int = setting(20, lo=1, hi=100, widget="number", label="Samples")
    sample_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Noise seed")

    def check(self) -> None:
        check_caption(self.caption)


def caption_samples(gan: TextGAN, config: CaptionConfig, judge) -> dict:
    """`config.count` samples of the caption and what the judge reads in them: its agreement
    shares (class, thickness, slant named), the classes it sees, mean thickness and slant."""
    texts = [config.caption] * config.count
    images = np.clip(gan.draw(texts, numpy_noise(gan.noise, config.count, gan.latent_dim, config.sample_seed)), 0, 1)
    read = read_samples(judge, images)
    shares = agreement_of(texts, read)
    named = asked(config.caption)
    return {"images": images, "caption": config.caption, "read": read,
            "agrees": {k: v for k, v in shares.items() if k in ("class", "thickness", "slant") and
                       {"class": "digit"}.get(k, k) in named},
            "thickness": float(read["thickness"].mean()), "slant": float(read["slant"].mean())}
