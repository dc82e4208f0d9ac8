"""Image captioning: Show and Tell, and Show, Attend and Tell with soft or hard attention.

A CNN reads the image, an LSTM writes the caption one word at a time, each from the words
before it. Show and Tell (Vinyals et al. 2015) squeezes the image into one feature vector I and
feeds it to the LSTM once, at t = −1, before the words; Show, Attend and Tell (Xu et al. 2015)
keeps the CNN's grid of L annotation vectors a_1 … a_L and, at every step, looks at them again
through attention, so each word comes with a map of where the model looked:

    (1) x_{−1} = W_I CNN(I),   x_t = W_e S_t (t = 0 … T−1),   S_0 = <start>     Show and Tell's inputs
    (2) h_t = LSTM(x_t, h_{t−1}),   P(S_{t+1} | I, S_0 … S_t) = softmax(W_o h_t)  its output (t ≥ 0)
    (3) a_i = CNN(I)_i ∈ R^D,  i = 1 … L = h·w      the annotation vectors, one per grid cell
    (4) e_ti = v_aᵀ tanh(W_h h_{t−1} + W_a a_i),  α_t = softmax_i(e_ti)      f_att, additive (Bahdanau)
    (5) z_t = Σ_i α_ti a_i                          soft attention: the expected annotation
    (6) hard: α̃_t = one_hot(s_t),  s_t ~ Categorical(α_t) in training,  s_t = argmax_i α_ti at inference
    (7) h_t = LSTM([E y_{t−1} ; z_t], h_{t−1}),   h_0, c_0 = tanh(W_init mean_i a_i)
    (8) P(y_t | a, y_<t) = softmax(W_o [h_t ; z_t])
    (9) L = −Σ_t log P(y_t | ·) over the caption's words and <end> (padding, id 0, not counted)

Eq. 6 is the notes' hard attention ("score 1 to the highest weight among all, zero to the
remaining"). Its sample has no gradient, so training uses the **straight-through estimator**:
the forward pass uses the one-hot α̃_t, the backward pass the gradient of the soft α_t
(α̃ = α + stop_gradient(one_hot − α)). This is not Xu et al.'s estimator (a variational lower
bound trained with REINFORCE, a moving-average baseline and an entropy term); it is the cheap
biased one, and at inference the model looks at one cell only.

Eq. 8 is a shortened form of Xu et al.'s deep output layer (they add E y_{t−1} and one more
layer); Eq. 7's initial state is theirs. The notes' CNN is GoogLeNet; here it is a few 3 × 3
convolutions and max-poolings (``image_encoder``), and Show and Tell's I is the flattened grid
of its last layer (not a global average, which would lose where things are: half the captions
say "at the top left" or "above").

Symbols -> names: W_I = "image_embedding", W_e and E = "word_embedding", LSTM = "decoder"
(``keras.layers.LSTM`` in Show and Tell, ``AttentionLSTMDecoder`` in Show, Attend and Tell),
W_o = "readout", CNN = "encoder", W_h, W_a, v_a = the decoder's ``AdditiveAttention`` (query
kernel, value kernel, score vector), W_init = its "init_h" and "init_c", T = ``data.max_length``,
V = ``len(VOCABULARY)``.

Measured on 2 CPU cores (shared with another job, so seconds are ±30 %), 3,000 scenes of one
shape at 32 × 32 px (2,800 to train on, every phrasing a row: 8,400 rows), units 64, batch 128,
Adam 0.005, 6 epochs; corpus BLEU-4 of the 200 held-out scenes against all their phrasings
(training seconds include ~2 s (Show and Tell) and ~7 s (attention: the unrolled loop) of tracing):

                              greedy  beam K=3  beam K=5  sample T=0.5  T=1    training
    Show and Tell             0.053   0.500     0.053     0.261         0.329  24 s
    Show, Attend, Tell soft   0.636   0.700     0.700     0.680         0.665  31 s
    Show, Attend, Tell hard   0.622   0.651     0.651     0.669         0.685  34 s
    baseline: "a small cyan cross" for every image: 0.095

Beam width 1 equals greedy (Eq. 3), as it must; the soft model's beam adds 0.06-0.2 over greedy.
Show and Tell, which sees the image once, does not learn to read it in this budget: its loss
stops at 0.77 nats a word (the captions' entropy without the image) after 3 epochs and it
writes one caption for every image ("a medium cyan circle"): greedy BLEU is below the baseline;
its beam and sampled BLEU come from the phrasings' shared words. 10 epochs at Adam 0.01, or a
LayerNormalization on x_{−1}, changed nothing; nor did batch 32, Adam 0.001, a BatchNormalization
on x_{−1}, a global-average I, or I as the LSTM's initial state instead of its input at t = −1
(all stop at the same 0.92 nats on the held-out captions). One thing measured: within the first
epoch |x_{−1}| grows from 0.15 to about 650 (Adam moves each of W_I's 1,024 × 32 weights by
about lr a step, over positive ReLU features), so the gates of step −1 saturate and the image's
gradient vanishes; a bounded x_{−1} (tanh) saturates the same way. The attention models read the grid at every step
and caption colour, size and shape right for most scenes.

Attention focus (``attention_focus``, 200 test scenes, greedy captions, at each shape word that
names the scene's object): soft α_t puts 0.17 of its mass inside the object's box, whose share
of the image is 0.09 (1.8 × a uniform map: it leans on the object, it does not pick it out);
hard attention's argmax cell lies inside the box 0.01 of the time (it settles on one fixed cell
and the caption comes from h_0 = tanh(W_init mean_i a_i), which sees the whole image).

Rows per image: every phrasing (3 rows, "all") or one drawn at random ("one"). At about equal
training seconds the two come out alike for soft attention (all, 3 epochs, 29 s: greedy 0.52,
beam 0.66; one, 8 epochs, 21 s: greedy 0.50, beam 0.69); "all" is the default. 32 px and one
object keep an epoch at 3-4 s; with 2 objects (T = 18) the soft model's BLEU after 4 epochs of
2,800 one-phrasing rows was 0.11 greedy, 0.29 beam: not readable within the page's budget.
Decoding 100 test images takes about 1 s per method (each step runs one LSTM step, the CNN once).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import weakref
from collections import Counter

import keras
import numpy as np
from keras import ops

from toolkit.config import Config, setting
from toolkit.data import shapes
from toolkit.data.text import pad_ids
from toolkit.sequence.attention import AdditiveAttention
from toolkit.sequence.bleu import corpus_bleu
from toolkit.sequence.decoding import beam_search, greedy, sample
from toolkit.validation import (check_choice, check_float, check_int, check_nonnegative, check_positive_int,
                                check_seed)

# ---------------------------------------------------------------- the vocabulary
PAD, START, END, UNKNOWN = "<pad>", "<start>", "<end>", "<unk>"
# the words shapes.scene_captions writes itself, besides those of its word lists
TEMPLATE_WORDS = ("a", "the", "and", "at", "shape", "shapes", ",", ":")


def caption_vocabulary() -> tuple[str, ...]:
    """Every token a shapes caption can hold, from shapes.py's word lists: specials first (<pad> = 0)."""
    relation_words = [word for wordings in shapes.RELATIONS.values() for wording in wordings[:2]
                      for word in wording.split()]
    words = [*TEMPLATE_WORDS, *shapes.NUMBER_WORDS, *shapes.SIZES, *shapes.COLOUR_NAMES, *shapes.SHAPES,
             *relation_words, *shapes.ROWS, *shapes.COLUMNS]
    return (PAD, START, END, UNKNOWN, *dict.fromkeys(words))


