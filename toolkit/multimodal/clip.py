"""CLIP: an image encoder and a text encoder trained to agree in one embedding space (Radford et al. 2021).

A batch of B images and their B captions gives a B × B similarity matrix; training pulls its
diagonal (the true pairs) up and every other entry down, from both sides. Afterwards any text
can be compared with any image: a class is named in a prompt ("a circle") and the image goes to
the class whose prompt it is most similar to (zero-shot classification), and a caption finds its
scenes (retrieval).

    (1) u_i = f(x_i) W_I / ‖f(x_i) W_I‖,   v_j = g(t_j) W_T / ‖g(t_j) W_T‖      the shared embedding
    (2) S_ij = e^s u_i · v_j,   s = log(1/τ) learned, clipped to [0, ln 100]     the similarity matrix
    (3) L = ½ [CE(S, I) + CE(Sᵀ, I)]                                              symmetric cross-entropy
    (4) w_c = normalize( Σ_k v(template_k(c)) / K )                               prompt ensembling (K = 1: one prompt)
    (5) ŷ(x) = argmax_c u(x) · w_c                                                zero-shot classification
    (6) recall@k = share of queries whose own pair is among its k most similar    retrieval

CE(S, I) is the cross-entropy of each row of S against the one-hot row of the identity: the
image i must pick its caption i among the batch's B captions (and, in Sᵀ, each caption its image).

| symbol | name |
|---|---|
| f, g | ``CLIP.image_encoder``, ``CLIP.text_encoder`` (masked mean of a transformer's outputs) |
| W_I, W_T | ``image_projection``, ``text_projection`` |
| s | ``logit_scale`` (e^s = 1/τ, at most 100 as in CLIP) |
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from toolkit.transformers.attention import EncoderBlock, SinusoidalPositionEncoding
from toolkit.validation import check_choice, check_float, check_int, check_positive_int

MAX_LOGIT_SCALE = math.log(100.0)  # CLIP clips e^s at 100
IMAGE_ENCODERS = ("cnn", "vit")
TEXT_LENGTH = 32  # tokens per caption; the longest shapes caption (three objects, positions) has 28


@keras.saving.register_keras_serializable(package="toolkit")
class LogitScaleClip(keras.constraints.Constraint):
    """Eq. 2's clip: s ∈ [0, ln 100] after every optimizer step, so e^s ∈ [1, 100]."""

    def __init__(self, max_value: float = MAX_LOGIT_SCALE):
        self.max_value = check_float("max_value", max_value, 0.0)

    def __call__(self, w):
        return ops.clip(w, 0.0, self.max_value)

    def get_config(self):
        return {"max_value": self.max_value}


def clip_loss(similarity):
    """Eq. 3 of a (B, B) similarity matrix S whose diagonal holds the true pairs: a scalar."""
    labels = ops.arange(ops.shape(similarity)[0])
    images_to_texts = keras.losses.sparse_categorical_crossentropy(labels, similarity, from_logits=True)
    texts_to_images = keras.losses.sparse_categorical_crossentropy(labels, ops.transpose(similarity),
                                                                   from_logits=True)
    return 0.5 * (ops.mean(images_to_texts) + ops.mean(texts_to_images))


def matching_accuracy(similarity):
    """Share of rows and columns of S whose largest entry is on the diagonal (in-batch top-1, both ways)."""
    labels = ops.arange(ops.shape(similarity)[0])
    rows = ops.equal(ops.argmax(similarity, axis=1), labels)
    columns = ops.equal(ops.argmax(similarity, axis=0), labels)
    return 0.5 * (ops.mean(ops.cast(rows, "float32")) + ops.mean(ops.cast(columns, "float32")))


