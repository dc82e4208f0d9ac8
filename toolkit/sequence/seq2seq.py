"""Sequence to sequence: the plain encoder-decoder, the same with Bahdanau or Luong attention, and GNMT.

An encoder reads the source x_1 … x_S; a decoder writes the target y_1 … y_T one character at a
time, each from the characters before it. The plain model (Sutskever, Vinyals & Le 2014; with
GRUs, Cho et al. 2014's RNN Enc-Dec) squeezes the whole source into one fixed context vector, the
encoder's last state, and the decoder starts from it. With attention (Bahdanau, Cho & Bengio 2015;
Luong, Pham & Manning 2015) a bidirectional encoder keeps one vector per source character and the
decoder looks back at them at every step:

    (1) h_S, c_S = LSTM_enc(E_x x_1 … E_x x_S)              the fixed context vector (plain seq2seq)
    (2) s_t = LSTM_dec(E_y y_{t−1}, s_{t−1}),  s_0 = h_S     y_0 = <start> (teacher forcing: the truth)
    (3) P(y_t | y_<t, x) = softmax(W_s s_t)                  plain seq2seq's output
    (4) h_j = [→h_j ; ←h_j]                                  bidirectional encoder, one vector per character
    (5) c_t = Σ_j a_tj h_j,  a_t = attention(s_t, h_1 … h_S) AdditiveAttention (Bahdanau, Eq. 1-3 of
                                                             toolkit.sequence.attention) or
                                                             LocalAttention (Luong local-p, Eq. 4-7)
    (6) s̃_t = tanh(W_c [c_t ; s_t])                         the attentional state
    (7) P(y_t | y_<t, x) = softmax(W_s s̃_t)                 the attention models' output

Eqs. 5-7 score the decoder's *current* state s_t, as Luong et al. do: one LSTM pass computes every
s_t from the teacher-forced inputs, then attention runs for all steps at once. The notes' (and
Bahdanau's) e_tj = a(s_{t−1}, h_j) scores the *previous* state and feeds c_t into the step that
makes s_t; here c_t reaches the output through Eq. 6 instead (Luong's global/local models without
"input feeding"). Either way P(y_t | …) depends on y_<t and x only, so the models are causal and
``translate`` decodes them greedily by feeding each prediction back. The attention models start
their decoder from the backward encoder's last state ←h_1 (Bahdanau's s_0 = tanh(W_s ←h_1),
without the extra layer); the plain models from the encoder's last state (Eq. 2). Cho et al.
also feed the context to every decoder step and to the output; ``seq2seq(cell="gru")`` keeps
Sutskever's wiring and swaps the cell only, so the two plain models differ in nothing else.

Measured on 2 CPU cores, 10,000 dates (8,000 to train on), units 64, batch 64, Adam 0.005, greedy
exact match on the 2,000 held-out dates after each epoch (seconds: training only, the first epoch's
~9 s of tracing included):

    epoch                      1              2              3              4              6
    Bahdanau              0.403 (13 s)   0.975 (17 s)   0.985 (21 s)   0.998 (25 s)   1.000 (32 s)
    seq2seq (LSTM)        0.017 ( 6 s)   0.256 ( 8 s)   0.578 ( 9 s)   0.758 (11 s)   0.953 (14 s)
    Luong local, D = 4    0.383          0.631          0.820          0.926

So Bahdanau passes 95% after 2 epochs, about 17-21 s of training (the target was 2 minutes). At
equal epochs attention wins by far; at equal seconds the plain model, 2.3 times cheaper per epoch,
keeps up (0.95-0.97 after 14-17 s): dates are at most 29 characters, and its exact match does not
fall with the source's length (the short numeric forms, "27.03.19", are the hardest for both).
Local attention (D = 4) places its window within each source's own length (Eq. 4 of
``toolkit.sequence.attention``); measured with that rule, 0.383, 0.631, 0.820 and 0.926 after
epochs 1-4, the row above. (With S the padded length, 29, a short source's window started on
padding, where it got no weight and no gradient: 0.001, 0.008, 0.045, 0.215.)

The bottleneck. A date holds about 15 bits (36,525 days) however long it is written, so its length
does not test the fixed context vector. Random digit strings do: `toolkit.data.reversal` writes 4 to
16 random digits backwards (3.3 bits a digit; Sutskever et al. reversed their sources, Bahdanau et al.
plot BLEU against sentence length), S = T = 16. Preset "bottleneck": 10,000 strings, units 64, batch
64, Adam 0.005, 3 epochs, greedy exact match on the 2,000 held-out strings by their number of digits:

    digits                  4     5     6     7     8     9    10    11    12    13    14    15    16   all  training
    seq2seq (LSTM)        0.99  0.99  0.93  0.86  0.78  0.60  0.40  0.25  0.14  0.09  0.01  0.01  0.00  0.476   9 s
    Bahdanau              1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.000  17 s
    Luong local, D = 4    1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  1.00  0.99  1.000  14 s

(54 s in all with the data and the greedy translations; after 4 epochs the plain model is at 0.99, 0.59
and 0.01 for 4, 10 and 16 digits: the curve moves right with training but keeps its fall.)

GNMT (Wu et al. 2016) stacks L LSTM layers on each side (8 in the paper; `layers` here):

    (8)  h^1_j = [→h_j ; ←h_j]                          the bottom encoder layer reads both ways (B, S, 2U)
    (9)  h^2 = LSTM_2(h^1)                              one way from here up (B, S, U)
    (10) h^l = h^{l−1} + LSTM_l(h^{l−1}),  l = 3 … L    residual connections from the third layer on
    (11) s^1_t = LSTM^dec_1(E_y y_{t−1}, s^1_{t−1}),  c_t = Σ_j a_tj h^L_j,  a_t = attention(s^1_t, h^L)
    (12) s^l_t = [s^{l−1}_t +] LSTM^dec_l([s^{l−1}_t ; c_t]),  P(y_t | y_<t, x) = softmax(W_s s^L_t)

Wu et al. found plain stacks train well up to about 4 layers and badly beyond, and add residual
connections "starting from the layer third from the bottom": layer 2 gets none (its input h^1 is 2U
wide, its output U, so x + LSTM(x) would need a projection the paper does without); from layer 3 up
input and output are both U wide. The decoder follows the same rule, its layer l reading [s^{l−1} ; c_t]
but adding s^{l−1} only (the context is not part of the residual, as in TensorFlow NMT's GNMT). As the
notes say, "only the output of the lower layer is used to derive attention context": s^1 queries
AdditiveAttention (Eq. 5) and every upper layer reads c_t. Like Eqs. 5-7 the query is the current s^1_t
(Wu et al. use s^1_{t−1}), so each layer is one teacher-forced pass; there is no W_c (Eq. 6), the top
layer feeds the softmax. The decoder's bottom layer starts from the top encoder layer's last state,
the others from 0. (Wu et al. also spread the 8 + 8 layers over 8 GPUs; not reproduced.) Preset "gnmt",
L = 3, on dates as above, 3 epochs (measured while another process shared the 2 cores):

    model                 parameters   exact match   training   s per epoch
    Bahdanau                 101,837         0.985       22 s          7.4
    GNMT, L = 3              266,637         0.998       42 s         14.0

Symbols -> names: E_x, E_y = the "source_embedding" and "target_embedding" layers, LSTM_enc =
"encoder", LSTM_dec = "decoder", W_c = "attentional", W_s = "readout", s_t = the decoder's outputs
(the attention's query), h_j = the encoder's outputs (its values), S = ``SOURCE_LENGTH`` (29) for
dates and the longest digit string for reversal, T = 10 target characters (dates) or S (reversal).
GNMT: h^1 = "encoder_rnn" (bidirectional), LSTM_l = "encoder_rnn_l", the sums of Eq. 10 =
"encoder_residual_l", LSTM^dec_1 = "decoder_rnn", LSTM^dec_l = "decoder_rnn_l" (its input
"decoder_input_l", its residual "decoder_residual_l"), L = `layers`.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data.dates import (SOURCE_LENGTH, SOURCE_VOCAB, START, TARGET_LENGTH, TARGET_VOCAB, character_accuracy,
                                 decoder_inputs, exact_match, predicted_ids, source_tokenizer, target_tokenizer)
from toolkit.data.text import lower_ascii
from toolkit.rnn.lab import Preset
from toolkit.sequence.attention import AdditiveAttention, LocalAttention
from toolkit.validation import check_choice, check_int, check_positive_int

CELLS = ("lstm", "gru")
MODEL_NAMES = ("seq2seq", "rnn_encdec", "bahdanau", "luong_local", "gnmt")
MODEL_TITLES = {"seq2seq": "Seq2seq (fixed context)", "rnn_encdec": "RNN Enc-Dec (GRU, fixed context)",
                "bahdanau": "Bahdanau attention",
                "luong_local": "Luong local attention", "gnmt": "GNMT (stacked, residual)"}
MODEL_FORMULAS = {  # one line each: what distinguishes the model (the page's intro has c_t = Σ_j a_tj h_j)
    "seq2seq": r"\text{seq2seq: } s_0 = h_S \text{ (LSTM)}",
    "rnn_encdec": r"\text{RNN Enc-Dec: } s_0 = h_S \text{ (GRU)}",
    "bahdanau": r"\text{Bahdanau: } e_{tj} = v_a^\top \tanh(W_s s_t + W_h h_j)",
    "luong_local": r"\text{local: } p_t = S\,\sigma(v_p^\top \tanh(W_p s_t)),\ |j - p_t| \le D",
    "gnmt": r"\text{GNMT: } h^l = h^{l-1} + \mathrm{LSTM}_l(h^{l-1}),\ l \ge 3",
}
TASKS = ("dates", "reversal")
TASK_FORMULAS = {
    "dates": r"x = \text{27 march 2019} \;\to\; y = \text{2019-03-27}",
    "reversal": r"x = x_1 \dots x_L \;\to\; y = x_L \dots x_1 \text{-} \cdots \text{-}",
}
MIN_DIGITS = 4  # the lab's shortest digit string (reversal)
EMBEDDING_DIM = 32
START_ID = TARGET_VOCAB.index(START)
# source lengths (characters, inclusive) whose exact match the table reports apart: the bottleneck
MAX_LAYERS = 8  # Wu et al.'s depth
MIN_PER_LENGTH = 10  # test sources a length needs to be a point of the accuracy-vs-length curve
MAX_TYPED = 30  # characters of a typed source (the longest S of a task: 29 for dates, up to 30 digits)
LENGTH_BUCKETS = ((1, 10), (11, 15), (16, 20), (21, SOURCE_LENGTH))


# ---------------------------------------------------------------- builders
def seq2seq(units: int = 64, *, cell: str = "lstm", embedding_dim: int = EMBEDDING_DIM,
            source_vocab: int = len(SOURCE_VOCAB), target_vocab: int = len(TARGET_VOCAB),
            source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 1-3: the encoder's last state is the fixed context vector the decoder starts from.

    Inputs [source ids (B, S), decoder input ids (B, T)], output logits (B, T, target_vocab).
    `cell` "lstm" is Sutskever et al.'s model, "gru" Cho et al.'s RNN Enc-Dec cell. Source id 0
    is padding (masked: the encoder's last state is that of the last character). The model
    chains two models, "encoder" (source -> context) and "decoder" (context, decoder inputs ->
    logits), which ``translate`` calls apart.
    """
    units, cell = check_positive_int("units", units), check_choice("cell", cell, CELLS)
    rnn = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    source = source_input(source_length)
    # Eq. 1: (B, S, E) -> the last state, [h_S, c_S] (LSTM) or [h_S] (GRU)
    _, *context = rnn(units, return_state=True, name="encoder_rnn")(
        _source_embedding(source, embedding_dim, source_vocab))
    encoder = keras.Model(source, context, name="encoder")
    initial, targets = _state_inputs(units, len(context)), target_input()
    # Eq. 2: (B, T, E) -> (B, T, U), s_0 = the context
    states = rnn(units, return_sequences=True, name="decoder_rnn")(
        _target_embedding(targets, embedding_dim, target_vocab), initial_state=initial)
    logits = keras.layers.Dense(target_vocab, name="readout")(states)  # Eq. 3 (softmax in the loss)
    decoder = keras.Model([*initial, targets], logits, name="decoder")
    return encoder_decoder(encoder, decoder, source_length, name=f"seq2seq_{cell}")


