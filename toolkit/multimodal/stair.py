"""STAIR: CLIP whose shared space has one dimension per vocabulary word (Chen et al. 2023), the notes' route to
interpretability: "a sparse, semantic representation of images and text ... each dimension of the vector
corresponds to a vocabulary word ... a non-negative scalar value, indicating the token's importance".

The encoders are CLIP's (``toolkit.multimodal.clip``: a CNN for the image, a transformer for the text), but
instead of projecting a pooled vector into an abstract space, a token projection head (Eq. 4 of
``toolkit.multimodal.fine_grained``) scores every word of the vocabulary from every patch of the CNN's last map
and from every caption token, and each word keeps its best score:

    (1) w_k(x) = max_p log(1 + ReLU(f_p(x) W_k + b_k)),   w_k(t) = max_t log(1 + ReLU(h_t W'_k + b'_k))
    (2) S_ij = e^s · w(x_i) · w(t_j) / (‖w(x_i)‖ ‖w(t_j)‖)    the cosine over words (zeros stay zeros)
    (3) L = ½ [CE(S, I) + CE(Sᵀ, I)] + λ [FLOPs(w(x)) + FLOPs(w(t))],  FLOPs(w) = Σ_k (mean_b w_bk)²

The contrastive loss alone would let dimension k mean anything. STAIR grounds the dimensions in their words:
its first stage masks the text's embedding to the words the caption holds,

    (4) w(t) ← w(t) ⊙ 1[word k occurs in t]               (``grounded=True``)

so an image can only match its caption through the caption's own words, and its embedding learns to put weight
on them: the heaviest shape word of a crop's w(x) names its shape, with no prompt (``read_words``). The FLOPs
regularizer (Paria et al. 2020) pushes the words an embedding does not need to exactly 0
(``fine_grained.sparsity``). The tokenizer's padding and unknown ids are never words of either side.

Choices of this small version, measured on the STAIR page's crops: the heads' biases start at 1 (``HEAD_BIAS``)
so that every word starts alive (at Keras's 0, half the words were dead ReLUs from the first step and the shape
words never came back: 0.25 read off w(x) after 25 epochs); the similarity is the cosine of Eq. 2, since the raw
dot product of dense starting weights gave logits in the hundreds and every weight died in two epochs. The
paper's later stages (a text encoder trained against the frozen grounded image side) are left out.

Symbols -> names: the image head "image_head" on the CNN's "pool4" map (``filip.PATCH_LAYER``), the text head
"text_head" on the text encoder's states; λ = ``flops_weight``; s = ``logit_scale`` (CLIP's). ``image_weights``
/ ``text_weights`` are w; CLIP's ``encode_images`` / ``encode_texts`` are w / ‖w‖.

``StairConfig`` / ``run_stair`` / ``StairResult`` are the STAIR page's lab: the CoCa page's captioned crops,
live reading of held-out crops (``StairMonitor``), sparsity and reading tables.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np
from keras import ops

from toolkit.config import Config, setting
from toolkit.multimodal.clip import CLIP, _pair, _unit, clip_loss
from toolkit.multimodal.fine_grained import LATEX as FINE_GRAINED, TokenProjectionHead, flops_regularizer, sparsity, \
    top_words
from toolkit.rnn.lab import Preset
from toolkit.validation import check_float

HEAD_BIAS = 1.0  # every word starts alive (w_k > 0): the FLOPs regularizer, not dead ReLUs, makes w sparse
SPECIAL_IDS = 2  # the tokenizer's padding (0) and unknown (1): never a word of the embedding
WATCHED = 8  # held-out crops the live panel reads
CAPTION_LENGTH = 6  # words per caption ("a large red star" has 4)
PROMPT = "a {}"
QUERY_LENGTH = 120  # characters of a typed caption
LATEX_FLOPS = FINE_GRAINED["flops"]
LATEX = {
    "head": r"w_k(x) = \max_p \log\big(1 + \mathrm{ReLU}(f_p(x)^\top W_k + b_k)\big),\quad "
            r"w_k(t) = \max_t \log\big(1 + \mathrm{ReLU}(h_t^\top W'_k + b'_k)\big)",
    "grounding": r"w(t) \leftarrow w(t) \odot \mathbb{1}[\text{word } k \in t]",
    "loss": r"\mathcal{L} = \tfrac12\big[\mathrm{CE}(S, I) + \mathrm{CE}(S^\top, I)\big] + "
            r"\lambda\big[\mathrm{FLOPs}(w(x)) + \mathrm{FLOPs}(w(t))\big]",
}


@keras.saving.register_keras_serializable(package="toolkit")
class STAIR(CLIP):
    """CLIP's arguments (``image_kind`` "cnn"), with λ = `flops_weight` and `grounded` (Eq. 4).

    ``model({"images", "tokens"})`` is S of Eq. 2 (B, B) (CLIP's ``call``); ``image_weights`` / ``text_weights``
    are w (B, V), V = ``len(model.vocabulary)``. Metrics: ``loss`` (Eq. 3), ``accuracy`` (in-batch matching), ``flops``
    (the regularizer of both sides, before λ) and ``zeros`` (the share of the images' weights that are 0).
    """

    def __init__(self, *args, flops_weight: float = 0.01, grounded: bool = True, **kwargs):
        from toolkit.multimodal.filip import patch_encoder

        super().__init__(*args, **kwargs)
        if self.image_kind != "cnn":
            raise ValueError(f"STAIR here reads the CNN encoder's last map as patches: `image_kind` must be 'cnn', "
                             f"received {self.image_kind!r}.")
        self.flops_weight = check_float("flops_weight", flops_weight, 0.0, 1e3)
        self.grounded = bool(grounded)
        self.patch_encoder, self.patch_count, channels = patch_encoder(self.image_encoder)
        words = len(self.tokenizer)
        self.image_head = TokenProjectionHead(words, bias=HEAD_BIAS, name="image_head")
        self.image_head.build((None, self.patch_count, channels))
        self.text_head = TokenProjectionHead(words, bias=HEAD_BIAS, name="text_head")
        self.text_head.build((None, self.text_length, self.text_dim))
        self.image_projection.trainable = self.text_projection.trainable = False  # CLIP's: STAIR never uses them
        self.flops_tracker = keras.metrics.Mean(name="flops")
        self.zeros_tracker = keras.metrics.Mean(name="zeros")

    @property
    def metrics(self):
        return [*super().metrics, self.flops_tracker, self.zeros_tracker]

    def image_weights(self, images, training=False):
        """w(x) of Eq. 1: (B, H, W, C) -> (B, V), each word's best score over the patches."""
        grid = self.patch_encoder(images, training=training)
        return self.image_head(ops.reshape(grid, (-1, self.patch_count, grid.shape[-1]))) * self.words_only()

    def text_weights(self, tokens, training=False):
        """w(t) of Eq. 1 (grounded: Eq. 4): (B, T) ids -> (B, V)."""
        mask = ops.not_equal(tokens, 0)
        weights = self.text_head(self.text_encoder.states(self.text_encoder.embed(tokens), mask, training=training),
                                 mask)
        return weights * (self.own_words(tokens) if self.grounded else self.words_only())

    def encode_images(self, images, training=False):
        """w(x) / ‖w(x)‖ (B, V): Eq. 2's image side (zeros stay zeros)."""
        return _unit(self.image_weights(images, training))

    def encode_texts(self, tokens, training=False):
        """w(t) / ‖w(t)‖ (B, V): Eq. 2's text side."""
        return _unit(self.text_weights(tokens, training))

    def encode_embedded(self, embedded, mask, training=False):
        raise NotImplementedError("STAIR's text embedding needs the caption's words (Eq. 4), not learned prompt "
                                  "vectors: prompt learning (CoOp, CoCoOp) runs on CLIP.")

    def words_only(self):
        """(V,): 1 on the words, 0 on padding and the unknown id."""
        keep = np.ones(len(self.tokenizer), np.float32)
        keep[:SPECIAL_IDS] = 0.0
        return ops.convert_to_tensor(keep)

    def own_words(self, tokens):
        """1[word k occurs in t] of Eq. 4: (B, T) ids -> (B, V) floats; padding and unknown words never count."""
        return ops.max(ops.one_hot(tokens, len(self.tokenizer)), axis=1) * self.words_only()

    def losses_of(self, images, tokens, training=False):
        """(S, L of Eq. 3, FLOPs of both sides, w(x))."""
        image_weights, text_weights = self.image_weights(images, training), self.text_weights(tokens, training)
        similarity = self.scale() * ops.matmul(_unit(image_weights), ops.transpose(_unit(text_weights)))
        flops = flops_regularizer(image_weights) + flops_regularizer(text_weights)
        return similarity, clip_loss(similarity) + self.flops_weight * flops, flops, image_weights

    def train_step(self, data):
        import tensorflow as tf

        images, tokens = _pair(data)
        with tf.GradientTape() as tape:
            similarity, loss, flops, image_weights = self.losses_of(images, tokens, training=True)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track_all(similarity, loss, flops, image_weights)

    def test_step(self, data):
        return self._track_all(*self.losses_of(*_pair(data)))

    def _track_all(self, similarity, loss, flops, image_weights):
        self.flops_tracker.update_state(flops)
        self.zeros_tracker.update_state(ops.mean(ops.cast(ops.less_equal(image_weights, 0.0), "float32")))
        return {**self._track(loss, similarity), "flops": self.flops_tracker.result(),
                "zeros": self.zeros_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "flops_weight": self.flops_weight, "grounded": self.grounded}


# ---------------------------------------------------------------- reading a trained STAIR (NumPy out)
def word_weights(model: STAIR, images, batch_size: int = 256) -> np.ndarray:
    """w(x) of N images: (N, V) float32."""
    return np.concatenate([ops.convert_to_numpy(model.image_weights(images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)])


def read_words(weights, vocabulary, names) -> np.ndarray:
    """For each embedding (N, V), the index into `names` of its heaviest word among `names` (N,): a scene's shape
    read off its image embedding (names = the shapes), with no prompt."""
    columns = [list(vocabulary).index(name) for name in names]
    return np.argmax(np.asarray(weights)[:, columns], axis=1)


def describe(weights, vocabulary, k: int = 5) -> list[str]:
    """Each embedding's k heaviest words as text, "circle 2.1 · red 1.7 · small 0.4" ("(no word)" when all are 0)."""
    rows = []
    for row in np.asarray(weights):
        words = top_words(row, vocabulary, k)
        rows.append(" · ".join(f"{word} {weight:.1f}" for word, weight in words) or "(no word)")
    return rows


def text_weights(model: STAIR, texts, batch_size: int = 256) -> np.ndarray:
    """w(t) of N texts: (N, V) float32."""
    tokens = model.tokenize(list(texts))
    return np.concatenate([ops.convert_to_numpy(model.text_weights(tokens[i:i + batch_size]))
                           for i in range(0, len(tokens), batch_size)])


def active_words(weights) -> float:
    """The mean number of words with a weight above 0 per embedding."""
    return float(np.mean(np.sum(np.asarray(weights) > 0, axis=1)))


def reading_accuracy(model: STAIR, data) -> dict[str, float]:
    """How often the heaviest shape (colour, size) word of a crop's w(x) is its shape (colour, size): the
    embedding read as words, no prompt. `data`: crops with ``classes``, ``colours`` and ``sizes``."""
    return reading_of(word_weights(model, data.images), model.vocabulary, data)


def reading_of(weights, vocabulary, data) -> dict[str, float]:
    """``reading_accuracy`` from the crops' w(x) (N, V), already computed."""
    from toolkit.data import shapes

    truths = (("shape", shapes.SHAPES, data.classes), ("colour", shapes.COLOUR_NAMES, data.colours),
              ("size", shapes.SIZES, data.sizes))
    return {what: float(np.mean(read_words(weights, vocabulary, names) == np.asarray(truth)))
            for what, names, truth in truths}


# ---------------------------------------------------------------- the STAIR page's lab
def content_words() -> list[str]:
    """The words a crop's caption can hold besides "a": what the live figure shows."""
    from toolkit.data import shapes

    return [*shapes.SHAPES, *shapes.COLOUR_NAMES, *shapes.SIZES]


@dataclasses.dataclass(frozen=True)
class StairConfig(Config):
    """Every setting of the STAIR run (the page's URL parameters are the field names).

    The data are the CoCa page's: 32 × 32 crops of one shape captioned "a [size] [colour] shape", each bracket
    kept with probability ½ (``coca_lab.captions``). Measured on 2 cores at the defaults (seed 0): 15 epochs of
    3,000 crops in about 13 s of training; on 1,000 held-out crops 0.80 of the image weights are exactly 0 (about
    10 of the 48 words per crop, 2 per caption), and the heaviest shape word of w(x) names the crop's shape 0.83
    of the time, the heaviest colour word its colour 0.83, the heaviest size word its size 0.91 (chance 1/6, 1/6,
    1/3); the prompt "a {shape}" classifies 0.98 zero-shot. Without grounding the loss falls as far and zero-shot
    is as good (0.96), but the same reading is at chance or below (0.10, 0.23, 0.30); at λ = 0.1 every weight is 0
    within two epochs and nothing is learned.
    """

    stair_flops: float = setting(0.01, lo=0.0, hi=1.0, step=0.005, label="FLOPs weight λ",
                                 formula=LATEX_FLOPS,
                                 help="Pushes the words an embedding does not need to exactly 0. At the defaults "
                                      "FLOPs ends near 1.1, at λ = 0 near 2.2 (twice the multiplications of a "
                                      "sparse dot product); at 0.1 it wins outright: every word is 0.")
    stair_grounded: bool = setting(True, label="Grounded captions",
                                   formula=LATEX["grounding"],
                                   help="STAIR's first stage: a caption can only use the words it holds, so each "
                                        "dimension must mean its word. Untick it and the dimensions are free.")
    temperature: float = setting(0.07, lo=0.01, hi=1.0, step=0.01, label="Initial temperature τ",
                                 formula=r"S_{ij} = e^{s}\, \frac{w(x_i)^\top w(t_j)}{\lVert w(x_i)\rVert\, "
                                         r"\lVert w(t_j)\rVert},\ \ e^s = 1/\tau \le 100",
                                 help="As CLIP: learned from 1/τ, at most 100.")
    epochs: int = setting(15, lo=1, hi=100, widget="number", label="Epochs")
    n: int = setting(3000, lo=200, hi=20_000, step=100, widget="number", label="Training crops")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size B",
                         help="Each caption competes with the batch's B − 1 others.")
    lr: float = setting(2e-3, lo=1e-5, hi=0.05, step=1e-4, label="Learning rate η (Adam)")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training crops; choose a batch "
                             "of at most the dataset's size.")


PRESETS = (
    Preset("stair", "Sparse and grounded (the defaults)",
           "After 15 epochs (about 13 s on 2 cores) most of each crop's 48 word weights are exactly 0 (0.80) and the "
           "few left are words: the heaviest shape word of w(x) is the crop's shape 0.83 of the time, the heaviest "
           "colour word its colour 0.83 (chance 1/6), the heaviest size word its size 0.91 (chance 1/3), with no "
           "prompt and no classifier.", {}),
    Preset("ungrounded", "Without grounding: the dimensions are free",
           "The caption may put weight on any word, not only its own. The contrastive loss falls as far as with "
           "grounding and the prompt 'a {shape}' still classifies (0.96), but reading w(x) as words is chance or "
           "worse (shape 0.10, colour 0.23): the model uses the dimensions as a code of its own ('a red circle' "
           "puts its weight on 'yellow', 'large' and 'circles'). Grounding is what makes dimension k mean "
           "word k.", {"stair_grounded": False}),
    Preset("too_sparse", "λ too large: every word switched off",
           "λ = 0.1: the FLOPs term outweighs the contrastive loss from the first steps, every weight reaches 0 "
           "within two epochs, the loss sits at ln B and nothing more is learned (a ReLU at 0 passes no gradient).",
           {"stair_flops": 0.1}),
)


def build_stair(config: StairConfig, image_shape) -> STAIR:
    model = STAIR(image_shape, image_kind="cnn", temperature=config.temperature, flops_weight=config.stair_flops,
                  grounded=config.stair_grounded, text_length=CAPTION_LENGTH)
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return model


class StairMonitor:
    """``fn(run) -> dict`` for the live panel: eight held-out crops' weights on the content words, and once an
    epoch the reading accuracy on the held-out crops."""

    def __init__(self):
        from toolkit.multimodal import coca_lab, mae_lab

        self.images = mae_lab.held_out().images[:WATCHED]
        self.captions = coca_lab.captions(mae_lab.held_out(), seed=mae_lab.HELD_OUT_SEED)[:WATCHED]
        self.reading: dict[int, dict] = {}

    def __call__(self, run) -> dict:
        from toolkit.multimodal import mae_lab

        model = run.model
        if not isinstance(model, STAIR):
            return {}
        if run.epochs_done not in self.reading:
            self.reading[run.epochs_done] = reading_accuracy(model, mae_lab.held_out())
        weights = word_weights(model, self.images)
        columns = [model.vocabulary.index(word) for word in content_words()]
        return {"images": self.images, "captions": self.captions, "weights": weights[:, columns],
                "words": content_words(), "reading": dict(self.reading)}


@dataclasses.dataclass
class StairResult:
    """A trained STAIR and what the page reports on the held-out crops (``mae_lab.held_out``)."""

    run: object
    config: StairConfig

    @property
    def model(self) -> STAIR:
        return self.run.model

    @functools.cached_property
    def held_out(self):
        from toolkit.multimodal import coca_lab, mae_lab

        data = mae_lab.held_out()
        return data, coca_lab.captions(data, seed=mae_lab.HELD_OUT_SEED)

    @functools.cached_property
    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """w(x) and w(t) of the held-out crops and their captions."""
        data, captions = self.held_out
        return word_weights(self.model, data.images), text_weights(self.model, captions)

    @functools.cached_property
    def unit_images(self) -> np.ndarray:
        """w(x) / ‖w(x)‖ of the held-out crops: CLIP's u (``encode_images``), from the cached weights."""
        images = self.weights[0]
        return images / np.maximum(np.linalg.norm(images, axis=1, keepdims=True), 1e-12)

    def zero_shot(self) -> float:
        """CLIP's way: each crop goes to the shape whose prompt "a {shape}" is nearest (cosine of w(x), w(t))."""
        from toolkit.data import shapes
        from toolkit.multimodal import clip

        predicted = np.argmax(self.unit_images @ clip.class_embeddings(self.model, shapes.SHAPES, PROMPT).T, axis=1)
        return float(np.mean(predicted == self.held_out[0].classes))

    def table(self) -> list[dict]:
        """Sparsity of both sides, the words read off w(x), and zero-shot with prompts."""
        images, texts = self.weights
        reading = reading_of(images, self.model.vocabulary, self.held_out[0])
        return [{"epochs": self.run.epochs_done, "train (s)": round(self.run.wall_time, 1),
                 "zero weights w(x)": round(sparsity(images), 3), "words per crop": round(active_words(images), 1),
                 "words per caption": round(active_words(texts), 1),
                 "FLOPs w(x)": round(float(ops.convert_to_numpy(flops_regularizer(images))), 2),
                 **{f"{what} read off w(x)": round(value, 3) for what, value in reading.items()},
                 f"zero-shot '{PROMPT}'": round(self.zero_shot(), 3)}]

    def crop_words(self, count: int = WATCHED, k: int = 5) -> list[dict]:
        """The first `count` held-out crops: caption, and the heaviest words of the image and of the caption."""
        data, captions = self.held_out
        images, texts = self.weights
        vocabulary = self.model.vocabulary
        return [{"crop": i + 1, "caption": caption, "the image's words w(x)": image_words,
                 "the caption's words w(t)": words}
                for i, (caption, image_words, words) in enumerate(zip(
                    captions[:count], describe(images[:count], vocabulary, k), describe(texts[:count], vocabulary, k)))]

    def search(self, text: str, k: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The held-out crops nearest to `text` (cosine of w(x), w(t)): images, scores, and the text's w(t)."""
        from toolkit.multimodal import clip

        scores = self.unit_images @ clip.embed_texts(self.model, [text])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return self.held_out[0].images[order], scores[order], text_weights(self.model, [text])[0]


def run_stair(config: StairConfig, *, callbacks=(), stop=None) -> StairResult:
    """Trains the STAIR of `config` on `config.n` captioned crops (seed 0); validation and tables on the held-out
    crops (seed 1)."""
    from toolkit.multimodal import coca_lab, mae_lab
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    data = mae_lab.crops(config.n, seed=0)
    model = seeded_build(lambda: build_stair(config, data.images.shape[1:]), config.seed)
    held_out = mae_lab.held_out()
    x = {"images": data.images, "tokens": model.tokenize(coca_lab.captions(data, seed=0))}
    x_val = {"images": held_out.images, "tokens": model.tokenize(coca_lab.captions(held_out,
                                                                                    seed=mae_lab.HELD_OUT_SEED))}
    run = fit(model, x, None, batch_size=config.batch, epochs=config.epochs, validation_data=(x_val, None),
              seed=config.seed, callbacks=callbacks, stop=stop, config={"stair": config.values()}, name="STAIR")
    return StairResult(run, config)
