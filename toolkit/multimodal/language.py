"""A small word-level language model of the shapes' captions and question/answer text, pretrained once and frozen.

The notes, LLMs AS UNIVERSAL INTERFACE, start from a pretrained language model whose weights "doesn't change
during train or inference". No pretrained model can be downloaded here, so ``ShapesLM`` is pretrained on text
alone, the captions and the "question answer" lines of ``toolkit.data.shapes`` scenes it will never see (each
question also after one of its scene's captions, so the model learns to read an answer from a description, the
skill a visual prefix relies on), and shipped (``assets/shapes_lm.keras``, made by
``python -m toolkit.multimodal.language``), as the glyph judge is. A decoder-only transformer, as GPT and
Chinchilla are:

    (1) h_0 = E[w_0 … w_T] + P                     word embeddings plus sinusoidal positions, w_0 = bos
    (2) h_l = CausalBlock_l(h_{l-1}),  l = 1 … L   pre-norm blocks whose self-attention sees only the past
    (3) p(w_{t+1} | w_≤t) = softmax(LN(h_L) W_o)_t
    (4) L_LM = − mean over t of log p(w_{t+1} | w_≤t),  the last target being eos

Read blind, a question's answer is the language model's prior: "what colour is the circle" gets the colour most
often said of anything. Its answer accuracy on held-out questions is what a vision-conditioned model must beat
(``toolkit.multimodal.interface``).

Token ids: the tokenizer's (0 = padding, 1 = unknown, then ``VOCABULARY``), then bos = V, eos = V + 1.
Symbols -> names: E = "embedding", P = "positions", CausalBlock_l = "block_l" (``coca.CausalBlock``),
LN = "norm", W_o = "head".
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.multimodal.coca import CausalBlock
from toolkit.transformers.attention import SinusoidalPositionEncoding
from toolkit.validation import check_positive_int

ASSETS = Path(__file__).resolve().parent / "assets"
SHIPPED = ASSETS / "shapes_lm.keras"
# What the shipped file was pretrained on: scenes of a seed no page trains on, 1-3 objects at 32 px (the words do
# not depend on the canvas), every caption and every question with its answer.
SHIPPED_RECIPE = {"scenes": 4000, "seed": 11, "epochs": 16, "dim": 64, "blocks": 2}
CHECK_SCENES, CHECK_SEED = 500, 12  # held-out text the pretraining script and the test score
TEXT_LENGTH = 32  # words a sequence may hold: the longest caption (25), a question (5) and its answer
LATEX = {
    "lm": r"p(w_{t+1} \mid w_{\le t}) = \mathrm{softmax}\big(\mathrm{LN}(h_L)\,W_o\big)_t,\quad "
          r"h_l = \mathrm{CausalBlock}_l(h_{l-1}),\ h_0 = E\,w + P",
}


def vocabulary() -> list[str]:
    """Every word of a caption, a question or an answer, in a fixed order."""
    from toolkit.data import shapes
    from toolkit.multimodal.clip import caption_vocabulary

    question = ["how", "many", "what", "colour", "size", "is", "there", "yes", "no"]
    return list(dict.fromkeys([*caption_vocabulary(), *question, *(str(k) for k in range(len(shapes.NUMBER_WORDS)))]))


@functools.lru_cache(maxsize=1)
def tokenizer():
    from toolkit.data.text import WordTokenizer

    return WordTokenizer(vocabulary())


def special_ids() -> dict[str, int]:
    size = len(tokenizer())
    return {"bos": size, "eos": size + 1}


def qa_text(question: str, answer: str) -> str:
    """ "how many circles? 2" -> the line the language model reads: "how many circles 2" (punctuation dropped)."""
    return f"{question} {answer}"


def listing(captions) -> str:
    """The caption of a scene that lists every object ("two shapes: a small red circle and ..."): the text a
    perfect visual prefix could stand for."""
    return captions[-2]


def corpus(scenes, seed: int = 0) -> list[str]:
    """What the language model reads of `scenes` (``toolkit.data.shapes.Scenes``): every caption alone, and every
    question with its answer twice, once alone ("how many circles 1": the model's prior) and once after one of the
    scene's captions drawn at random ("a red circle above a blue star how many circles 1": reading the answer from
    a description, the skill a visual prefix relies on)."""
    rng = np.random.default_rng(seed)
    texts = [caption for captions in scenes.captions for caption in captions]
    for captions, pairs in zip(scenes.captions, scenes.questions):
        for question, answer in pairs:
            texts.append(qa_text(question, answer))
            texts.append(f"{captions[rng.integers(len(captions))]} {qa_text(question, answer)}")
    return texts


def sequences(texts, length: int = TEXT_LENGTH) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, targets, mask), each (N, length + 1): inputs = [bos, w_1 … w_L, 0 …], targets = [w_1 … w_L, eos,
    0 …], mask 1 on the L + 1 counted positions of Eq. 4."""
    ids = tokenizer().encode(texts, length, padding="post")
    special = special_ids()
    words = (ids > 0).sum(1)
    padded = np.concatenate([ids, np.zeros((len(ids), 1), np.int32)], 1)
    inputs = np.concatenate([np.full((len(ids), 1), special["bos"], np.int32), ids], 1)
    targets = padded.copy()
    targets[np.arange(len(ids)), words] = special["eos"]
    mask = (np.arange(length + 1)[None] <= words[:, None]).astype(np.float32)
    return inputs, targets, mask