def bahdanau(units: int = 64, *, embedding_dim: int = EMBEDDING_DIM, source_vocab: int = len(SOURCE_VOCAB),
             target_vocab: int = len(TARGET_VOCAB), source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 4-7 with additive attention (``AdditiveAttention(units)``), scored against s_t (Luong's
    formulation; the notes' e_tj = a(s_{t−1}, h_j) scores the previous state, see the module docstring).

    Inputs and output as ``seq2seq``; the attention weights come from ``attention_weights``.
    """
    units = check_positive_int("units", units)
    return _attention_model(AdditiveAttention(units, name="attention"), units, embedding_dim, source_vocab,
                            target_vocab, source_length, name="bahdanau")


def luong_local(units: int = 64, *, window: int = 4, embedding_dim: int = EMBEDDING_DIM,
                source_vocab: int = len(SOURCE_VOCAB), target_vocab: int = len(TARGET_VOCAB),
                source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 4-7 with Luong's local-p attention over the 2·`window` + 1 characters around p_t."""
    units, window = check_positive_int("units", units), check_positive_int("window", window)
    return _attention_model(LocalAttention(window=window, units=units, name="attention"), units, embedding_dim,
                            source_vocab, target_vocab, source_length, name="luong_local")


def _attention_model(attention, units, embedding_dim, source_vocab, target_vocab, source_length, name):
    """Encoder: source -> [h (B, S, 2U), ←h_1, ←c_1]; decoder: [source, h, s_0, c_0, decoder inputs] -> logits."""
    source = source_input(source_length)
    # Eq. 4: (B, S, E) -> h (B, S, 2U) (padding skipped); the backward LSTM's last state is ←h_1
    bidirectional = keras.layers.Bidirectional(
        keras.layers.LSTM(units, return_sequences=True, return_state=True), name="encoder_rnn")
    memory, _, _, backward_h, backward_c = bidirectional(_source_embedding(source, embedding_dim, source_vocab))
    encoder = keras.Model(source, [memory, backward_h, backward_c], name="encoder")

    source, targets = source_input(source_length), target_input()
    memory, initial = keras.Input((source_length, 2 * units), name="memory"), _state_inputs(units, 2)
    # Eq. 2: (B, T, E) -> s (B, T, U), s_0 = ←h_1
    states = keras.layers.LSTM(units, return_sequences=True, name="decoder_rnn")(
        _target_embedding(targets, embedding_dim, target_vocab), initial_state=initial)
    # Eq. 5: query s (B, T, U), values h (B, S, 2U), padding (id 0) at weight 0 -> c (B, T, 2U)
    contexts = attention([states, memory], mask=[None, keras.ops.greater(source, 0)])
    # Eq. 6: [c_t ; s_t] (B, T, 3U) -> s̃ (B, T, U)
    attentional = keras.layers.Dense(units, activation="tanh", name="attentional")(
        keras.layers.Concatenate(name="context_and_state")([contexts, states]))
    logits = keras.layers.Dense(target_vocab, name="readout")(attentional)  # Eq. 7 (softmax in the loss)
    decoder = keras.Model([source, memory, *initial, targets], logits, name="decoder")
    return encoder_decoder(encoder, decoder, source_length, name)


def gnmt(units: int = 64, *, layers: int = 3, embedding_dim: int = EMBEDDING_DIM,
         source_vocab: int = len(SOURCE_VOCAB), target_vocab: int = len(TARGET_VOCAB),
         source_length: int = SOURCE_LENGTH) -> keras.Model:
    """Eqs. 8-12, GNMT's stacks (Wu et al. 2016) at `layers` encoder and `layers` decoder layers:
    a bidirectional bottom layer, unidirectional layers above it, residual connections from the
    third layer on, and attention queried by the bottom decoder layer only.

    Inputs and output as ``seq2seq``; the attention weights come from ``attention_weights``.
    """
    units = check_positive_int("units", units)
    layers = check_int("layers", layers, 2, MAX_LAYERS, hint="GNMT stacks a bidirectional layer and at least one "
                                                              "unidirectional layer; Wu et al. use 8.")
    encoder = _gnmt_encoder(units, layers, embedding_dim, source_vocab, source_length)
    decoder = _gnmt_decoder(units, layers, embedding_dim, target_vocab, source_length)
    return encoder_decoder(encoder, decoder, source_length, name="gnmt")


def _gnmt_encoder(units, layers, embedding_dim, source_vocab, source_length):
    """source -> [h^L (B, S, U), h_S^L, c_S^L]: the top layer's outputs and its last state (Eqs. 8-10)."""
    source = source_input(source_length)
    # Eq. 8: (B, S, E) -> (B, S, 2U), the bottom layer reads both ways (padding skipped)
    outputs = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True), name="encoder_rnn")(
        _source_embedding(source, embedding_dim, source_vocab))
    for layer in range(2, layers + 1):
        # Eq. 9: (B, S, 2U or U) -> (B, S, U), left to right; the last state starts the decoder
        below = outputs
        outputs, state, cell = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                                                 name=f"encoder_rnn_{layer}")(below)
        if layer >= 3:  # Eq. 10: x^l = x^{l−1} + LSTM_l(x^{l−1}), both (B, S, U)
            outputs = keras.layers.Add(name=f"encoder_residual_{layer}")([below, outputs])
    return keras.Model(source, [outputs, state, cell], name="encoder")


