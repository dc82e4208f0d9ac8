"""Beyond one vector per image: FILIP's token-wise similarity and STAIR's sparse vocabulary embedding.

CLIP compares one image vector u with one text vector v (``toolkit.multimodal.clip``). The notes list two
ways to compare finer pieces, or to make the shared space readable:

FILIP (the notes: "TOKEN WISE SIMILARITY (sim. between each token in text and each patch in the image),
POOLING and AGGREGATION (max pooling to aggregate similarities)"). With unit patch vectors u_1..u_P of
image i and unit token vectors v_1..v_T of text j (padding excluded):

    (1) s_{pt} = u_p · v_t                                   every patch against every word
    (2) sim_{I→T}(i, j) = 1/P Σ_p max_t s_{pt}              each patch finds its best word
    (3) sim_{T→I}(i, j) = 1/T Σ_t max_p s_{pt}              each word finds its best patch

With one patch and one token both equal CLIP's cosine u · v.

STAIR (the notes: "each dimension of the vector corresponds to a vocabulary word ... a non-negative scalar
value, indicating the token's importance ... TOKEN PROJECTION HEAD"). Every token's hidden vector h_t is
projected onto the V words of the vocabulary; the embedding is the largest non-negative, log-damped score
each word gets from any token, and a FLOPs regularizer (Paria et al. 2020) pushes most words to exactly 0:

    (4) w_k = max_t log(1 + ReLU(h_t W_k + b_k)),  k = 1..V     w ∈ R^V_{≥0}, sparse
    (5) sim(image, text) = w_image · w_text
    (6) FLOPs(w) = Σ_k ( 1/B Σ_b w_{bk} )²                   over a batch of B embeddings

``top_words`` names the words of a STAIR embedding with the largest weights: the interpretable dimensions.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_positive_int

LATEX = {
    "token_wise": r"\mathrm{sim}_{I \to T}(i, j) = \frac{1}{P} \sum_{p} \max_{t}\, u_p^\top v_t,\qquad "
                  r"\mathrm{sim}_{T \to I}(i, j) = \frac{1}{T} \sum_{t} \max_{p}\, u_p^\top v_t",
    "stair": r"w_k = \max_t \log\big(1 + \mathrm{ReLU}(h_t^\top W_k + b_k)\big),\qquad "
             r"\mathrm{sim} = w_{\text{image}}^\top w_{\text{text}}",
    "flops": r"\mathrm{FLOPs}(w) = \sum_{k=1}^{V} \Big(\frac{1}{B} \sum_{b=1}^{B} w_{bk}\Big)^2",
}


def _token_mask(tokens, token_mask):
    if token_mask is None:
        return ops.ones(ops.shape(tokens)[:2], "float32")
    return ops.cast(token_mask, "float32")


def token_wise_similarity(patches, tokens, token_mask=None):
    """Eqs. 1-3 for every image against every text: (sim_I→T, sim_T→I), each (B_images, B_texts).

    Args:
        patches: (B_images, P, D) patch vectors (normalize them first for cosines, as FILIP does).
        tokens: (B_texts, T, D) token vectors.
        token_mask: optional (B_texts, T), 1 on words and 0 on padding; padding is never a best word and does
            not count in the mean of Eq. 3.
    """
    patches, tokens = ops.convert_to_tensor(patches, "float32"), ops.convert_to_tensor(tokens, "float32")
    mask = _token_mask(tokens, token_mask)  # (Bt, T)
    scores = ops.einsum("ipd,jtd->ijpt", patches, tokens)  # Eq. 1: (Bi, Bt, P, T)
    words = mask[None, :, None, :]  # (1, Bt, 1, T)
    best_word = ops.max(ops.where(words > 0, scores, -1e9), axis=3)  # (Bi, Bt, P)
    image_to_text = ops.mean(best_word, axis=2)  # Eq. 2
    best_patch = ops.max(scores, axis=2)  # (Bi, Bt, T)
    text_to_image = ops.sum(best_patch * mask[None], axis=2) / ops.maximum(ops.sum(mask, axis=1)[None], 1.0)  # Eq. 3
    return image_to_text, text_to_image


def global_similarity(patches, tokens, token_mask=None):
    """CLIP's cosine of the mean patch and the mean word (both normalized): the baseline of Eqs. 2-3."""
    mask = _token_mask(ops.convert_to_tensor(tokens), token_mask)
    u = ops.mean(ops.convert_to_tensor(patches, "float32"), axis=1)
    v = ops.sum(ops.convert_to_tensor(tokens, "float32") * mask[..., None], axis=1) / ops.maximum(
        ops.sum(mask, axis=1, keepdims=True), 1.0)
    u = u / ops.maximum(ops.norm(u, axis=-1, keepdims=True), 1e-12)
    v = v / ops.maximum(ops.norm(v, axis=-1, keepdims=True), 1e-12)
    return ops.matmul(u, ops.transpose(v))


@keras.saving.register_keras_serializable(package="toolkit")
class TokenProjectionHead(keras.layers.Layer):
    """STAIR's head, Eq. 4: hidden states (B, T, d) [and a (B, T) token mask] -> w (B, V), w ≥ 0.

    ``head(hidden, token_mask=None)``: padding tokens (token_mask 0) give no word any weight. `bias` starts every
    b_k there: 0 (Keras's default) leaves about half the words dead (ReLU at 0, no gradient) from the first step;
    a positive bias starts every word alive and leaves it to the FLOPs regularizer to switch words off.
    """

    def __init__(self, vocabulary_size: int, bias: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_positive_int("vocabulary_size", vocabulary_size)
        self.bias = float(bias)
        self.projection = keras.layers.Dense(self.vocabulary_size, name="projection",
                                             bias_initializer=keras.initializers.Constant(self.bias))

    def build(self, input_shape):
        self.projection.build(input_shape)

    def call(self, hidden, token_mask=None):
        scores = ops.log1p(ops.relu(self.projection(hidden)))  # (B, T, V), each ≥ 0
        if token_mask is not None:
            scores = scores * ops.cast(token_mask, scores.dtype)[..., None]  # 0 is the smallest score: never the max
        return ops.max(scores, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.vocabulary_size)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "bias": self.bias}


def flops_regularizer(weights):
    """Eq. 6 over a batch of STAIR embeddings (B, V): small when most words are 0 in most embeddings."""
    weights = ops.convert_to_tensor(weights, "float32")
    return ops.sum(ops.square(ops.mean(weights, axis=0)))


def top_words(embedding, vocabulary, k: int = 5) -> list[tuple[str, float]]:
    """The k words of one STAIR embedding (V,) with the largest weights, largest first; zero weights left out."""
    embedding = np.asarray(embedding, np.float64).reshape(-1)
    if len(embedding) != len(vocabulary):
        raise ValueError(f"`embedding` must have one weight per word of the vocabulary ({len(vocabulary)}), "
                         f"received {len(embedding)}.")
    order = np.argsort(-embedding, kind="stable")[:check_positive_int("k", k)]
    return [(vocabulary[i], float(embedding[i])) for i in order if embedding[i] > 0]


def sparsity(embeddings, threshold: float = 0.0) -> float:
    """The share of zero (≤ threshold) weights in a batch of STAIR embeddings."""
    return float(np.mean(np.asarray(embeddings) <= threshold))
