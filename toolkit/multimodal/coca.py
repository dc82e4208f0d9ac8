"""CoCa, contrastive captioners (Yu et al., 2022), with SimVLM's prefix language modelling as its captioning half.

Notes, LARGE MULTIMODAL MODELS: "CoCa: enhances CLIP by adding a generative branch allowing model to captioning
images. [...] jointly trained using a contrastive loss and a captioning loss. [...] Multimodal decoder
cross-attending to image encoder outputs to learn multimodal representations. Model not only creates a global
representation of the text, but also predicts word by word the text associated with the image." And "SimVLM
[...] generating text sequentially, using the preceding tokens and visual context to predict each subsequent
word":

    (1) H = f(x) ∈ R^{N×d}                               the image's tokens: a conv stem's grid, with positions
    (2) u = AttnPool_1(H),  M = AttnPool_q(H)            task-specific attentional pooling: one learned query
                                                         for the contrastive embedding, q for the decoder
    (3) [h_0, …, h_L, h_cls] = UniDec([bos, w_1, …, w_L, cls])
                                                         the unimodal text decoder: causal self-attention, no
                                                         image; h_cls (it has read every word) embeds the text
    (4) p(w_{t+1} | w_≤t, x) = softmax(MultiDec(h_≤t, M) W_o)
                                                         the multimodal decoder: causal self-attention and
                                                         cross-attention to M
    (5) L_con = CLIP's Eq. 3 on S_ij = e^s û_i · v̂_j,  û = unit(u W_I),  v̂ = unit(h_cls W_T)
    (6) L_cap = − mean over t ≤ L of log p(w_{t+1} | w_≤t, x),   w_{L+1} = eos
    (7) L = λ_con L_con + λ_cap L_cap

λ_cap = 0 is CLIP with a causal text encoder; λ_con = 0 is a captioner alone: SimVLM's prefix language model,
with the image as the prefix the words continue. Zero-shot classification works both ways: by the contrastive
embeddings (CLIP's Eq. 5) or, as a captioner must, by the likelihood of each class's prompt (Eq. 6 summed).

Token ids: the caption's words are the tokenizer's ids (0 = padding, after the words); the model adds three
of its own after the vocabulary V: bos = V, eos = V + 1, cls = V + 2 (``special_ids``).

Symbols -> names: f = "image_encoder", AttnPool = ``AttentionalPooler`` ("contrastive_pooler" with 1 query,
"caption_pooler" with q), UniDec = "unimodal_block_l" (``CausalBlock``), MultiDec = "multimodal_block_l"
(``toolkit.transformers.attention.DecoderBlock``), W_o = "vocabulary_head", W_I / W_T = "image_projection" /
"text_projection", s = "logit_scale", λ_con / λ_cap = `contrastive_weight` / `caption_weight`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.multimodal.clip import MAX_LOGIT_SCALE, LogitScaleClip, _pair, _unit, clip_loss
from toolkit.multimodal.dino import grid_encoding
from toolkit.transformers.attention import (DecoderBlock, EncoderBlock, MultiHeadAttention, SinusoidalPositionEncoding,
                                            _causal_mask_like)
from toolkit.validation import check_float, check_positive_int

LATEX = {
    "pool": r"u = \mathrm{AttnPool}_1(H),\quad M = \mathrm{AttnPool}_q(H)",
    "unimodal": r"[h_0, \dots, h_L, h_{cls}] = \mathrm{UniDec}([\mathrm{bos}, w_1, \dots, w_L, \mathrm{cls}])",
    "multimodal": r"p(w_{t+1} \mid w_{\le t}, x) = \mathrm{softmax}(\mathrm{MultiDec}(h_{\le t}, M)\,W_o)",
    "loss": r"\mathcal{L} = \lambda_{con}\,\mathcal{L}_{con} + \lambda_{cap}\,\mathcal{L}_{cap}",
    "contrastive": r"\mathcal{L}_{con} = \tfrac{1}{2}[\mathrm{CE}(S, I) + \mathrm{CE}(S^\top, I)],\ "
                   r"S_{ij} = e^s\,\hat u_i \cdot \hat v_j",
    "caption": r"\mathcal{L}_{cap} = -\tfrac{1}{L+1}\textstyle\sum_{t=0}^{L} \log p(w_{t+1} \mid w_{\le t}, x)",
}


def special_ids(vocabulary: int) -> dict[str, int]:
    return {"bos": vocabulary, "eos": vocabulary + 1, "cls": vocabulary + 2}


def decoder_inputs(tokens, vocabulary: int):
    """(inputs, targets, mask), each (B, T + 2), of word ids (B, T) padded with 0 after the words:
    inputs = [bos, w_1 … w_L, cls, 0 …], targets = [w_1 … w_L, eos, 0 …] (position t predicts token t + 1),
    mask = 1 on t ≤ L (the positions Eq. 6 counts). Also returns L (B,)."""
    tokens = ops.cast(ops.convert_to_tensor(tokens), "int32")
    batch, length = ops.shape(tokens)[0], ops.shape(tokens)[1]
    special = special_ids(vocabulary)
    words = ops.sum(ops.cast(tokens > 0, "int32"), axis=1)  # L
    positions = ops.expand_dims(ops.arange(length + 2, dtype="int32"), 0)
    padded = ops.concatenate([tokens, ops.zeros((batch, 2), "int32")], axis=1)
    shifted = ops.concatenate([ops.full((batch, 1), special["bos"], "int32"), padded[:, :-1]], axis=1)
    last = ops.expand_dims(words, 1)
    inputs = ops.where(positions == last + 1, special["cls"], shifted)
    targets = ops.where(positions == last, special["eos"], padded)
    return inputs, targets, ops.cast(positions <= last, "float32"), words


def caption_loss(logits, targets, mask):
    """Eq. 6: the mean cross-entropy over the counted positions (mask 1), every caption's positions alike."""
    per_token = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="toolkit")