def _gnmt_decoder(units, layers, embedding_dim, target_vocab, source_length):
    """[source, h^L, s_0, c_0, decoder inputs] -> logits (Eqs. 11-12), the inputs of ``_attention_model``'s decoder."""
    source, targets = source_input(source_length), target_input()
    memory, initial = keras.Input((source_length, units), name="memory"), _state_inputs(units, 2)
    # Eq. 11: the bottom layer, (B, T, E) -> d^1 (B, T, U), s_0 = the top encoder layer's last state
    outputs = keras.layers.LSTM(units, return_sequences=True, name="decoder_rnn")(
        _target_embedding(targets, embedding_dim, target_vocab), initial_state=initial)
    # Eq. 5, queried by d^1 only: values h^L (B, S, U), padding at weight 0 -> c (B, T, U)
    contexts = AdditiveAttention(units, name="attention")([outputs, memory], mask=[None, keras.ops.greater(source, 0)])
    for layer in range(2, layers + 1):
        # Eq. 12: [d^{l−1} ; c_t] (B, T, 2U) -> (B, T, U); residual from the third layer on
        below = outputs
        outputs = keras.layers.LSTM(units, return_sequences=True, name=f"decoder_rnn_{layer}")(
            keras.layers.Concatenate(name=f"decoder_input_{layer}")([below, contexts]))
        if layer >= 3:
            outputs = keras.layers.Add(name=f"decoder_residual_{layer}")([below, outputs])
    logits = keras.layers.Dense(target_vocab, name="readout")(outputs)  # Eq. 12's softmax (in the loss)
    return keras.Model([source, memory, *initial, targets], logits, name="decoder")


