"""LLMs as a universal interface, in miniature: a frozen language model answers questions about an image it reads
through a trained adapter, either a visual prefix (Frozen) or Flamingo's resampler and gated cross-attention.

The notes: "These models need to handle a multimodal prompt. The idea is to train them on vision-conditioned
language-generation tasks." Both adapters here read the same frozen ``language.ShapesLM`` (pretrained on text
alone: captions, and questions with their answers, alone or after a caption) and the same pretrained vision
encoder f (four 3×3 convolution + 2×2 max-pool stages: a 64×64 scene -> a 4×4 grid of d-wide features x_f, with
grid positions); only how the image enters the language model differs:

    Frozen (Tsimpoukelli et al. 2021): "Its outputs are used as soft prompts for the LLM"
    (1) [p_1 … p_k] = reshape(W_p · vec(x_f))                k embeddings in the language model's input space
    (2) h = LM([E bos; p_1 … p_k; E q] + P)                   where a caption stood in its pretraining text

    Flamingo (Alayrac et al. 2022): "Perceiver Resampler and Gated XATTN-DENSE layers ... trained from scratch"
    (3) x = PerceiverResampler(x_f)                           R visual tokens (``flamingo`` Eqs. 1-2)
    (4) y ← GatedXAttnDense_l(y, x), then y ← LMBlock_l(y)    before every frozen block l (``flamingo`` Eqs. 3-4)

    (5) L = − mean over pairs of log p(answer | image, question)    the frozen LM's next word after the question

What is trained: W_p and f (Frozen: "fine-tuning of the image encoder is performed"), or the resampler and the
gated layers (Flamingo: its "pre-trained visual encoders" stay frozen); never the language model. The gates α
start at 0, so before training Flamingo answers exactly as the blind language model does, its prior.

The vision encoder is pretrained once and shipped (``assets/shapes_vision.weights.h5``, made by
``python -m toolkit.multimodal.interface``): a linear read-out of its grid learns which (shape, colour) and
(shape, size) pairs a scene holds and how many of each shape (``scene_attributes``), on scenes no page trains on.
Flamingo's encoder is pretrained contrastively, like CLIP; this one learns from the scenes' labels instead, as an
ImageNet-pretrained encoder does. Some pretraining is needed: with f trained from scratch on the answers alone,
neither adapter left the blind model's plateau in 10-12 epochs (measured, even with the language model unfrozen).

The questions are ``toolkit.data.shapes``' ("how many circles?", "what colour is the square?", "is there a
star?", ...); each answer is one word, read as the most probable word after the question.

Symbols -> names: f = "vision_encoder", W_p = "prefix" (Frozen), the resampler "resampler", the gated layers
"gated_l"; the frozen model is "language_model".
"""

from __future__ import annotations

import functools
import json
import os

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.multimodal import language
from toolkit.multimodal.coca import grid_tokens
from toolkit.multimodal.flamingo import GatedCrossAttentionDense, PerceiverResampler
from toolkit.validation import check_positive_int

VISION_SHIPPED = language.ASSETS / "shapes_vision.weights.h5"
# The shipped encoder's pretraining: scenes of a seed no page trains on, 1-3 objects, ``scene_attributes`` targets.
VISION_RECIPE = {"scenes": 12_000, "seed": 21, "epochs": 40, "dim": 64}
VISION_CHECK = {"scenes": 500, "seed": 22}
QUESTION_LENGTH = 6  # words: "what colour is the diamond" has 5
KINDS = ("count (all)", "count (one shape)", "colour", "size", "shape", "yes / no")
LATEX = {
    "prefix": r"[p_1 \dots p_k] = \mathrm{reshape}(W_p\,\mathrm{vec}(x_f))",
    "frozen": r"h = \mathrm{LM}([E\,\mathrm{bos};\ p_1 \dots p_k;\ E\,q] + P)",
    "flamingo": r"y \leftarrow \mathrm{LMBlock}_l(\mathrm{GatedXAttn}_l(y, x))",
    "resampler": r"x = \mathrm{PerceiverResampler}(x_f) \in \mathbb{R}^{R \times d}",
    "gate": r"y \leftarrow y + \tanh(\alpha)\,\mathrm{Attn}(y, x),\ \alpha_0 = 0",
    "loss": r"\mathcal{L} = -\tfrac{1}{N}\textstyle\sum_i \log p_{\mathrm{LM}}(a_i \mid \text{image}_i, q_i)",
}