class CausalBlock(EncoderBlock):
    """UniDec's block: an encoder block (pre-norm by default) whose self-attention is causal; no cross-attention."""

    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float = 0.0, norm_first: bool = True,
                 **kwargs):
        super().__init__(dim, heads, ffn_dim, dropout, norm_first, **kwargs)

    def call(self, x, training=None):
        causal = ops.expand_dims(_causal_mask_like(x), 0)  # (1, T, T): x_t sees x_0 … x_t
        x, = self._residual(x, self.norm_1, lambda h: self.self_attention(h, h, attention_mask=causal,
                                                                          training=training), training)
        x, = self._residual(x, self.norm_2, lambda h: self.ffn(h, training=training), training)
        return x


@keras.saving.register_keras_serializable(package="toolkit")
class AttentionalPooler(keras.layers.Layer):
    """AttnPool_q of Eq. 2: q learned queries attend to the tokens (B, N, d) -> (B, q, d), then LayerNorm."""

    def __init__(self, queries: int = 1, heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.queries, self.heads = check_positive_int("queries", queries), check_positive_int("heads", heads)

    def build(self, tokens_shape):
        dim = tokens_shape[-1]
        if dim % self.heads:
            raise ValueError(f"The tokens' width ({dim}) must be a multiple of `heads` ({self.heads}).")
        self.query = self.add_weight(name="query", shape=(1, self.queries, dim),
                                     initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.attention = MultiHeadAttention(self.heads, dim // self.heads, name="attention")
        self.attention.build((None, self.queries, dim), tokens_shape)
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")
        self.norm.build((None, self.queries, dim))

    def call(self, tokens):
        query = ops.broadcast_to(self.query, (ops.shape(tokens)[0], self.queries, ops.shape(self.query)[-1]))
        return self.norm(self.attention(query, tokens))

    def compute_output_shape(self, tokens_shape):
        return (tokens_shape[0], self.queries, tokens_shape[-1])

    def get_config(self):
        return {**super().get_config(), "queries": self.queries, "heads": self.heads}


def grid_tokens(images, filters) -> keras.KerasTensor:
    """One (3 × 3 convolution, ReLU, 2 × 2 max-pool) stage per entry of `filters`, then the grid's cells as tokens
    with grid positions: (B, H, W, C) -> (B, HW / 4^stages, filters[-1])."""
    x = images
    for stage, width in enumerate(filters):
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv_{stage + 1}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{stage + 1}")(x)
    rows, columns, dim = x.shape[1], x.shape[2], filters[-1]
    tokens = keras.layers.Reshape((rows * columns, dim), name="tokens")(x)
    positions = ops.convert_to_tensor(grid_encoding(rows, columns, dim))[None]
    return keras.layers.Add(name="positions")([tokens, positions])


def image_encoder(image_shape, dim: int, heads: int) -> keras.Model:
    """f of Eq. 1: three (3 × 3 convolution, ReLU, 2 × 2 max-pool) stages (a 32 × 32 image gives a 4 × 4 grid),
    grid positions, one pre-norm encoder block: (B, H, W, C) -> (B, HW/64, dim)."""
    images = keras.Input(image_shape)
    tokens = grid_tokens(images, (dim // 4, dim // 2, dim))
    tokens = EncoderBlock(dim, heads, 2 * dim, norm_first=True, name="block")(tokens)
    return keras.Model(images, keras.layers.LayerNormalization(epsilon=1e-5, name="norm")(tokens),
                       name="image_encoder")


@keras.saving.register_keras_serializable(package="toolkit")
class CoCa(keras.Model):
    """Eqs. 1-7 for (H, W, C) images in [0, 1] and word ids (B, T) from a tokenizer of `vocabulary` ids.

    ``fit(images, tokens)`` minimizes Eq. 7; metrics "loss", "contrastive" and "caption".
    ``encode_images`` / ``encode_texts`` give Eq. 5's unit embeddings; ``next_logits`` Eq. 4's;
    ``caption(images)`` decodes greedily; ``caption_log_likelihood(images, tokens)`` scores given captions.
    """

    def __init__(self, image_shape=(32, 32, 3), vocabulary: int = 32, *, dim: int = 64, heads: int = 4,
                 unimodal_blocks: int = 1, multimodal_blocks: int = 1, caption_queries: int = 8,
                 embed_dim: int = 32, text_length: int = 8, contrastive_weight: float = 1.0,
                 caption_weight: float = 1.0, temperature: float = 0.07, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(v) for v in image_shape)
        self.vocabulary = check_positive_int("vocabulary", vocabulary)
        self.dim, self.heads = check_positive_int("dim", dim), check_positive_int("heads", heads)
        if self.dim % (2 * self.heads) or self.dim % 4:
            raise ValueError(f"`dim` must be a multiple of 4 and of 2 × heads, received dim={dim}, heads={heads}.")
        self.unimodal_blocks = check_positive_int("unimodal_blocks", unimodal_blocks)
        self.multimodal_blocks = check_positive_int("multimodal_blocks", multimodal_blocks)
        self.caption_queries = check_positive_int("caption_queries", caption_queries)
        self.embed_dim = check_positive_int("embed_dim", embed_dim)
        self.text_length = check_positive_int("text_length", text_length)
        self.contrastive_weight = check_float("contrastive_weight", contrastive_weight, 0.0)
        self.caption_weight = check_float("caption_weight", caption_weight, 0.0)
        if self.contrastive_weight == 0 and self.caption_weight == 0:
            raise ValueError("At least one of `contrastive_weight` and `caption_weight` must be positive: "
                             "with both 0 nothing is learned.")
        self.temperature = check_float("temperature", temperature, 1.0 / 100.0, 1.0)
        self.special = special_ids(self.vocabulary)
        self.image_encoder = image_encoder(self.image_shape, self.dim, self.heads)
        self.contrastive_pooler = AttentionalPooler(1, self.heads, name="contrastive_pooler")
        self.caption_pooler = AttentionalPooler(self.caption_queries, self.heads, name="caption_pooler")
        self.embedding = keras.layers.Embedding(self.vocabulary + 3, self.dim, name="embedding")
        self.positions = SinusoidalPositionEncoding(name="positions")
        self.unimodal = [CausalBlock(self.dim, self.heads, 2 * self.dim, name=f"unimodal_block_{i + 1}")
                         for i in range(self.unimodal_blocks)]
        self.unimodal_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="unimodal_norm")
        self.multimodal = [DecoderBlock(self.dim, self.heads, 2 * self.dim, norm_first=True,
                                        name=f"multimodal_block_{i + 1}") for i in range(self.multimodal_blocks)]
        self.multimodal_norm = keras.layers.LayerNormalization(epsilon=1e-5, name="multimodal_norm")
        self.vocabulary_head = keras.layers.Dense(self.vocabulary + 2, name="vocabulary_head")  # words and eos
        self.image_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="image_projection")
        self.text_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="text_projection")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "contrastive", "caption")}

    def build(self, input_shape=None):
        if self.built:
            return
        tokens = (None, self.image_encoder.output.shape[1], self.dim)
        self.contrastive_pooler.build(tokens)
        self.caption_pooler.build(tokens)
        text = (None, self.text_length + 2, self.dim)
        self.embedding.build((None, self.text_length + 2))
        for block in self.unimodal:
            block.build(text)
        self.unimodal_norm.build(text)
        for block in self.multimodal:
            block.build(text, (None, self.caption_queries, self.dim))
        self.multimodal_norm.build(text)
        self.vocabulary_head.build(text)
        self.image_projection.build((None, self.dim))
        self.text_projection.build((None, self.dim))
        scale = min(float(np.log(1.0 / self.temperature)), MAX_LOGIT_SCALE)
        self.logit_scale = self.add_weight(name="logit_scale", shape=(), constraint=LogitScaleClip(),
                                           initializer=keras.initializers.Constant(scale))
        self.built = True

    # -- Eqs. 1-4 --------------------------------------------------------------------
    def image_features(self, images, training=False):
        """(u (B, d), M (B, q, d)) of Eq. 2."""
        tokens = self.image_encoder(ops.convert_to_tensor(images, "float32"), training=training)
        return self.contrastive_pooler(tokens)[:, 0], self.caption_pooler(tokens)

    def unimodal_states(self, inputs, training=False):
        """[h_0 … h_{T+1}] of Eq. 3 for decoder inputs (B, T + 2); no image is read."""
        h = self.embedding(inputs)
        h = h + self.positions(h)
        for block in self.unimodal:
            h = block(h, training=training)
        return self.unimodal_norm(h)

    def multimodal_logits(self, states, memory, training=False):
        """Eq. 4's logits (B, T + 2, V + 2) from the unimodal states and the pooled image tokens M."""
        for block in self.multimodal:
            states = block(states, memory, training=training)
        return self.vocabulary_head(self.multimodal_norm(states))

    def image_embedding(self, u):
        """û of Eq. 5."""
        return _unit(self.image_projection(u))

    def text_embedding(self, states, words):
        """v̂ of Eq. 5: the text's cls state, at position L + 1, projected to unit length."""
        cls = ops.take_along_axis(states, ops.reshape(words + 1, (-1, 1, 1)), axis=1)[:, 0]
        return _unit(self.text_projection(cls))

    def losses_of(self, images, tokens, training=False):
        """(L, L_con, L_cap) of Eq. 7 for a batch of pairs."""
        inputs, targets, mask, words = decoder_inputs(tokens, self.vocabulary)
        u, memory = self.image_features(images, training)
        states = self.unimodal_states(inputs, training)
        image, text = self.image_embedding(u), self.text_embedding(states, words)
        contrastive = clip_loss(ops.exp(self.logit_scale) * ops.matmul(image, ops.transpose(text)))
        caption = caption_loss(self.multimodal_logits(states, memory, training), targets, mask)
        return self.contrastive_weight * contrastive + self.caption_weight * caption, contrastive, caption

    def call(self, inputs, training=False):
        """[images, tokens] -> Eq. 4's logits (B, T + 2, V + 2) of the teacher-forced captions."""
        images, tokens = inputs
        ids = decoder_inputs(tokens, self.vocabulary)[0]
        _, memory = self.image_features(images, training)
        return self.multimodal_logits(self.unimodal_states(ids, training), memory, training)

    def train_step(self, data):
        images, tokens = _pair(data)
        with tf.GradientTape() as tape:
            loss, contrastive, caption = self.losses_of(images, tokens, training=True)
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, contrastive, caption)

    def test_step(self, data):
        return self._track(*self.losses_of(*_pair(data)))

    def _track(self, loss, contrastive, caption):
        for name, value in (("loss", loss), ("contrastive", contrastive), ("caption", caption)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- NumPy helpers: embeddings, captions, likelihoods -------------------------------
    def encode_images(self, images, batch_size: int = 256) -> np.ndarray:
        return np.concatenate([ops.convert_to_numpy(self.image_embedding(self.image_features(
            images[i:i + batch_size])[0])) for i in range(0, len(images), batch_size)])

    def encode_texts(self, tokens, batch_size: int = 256) -> np.ndarray:
        rows = []
        for i in range(0, len(tokens), batch_size):
            inputs, _, _, words = decoder_inputs(tokens[i:i + batch_size], self.vocabulary)
            rows.append(ops.convert_to_numpy(self.text_embedding(self.unimodal_states(inputs), words)))
        return np.concatenate(rows)

    def caption_log_likelihood(self, images, tokens) -> np.ndarray:
        """log p(caption | image) of Eq. 6, summed over the words and eos: (B,) for B pairs."""
        _, targets, mask, _ = decoder_inputs(tokens, self.vocabulary)
        logits = self([images, tokens])  # teacher forcing
        log_p = -keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        return ops.convert_to_numpy(ops.sum(log_p * mask, axis=1))

    def caption(self, images, max_words: int | None = None) -> np.ndarray:
        """Greedy decoding of Eq. 4: word ids (B, T) padded with 0, stopping at eos (or after T words)."""
        max_words = self.text_length if max_words is None else min(check_positive_int("max_words", max_words),
                                                                     self.text_length)
        images = np.asarray(images, np.float32)
        _, memory = self.image_features(images)
        batch = len(images)
        words = np.zeros((batch, self.text_length), np.int32)
        done = np.zeros(batch, bool)
        inputs = np.zeros((batch, self.text_length + 2), np.int32)
        inputs[:, 0] = self.special["bos"]
        for t in range(max_words):
            logits = ops.convert_to_numpy(self.multimodal_logits(self.unimodal_states(inputs), memory))[:, t]
            logits[:, [0, self.special["bos"]]] = -np.inf  # neither padding nor bos is ever a word
            chosen = logits.argmax(-1)
            done |= chosen == self.special["eos"]
            words[:, t] = np.where(done, 0, chosen)
            inputs[:, t + 1] = words[:, t]
            if done.all():
                break
        return words

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "vocabulary": self.vocabulary,
                "dim": self.dim, "heads": self.heads, "unimodal_blocks": self.unimodal_blocks,
                "multimodal_blocks": self.multimodal_blocks, "caption_queries": self.caption_queries,
                "embed_dim": self.embed_dim, "text_length": self.text_length,
                "contrastive_weight": self.contrastive_weight, "caption_weight": self.caption_weight,
                "temperature": self.temperature}