VOCABULARY = caption_vocabulary()
WORD_IDS = {word: index for index, word in enumerate(VOCABULARY)}
PAD_ID, START_ID, END_ID, UNKNOWN_ID = (WORD_IDS[token] for token in (PAD, START, END, UNKNOWN))
TOKEN = re.compile(r"[a-z]+|[,:]")


def caption_tokens(text: str) -> list[str]:
    """A caption's tokens: lower-case words, and "," and ":" as tokens of their own (also for BLEU)."""
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a caption string, received text={text!r}.")
    return TOKEN.findall(text.lower())


def encode_captions(texts, length: int) -> np.ndarray:
    """(N, length) int32: each caption's token ids then <end>, post-padded with 0 (the targets of Eq. 9)."""
    rows = [[WORD_IDS.get(token, UNKNOWN_ID) for token in caption_tokens(text)] + [END_ID] for text in texts]
    return pad_ids(rows, check_positive_int("length", length), "post")


def decoder_inputs(targets: np.ndarray) -> np.ndarray:
    """Teacher forcing: <start> w_1 … w_L (the targets shifted right by one; <end> dropped, padding kept 0)."""
    targets = np.asarray(targets)
    inputs = np.zeros_like(targets)
    inputs[:, 0] = START_ID
    inputs[:, 1:] = np.where(targets[:, :-1] == END_ID, PAD_ID, targets[:, :-1])
    return inputs


def decode_caption(ids) -> str:
    """The caption of a row of ids: tokens up to <end>, specials dropped, "," and ":" glued to the word before."""
    words = []
    for index in np.asarray(ids).reshape(-1).tolist():
        if index == END_ID:
            break
        if index not in (PAD_ID, START_ID):
            words.append(VOCABULARY[index])
    return " ".join(words).replace(" :", ":").replace(" ,", ",")


# ---------------------------------------------------------------- data
PHRASINGS = ("all", "one")


@dataclasses.dataclass(frozen=True, eq=False)
class CaptionData:
    """Scenes of shapes with their captions, split into train and test.

    images_* (N, S, S, 3) float32 in [0, 1]; references_* one tuple of phrasings per image
    (all of them, for BLEU); inputs_* / targets_* (N', T) int32 teacher-forcing arrays (Eq. 9),
    row j captioning image index_*[j]; test has one (random) phrasing per image. `scenes_test`
    keeps the test scenes' boxes, for ``attention_focus``.
    """

    images_train: np.ndarray
    images_test: np.ndarray
    references_train: tuple
    references_test: tuple
    inputs_train: np.ndarray
    targets_train: np.ndarray
    index_train: np.ndarray
    inputs_test: np.ndarray
    targets_test: np.ndarray
    index_test: np.ndarray
    scenes_test: shapes.Scenes
    spec: dict

    name = "captions"

    @property
    def max_length(self) -> int:
        """T: the longest caption's tokens plus <end>."""
        return self.targets_train.shape[1]

    @property
    def image_size(self) -> int:
        return self.images_train.shape[1]

    def teacher_forcing(self) -> tuple:
        """(x_train, y_train, x_test, y_test) with x = [images, decoder inputs], y = targets."""
        return ([self.images_train[self.index_train], self.inputs_train], self.targets_train,
                [self.images_test[self.index_test], self.inputs_test], self.targets_test)