def kind(question: str) -> str:
    """Which of ``KINDS`` a shapes question is."""
    if question.startswith("how many shapes"):
        return KINDS[0]
    for start, name in (("how many", KINDS[1]), ("what colour", KINDS[2]), ("what size", KINDS[3]),
                        ("what shape", KINDS[4]), ("is there", KINDS[5])):
        if question.startswith(start):
            return name
    raise ValueError(f"Not a shapes question: {question!r}.")


def question_ids(questions) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (N, QUESTION_LENGTH + 1) = [bos, q_1 … q_L, 0 …], L (N,)): the answer is predicted at position L."""
    ids = language.tokenizer().encode(questions, QUESTION_LENGTH, padding="post")
    inputs = np.concatenate([np.full((len(ids), 1), language.special_ids()["bos"], np.int32), ids], 1)
    return inputs, (ids > 0).sum(1).astype(np.int32)


def answer_ids(answers) -> np.ndarray:
    return language.tokenizer().encode(answers, 1, padding="post")[:, 0]


def vision_encoder(image_shape, dim: int) -> keras.Model:
    """f: four (3 × 3 convolution, ReLU, 2 × 2 max-pool) stages, 64×64 -> a 4×4 grid, positions, LayerNorm:
    (B, 16, dim)."""
    images = keras.Input(image_shape)
    tokens = grid_tokens(images, (dim // 4, dim // 2, dim, dim))
    return keras.Model(images, keras.layers.LayerNormalization(epsilon=1e-5, name="norm")(tokens),
                       name="vision_encoder")


class VisualAdapter(keras.Model):
    """What Frozen and Flamingo-mini share: the frozen language model, the vision encoder, Eq. 5 and its metrics.

    ``fit({"images", "questions", "words"}, answers)``: images (B, H, W, 3) in [0, 1] (or uint8 0-255), questions
    and words from ``question_ids``, answers from ``answer_ids``. ``answer_logits(inputs)`` -> (B, V + 2).
    """

    def __init__(self, language_model, image_shape=(64, 64, 3), train_vision: bool = True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(language_model, dict):
            language_model = keras.saving.deserialize_keras_object(language_model)
        if not isinstance(language_model, language.ShapesLM):
            raise ValueError(f"`language_model` must be a ShapesLM, received {type(language_model).__name__}.")
        self.language_model = language_model
        self.language_model.trainable = False  # the notes: its weights do not change during training
        self.image_shape = tuple(int(v) for v in image_shape)
        self.dim = language_model.dim
        self.vision_encoder = vision_encoder(self.image_shape, self.dim)
        self.train_vision = bool(train_vision)
        self.vision_encoder.trainable = self.train_vision
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "accuracy")}

    def features(self, images, training=False):
        """x_f (B, 16, d)."""
        images = ops.convert_to_tensor(images)
        scale = 255.0 if images.dtype == "uint8" else 1.0
        return self.vision_encoder(ops.cast(images, "float32") / scale, training=training)

    def answer_logits(self, inputs, training=False):
        """The logits of the word after each question (B, V + 2); `inputs` a dict or [images, questions, words]."""
        if isinstance(inputs, (list, tuple)):
            inputs = dict(zip(("images", "questions", "words"), inputs))
        logits = self.text_logits(inputs, training)  # (B, T, V + 2) over the question's positions
        words = ops.reshape(ops.cast(inputs["words"], "int32"), (-1, 1, 1))
        return ops.take_along_axis(logits, words, axis=1)[:, 0]

    def call(self, inputs, training=False):
        return self.answer_logits(inputs, training)

    def _loss_and_accuracy(self, data, training):
        inputs, answers = data[0], data[1]
        logits = self.answer_logits(inputs, training)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(answers, logits, from_logits=True))
        right = ops.cast(ops.equal(ops.argmax(logits, -1), ops.cast(answers, "int64")), "float32")
        return loss, ops.mean(right)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss, accuracy = self._loss_and_accuracy(data, True)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, accuracy)

    def test_step(self, data):
        return self._track(*self._loss_and_accuracy(data, False))

    def _track(self, loss, accuracy):
        self.trackers["loss"].update_state(loss)
        self.trackers["accuracy"].update_state(accuracy)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def answer(self, images, questions, batch_size: int = 256) -> list[str]:
        """The most probable answer word to each question (strings) about each image."""
        inputs, words = question_ids(questions)
        vocabulary = language.tokenizer().vocabulary
        chosen = []
        for i in range(0, len(inputs), batch_size):
            logits = self.answer_logits({"images": images[i:i + batch_size], "questions": inputs[i:i + batch_size],
                                         "words": words[i:i + batch_size]})
            chosen.append(ops.convert_to_numpy(logits)[:, :len(vocabulary)].argmax(-1))
        return [vocabulary[k] for k in np.concatenate(chosen)]

    def get_config(self):
        return {**super().get_config(), "language_model": keras.saving.serialize_keras_object(self.language_model),
                "image_shape": self.image_shape, "train_vision": self.train_vision}


@keras.saving.register_keras_serializable(package="toolkit")
class FrozenPrefix(VisualAdapter):
    """Eqs. 1-2: k soft-prompt embeddings from the image, before the question's words, into the frozen model."""

    def __init__(self, language_model, image_shape=(64, 64, 3), prefix_tokens: int = 4, train_vision: bool = True,
                 **kwargs):
        super().__init__(language_model, image_shape, train_vision, **kwargs)
        self.prefix_tokens = check_positive_int("prefix_tokens", prefix_tokens)
        self.prefix = keras.layers.Dense(self.prefix_tokens * self.dim, name="prefix")
        grid = self.vision_encoder.output.shape[1]
        self.prefix.build((None, grid * self.dim))

    def soft_prompt(self, images, training=False):
        """[p_1 … p_k] of Eq. 1: (B, k, d)."""
        x = self.features(images, training)
        flat = ops.reshape(x, (-1, x.shape[1] * self.dim))
        return ops.reshape(self.prefix(flat), (-1, self.prefix_tokens, self.dim))

    def text_logits(self, inputs, training=False):
        """Eq. 2: [bos, p_1 … p_k, q_1 …] with positions 0 … k + L, where a caption would stand in the text the
        model was pretrained on; returns the logits at bos and the question's positions (the prefix's dropped)."""
        lm = self.language_model
        words = lm.words(inputs["questions"])  # [bos, q_1 …]
        h = lm.add_positions(ops.concatenate([words[:, :1], self.soft_prompt(inputs["images"], training),
                                              words[:, 1:]], axis=1))
        for block in lm.blocks:
            h = block(h)
        logits = lm.logits(h)
        return ops.concatenate([logits[:, :1], logits[:, 1 + self.prefix_tokens:]], axis=1)

    def get_config(self):
        return {**super().get_config(), "prefix_tokens": self.prefix_tokens}


