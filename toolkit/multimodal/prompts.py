"""Prompt learning on a frozen CLIP: CoOp (Zhou et al. 2022) and CoCoOp (Zhou et al. 2022b).

A hand-written prompt puts words before the class name ("a {}"). CoOp learns those words
instead: M context vectors, fed to the frozen text encoder in place of word embeddings, trained
with the cross-entropy of Eq. 2 on a few labelled images of the base classes. The same vectors
then serve any class name, but, learned for the base classes only, they fit them and lose some of
the hand prompt's generality on novel classes. CoCoOp adds a small Meta-Net that turns each
image's embedding into a shift π(x) of every context vector, so the prompt follows the image
rather than the base classes: better on novel classes, at the price of one text-encoder pass per
image and class.

    (1) t_c = [v_1, …, v_M, e(c)]                          CoOp's prompt of class c (e(c): c's word vectors)
    (2) w_c = normalize(W_T g(t_c))                         its text embedding (frozen g and W_T)
    (3) p(y = c | x) = softmax_c(e^s u(x)ᵀ w_c)             trained on the base classes, CE loss
    (4) π(x) = W_2 ReLU(W_1 u(x)),  v_m(x) = v_m + π(x)     CoCoOp's Meta-Net, one prompt per image
    (5) H = 2 · base · novel / (base + novel)               the harmonic mean reported in the papers

| symbol | name |
|---|---|
| v_1 … v_M | ``PromptLearner.context`` (M × D) |
| W_1, W_2 | ``meta_hidden``, ``meta_out`` (CoCoOp only) |
| u(x), g, W_T, s | the frozen ``CLIP``'s ``encode_images``, ``text_encoder``, ``text_projection``, ``logit_scale`` |
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_int

METHODS = ("coop", "cocoop")


@keras.saving.register_keras_serializable(package="toolkit")
class PromptLearner(keras.Model):
    """Eqs. 1-4: ``learner(images)`` is the (B, C) logits of the images over `class_names`.

    Only the context vectors (and CoCoOp's Meta-Net) learn; the CLIP stays as it is (its
    weights are not in ``train_step``'s update). ``logits(images, names)`` puts the same
    learned prompts before other class names (the novel ones).

    Args:
        clip: a trained ``toolkit.multimodal.clip.CLIP``.
        class_names: the classes the logits range over (one or more words each).
        context: M, the number of learned context vectors.
        meta: False for CoOp, True for CoCoOp (Eq. 4).
        meta_hidden: width of the Meta-Net's hidden layer.
    """

    def __init__(self, clip, class_names, *, context: int = 4, meta: bool = False, meta_hidden: int = 16, **kwargs):
        super().__init__(**kwargs)
        if isinstance(clip, dict):
            clip = keras.saving.deserialize_keras_object(clip)
        self.clip = clip
        self.context_length = check_int("context", context, 1, 16)
        self.meta, self.meta_hidden = bool(meta), check_int("meta_hidden", meta_hidden, 1, 1024)
        self.class_names = _names(class_names)
        dim = clip.text_dim
        # v_m start as random word-sized vectors (CoOp's random initialization)
        scale = float(np.std(ops.convert_to_numpy(clip.text_encoder.embedding.embeddings))) * np.sqrt(dim)
        self.context = self.add_weight(shape=(self.context_length, dim), name="context",
                                       initializer=keras.initializers.RandomNormal(stddev=scale))
        if self.meta:
            self.meta_net = keras.Sequential([keras.Input((clip.embed_dim,)),
                                              keras.layers.Dense(self.meta_hidden, activation="relu", name="meta_hidden"),
                                              keras.layers.Dense(dim, name="meta_out")], name="meta_net")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    @property
    def prompt_weights(self) -> list:
        """What learns: the context vectors, and the Meta-Net for CoCoOp."""
        return [self.context, *(self.meta_net.trainable_weights if self.meta else [])]

    def class_tokens(self, class_names=None) -> np.ndarray:
        """(C, L) word ids of the class names (the learner's by default), padded after, cut to the longest."""
        tokens = self.clip.tokenize(self.class_names if class_names is None else _names(class_names))
        return tokens[:, :max(int(np.max(np.sum(tokens != 0, axis=1))), 1)]

    def text_embeddings(self, shift=None, class_names=None):
        """Eqs. 1-2: w_c (C, E); with CoCoOp's `shift` π (B, D), one set per image (B, C, E)."""
        tokens = ops.convert_to_tensor(self.class_tokens(class_names))
        classes, length = tokens.shape
        names = self.clip.text_encoder.embed(tokens)  # (C, L, D)
        mask = ops.concatenate([ops.ones((classes, self.context_length), "bool"), ops.not_equal(tokens, 0)], axis=1)
        if shift is None:
            context = ops.broadcast_to(self.context[None], (classes, *self.context.shape))
            return self.clip.encode_embedded(ops.concatenate([context, names], axis=1), mask)
        batch = ops.shape(shift)[0]
        context = self.context[None, None] + shift[:, None, None, :]  # (B, 1, M, D): Eq. 4
        context = ops.broadcast_to(context, (batch, classes, *self.context.shape))
        names = ops.broadcast_to(names[None], (batch, classes, length, names.shape[-1]))
        prompts = ops.reshape(ops.concatenate([context, names], axis=2), (-1, self.context_length + length,
                                                                             names.shape[-1]))
        mask = ops.reshape(ops.broadcast_to(mask[None], (batch, *mask.shape)), (-1, mask.shape[-1]))
        return ops.reshape(self.clip.encode_embedded(prompts, mask), (batch, classes, -1))

    def call(self, images, training=False):
        return self.logits(images, training=training)

    def logits(self, images, class_names=None, training=False):
        """Eq. 3's logits (B, C) over `class_names` (the learner's classes by default)."""
        u = ops.stop_gradient(self.clip.encode_images(images))  # (B, E), the frozen image side
        if not self.meta:
            w = self.text_embeddings(class_names=class_names)
            return self.clip.scale() * ops.matmul(u, ops.transpose(w))
        w = self.text_embeddings(self.meta_net(u, training=training), class_names)  # (B, C, E)
        return self.clip.scale() * ops.einsum("be,bce->bc", u, w)

    def train_step(self, data):
        import tensorflow as tf

        images, labels = data[0], data[1]
        with tf.GradientTape() as tape:
            logits = self(images, training=True)
            loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        weights = self.prompt_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, labels, logits)

    def test_step(self, data):
        logits = self(data[0], training=False)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(data[1], logits, from_logits=True))
        return self._track(loss, data[1], logits)

    def _track(self, loss, labels, logits):
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(labels, logits)
        return {"loss": self.loss_tracker.result(), "accuracy": self.accuracy_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "clip": keras.saving.serialize_keras_object(self.clip),
                "class_names": list(self.class_names), "context": self.context_length, "meta": self.meta,
                "meta_hidden": self.meta_hidden}


def _names(class_names) -> tuple[str, ...]:
    names = (class_names,) if isinstance(class_names, str) else tuple(class_names)
    if not names or not all(isinstance(name, str) and name.strip() for name in names):
        raise ValueError(f"`class_names` must be one or more non-empty strings, received {class_names!r}.")
    return names


def accuracy(learner, images, labels, class_names=None, batch_size: int = 256) -> float:
    """Share of `images` whose largest logit over `class_names` (the learner's by default) is their label."""
    logits = np.concatenate([ops.convert_to_numpy(learner.logits(images[i:i + batch_size], class_names))
                             for i in range(0, len(images), batch_size)])
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))


def harmonic_mean(base: float, novel: float) -> float:
    """Eq. 5."""
    return 0.0 if base + novel == 0 else 2.0 * base * novel / (base + novel)