def encoder_decoder(encoder, decoder, source_length, name):
    """[source, decoder inputs] -> decoder([source (if it reads it), *encoder(source), decoder inputs])."""
    source, targets = source_input(source_length), target_input()
    encoded = _as_list(encoder(source))
    return keras.Model([source, targets], decoder([*_source_if_read(decoder, source), *encoded, targets]), name=name)


def source_input(source_length):
    return keras.Input((check_positive_int("source_length", source_length),), dtype="int32", name="source")


def target_input():
    return keras.Input((None,), dtype="int32", name="decoder_inputs")


def _state_inputs(units, count):
    """s_0 (and the LSTM's c_0), (B, U) each: the decoder's initial state, the encoder's to give."""
    return [keras.Input((units,), name=name) for name in ("initial_state", "initial_cell")[:count]]


def _source_embedding(source, embedding_dim, vocabulary):
    """E_x x_j (B, S, E); ``mask_zero``: the encoder skips id 0, the padding."""
    return keras.layers.Embedding(vocabulary, check_positive_int("embedding_dim", embedding_dim), mask_zero=True,
                                  name="source_embedding")(source)


def _target_embedding(targets, embedding_dim, vocabulary):
    """E_y y_{t−1} (B, T, E); decoder inputs are never padding (<start> and the 11 target characters)."""
    return keras.layers.Embedding(vocabulary, embedding_dim, name="target_embedding")(targets)