@keras.saving.register_keras_serializable(package="toolkit")
class FlamingoMini(VisualAdapter):
    """Eqs. 3-4: R resampled visual tokens, read by a gated cross-attention layer before each frozen block.

    `train_gates=False` keeps every α at 0 (the lesson: then it is the blind language model, whatever else trains).
    """

    def __init__(self, language_model, image_shape=(64, 64, 3), latents: int = 8, train_gates: bool = True,
                 train_vision: bool = False, **kwargs):
        super().__init__(language_model, image_shape, train_vision, **kwargs)
        self.latents = check_positive_int("latents", latents)
        self.train_gates = bool(train_gates)
        grid = self.vision_encoder.output.shape[1]
        self.resampler = PerceiverResampler(self.latents, depth=1, heads=4, name="resampler")
        self.resampler.build((None, grid, self.dim))
        self.gated = [GatedCrossAttentionDense(heads=4, name=f"gated_{i + 1}")
                      for i in range(self.language_model.block_count)]
        for layer in self.gated:
            layer.build(((None, None, self.dim), (None, self.latents, self.dim)))
            if not self.train_gates:
                layer.alpha_xattn.trainable = layer.alpha_dense.trainable = False

    def gates(self) -> list[tuple[float, float]]:
        """(tanh α_xattn, tanh α_dense) of each gated layer: 0 at the start; how far each gate has opened."""
        return [(float(np.tanh(ops.convert_to_numpy(layer.alpha_xattn))),
                 float(np.tanh(ops.convert_to_numpy(layer.alpha_dense)))) for layer in self.gated]

    def text_logits(self, inputs, training=False):
        lm = self.language_model
        visual = self.resampler(self.features(inputs["images"], training), training=training)
        y = lm.embed(inputs["questions"])
        for gated, block in zip(self.gated, lm.blocks):
            y = block(gated([y, visual], training=training))
        return lm.logits(y)

    def get_config(self):
        return {**super().get_config(), "latents": self.latents, "train_gates": self.train_gates}