def image_encoder(image_shape, width: int = 16, kind: str = "cnn") -> keras.Model:
    """f(x) of Eq. 1: (B, H, W, C) -> (B, F).

    "cnn": four stages of a 3 × 3 convolution (ReLU) and 2 × 2 max pooling, `width`, 2·width,
    4·width, 4·width channels, flattened, so the features keep where things are (captions say
    "top left"). (Strided convolutions instead of pooling are cheaper but, measured, do not tell
    a star from a circle after 8 epochs of supervised training; pooled, 0.99 after 5.)
    "vit": ``toolkit.transformers.vision.vit`` with 8 × 8 patches, its class token's output
    (2·width wide) as the features.
    """
    kind = check_choice("kind", kind, IMAGE_ENCODERS)
    width = check_positive_int("width", width)
    if kind == "vit":
        from toolkit.transformers.vision import vit

        model = vit(tuple(image_shape), 2 * width, patch_size=8, dim=2 * width, depth=2, heads=4, mlp_dim=4 * width)
        return keras.Model(model.input, model.get_layer("class_token_output").output, name="image_encoder")
    layers = [keras.Input(tuple(image_shape))]
    for index, channels in enumerate((width, 2 * width, 4 * width, 4 * width)):
        layers.append(keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv{index + 1}"))
        layers.append(keras.layers.MaxPooling2D(name=f"pool{index + 1}"))
    layers.append(keras.layers.Flatten(name="flatten"))
    return keras.Sequential(layers, name="image_encoder")


@keras.saving.register_keras_serializable(package="toolkit")
class TextEncoder(keras.layers.Layer):
    """g(t) of Eq. 1: word ids (B, T) -> (B, D), the mean over the non-padding tokens of a
    transformer encoder's outputs.

    ``embed(ids)`` and ``encode(embedded, mask)`` split the call so prompt learning (CoOp, in
    ``toolkit.multimodal.prompts``) can hand in vectors that are no word's embedding.
    """

    def __init__(self, vocabulary: int, dim: int = 64, heads: int = 4, blocks: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = check_positive_int("vocabulary", vocabulary)
        self.dim, self.heads = check_positive_int("dim", dim), check_positive_int("heads", heads)
        self.blocks = check_int("blocks", blocks, 1, 8)
        if self.dim % self.heads:
            raise ValueError(f"`dim` must be a multiple of `heads`, received dim={dim} and heads={heads}.")
        # E ~ N(0, 1/D), so √D · E has unit entries, as large as the position encoding: Keras's default
        # (uniform in ±0.05) lets the positions drown the words, and measured, CLIP then needs about
        # twice the epochs to match captions
        self.embedding = keras.layers.Embedding(self.vocabulary, self.dim, name="embedding",
                                                embeddings_initializer=keras.initializers.RandomNormal(
                                                    stddev=self.dim ** -0.5))
        self.position = SinusoidalPositionEncoding(name="position_encoding")
        self.encoder_blocks = [EncoderBlock(self.dim, self.heads, 2 * self.dim, name=f"block_{index + 1}")
                               for index in range(self.blocks)]

    def build(self, ids_shape):
        self.embedding.build(ids_shape)
        for block in self.encoder_blocks:
            block.build((*ids_shape, self.dim))

    def embed(self, ids):
        """√D · E(ids): (B, T) -> (B, T, D), no position yet."""
        return self.embedding(ids) * math.sqrt(self.dim)

    def states(self, embedded, mask, training=None):
        """(B, T, D) token vectors and (B, T) bool mask (True on tokens) -> (B, T, D), every token's output."""
        h = embedded + self.position(embedded)
        for block in self.encoder_blocks:
            h = block(h, source_mask=mask, training=training)
        return h

    def encode(self, embedded, mask, training=None):
        """(B, T, D) token vectors and (B, T) bool mask (True on tokens) -> (B, D), their masked mean."""
        h = self.states(embedded, mask, training=training)
        weights = ops.expand_dims(ops.cast(mask, h.dtype), -1)  # (B, T, 1)
        return ops.sum(h * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def call(self, ids, training=None):
        return self.encode(self.embed(ids), ops.not_equal(ids, 0), training=training)

    def compute_output_shape(self, ids_shape):
        return (ids_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "dim": self.dim, "heads": self.heads,
                "blocks": self.blocks}


def caption_vocabulary() -> list[str]:
    """Every word a shapes caption can hold (``toolkit.data.shapes``), in a fixed order."""
    from toolkit.data import shapes

    words = ["a", "an", "the", "and", "of", "at", "to", "in", "front", "shape", "shapes"]
    words += [*shapes.SHAPES, *shapes.PLURALS.values(), *shapes.COLOUR_NAMES, *shapes.SIZES,
              *shapes.NUMBER_WORDS, *shapes.ROWS, *shapes.COLUMNS, "left", "right", "above", "below", "behind"]
    return list(dict.fromkeys(words))


@keras.saving.register_keras_serializable(package="toolkit")
class CLIP(keras.Model):
    """Eqs. 1-3: ``model({"images": (B, H, W, C), "tokens": (B, T)})`` is the (B, B) matrix S.

    Args:
        image_shape: (H, W, C) of the images.
        vocabulary: the words in id order from id 2 (ids 0 and 1 are padding and unknown);
            ``caption_vocabulary()`` by default. ``tokenize`` maps texts to ids.
        embed_dim: width of the shared embedding (u and v).
        width: the image encoder's first channels (``image_encoder``).
        text_dim, heads, blocks: the text encoder's width, attention heads and blocks.
        image_kind: "cnn" or "vit" (``image_encoder``).
        temperature: τ at the start, e^s = 1/τ (CLIP starts at 0.07).
        text_length: tokens per text; longer texts are cut.

    Trains on Eq. 3 with its own ``train_step``; metrics ``loss`` and ``accuracy`` (in-batch
    matching, ``matching_accuracy``).
    """

    def __init__(self, image_shape=(64, 64, 3), vocabulary=None, *, embed_dim: int = 64, width: int = 16,
                 text_dim: int = 64, heads: int = 4, blocks: int = 1, image_kind: str = "cnn",
                 temperature: float = 0.07, text_length: int = TEXT_LENGTH, **kwargs):
        super().__init__(**kwargs)
        from toolkit.data.text import WordTokenizer

        self.image_shape = tuple(int(size) for size in image_shape)
        self.tokenizer = WordTokenizer(caption_vocabulary() if vocabulary is None else list(vocabulary))
        self.embed_dim = check_positive_int("embed_dim", embed_dim)
        self.width, self.text_dim = check_positive_int("width", width), check_positive_int("text_dim", text_dim)
        self.heads, self.blocks, self.image_kind = heads, blocks, check_choice("image_kind", image_kind, IMAGE_ENCODERS)
        self.temperature = check_float("temperature", temperature, 1.0 / 100.0, 1.0)
        self.text_length = check_int("text_length", text_length, 2, 256)
        self.image_encoder = self.build_image_encoder()
        self.text_encoder = TextEncoder(len(self.tokenizer), self.text_dim, heads, blocks, name="text_encoder")
        self.image_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="image_projection")
        self.text_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="text_projection")
        self.logit_scale = self.add_weight(shape=(), name="logit_scale", constraint=LogitScaleClip(),
                                           initializer=keras.initializers.Constant(math.log(1.0 / self.temperature)))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        self.text_encoder.build((None, self.text_length))
        self.image_projection.build(self.image_encoder.outputs[0].shape)
        self.text_projection.build((None, self.text_dim))
        self.built = True

    def build_image_encoder(self) -> keras.Model:
        """f of Eq. 1 (``image_encoder``): a subclass's own, e.g. FLIP's ViT that drops patches."""
        return image_encoder(self.image_shape, self.width, self.image_kind)

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    @property
    def vocabulary(self) -> list[str]:
        return self.tokenizer.vocabulary

    def tokenize(self, texts) -> np.ndarray:
        """(N, text_length) int32 ids of N texts, padded after (unknown words are id 1)."""
        return self.tokenizer.encode(texts, self.text_length, padding="post")

    def scale(self):
        """e^s of Eq. 2 (= 1/τ)."""
        return ops.exp(self.logit_scale)

    def encode_images(self, images, training=False):
        """u of Eq. 1: (B, H, W, C) -> (B, E), unit rows."""
        return _unit(self.image_projection(self.image_encoder(images, training=training)))

    def encode_texts(self, tokens, training=False):
        """v of Eq. 1: (B, T) ids -> (B, E), unit rows."""
        return _unit(self.text_projection(self.text_encoder(tokens, training=training)))

    def encode_embedded(self, embedded, mask, training=False):
        """v of Eq. 1 from token vectors (B, T, D) and their mask (prompt learning)."""
        return _unit(self.text_projection(self.text_encoder.encode(embedded, mask, training=training)))

    def call(self, inputs, training=False):
        images, tokens = _pair(inputs)
        u, v = self.encode_images(images, training), self.encode_texts(tokens, training)
        return self.scale() * ops.matmul(u, ops.transpose(v))  # Eq. 2, (B, B)

    def train_step(self, data):
        inputs = _pair(data)
        import tensorflow as tf

        with tf.GradientTape() as tape:
            # Step 1: embed the batch's images and captions and compare every pair, Eqs. 1-2
            similarity = self(inputs, training=True)
            # Step 2: each image must pick its caption, and each caption its image, Eq. 3
            loss = clip_loss(similarity)
        # Step 3: one step on both encoders, both projections and s (then s is clipped)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, similarity)

    def test_step(self, data):
        similarity = self(_pair(data), training=False)
        return self._track(clip_loss(similarity), similarity)

    def _track(self, loss, similarity):
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(matching_accuracy(similarity))
        return {"loss": self.loss_tracker.result(), "accuracy": self.accuracy_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "vocabulary": self.tokenizer.vocabulary[2:],
                "embed_dim": self.embed_dim, "width": self.width, "text_dim": self.text_dim, "heads": self.heads,
                "blocks": self.blocks, "image_kind": self.image_kind, "temperature": self.temperature,
                "text_length": self.text_length}


def _unit(x):
    return x / ops.maximum(ops.norm(x, axis=-1, keepdims=True), 1e-12)


def _pair(data):
    """(images, tokens) from ``{"images", "tokens"}``, or from ``fit``'s ``(x,)`` / ``(x, y)`` around it."""
    if isinstance(data, dict):
        return data["images"], data["tokens"]
    if isinstance(data[0], dict) or len(data) == 1:
        return _pair(data[0])
    return data[0], data[1]


# ---------------------------------------------------------------- using a trained CLIP (NumPy out)
def embed_images(model: CLIP, images, batch_size: int = 256) -> np.ndarray:
    """u of Eq. 1 for N images: (N, E) float32."""
    return np.concatenate([ops.convert_to_numpy(model.encode_images(images[i:i + batch_size]))
                           for i in range(0, len(images), batch_size)])


def embed_texts(model: CLIP, texts, batch_size: int = 256) -> np.ndarray:
    """v of Eq. 1 for N texts: (N, E) float32."""
    tokens = model.tokenize(texts)
    return np.concatenate([ops.convert_to_numpy(model.encode_texts(tokens[i:i + batch_size]))
                           for i in range(0, len(tokens), batch_size)])


def class_embeddings(model: CLIP, class_names, templates) -> np.ndarray:
    """Eq. 4: w_c (C, E), each class's prompts from every template averaged and renormalized.

    `templates` hold "{}" where the class name goes ("a {}"); one template is a single prompt.
    """
    templates = check_templates(templates)
    prompts = [template.format(name) for name in class_names for template in templates]
    v = embed_texts(model, prompts).reshape(len(class_names), len(templates), -1)  # (C, K, E)
    w = v.mean(axis=1)
    return w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)