def _source_if_read(decoder, source):
    """[source] for an attention decoder (its first input is the source, for the mask), else []."""
    return [source] if decoder.inputs[0].name == "source" else []


# ---------------------------------------------------------------- inference
def translate(model: keras.Model, source_ids, max_length: int = TARGET_LENGTH, *,
              batch_size: int = 1024) -> np.ndarray:
    """Greedy decoding (Eq. 3 of toolkit.sequence.decoding), batched: (B, S) source ids -> (B, max_length).

    y_0 = <start>; at step t the decoder reads the source and its own predictions y_1 … y_{t−1},
    and y_t = argmax_y P(y | y_<t, x). The encoder runs once; the decoder runs once per step on
    a fixed (B, max_length) buffer whose entries after step t are still 0, which changes nothing
    at step t (the models are causal), so every step is one call of one compiled function.
    """
    encoder, decoder = translator_parts(model)
    source = _checked_ids("source_ids", source_ids, model.inputs[0].shape[1])
    max_length = check_positive_int("max_length", max_length)
    encoded = _as_list(encoder.predict(source, batch_size=batch_size, verbose=0))
    decoder_ids = np.zeros((len(source), max_length), np.int32)
    decoder_ids[:, 0] = START_ID
    predicted = np.zeros_like(decoder_ids)
    for t in range(max_length):
        logits = decoder.predict([*_source_if_read(decoder, source), *encoded, decoder_ids], batch_size=batch_size,
                                 verbose=0)  # (B, max_length, V)
        predicted[:, t] = logits[:, t].argmax(axis=-1)
        if t + 1 < max_length:
            decoder_ids[:, t + 1] = predicted[:, t]  # fed back: y_t is the input of step t + 1
    return predicted


def attention_weights(model: keras.Model, source_ids, decoder_ids) -> np.ndarray:
    """a_tj of Eq. 5 for an attention model: (B, S) source and (B, T) decoder ids -> (B, T, S).

    Each row sums to 1 over the source's characters (local attention: at most 1, inside the
    window) and is 0 on its padding. `decoder_ids`: teacher forcing (``decoder_inputs(y)``) or
    a translation shifted behind <start>.
    """
    encoder, decoder = translator_parts(model)
    attention = _attention_layer(decoder, model.name)
    source = _checked_ids("source_ids", source_ids, model.inputs[0].shape[1])
    decoder_ids = _checked_ids("decoder_ids", decoder_ids, None)
    if len(decoder_ids) != len(source):
        raise ValueError(f"`decoder_ids` must have one row per source, received {len(decoder_ids)} rows for "
                         f"{len(source)} sources.")
    # the attention's inputs, s (B, T, U) and h (B, S, 2U), then the layer again, asked for its weights
    query, values, _ = attention.input  # the tensors of its call: [s, h] and the mask
    query_and_values = keras.Model(decoder.inputs[1:], [query, values], name=f"{model.name}_query_and_values")
    states, memory = query_and_values([*_as_list(encoder.predict(source, verbose=0)), decoder_ids])
    _, weights = attention([states, memory], mask=[None, source > 0], return_attention_scores=True)
    return keras.ops.convert_to_numpy(weights)


def translator_parts(model):
    """The "encoder" and "decoder" models a builder of this module chains."""
    names = [layer.name for layer in model.layers]
    if not isinstance(model, keras.Model) or "encoder" not in names or "decoder" not in names:
        raise ValueError(f"`model` must be built by seq2seq, bahdanau, luong_local or gnmt (a model chaining an "
                         f"'encoder' and a 'decoder'), received {getattr(model, 'name', model)!r}.")
    return model.get_layer("encoder"), model.get_layer("decoder")