def accuracy_by_kind(questions, answers, said) -> dict[str, float]:
    """Answer accuracy per kind of question, and over all ("all")."""
    right = np.asarray([a == s for a, s in zip(answers, said)])
    kinds = np.asarray([kind(q) for q in questions])
    scores = {name: float(right[kinds == name].mean()) for name in KINDS if np.any(kinds == name)}
    return {"all": float(right.mean()), **scores}


# -- the pretrained vision encoder -----------------------------------------------------------
def scene_attributes(scenes) -> np.ndarray:
    """(N, 72) multi-hot targets of the encoder's pretraining: which (shape, colour) and (shape, size) pairs a scene
    holds, and for each shape whether it holds at least 1, 2, 3 of it."""
    from toolkit.data import shapes

    k, c, s = len(shapes.SHAPES), len(shapes.COLOUR_NAMES), len(shapes.SIZES)
    targets = np.zeros((len(scenes), k * c + k * s + 3 * k), np.float32)
    for i, count in enumerate(scenes.counts):
        classes, colours, sizes = scenes.classes[i, :count], scenes.colours[i, :count], scenes.sizes[i, :count]
        targets[i, classes * c + colours] = 1.0
        targets[i, k * c + classes * s + sizes] = 1.0
        for shape in set(classes.tolist()):
            seen = int(np.sum(classes == shape))
            targets[i, k * c + k * s + 3 * shape: k * c + k * s + 3 * shape + min(seen, 3)] = 1.0
    return targets


def pretrain_vision(scenes: int, seed: int, epochs: int, dim: int = 64):
    """f trained with a linear read-out of its flattened grid to ``scene_attributes`` (binary cross-entropy, Adam
    2e-3, batch 128) on `scenes` 64×64 scenes of `seed`; returns (f, read-out model, seconds)."""
    import time

    from toolkit.data import shapes
    from toolkit.train import fit

    data = shapes.scenes(scenes, seed=seed, size=64, min_objects=1, max_objects=3)
    targets = scene_attributes(data)
    keras.utils.set_random_seed(seed)
    encoder = vision_encoder((64, 64, 3), dim)
    readout = keras.Sequential([encoder, keras.layers.Flatten(), keras.layers.Dense(targets.shape[1])], name="readout")
    readout.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    started = time.perf_counter()
    fit(readout, data.images, targets, batch_size=128, epochs=epochs, seed=seed)
    return encoder, readout, time.perf_counter() - started


def attribute_scores(readout, scenes) -> dict[str, float]:
    """How well a pretrained read-out names held-out scenes' attributes: every bit right, and per bit."""
    predicted = ops.convert_to_numpy(readout.predict(scenes.images, verbose=0)) > 0
    truth = scene_attributes(scenes) > 0.5
    return {"every attribute right": float(np.mean((predicted == truth).all(1))),
            "per attribute": float(np.mean(predicted == truth))}


@functools.lru_cache(maxsize=1)
def _shipped_vision_weights() -> tuple:
    encoder = vision_encoder((64, 64, 3), VISION_RECIPE["dim"])
    encoder.load_weights(VISION_SHIPPED)
    return tuple(encoder.get_weights())


def load_pretrained_vision(model: VisualAdapter) -> VisualAdapter:
    """Sets `model`'s vision encoder to the shipped pretrained one (``python -m toolkit.multimodal.interface``)."""
    model.vision_encoder.set_weights(list(_shipped_vision_weights()))
    return model


def vision_facts() -> dict:
    return json.loads(VISION_SHIPPED.with_suffix("").with_suffix(".json").read_text())


def main() -> None:
    """Pretrains the shipped vision encoder at ``VISION_RECIPE``, scores it on held-out scenes and writes it."""
    from toolkit.data import shapes

    encoder, readout, seconds = pretrain_vision(**VISION_RECIPE)
    scores = attribute_scores(readout, shapes.scenes(VISION_CHECK["scenes"], seed=VISION_CHECK["seed"], size=64))
    print(f"pretrained in {seconds:.0f} s on {os.cpu_count()} cores; held-out {scores}")
    VISION_SHIPPED.parent.mkdir(parents=True, exist_ok=True)
    encoder.save_weights(VISION_SHIPPED)
    facts = {**VISION_RECIPE, "held_out": VISION_CHECK, **{k: round(v, 4) for k, v in scores.items()},
             "train_seconds": round(seconds, 1), "cores": os.cpu_count()}
    VISION_SHIPPED.with_suffix("").with_suffix(".json").write_text(json.dumps(facts, indent=2) + "\n")
    print(f"wrote {VISION_SHIPPED} ({VISION_SHIPPED.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