def check_templates(templates) -> tuple[str, ...]:
    """Prompt templates: one or more strings, each with exactly one "{}" for the class name."""
    templates = (templates,) if isinstance(templates, str) else tuple(templates)
    if not templates:
        raise ValueError("`templates` must hold at least one prompt template, e.g. 'a {}'.")
    for template in templates:
        if not isinstance(template, str) or template.count("{}") != 1 or "{" in template.replace("{}", ""):
            raise ValueError(f"Each prompt template must hold the class name's place '{{}}' once (and no other "
                             f"braces), e.g. 'a {{}}', received {template!r}.")
    return templates


def zero_shot_predict(model: CLIP, images, class_names, templates) -> np.ndarray:
    """Eq. 5: the class index of each image (N,), from prompts only."""
    return np.argmax(embed_images(model, images) @ class_embeddings(model, class_names, templates).T, axis=1)


def recall_at_k(similarity, k: int) -> float:
    """Eq. 6 for queries along the rows of (N, N) `similarity` whose pair is the diagonal entry."""
    similarity = np.asarray(similarity)
    k = check_int("k", k, 1, similarity.shape[1])
    own = np.diagonal(similarity)[:, None]
    rank = (similarity > own).sum(axis=1)  # how many candidates beat the query's own pair
    return float(np.mean(rank < k))


def retrieval_recalls(model: CLIP, images, texts, ks=(1, 5)) -> dict:
    """Recall@k both ways on N (image, caption) pairs: {"image → text": {k: r}, "text → image": {k: r}}."""
    similarity = embed_images(model, images) @ embed_texts(model, texts).T  # (N, N): rows images
    return {"image → text": {k: recall_at_k(similarity, k) for k in ks},
            "text → image": {k: recall_at_k(similarity.T, k) for k in ks}}


def search(model: CLIP, text: str, images, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the `k` images most similar to `text`, and their cosine similarities."""
    scores = embed_images(model, images) @ embed_texts(model, [text])[0]
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]