def _attention_layer(decoder, name):
    layer = next((layer for layer in decoder.layers if isinstance(layer, (AdditiveAttention, LocalAttention))), None)
    if layer is None:
        raise ValueError(f"`model` must be an attention model (bahdanau, luong_local or gnmt), received {name!r}, "
                         f"which has no attention layer: a plain seq2seq reads one fixed context vector.")
    return layer


def _as_list(tensors):
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _checked_ids(name, ids, length):
    ids = np.asarray(ids)
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer) or (length is not None and ids.shape[1] != length):
        expected = f"(B, {length})" if length is not None else "(B, T)"
        raise ValueError(f"`{name}` must be integer ids of shape {expected}, received shape {ids.shape} and "
                         f"dtype {ids.dtype}.")
    return ids.astype(np.int32)


# ---------------------------------------------------------------- scores
def exact_match_by_length(y_true, y_pred, lengths, buckets=LENGTH_BUCKETS) -> dict:
    """Exact match (Eq. 7 of toolkit.data.dates) of the sources whose length lies in each bucket.

    `buckets` are (first, last) lengths, inclusive. Returns {(first, last): (exact match, count)},
    the exact match None for an empty bucket.
    """
    y_true, y_pred = predicted_ids(y_true, y_pred)
    right, lengths = np.all(y_true == y_pred, axis=-1), np.asarray(lengths)
    if lengths.shape != right.shape:
        raise ValueError(f"`lengths` must hold one source length per target, received shape {lengths.shape} for "
                         f"{len(right)} targets.")
    scores = {}
    for first, last in buckets:
        chosen = (lengths >= first) & (lengths <= last)
        scores[(first, last)] = (float(right[chosen].mean()) if chosen.any() else None, int(chosen.sum()))
    return scores


def bucket_label(first: int, last: int) -> str:
    return f"≤ {last}" if first <= 1 else f"{first}–{last}"


# ---------------------------------------------------------------- the page's lab
@dataclasses.dataclass(frozen=True)
class TranslationConfig(Config):
    """The Sequence models page's translation settings (field names are its URL names).

    The defaults race the plain encoder-decoder against Bahdanau attention for 3 epochs on 10,000
    dates: about 33 s of training on 2 cores (39 s with the greedy translations), after which
    attention translates 0.985 of the held-out dates exactly and the fixed context 0.578.
    `PRESETS` holds the page's lessons (the bottleneck on digit reversal, GNMT's stack).
    """

    task: str = setting("dates", choices=TASKS, label="Task", formula=TASK_FORMULAS,
                        help="dates: 12 human forms -> ISO, about 15 bits whatever the length. reversal: random "
                             "digit strings written backwards, 3.3 bits a digit: the longer, the more the fixed "
                             "context vector must hold.")
    models: tuple = setting(("seq2seq", "bahdanau"), choices=MODEL_NAMES, min_count=1, label="Models",
                            formula=MODEL_FORMULAS, help="Each trains in turn from the same seed on the same batches.")
    n: int = setting(10_000, lo=1000, hi=50_000, step=1000, widget="number", label="Examples",
                     help="Sources drawn; 80% train, 20% are held out for the exact-match table.")
    epochs: int = setting(3, lo=1, hi=50, widget="number", label="Epochs")
    batch: int = setting(64, choices=(32, 64, 128, 256), label="Batch size")
    lr: float = setting(0.005, lo=1e-4, hi=0.1, step=1e-3, label="Learning rate (Adam)")
    units: int = setting(64, lo=4, hi=256, widget="number", label="Hidden units",
                         formula=r"s_t \in \mathbb{R}^{\text{units}},\ h_j \in \mathbb{R}^{2\,\text{units}}")
    window: int = setting(4, lo=1, hi=(SOURCE_LENGTH - 1) // 2, label="Local window D",
                          formula=r"|j - p_t| \le D,\ \sigma = D / 2",
                          help="Luong local attention only: it reads 2D + 1 source characters.")
    layers: int = setting(3, lo=2, hi=MAX_LAYERS, label="GNMT layers L",
                          formula=r"x^l = x^{l-1} + \mathrm{LSTM}_l(x^{l-1}),\ l = 3 \dots L",
                          help="GNMT only: L encoder layers (the bottom one bidirectional) and L decoder layers, "
                               "residual from the third on. Wu et al. use 8.")
    digits: int = setting(16, lo=MIN_DIGITS + 2, hi=30, label="Longest digit string",
                          formula=r"L \sim U\{4, \dots, L_{\max}\},\ S = T = L_{\max}",
                          help="Reversal only: sources of 4 to this many digits.")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def variants(self) -> dict[str, str]:
        """Run label -> model name, in training order."""
        return {MODEL_TITLES[name]: name for name in self.models}