def caption_data(n: int = 3000, *, seed: int = 0, size: int = 32, max_objects: int = 2, test: int = 200,
                 phrasings: str = "all") -> CaptionData:
    """`n` scenes (``toolkit.data.shapes.scenes``, 1 to `max_objects` objects), the last `test` held out.

    `phrasings`: "all" repeats each training image once per phrasing (3 or 4 rows), "one" keeps
    one phrasing per image, drawn at random (module docstring: which trains better per second).
    """
    n = check_int("n", n, 20, 20_000)
    test = check_int("test", test, 1, n - 10, hint="Keep at least 10 scenes to train on.")
    seed, phrasings = check_seed(seed), check_choice("phrasings", phrasings, PHRASINGS)
    scenes = shapes.scenes(n, seed=seed, size=size, min_objects=1, max_objects=max_objects)
    train, held_out = scenes.split(test)
    rng = np.random.default_rng(seed)
    length = max_caption_length(max_objects)
    index_train, texts_train = _rows(train.captions, phrasings, rng)
    index_test, texts_test = _rows(held_out.captions, "one", rng)
    targets_train, targets_test = encode_captions(texts_train, length), encode_captions(texts_test, length)
    spec = {"n": n, "seed": seed, "size": size, "max_objects": max_objects, "test": test, "phrasings": phrasings}
    return CaptionData(train.images, held_out.images, train.captions, held_out.captions,
                       decoder_inputs(targets_train), targets_train, index_train,
                       decoder_inputs(targets_test), targets_test, index_test, held_out, spec)


def max_caption_length(max_objects: int) -> int:
    """T = 9 M: the longest caption of M objects, "a <size> <colour> <shape> at the <row> <column>" per
    object joined by "," and "and" (8 M + M − 1 tokens), then <end>."""
    return 9 * check_int("max_objects", max_objects, 1, 6)


def _rows(captions, phrasings, rng) -> tuple[np.ndarray, list[str]]:
    """(image index per row, caption per row): every phrasing, or one drawn per image."""
    if phrasings == "all":
        pairs = [(i, text) for i, texts in enumerate(captions) for text in texts]
    else:
        pairs = [(i, texts[rng.integers(len(texts))]) for i, texts in enumerate(captions)]
    return np.array([i for i, _ in pairs], np.int32), [text for _, text in pairs]


# ---------------------------------------------------------------- builders
CAPTIONERS = ("show_and_tell", "soft", "hard")
ATTENTIONS = ("soft", "hard")
EMBEDDING_DIM = 32
FILTERS = (16, 32, 64)
MAX_OBJECTS = 2
MAX_LENGTH = 18  # max_caption_length(MAX_OBJECTS): T of the default data


def image_encoder(image_size: int = 32, filters=FILTERS, name: str = "encoder") -> keras.Model:
    """The CNN: per entry of `filters`, a 3 × 3 ReLU convolution and a 2 × 2 max-pooling.

    (B, S, S, 3) -> (B, S / 2^k, S / 2^k, filters[-1]), k = len(filters): the grid of annotation
    vectors a_i of Eq. 3 (Show and Tell flattens it into I).
    """
    image_size = check_int("image_size", image_size, 8, 512)
    filters = tuple(check_positive_int("filters", f) for f in filters)
    if not filters or image_size % 2 ** len(filters):
        raise ValueError(f"`image_size` must be divisible by 2^len(filters) = {2 ** len(filters)} (one halving per "
                         f"convolution), received image_size={image_size} and filters={filters}.")
    layers = [keras.Input((image_size, image_size, 3), name="images")]
    for k, width in enumerate(filters):
        layers += [keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{k + 1}"),
                   keras.layers.MaxPool2D(2, name=f"pool{k + 1}")]
    return keras.Sequential(layers, name=name)


def show_and_tell(vocab_size: int = len(VOCABULARY), units: int = 64, *, max_length: int = MAX_LENGTH,
                  embedding_dim: int = EMBEDDING_DIM, image_size: int = 32, filters=FILTERS) -> keras.Model:
    """Eqs. 1-2: the image is the LSTM's input once, at t = −1; the words follow from t = 0.

    Inputs [images (B, S, S, 3), decoder input ids (B, T)], output logits (B, T, V): step t's
    logits predict word t + 1 (the output of step −1 is dropped). T = `max_length` (``data.max_length``).
    """
    vocab_size, units = check_int("vocab_size", vocab_size, 5), check_positive_int("units", units)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    images, ids = _inputs(image_size, max_length)
    grid = image_encoder(image_size, filters)(images)                       # (B, h, w, D)
    # Eq. 1: x_{−1} = W_I I, I = the flattened grid: (B, h·w·D) -> (B, 1, E)
    image = keras.layers.Dense(embedding_dim, name="image_embedding")(keras.layers.Flatten(name="features")(grid))
    image = keras.layers.Reshape((1, embedding_dim), name="at_t_minus_1")(image)
    words = keras.layers.Embedding(vocab_size, embedding_dim, name="word_embedding")(ids)   # (B, T, E)
    sequence = keras.layers.Concatenate(axis=1, name="image_then_words")([image, words])   # (B, 1 + T, E)
    # Eq. 2: (B, 1 + T, E) -> (B, 1 + T, U); the output of t = −1 is dropped -> (B, T, U)
    states = keras.layers.LSTM(units, return_sequences=True, name="decoder")(sequence)
    states = keras.layers.Cropping1D((1, 0), name="from_t_0")(states)
    logits = keras.layers.Dense(vocab_size, name="readout")(states)          # softmax in the loss (Eq. 9)
    return keras.Model([images, ids], logits, name="show_and_tell")