def masked_cross_entropy(targets, logits, mask):
    """Eq. 4: the mean cross-entropy over the positions where `mask` is 1."""
    per_token = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="toolkit")
class ShapesLM(keras.Model):
    """Eqs. 1-3: ``model(inputs)`` with inputs (B, T) = [bos, w_1, …] -> logits (B, T, V + 2).

    ``fit(inputs, (targets, mask))`` minimizes Eq. 4 (``sequences`` makes the three arrays). The adapters of
    ``toolkit.multimodal.interface`` call the pieces: ``embed`` (Eq. 1), ``blocks`` one by one, ``logits``.
    """

    def __init__(self, vocabulary: int = 64, *, dim: int = 64, blocks: int = 2, heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = check_positive_int("vocabulary", vocabulary)
        self.dim, self.heads = check_positive_int("dim", dim), check_positive_int("heads", heads)
        self.block_count = check_positive_int("blocks", blocks)
        if self.dim % self.heads:
            raise ValueError(f"`dim` must be a multiple of `heads`, received dim={dim}, heads={heads}.")
        self.embedding = keras.layers.Embedding(self.vocabulary + 2, self.dim, name="embedding")
        self.positions = SinusoidalPositionEncoding(name="positions")
        self.blocks = [CausalBlock(self.dim, self.heads, 2 * self.dim, name=f"block_{i + 1}")
                       for i in range(self.block_count)]
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")
        self.head = keras.layers.Dense(self.vocabulary + 2, name="head")
        self.tracker = keras.metrics.Mean(name="loss")

    def build(self, input_shape=None):
        if self.built:
            return
        states = (None, None, self.dim)
        self.embedding.build((None, None))
        for block in self.blocks:
            block.build(states)
        self.norm.build(states)
        self.head.build(states)
        self.built = True

    def embed(self, inputs):
        """h_0 of Eq. 1: (B, T) ids -> (B, T, d)."""
        return self.add_positions(self.words(inputs))

    def words(self, inputs):
        """E w: (B, T) ids -> (B, T, d), no positions."""
        return self.embedding(ops.convert_to_tensor(inputs, "int32"))

    def add_positions(self, h):
        """h + P for a sequence of embeddings (B, T, d), positions 0 … T − 1."""
        return h + self.positions(h)

    def logits(self, states):
        """Eq. 3's logits from the last block's states."""
        return self.head(self.norm(states))

    def call(self, inputs, training=False):
        h = self.embed(inputs)
        for block in self.blocks:
            h = block(h, training=training)
        return self.logits(h)

    def train_step(self, data):
        inputs, (targets, mask) = data[0], data[1]
        with tf.GradientTape() as tape:
            loss = masked_cross_entropy(targets, self(inputs, training=True), mask)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    def test_step(self, data):
        inputs, (targets, mask) = data[0], data[1]
        self.tracker.update_state(masked_cross_entropy(targets, self(inputs), mask))
        return {"loss": self.tracker.result()}

    @property
    def metrics(self):
        return [self.tracker]

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "dim": self.dim, "blocks": self.block_count,
                "heads": self.heads}


def next_word_accuracy(model: ShapesLM, texts, batch_size: int = 512) -> float:
    """How often the most probable next word (or eos) is the right one, over every counted position of `texts`."""
    inputs, targets, mask = sequences(texts)
    right = total = 0.0
    for i in range(0, len(inputs), batch_size):
        predicted = ops.convert_to_numpy(model(inputs[i:i + batch_size])).argmax(-1)
        right += float(np.sum((predicted == targets[i:i + batch_size]) * mask[i:i + batch_size]))
        total += float(mask[i:i + batch_size].sum())
    return right / total