PRESETS = (
    Preset("dates", "Attention translates dates (the defaults)",
           "Dates in 12 human forms, 3 epochs. Bahdanau attention translates 0.985 of the held-out dates "
           "exactly, the fixed context 0.578; per second of training the plain model keeps up, and its exact "
           "match does not fall with the source's length: a date holds about 15 bits however it is written.",
           {}),
    Preset("bottleneck", "The fixed context vector is a bottleneck",
           "Random strings of 4 to 16 digits, written backwards: 3.3 bits a digit, so the longer the source, "
           "the more the encoder's last state must hold. After 3 epochs the plain encoder-decoder reverses "
           "0.99 of the 4-digit strings, 0.4 of the 10-digit ones and none of the 16-digit ones; Bahdanau's "
           "and Luong's local attention reverse all of them, whatever their length: at each step they read "
           "the one digit they write (see the attention matrix: the anti-diagonal).",
           {"task": "reversal", "models": ("seq2seq", "bahdanau", "luong_local"), "digits": 16}),
    Preset("gnmt", "GNMT: a deep stack with residual connections",
           "Wu et al.'s encoder: a bidirectional bottom layer, unidirectional layers above, residual "
           "connections from the third layer on; the bottom decoder layer alone queries the attention, "
           "whose context every upper decoder layer reads. Against one-layer Bahdanau attention on dates.",
           {"models": ("bahdanau", "gnmt"), "layers": 3}),
)


def data_spec(config: TranslationConfig) -> dict:
    """The ``toolkit.data.load`` arguments of the config's task (the page caches on them)."""
    if config.task == "reversal":
        return {"name": "reversal", "n": config.n, "min_length": MIN_DIGITS, "max_length": config.digits,
                "seed": config.seed}
    return {"name": "dates", "n": config.n, "seed": config.seed}


def task_source_length(config: TranslationConfig) -> int:
    """S of the config's task: the dates' SOURCE_LENGTH (29) or the longest digit string."""
    return config.digits if config.task == "reversal" else SOURCE_LENGTH


def build_translator(config: TranslationConfig, name: str, source_length: int | None = None) -> keras.Model:
    """The model `name` (one of MODEL_NAMES) at the config's size, compiled with Adam(lr) and the
    cross-entropy of Eq. 3 / 7 / 12 from logits, with the per-character accuracy.

    `source_length`: S, the data's x.shape[1] (None: that of the config's task, ``task_source_length``).
    """
    length = task_source_length(config) if source_length is None else source_length
    builders = {"seq2seq": functools.partial(seq2seq, config.units),
                "rnn_encdec": functools.partial(seq2seq, config.units, cell="gru"),
                "bahdanau": functools.partial(bahdanau, config.units),
                "luong_local": functools.partial(luong_local, config.units, window=config.window),
                "gnmt": functools.partial(gnmt, config.units, layers=config.layers)}
    return compile_translator(builders[check_choice("name", name, MODEL_NAMES)](source_length=length), config.lr)


def compile_translator(model: keras.Model, learning_rate: float) -> keras.Model:
    """`model` compiled with Adam(`learning_rate`), the cross-entropy of Eq. 3 / 7 / 12 from logits
    and the per-character accuracy (every translator of the labs trains the same way)."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def teacher_forcing(data) -> tuple:
    """(x_train, y_train, x_test, y_test) with x = [source ids, decoder_inputs(y)] (Eq. 2)."""
    return ([data.x_train, decoder_inputs(data.y_train)], data.y_train,
            [data.x_test, decoder_inputs(data.y_test)], data.y_test)


def length_buckets(data) -> tuple:
    """The (first, last) source lengths the table reports apart: LENGTH_BUCKETS for dates, four
    near-equal ranges of the digit strings' lengths for reversal."""
    if data.name != "reversal":
        return LENGTH_BUCKETS
    lengths = np.arange(data.spec["min_length"], data.spec["max_length"] + 1)
    return tuple((int(part[0]), int(part[-1])) for part in np.array_split(lengths, min(4, len(lengths))))