def show_attend_tell(vocab_size: int = len(VOCABULARY), units: int = 64, *, attention: str = "soft",
                     max_length: int = MAX_LENGTH, embedding_dim: int = EMBEDDING_DIM,
                     attention_units: int | None = None, image_size: int = 32,
                     filters=FILTERS, seed: int = 0) -> keras.Model:
    """Eqs. 3-8: an LSTM that attends over the CNN's grid at every step, softly or hard.

    Inputs and output as ``show_and_tell`` (T = `max_length`, static: the decoder's loop is
    unrolled); ``attention_maps`` gives α_t per step. `seed` seeds hard attention's sampled
    locations (training only).
    """
    vocab_size, units = check_int("vocab_size", vocab_size, 5), check_positive_int("units", units)
    attention = check_choice("attention", attention, ATTENTIONS)
    embedding_dim = check_positive_int("embedding_dim", embedding_dim)
    images, ids = _inputs(image_size, max_length)
    grid = image_encoder(image_size, filters)(images)                        # (B, h, w, D)
    h, w, depth = grid.shape[1:]
    annotations = keras.layers.Reshape((h * w, depth), name="annotations")(grid)   # Eq. 3: (B, L, D)
    words = keras.layers.Embedding(vocab_size, embedding_dim, name="word_embedding")(ids)   # (B, T, E)
    decoder = AttentionLSTMDecoder(units, attention_units=attention_units, attention=attention, seed=seed,
                                   name="decoder")
    states, _ = decoder([words, annotations])                                # (B, T, U + D): [h_t ; z_t]
    logits = keras.layers.Dense(vocab_size, name="readout")(states)          # Eq. 8 (softmax in the loss)
    return keras.Model([images, ids], logits, name=f"show_attend_tell_{attention}")


def _inputs(image_size, max_length):
    return (keras.Input((image_size, image_size, 3), name="images"),
            keras.Input((check_positive_int("max_length", max_length),), dtype="int32", name="decoder_inputs"))


@keras.saving.register_keras_serializable(package="toolkit")
class AttentionLSTMDecoder(keras.layers.Layer):
    """Show, Attend and Tell's decoder, Eqs. 4-7: an LSTM whose every step reads its own context z_t.

    ``[embedded words (B, T, E), annotations (B, L, D)]`` -> ``(states (B, T, U + D), weights (B, T, L))``:
    [h_t ; z_t] for the readout of Eq. 8, and α_t (soft) or the one-hot α̃_t (hard) used at step t.
    The steps run in a Python loop over the static T (the loop is traced once per T).

    Args:
        units: U, the LSTM's width.
        attention_units: the width of f_att's tanh layer (Eq. 4); None: `units`.
        attention: "soft" (Eq. 5) or "hard" (Eq. 6, straight-through in training).
        seed: seeds the locations hard attention samples in training.
    """

    def __init__(self, units: int, attention_units: int | None = None, attention: str = "soft", seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.attention_units = None if attention_units is None else check_positive_int("attention_units",
                                                                                       attention_units)
        self.attention = check_choice("attention", attention, ATTENTIONS)
        self.seed = check_seed(seed)
        self.scorer = AdditiveAttention(attention_units or units, name="attention")
        self.cell = keras.layers.LSTMCell(units, name="lstm_cell")
        self.init_h = keras.layers.Dense(units, activation="tanh", name="init_h")
        self.init_c = keras.layers.Dense(units, activation="tanh", name="init_c")
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        words_shape, annotations_shape = input_shape
        depth = annotations_shape[-1]
        self.scorer.build([(None, 1, self.units), annotations_shape])
        self.cell.build((None, words_shape[-1] + depth))
        self.init_h.build((None, depth))
        self.init_c.build((None, depth))

    def initial_state(self, annotations):
        """Eq. 7's h_0, c_0 = tanh(W_init mean_i a_i): (B, L, D) -> [(B, U), (B, U)]."""
        mean = ops.mean(annotations, axis=1)
        return [self.init_h(mean), self.init_c(mean)]

    def step(self, embedded, annotations, state, training=False):
        """One step: E y_{t−1} (B, E), a (B, L, D), [h_{t−1}, c_{t−1}] -> ([h_t ; z_t], α_t (B, L), state)."""
        # Eq. 4: query h_{t−1} (B, 1, U) against a (B, L, D) -> α_t (B, 1, L); Eq. 5: z_t (B, 1, D)
        contexts, weights = self.scorer([ops.expand_dims(state[0], 1), annotations], return_attention_scores=True)
        weights, context = weights[:, 0], contexts[:, 0]  # (B, L), (B, D)
        if self.attention == "hard":
            weights = self.hard(weights, training)
            context = ops.einsum("bl,bld->bd", weights, annotations)  # Eq. 5 with α̃: the one chosen a_i
        # Eq. 7: [E y_{t−1} ; z_t] (B, E + D) -> h_t (B, U)
        h, state = self.cell(ops.concatenate([embedded, context], axis=-1), state, training=training)
        return ops.concatenate([h, context], axis=-1), weights, state

    def hard(self, weights, training=False):
        """Eq. 6: the one-hot of a sampled (training) or the most likely (inference) location, with the
        straight-through gradient: forward one_hot, backward ∂α (α + stop_gradient(one_hot − α))."""
        if training:
            chosen = keras.random.categorical(ops.log(weights + 1e-9), 1, seed=self.seed_generator)[:, 0]
        else:
            chosen = ops.argmax(weights, axis=-1)
        one_hot = ops.one_hot(chosen, ops.shape(weights)[-1], dtype=weights.dtype)
        return weights + ops.stop_gradient(one_hot - weights)

    def call(self, inputs, training=False):
        words, annotations = inputs
        state = self.initial_state(annotations)
        outputs, maps = [], []
        for t in range(words.shape[1]):  # static T: one traced step per word
            output, weights, state = self.step(words[:, t], annotations, state, training)
            outputs.append(output)
            maps.append(weights)
        # (B, T, U + D), (B, T, L)
        return ops.stack(outputs, axis=1), ops.stack(maps, axis=1)

    def compute_output_shape(self, input_shape):
        words_shape, annotations_shape = input_shape
        return ((*words_shape[:2], self.units + annotations_shape[-1]),
                (*words_shape[:2], annotations_shape[1]))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "attention_units": self.attention_units,
                "attention": self.attention, "seed": self.seed}


