"""The encoder-decoder transformer (Vaswani et al. 2017) for the translators of Chapter 7.

No recurrence: the encoder's N blocks read every source character at once, the decoder's N blocks
every target character at once (teacher forcing; the causal mask keeps y_t from seeing y_>t):

    (1) x_j = √d · E_x x_j + PE_j                 time-signal embeddings of the source (Eq. 6 of attention)
    (2) z = EncoderBlock_N(… EncoderBlock_1(x))   self-attention + FFN, residuals and LayerNorm (Eq. 7)
    (3) u_t = √d · E_y y_{t−1} + PE_t             the decoder's inputs, y_0 = <start>
    (4) s = DecoderBlock_N(… DecoderBlock_1(u, z)) masked self-attention, attention over z, FFN (Eq. 8)
    (5) P(y_t | y_<t, x) = softmax(W_s s_t)

The model has the inputs and the two parts of ``toolkit.sequence.seq2seq``'s translators: inputs
"source" (B, S) and "decoder_inputs" (B, T); an "encoder" model (source -> z) and a "decoder"
model ([source (for the padding mask), z, decoder inputs] -> logits), so ``seq2seq.translate``
decodes it greedily and ``seq2seq.run_translation`` trains it beside the RNNs unchanged.

Measured on 2 CPU cores (nothing else running), 10,000 dates (8,000 to train on), batch 64, greedy
exact match on the 2,000 held-out dates after each epoch, ``toolkit.train.fit`` (seconds: training
only, the first epoch's ~5.5 s of tracing included); d = 64, h = 4, d_ff = 128, post-norm, no dropout:

    epoch                         1              2              3              4              5
    Bahdanau (64), Adam 0.005  0.403 ( 8 s)   0.968 (10 s)   0.991 (13 s)   0.996 (15 s)
    N = 1, Adam 0.003          0.599 ( 8 s)   0.805 ( 9 s)   0.926 (11 s)   0.923 (13 s)   0.979 (15 s)
    N = 1, Adam 0.002          0.622 ( 8 s)   0.796 (10 s)   0.870 (12 s)   0.905 (13 s)   0.967 (15 s)
    N = 2, Adam 0.002          0.571 (15 s)   0.906 (18 s)   0.955 (22 s)   0.966 (26 s)

An epoch costs one block a side 1.8 s against Bahdanau's 2.4 s, and it leads after one epoch, but
attention RNNs need fewer epochs on dates: Bahdanau passes 0.99 in 13 s, the transformer 0.97 in
15 s. Without warm-up Adam 0.005 is too large a step for the post-norm transformer (0.83 after 5
epochs; pre-norm, 0.87); a second block doubles the tracing (~14 s) and the cost of an epoch.

Symbols -> names: E_x, E_y = "source_embedding", "target_embedding"; PE = "position_encoding";
EncoderBlock_n = "encoder_block_n", DecoderBlock_n = "decoder_block_n"; W_s = "readout";
d = `dim`, N = `layers`, h = `heads`, the FFN's width = `ffn_dim`.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from toolkit.data.dates import SOURCE_LENGTH, SOURCE_VOCAB, TARGET_VOCAB
from toolkit.sequence.seq2seq import encoder_decoder, source_input, target_input
from toolkit.transformers.attention import DecoderBlock, EncoderBlock, SinusoidalPositionEncoding
from toolkit.validation import check_float, check_int, check_positive_int

MAX_LAYERS = 6  # the paper's N


@keras.saving.register_keras_serializable(package="toolkit")
class TokenAndPosition(keras.layers.Layer):
    """Eqs. 1 and 3: √d · E(ids) + PE, (B, T) ids -> (B, T, d); T may vary from call to call."""

    def __init__(self, vocabulary: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary, self.dim = check_positive_int("vocabulary", vocabulary), check_positive_int("dim", dim)
        self.embedding = keras.layers.Embedding(self.vocabulary, self.dim, name="embedding")
        self.position = SinusoidalPositionEncoding(name="position_encoding")

    def build(self, input_shape):
        self.embedding.build(input_shape)

    def call(self, ids):
        embedded = self.embedding(ids) * math.sqrt(self.dim)
        return embedded + self.position(embedded)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.dim)

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "dim": self.dim}


def transformer(dim: int = 64, heads: int = 4, layers: int = 2, ffn_dim: int = 128, *, dropout: float = 0.0,
                norm_first: bool = False, source_vocab: int = len(SOURCE_VOCAB),
                target_vocab: int = len(TARGET_VOCAB), source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 1-5 with N = `layers` blocks on each side; inputs and output as ``seq2seq.bahdanau``'s."""
    dim, heads, ffn_dim = (check_positive_int(name, value) for name, value in
                           (("dim", dim), ("heads", heads), ("ffn_dim", ffn_dim)))
    layers = check_int("layers", layers, 1, MAX_LAYERS)
    dropout = check_float("dropout", dropout, 0.0, 1.0, open_high=True)
    if dim % heads:
        raise ValueError(f"`dim` must be a multiple of `heads` (d_k = dim / heads), received dim={dim} and "
                         f"heads={heads}.")
    block = dict(dim=dim, heads=heads, ffn_dim=ffn_dim, dropout=dropout, norm_first=norm_first)
    encoder = _encoder(layers, block, source_vocab, source_length)
    decoder = _decoder(layers, block, target_vocab, source_length)
    return encoder_decoder(encoder, decoder, source_length, name="transformer")