@dataclasses.dataclass
class TranslationResult:
    """What ``run_translation`` returns: the runs and each trained model's greedy translations of
    the test sources (run label -> (N_test, T) ids)."""

    config: TranslationConfig
    runs: dict
    translations: dict
    data: object

    def table(self) -> list[dict]:
        """One row per run: exact match of its greedy translations, overall and per source length."""
        rows = []
        for label, predicted in self.translations.items():
            run, truth = self.runs[label], self.data.y_test
            row = {"Model": label, "Parameters": run.model.count_params(),
                   "Exact match": round(exact_match(truth, predicted), 4),
                   "Character accuracy": round(character_accuracy(truth, predicted), 4)}
            by_length = exact_match_by_length(truth, predicted, self.data.attrs_test["length"],
                                              length_buckets(self.data))
            for (first, last), (score, _) in by_length.items():
                row[f"Exact, {bucket_label(first, last)} characters"] = None if score is None else round(score, 4)
            row["Training (s)"] = round(run.wall_time, 1)
            row["s per epoch"] = round(run.wall_time / max(run.epochs_done, 1), 2)
            rows.append(row)
        return rows

    def by_length(self, min_count: int = MIN_PER_LENGTH) -> dict[str, list[tuple[int, float, int]]]:
        """Run label -> [(source length, exact match, count), ...], one point per length held by at
        least `min_count` test sources, shortest first: the accuracy-vs-length curve of each translator
        (rarer lengths would be points of chance)."""
        min_count = check_int("min_count", min_count, 1)
        lengths = self.data.attrs_test["length"]
        values, counts = np.unique(lengths, return_counts=True)
        found = [int(length) for length, count in zip(values, counts) if count >= min_count]
        curves = {}
        for label, predicted in self.translations.items():
            scores = exact_match_by_length(self.data.y_test, predicted, lengths, [(length, length) for length in found])
            curves[label] = [(first, score, count) for (first, _), (score, count) in scores.items()]
        return curves


    def example(self) -> str:
        """The first held-out source, as written (the page's "translate your own" starts from it)."""
        return str(self.data.attrs_test["source"][0])

    def read(self, text: str, labels=None) -> Reading:
        """Every trained model's greedy translation of the typed source `text`, with its attention
        (`labels`: only those runs).

        Dates: any characters, case-folded, outside the vocabulary read as "<unk>"; reversal: digits
        only. Either way at most S characters (the task's source length).
        """
        length = self.data.x_train.shape[1]
        source = _typed_source(text, length, self.data.name)
        ids = source_tokenizer().encode([source], length=length)  # (1, S)
        target_vocab = target_tokenizer().vocabulary
        outputs, weights = {}, {}
        for label, run in self.runs.items():
            if label not in self.translations or (labels is not None and label not in labels):
                continue
            predicted = translate(run.model, ids, max_length=self.data.y_test.shape[1])  # (1, T)
            outputs[label] = [target_vocab[i] for i in predicted[0]]
            if _has_attention(run.model):
                shifted = np.concatenate([[[START_ID]], predicted[:, :-1]], axis=1).astype(np.int32)
                weights[label] = attention_weights(run.model, ids, shifted)[0, :, :len(source)]  # (T, len(source))
        return Reading(list(lower_ascii(source)), outputs, weights)


@dataclasses.dataclass
class Reading:
    """What ``TranslationResult.read`` returns: the typed source's characters, each model's output
    characters (label -> list) and the attention models' a_tj (label -> (T, len(source)))."""

    source: list
    outputs: dict
    weights: dict

    def rows(self) -> list[dict]:
        return [{"Model": label, "Translation": "".join(characters)} for label, characters in self.outputs.items()]


def _typed_source(text, length, task) -> str:
    text = text.strip() if isinstance(text, str) else text
    if not isinstance(text, str) or not text:
        raise ValueError(f"The source must be some text of at most {length} characters, received {text!r}.")
    if len(text) > length:
        raise ValueError(f"The source must have at most {length} characters (S of this task), received "
                         f"{len(text)}: {text[:40]!r}.")
    if task == "reversal" and not text.isdigit():
        raise ValueError(f"The source must be digits only for the reversal task, received {text!r}.")
    return text


def _has_attention(model) -> bool:
    return any(isinstance(layer, (AdditiveAttention, LocalAttention)) for layer in translator_parts(model)[1].layers)


def run_translation(config: TranslationConfig, data=None, *, callbacks=(), stop=None,
                    build=build_translator) -> TranslationResult:
    """Trains every chosen model from the same seed on the same batches (``toolkit.train.compare``),
    then translates the test sources greedily with each (as many steps as the targets have).

    `data`: a dataset of the config's task (``toolkit.data.load(**data_spec(config))`` when None).
    `build(config, name, source_length)`: the compiled model `name` (``build_translator``; the
    Transformers page's lab adds its own models).
    """
    from toolkit.data import load
    from toolkit.train import compare

    data = data if data is not None else load(**data_spec(config))
    if data.name != config.task:
        raise ValueError(f"`data` must be the config's task, {config.task!r}, received a {data.name!r} dataset; "
                         f"load it with toolkit.data.load(**data_spec(config)).")
    length = data.x_train.shape[1]
    builders = {label: functools.partial(build, config, name, length)
                for label, name in config.variants().items()}
    runs = compare(builders, teacher_forcing(data), epochs=config.epochs, batch_size=config.batch, seed=config.seed,
                   callbacks=callbacks, stop=stop, config={"task": config.task, "n": config.n, "units": config.units})
    translations = {label: translate(run.model, data.x_test, max_length=data.y_test.shape[1])
                    for label, run in runs.items() if run.model is not None and run.epochs_done > 0}
    return TranslationResult(config, runs, translations, data)