def build_captioner(name: str, units: int = 64, *, lr: float = 0.005, image_size: int = 32,
                    max_length: int = MAX_LENGTH, seed: int = 0) -> keras.Model:
    """The captioner `name` (one of CAPTIONERS), compiled with Adam(lr) and Eq. 9's cross-entropy
    from logits that ignores padding (id 0)."""
    name = check_choice("name", name, CAPTIONERS)
    if name == "show_and_tell":
        model = show_and_tell(units=units, image_size=image_size, max_length=max_length)
    else:
        model = show_attend_tell(units=units, attention=name, image_size=image_size, max_length=max_length, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID))
    return model


# ---------------------------------------------------------------- inference
METHODS = ("greedy", "beam", "sample")


class _Steps:
    """A captioner cut into what decoding needs, each a compiled function: `start` (the CNN once per
    image: the state after t = −1, or a and h_0, c_0) and `step` (one word: E y -> LSTM -> log P)."""

    def __init__(self, model: keras.Model):
        import tensorflow as tf

        names = [layer.name for layer in model.layers]
        if not isinstance(model, keras.Model) or not {"encoder", "decoder", "word_embedding", "readout"} <= set(names):
            raise ValueError(f"`model` must be built by show_and_tell or show_attend_tell, received "
                             f"{getattr(model, 'name', model)!r}.")
        self.model = model
        self.decoder, self.embedding = model.get_layer("decoder"), model.get_layer("word_embedding")
        self.encoder, self.readout = model.get_layer("encoder"), model.get_layer("readout")
        self.attends = isinstance(self.decoder, AttentionLSTMDecoder)
        self.start = tf.function(self._start, reduce_retracing=True)
        self.step = tf.function(self._step, reduce_retracing=True)

    def _start(self, images):
        """-> (memory: a (B, L, D), or a (B, 1) placeholder; state [h, c])."""
        grid = self.encoder(images)  # (B, h, w, D)
        if self.attends:
            annotations = ops.reshape(grid, (ops.shape(grid)[0], -1, grid.shape[-1]))  # (B, L, D)
            return annotations, self.decoder.initial_state(annotations)
        image = self.model.get_layer("image_embedding")(ops.reshape(grid, (ops.shape(grid)[0], -1)))  # Eq. 1
        zeros = ops.zeros((ops.shape(image)[0], self.decoder.cell.units))
        _, state = self.decoder.cell(image, [zeros, zeros])  # Eq. 2 at t = −1, output dropped
        return ops.zeros((ops.shape(image)[0], 1)), state

    def _step(self, tokens, memory, state):
        """tokens (B,) -> (log P(· | …) (B, V), weights (B, L) or (B, 1), new state)."""
        embedded = self.embedding(tokens)  # (B, E)
        if self.attends:
            output, weights, state = self.decoder.step(embedded, memory, state)
        else:
            output, state = self.decoder.cell(embedded, state)
            weights = memory
        return ops.log_softmax(self.readout(output), axis=-1), weights, state


_STEPS = weakref.WeakKeyDictionary()


def _steps(model) -> _Steps:
    if model not in _STEPS:
        _STEPS[model] = _Steps(model)
    return _STEPS[model]


def caption_ids(model: keras.Model, images, *, method: str = "greedy", width: int = 3, temperature: float = 1.0,
                seed: int = 0, max_length: int | None = None) -> list[tuple[int, ...]]:
    """Each image's caption as token ids after <start> (with <end> last when it ended).

    `method`: "greedy" (Eq. 3 of toolkit.sequence.decoding), "beam" (Eqs. 5-6, `width` = K) or
    "sample" (Eq. 4 at `temperature`; image i draws with seed `seed` + i). The CNN runs once for
    all images; each decoding step runs one LSTM step on the new word only: the state of every
    prefix is kept, keyed by the prefix, so a step costs the same at t = 1 and t = 17.
    """
    method = check_choice("method", method, METHODS)
    width, seed = check_positive_int("width", width), check_seed(seed)
    temperature = check_nonnegative("temperature", temperature)
    steps = _steps(model)
    max_length = check_positive_int("max_length", max_length or model.inputs[1].shape[1])
    images = _checked_images(images, model)
    memory, state = steps.start(images)
    memory = keras.ops.convert_to_numpy(memory)
    state = [keras.ops.convert_to_numpy(s) for s in state]
    found = []
    for i in range(len(images)):
        step_fn = _prefix_steps(steps, memory[i], [s[i] for s in state])
        if method == "greedy":
            hypothesis = greedy(step_fn, START_ID, END_ID, max_length)
        elif method == "beam":
            hypothesis = beam_search(step_fn, START_ID, END_ID, max_length, width=width)
        else:
            hypothesis = sample(step_fn, START_ID, END_ID, max_length, temperature=temperature, seed=seed + i)
        found.append(hypothesis.tokens)
    return found