def answers(model: ShapesLM, questions, contexts=None, batch_size: int = 512) -> list[str]:
    """The frozen language model's answers with no image: after the question alone (its prior), or after a text
    `contexts[i]` such as the scene's caption (what a visual prefix could at best stand for)."""
    texts = list(questions) if contexts is None else [f"{c} {q}" for c, q in zip(contexts, questions)]
    inputs, _, mask = sequences(texts)
    position = mask.sum(1).astype(int) - 1  # the last word's position predicts the next word, the answer
    vocabulary = tokenizer().vocabulary
    chosen = []
    for i in range(0, len(inputs), batch_size):
        logits = ops.convert_to_numpy(model(inputs[i:i + batch_size]))
        chosen.append(logits[np.arange(len(logits)), position[i:i + batch_size], :len(vocabulary)].argmax(-1))
    return [vocabulary[k] for k in np.concatenate(chosen)]


def pretrain(scenes: int, seed: int, epochs: int, dim: int = 64, blocks: int = 2) -> tuple[ShapesLM, float]:
    """``ShapesLM`` trained on ``corpus(shapes.scenes(scenes, seed))`` (Adam 2e-3, batch 128); returns it and its
    wall time in seconds."""
    import time

    from toolkit.data import shapes
    from toolkit.train import fit

    texts = corpus(shapes.scenes(scenes, seed=seed, size=32), seed)
    inputs, targets, mask = sequences(texts)
    keras.utils.set_random_seed(seed)
    model = ShapesLM(len(tokenizer()), dim=dim, blocks=blocks)
    model.build()
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    started = time.perf_counter()
    fit(model, inputs, (targets, mask), batch_size=128, epochs=epochs, seed=seed)
    return model, time.perf_counter() - started


def check_texts() -> dict[str, list[str]]:
    """The held-out text the shipped model is scored on: captions, and question-answer lines."""
    from toolkit.data import shapes

    scenes = shapes.scenes(CHECK_SCENES, seed=CHECK_SEED, size=32)
    return {"captions": [c for captions in scenes.captions for c in captions],
            "questions": [qa_text(q, a) for pairs in scenes.questions for q, a in pairs],
            "questions after the listing": [f"{listing(captions)} {qa_text(q, a)}"
                                            for captions, pairs in zip(scenes.captions, scenes.questions)
                                            for q, a in pairs]}


def scored(model: ShapesLM) -> dict:
    """What the shipped model's JSON records: next-word accuracy on held-out text, and how often the answer to a
    held-out question is right with the question alone and after the scene's listing caption."""
    from toolkit.data import shapes

    scenes = shapes.scenes(CHECK_SCENES, seed=CHECK_SEED, size=32)
    questions = [(q, a, listing(captions)) for captions, pairs in zip(scenes.captions, scenes.questions)
                 for q, a in pairs]
    right = {name: np.mean([said == a for said, (_, a, _) in zip(answers(model, [q for q, _, _ in questions], contexts),
                                                                 questions)])
             for name, contexts in (("alone", None), ("after the listing caption", [c for _, _, c in questions]))}
    return {"next_word_accuracy": {name: round(next_word_accuracy(model, texts), 4)
                                   for name, texts in check_texts().items()},
            "answer_accuracy": {name: round(float(value), 4) for name, value in right.items()}}


def save(model: ShapesLM, path, **facts) -> None:
    """Writes `path` (.keras, uncompiled: no optimizer state) and `path`.json (`facts`), each renamed into place."""
    from toolkit.saving import save_uncompiled

    save_uncompiled(model, path, **facts)


def facts() -> dict:
    """What ``python -m toolkit.multimodal.language`` measured when it wrote the shipped model."""
    return json.loads(SHIPPED.with_suffix(".json").read_text())


def pretrained() -> ShapesLM:
    """A fresh copy of the shipped, pretrained language model (every call its own, so runs never share weights)."""
    return keras.saving.load_model(SHIPPED, compile=False)


def main() -> None:
    """Pretrains the shipped model at ``SHIPPED_RECIPE``, scores it on held-out text and writes it."""
    model, seconds = pretrain(**SHIPPED_RECIPE)
    scores = scored(model)
    print(f"pretrained in {seconds:.0f} s on {os.cpu_count()} cores; held-out {scores}")
    save(model, SHIPPED, **SHIPPED_RECIPE, **scores, check_text={"scenes": CHECK_SCENES, "seed": CHECK_SEED},
         train_seconds=round(seconds, 1), cores=os.cpu_count())
    print(f"wrote {SHIPPED} ({SHIPPED.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