def _encoder(layers, block, source_vocab, source_length):
    """source (B, S) -> z (B, S, d), Eqs. 1-2; id 0 is padding, never attended to."""
    source = source_input(source_length)
    z = TokenAndPosition(source_vocab, block["dim"], name="source_embedding")(source)  # Eq. 1, (B, S, d)
    for n in range(1, layers + 1):
        z = EncoderBlock(**block, name=f"encoder_block_{n}")(z, source_mask=source)  # Eq. 2, (B, S, d)
    if block["norm_first"]:  # a pre-norm stack ends with one more LayerNorm
        z = keras.layers.LayerNormalization(epsilon=1e-5, name="encoder_norm")(z)
    return keras.Model(source, z, name="encoder")


def _decoder(layers, block, target_vocab, source_length):
    """[source (B, S), z (B, S, d), decoder inputs (B, T)] -> logits (B, T, V), Eqs. 3-5; the source
    comes first (``seq2seq.translate`` passes it to decoders that read it), for the padding mask."""
    source, targets = source_input(source_length), target_input()
    memory = keras.Input((source_length, block["dim"]), name="memory")
    s = TokenAndPosition(target_vocab, block["dim"], name="target_embedding")(targets)  # Eq. 3, (B, T, d)
    for n in range(1, layers + 1):
        s = DecoderBlock(**block, name=f"decoder_block_{n}")(s, memory, memory_mask=source)  # Eq. 4, (B, T, d)
    if block["norm_first"]:
        s = keras.layers.LayerNormalization(epsilon=1e-5, name="decoder_norm")(s)
    logits = keras.layers.Dense(target_vocab, name="readout")(s)  # Eq. 5 (softmax in the loss)
    return keras.Model([source, memory, targets], logits, name="decoder")


def translator_parts(model):
    names = [layer.name for layer in model.layers]
    if "encoder" not in names or "decoder" not in names or not any(
            isinstance(layer, EncoderBlock) for layer in model.get_layer("encoder").layers):
        raise ValueError(f"`model` must be built by toolkit.transformers.transformer.transformer, received "
                         f"{getattr(model, 'name', model)!r}.")
    return model.get_layer("encoder"), model.get_layer("decoder")


def transformer_attention(model: keras.Model, source_ids, decoder_ids) -> dict:
    """Every block's attention weights A (Eq. 3), as NumPy, for (B, S) source and (B, T) decoder ids:
    {"encoder": [(B, h, S, S) per block], "decoder_self": [(B, h, T, T)], "cross": [(B, h, T, S)]}."""
    encoder, decoder = translator_parts(model)
    source = ops.convert_to_tensor(np.asarray(source_ids, np.int32))
    targets = ops.convert_to_tensor(np.asarray(decoder_ids, np.int32))
    found = {"encoder": [], "decoder_self": [], "cross": []}
    z = encoder.get_layer("source_embedding")(source)
    for block in _blocks(encoder, EncoderBlock):
        z, scores = block(z, source_mask=source, return_attention_scores=True)
        found["encoder"].append(scores)
    names = {layer.name for layer in encoder.layers}
    memory = encoder.get_layer("encoder_norm")(z) if "encoder_norm" in names else z  # a pre-norm stack's last LN
    s = decoder.get_layer("target_embedding")(targets)
    for block in _blocks(decoder, DecoderBlock):
        s, self_scores, cross_scores = block(s, memory, memory_mask=source, return_attention_scores=True)
        found["decoder_self"].append(self_scores)
        found["cross"].append(cross_scores)
    return {name: [ops.convert_to_numpy(w) for w in weights] for name, weights in found.items()}


def encoder_self_attention_layer(model: keras.Model, source_ids):
    """The first encoder block's input for (B, S) source ids, as NumPy (B, S, d), and its
    self-attention layer (post-norm: the block attends over its input; pre-norm: over its LN)."""
    encoder, _ = translator_parts(model)
    block = _blocks(encoder, EncoderBlock)[0]
    x = encoder.get_layer("source_embedding")(ops.convert_to_tensor(np.asarray(source_ids, np.int32)))
    if block.norm_first:
        x = block.norm_1(x)
    return ops.convert_to_numpy(x), block.self_attention


def _blocks(part, kind):
    return [layer for layer in part.layers if isinstance(layer, kind)]