def _prefix_steps(steps: _Steps, memory, state):
    """decoding.py's step_fn for one image: prefixes (k, t) -> log-probabilities (k, V)."""
    states = {(START_ID,): None}  # prefix -> the state after reading it (None: not yet computed)
    before = {(): state}          # the state before <start>: after t = −1 (or h_0, c_0)

    def step_fn(prefixes):
        rows = [tuple(row) for row in prefixes.tolist()]
        parents = [before[row[:-1]] if len(row) == 1 else states[row[:-1]] for row in rows]
        tokens = np.array([row[-1] for row in rows], np.int32)
        log_probs, _, new = steps.step(tokens, np.repeat(memory[None], len(rows), axis=0),
                                       [np.stack([p[k] for p in parents]) for k in range(2)])
        new = [keras.ops.convert_to_numpy(s) for s in new]
        for j, row in enumerate(rows):
            states[row] = [new[0][j], new[1][j]]
        return keras.ops.convert_to_numpy(log_probs)

    return step_fn


def caption(model: keras.Model, images, *, method: str = "greedy", width: int = 3, temperature: float = 1.0,
            seed: int = 0, max_length: int | None = None) -> list[str]:
    """Each image's caption as text (``caption_ids`` decoded; <end> dropped)."""
    return [decode_caption(ids) for ids in caption_ids(model, images, method=method, width=width,
                                                         temperature=temperature, seed=seed, max_length=max_length)]


def _checked_images(images, model):
    images = np.asarray(images, np.float32)
    expected = tuple(model.inputs[0].shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected:
        raise ValueError(f"`images` must have shape (B, {', '.join(map(str, expected))}), the captioner's input, "
                         f"received shape {images.shape}.")
    return images


def caption_bleu(model: keras.Model, data: CaptionData, method: str = "greedy", width: int = 3,
                 temperature: float = 1.0, seed: int = 0) -> float:
    """Corpus BLEU-4 (toolkit.sequence.bleu) of the test images' captions against all their phrasings."""
    captions = caption(model, data.images_test, method=method, width=width, temperature=temperature, seed=seed)
    return bleu_of(captions, data.references_test)


def bleu_of(captions, references) -> float:
    """Corpus BLEU-4 of captions (texts) against references (one tuple of phrasings each), in caption tokens."""
    return corpus_bleu([[caption_tokens(text) for text in phrasings] for phrasings in references],
                       [caption_tokens(text) for text in captions])


def baseline(data: CaptionData) -> tuple[str, float]:
    """The most common training caption (any phrasing) and its BLEU-4 when it captions every test image."""
    common = Counter(text for phrasings in data.references_train for text in phrasings).most_common(1)[0][0]
    return common, bleu_of([common] * len(data.references_test), data.references_test)


def attention_maps(model: keras.Model, images, decoder_ids) -> np.ndarray:
    """α_t of Eq. 4 (soft) or α̃_t of Eq. 6 (hard, argmax) per step: (B, S, S, 3) and (B, T) -> (B, T, h, w).

    `decoder_ids`: <start> then the caption (``decoder_inputs`` of its targets); the map of step t
    is the one used to write word t + 1.
    """
    steps = _steps(model)
    if not steps.attends:
        raise ValueError(f"`model` must be a Show, Attend and Tell captioner, received {model.name!r}, which "
                         f"reads one feature vector I and has no attention map.")
    images = _checked_images(images, model)
    decoder_ids = np.asarray(decoder_ids)
    if decoder_ids.ndim != 2 or len(decoder_ids) != len(images) or not np.issubdtype(decoder_ids.dtype, np.integer):
        raise ValueError(f"`decoder_ids` must be integer ids of shape ({len(images)}, T), one row per image, "
                         f"received shape {decoder_ids.shape} and dtype {decoder_ids.dtype}.")
    memory, state = steps.start(images)
    maps = []
    for t in range(decoder_ids.shape[1]):
        _, weights, state = steps.step(decoder_ids[:, t].astype(np.int32), memory, state)
        maps.append(keras.ops.convert_to_numpy(weights))
    h, w = steps.encoder.output.shape[1:3]
    return np.stack(maps, axis=1).reshape(len(images), decoder_ids.shape[1], h, w)  # (B, T, h, w)


def attention_focus(model: keras.Model, data: CaptionData, count: int = 100) -> dict:
    """Where soft or hard attention looks when the model writes a shape word.

    For the first `count` test images, captioned greedily: at each generated shape word whose
    "<colour> <shape>" names one object of the scene, the share of α_t's mass inside that
    object's box (each grid cell counted by the fraction of its pixels inside the box), against
    the box's share of the image (what a uniform map would put there). Returns {"words", "inside",
    "box_share"}: the number of such words and the two means.
    """
    count = check_int("count", count, 1, len(data.images_test))
    images = data.images_test[:count]
    generated = caption_ids(model, images)
    maps = attention_maps(model, images, _fed_back(generated, model.inputs[1].shape[1]))  # (count, T, h, w)
    inside, share = [], []
    size = data.image_size
    for i, tokens in enumerate(generated):
        scene = data.scenes_test.take(i)
        for t, token in enumerate(tokens):
            box = _named_box(scene, tokens, t)
            if box is not None and t < maps.shape[1]:
                cells = _box_fraction(box, maps.shape[2:], size)  # (h, w)
                inside.append(float((maps[i, t] * cells).sum()))
                share.append(float((box[2] - box[0]) * (box[3] - box[1]) / size ** 2))
    return {"words": len(inside), "inside": float(np.mean(inside)) if inside else float("nan"),
            "box_share": float(np.mean(share)) if share else float("nan")}


def _fed_back(generated, length) -> np.ndarray:
    """(B, length) decoder ids: <start>, then each generated caption (step t reads y_{t−1}, writes y_t)."""
    ids = np.zeros((len(generated), length), np.int32)
    for i, tokens in enumerate(generated):
        row = (START_ID, *tokens)[:length]
        ids[i, :len(row)] = row
    return ids


def _named_box(scene, tokens, t):
    """The box of the one object of `scene` that "<colour> <shape>" at tokens[t − 1 : t + 1] names, or None."""
    word = VOCABULARY[tokens[t]]
    if word not in shapes.SHAPES or t == 0 or VOCABULARY[tokens[t - 1]] not in shapes.COLOUR_NAMES:
        return None
    shape, colour = shapes.SHAPES.index(word), shapes.COLOUR_NAMES.index(VOCABULARY[tokens[t - 1]])
    k = int(scene.counts[0])
    matches = [m for m in range(k) if scene.classes[0, m] == shape and scene.colours[0, m] == colour]
    return scene.boxes[0, matches[0]] if len(matches) == 1 else None


def _box_fraction(box, grid_shape, size) -> np.ndarray:
    """(h, w): the fraction of each grid cell's pixels inside the half-open xyxy `box`."""
    h, w = grid_shape
    inside = np.zeros((size, size))
    inside[int(box[1]):int(box[3]), int(box[0]):int(box[2])] = 1.0
    return inside.reshape(h, size // h, w, size // w).mean(axis=(1, 3))


# ---------------------------------------------------------------- the page's lab
CAPTIONER_TITLES = {"show_and_tell": "Show and Tell", "soft": "Show, Attend and Tell (soft)",
                    "hard": "Show, Attend and Tell (hard)"}
CAPTIONER_FORMULAS = {
    "show_and_tell": r"\text{Show and Tell: } x_{-1} = W_I\,\mathrm{CNN}(I),\ x_t = W_e S_t",
    "soft": r"\text{soft: } z_t = \textstyle\sum_i \alpha_{t,i}\, a_i",
    "hard": r"\text{hard: } z_t = a_{s_t},\ s_t = \arg\max_i \alpha_{t,i}\ (\text{training: } s_t \sim \alpha_t)",
}


@dataclasses.dataclass(frozen=True)
class CaptionConfig(Config):
    """The Sequence models page's captioning settings (field names are its URL names, none shared
    with ``TranslationConfig``).

    The defaults train Show and Tell and soft attention for 4 epochs on 3,000 one-shape scenes:
    41 s of training on 2 cores (16 s + 24 s), and 11 s more for the table's captions. Measured
    BLEU-4 greedy / beam K=3 / sampled T=1: soft attention 0.50 / 0.64 / 0.59, Show and Tell
    0.13 / 0.50 / 0.32 (one caption for every image), the baseline 0.095. The module docstring
    has the numbers at 6 epochs and with hard attention.
    """

    captioners: tuple = setting(("show_and_tell", "soft"), choices=CAPTIONERS, min_count=1, label="Captioners",
                                formula=CAPTIONER_FORMULAS,
                                help="Each trains in turn from the same seed on the same batches.")
    scenes: int = setting(3000, lo=500, hi=20_000, step=500, widget="number", label="Scenes",
                          help="Scenes of one coloured shape, 32×32 px; 200 are held out for BLEU.")
    caption_epochs: int = setting(4, lo=1, hi=50, widget="number", label="Epochs")
    caption_batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size")
    caption_lr: float = setting(0.005, lo=1e-4, hi=0.05, step=1e-3, label="Learning rate (Adam)")
    caption_units: int = setting(64, lo=8, hi=256, widget="number", label="LSTM units",
                                 formula=r"h_t \in \mathbb{R}^{\text{units}}")
    caption_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def variants(self) -> dict[str, str]:
        """Run label -> captioner name, in training order."""
        return {CAPTIONER_TITLES[name]: name for name in self.captioners}


@dataclasses.dataclass(frozen=True)
class DecodingConfig(Config):
    """How the page's trained captioners write (changing it re-decodes, it does not retrain)."""

    width: int = setting(3, lo=1, hi=8, label="Beam width K",
                         formula=r"B_t = \text{the } K \text{ best of } \{(b, y) : b \in B_{t-1}\},\ "
                                 r"\text{by } \textstyle\sum_t \log p(y_t \mid y_{<t}, I)",
                         help="K = 1 is greedy decoding.")
    temperature: float = setting(1.0, lo=0.1, hi=3.0, step=0.1, label="Sampling temperature T",
                                 formula=r"y_t \sim \mathrm{softmax}(z_t / T)",
                                 help="T → 0 is greedy; T > 1 flattens the distribution.")


LAB_SIZE, LAB_OBJECTS, LAB_TEST = 32, 1, 200  # the lab's scenes: 32 px, one object, 200 held out


def lab_data(config: CaptionConfig) -> CaptionData:
    """The config's scenes (``caption_data``), the page caches on (scenes, seed)."""
    return caption_data(config.scenes, seed=config.caption_seed, size=LAB_SIZE, max_objects=LAB_OBJECTS,
                        test=LAB_TEST)


@dataclasses.dataclass
class CaptionResult:
    """What ``run_captioning`` returns: the runs, the data, and BLEU per (run, method) once computed."""

    config: CaptionConfig
    runs: dict
    data: CaptionData
    _cache: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def models(self) -> dict:
        """Run label -> trained model (runs that trained at least one epoch)."""
        return {label: run.model for label, run in self.runs.items() if run.model is not None and run.epochs_done > 0}

    @property
    def baseline(self) -> tuple[str, float]:
        """The most common training caption, and its BLEU-4 as the caption of every test image."""
        if "baseline" not in self._cache:
            self._cache["baseline"] = baseline(self.data)
        return self._cache["baseline"]

    def captions(self, label: str, method: str = "greedy", width: int = 3, temperature: float = 1.0) -> list[str]:
        """Run `label`'s captions of the test images (cached)."""
        key = (label, method, width if method == "beam" else None, temperature if method == "sample" else None)
        if key not in self._cache:
            self._cache[key] = caption(self.models[label], self.data.images_test, method=method, width=width,
                                       temperature=temperature, seed=self.config.caption_seed)
        return self._cache[key]

    def bleu(self, label: str, method: str = "greedy", width: int = 3, temperature: float = 1.0) -> float:
        return bleu_of(self.captions(label, method, width, temperature), self.data.references_test)

    def attends(self, label: str) -> bool:
        """Whether run `label` is a Show, Attend and Tell captioner (it has attention maps)."""
        return _steps(self.models[label]).attends

    def gallery(self, count: int, decoding: DecodingConfig) -> dict:
        """The first `count` test images with every model's beam caption (K = decoding.width) and
        the references: {"images", "captions" (label -> list), "references"}."""
        count = check_int("count", count, 1, len(self.data.images_test))
        captions = {label: self.captions(label, "beam", width=decoding.width)[:count] for label in self.models}
        return {"images": self.data.images_test[:count], "captions": captions,
                "references": self.data.references_test[:count]}

    def attention(self, label: str, index: int) -> tuple[list[str], np.ndarray]:
        """Test image `index`'s greedy caption by run `label`, as words (then "<end>"), and the map
        α_t that wrote each word: (words, (len(words), h, w))."""
        index = check_int("index", index, 0, len(self.data.images_test) - 1)
        model = self.models[label]
        image = self.data.images_test[index:index + 1]
        tokens, length = caption_ids(model, image)[0], model.inputs[1].shape[1]
        maps = attention_maps(model, image, _fed_back([tokens], length))[0]  # (T, h, w)
        words = [VOCABULARY[token] for token in tokens][:length]
        return words, maps[:len(words)]

    def table(self, width: int = 3, temperature: float = 1.0) -> list[dict]:
        """One row per run: BLEU-4 of greedy, beam (K = `width`) and sampled captions, then the baseline's row."""
        width = check_positive_int("width", width)
        temperature = check_float("temperature", temperature, 0.0, 10.0)
        rows = []
        for label, model in self.models.items():
            run = self.runs[label]
            rows.append({"Model": label, "Parameters": model.count_params(),
                         "BLEU-4 greedy": round(self.bleu(label, "greedy"), 3),
                         f"BLEU-4 beam K={width}": round(self.bleu(label, "beam", width=width), 3),
                         f"BLEU-4 sampled T={temperature:g}": round(self.bleu(label, "sample",
                                                                              temperature=temperature), 3),
                         "Training (s)": round(run.wall_time, 1)})
        text, score = self.baseline
        rows.append({"Model": f"Baseline: “{text}” for every image", "Parameters": 0,
                     "BLEU-4 greedy": round(score, 3),
                     f"BLEU-4 beam K={width}": None, f"BLEU-4 sampled T={temperature:g}": None, "Training (s)": 0.0})
        return rows


def run_captioning(config: CaptionConfig, data: CaptionData | None = None, *, callbacks=(),
                   stop=None) -> CaptionResult:
    """Trains every chosen captioner from the same seed on the same batches (``toolkit.train.compare``).

    `data`: ``lab_data(config)`` when None. Captions and BLEU are computed when the result is asked.
    """
    from toolkit.train import compare

    data = data if data is not None else lab_data(config)
    if not isinstance(data, CaptionData):
        raise ValueError(f"`data` must be a CaptionData (caption_data(...) or lab_data(config)), received "
                         f"{type(data).__name__}.")
    builders = {label: functools.partial(build_captioner, name, config.caption_units, lr=config.caption_lr,
                                         image_size=data.image_size, max_length=data.max_length,
                                         seed=config.caption_seed)
                for label, name in config.variants().items()}
    runs = compare(builders, data.teacher_forcing(), epochs=config.caption_epochs, batch_size=config.caption_batch,
                   seed=config.caption_seed, callbacks=callbacks, stop=stop,
                   config={"scenes": config.scenes, "caption_units": config.caption_units})
    return CaptionResult(config, runs, data)
