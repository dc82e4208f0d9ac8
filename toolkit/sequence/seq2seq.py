"""Sequence to sequence: the plain encoder-decoder, and the same with Bahdanau or Luong attention.

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

Symbols -> names: E_x, E_y = the "source_embedding" and "target_embedding" layers, LSTM_enc =
"encoder", LSTM_dec = "decoder", W_c = "attentional", W_s = "readout", s_t = the decoder's outputs
(the attention's query), h_j = the encoder's outputs (its values), S = ``SOURCE_LENGTH`` (29),
T = 10 target characters.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data.dates import (SOURCE_LENGTH, SOURCE_VOCAB, START, TARGET_LENGTH, TARGET_VOCAB, character_accuracy,
                                 decoder_inputs, exact_match, predicted_ids)
from toolkit.sequence.attention import AdditiveAttention, LocalAttention
from toolkit.validation import check_choice, check_positive_int

CELLS = ("lstm", "gru")
MODEL_NAMES = ("seq2seq", "bahdanau", "luong_local")
MODEL_TITLES = {"seq2seq": "Seq2seq (fixed context)", "bahdanau": "Bahdanau attention",
                "luong_local": "Luong local attention"}
MODEL_FORMULAS = {
    "seq2seq": r"\text{seq2seq: } s_0 = h_S,\ P(y_t) = \mathrm{softmax}(W_s s_t)",
    "bahdanau": r"\text{Bahdanau: } e_{tj} = v_a^\top \tanh(W_s s_t + W_h h_j),\ "
                r"c_t = \sum_j a_{tj} h_j",
    "luong_local": r"\text{local: } p_t = S\,\sigma(v_p^\top \tanh(W_p s_t)),\ "
                   r"a_{tj} \propto e^{s_t^\top W_a h_j} e^{-(j - p_t)^2 / 2\sigma^2},\ |j - p_t| \le D",
}
EMBEDDING_DIM = 32
START_ID = TARGET_VOCAB.index(START)
# source lengths (characters, inclusive) whose exact match the table reports apart: the bottleneck
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
    source = _source_input(source_length)
    # Eq. 1: (B, S, E) -> the last state, [h_S, c_S] (LSTM) or [h_S] (GRU)
    _, *context = rnn(units, return_state=True, name="encoder_rnn")(
        _source_embedding(source, embedding_dim, source_vocab))
    encoder = keras.Model(source, context, name="encoder")
    initial, targets = _state_inputs(units, len(context)), _target_input()
    # Eq. 2: (B, T, E) -> (B, T, U), s_0 = the context
    states = rnn(units, return_sequences=True, name="decoder_rnn")(
        _target_embedding(targets, embedding_dim, target_vocab), initial_state=initial)
    logits = keras.layers.Dense(target_vocab, name="readout")(states)  # Eq. 3 (softmax in the loss)
    decoder = keras.Model([*initial, targets], logits, name="decoder")
    return _encoder_decoder(encoder, decoder, source_length, name=f"seq2seq_{cell}")


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
    source = _source_input(source_length)
    # Eq. 4: (B, S, E) -> h (B, S, 2U) (padding skipped); the backward LSTM's last state is ←h_1
    bidirectional = keras.layers.Bidirectional(
        keras.layers.LSTM(units, return_sequences=True, return_state=True), name="encoder_rnn")
    memory, _, _, backward_h, backward_c = bidirectional(_source_embedding(source, embedding_dim, source_vocab))
    encoder = keras.Model(source, [memory, backward_h, backward_c], name="encoder")

    source, targets = _source_input(source_length), _target_input()
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
    return _encoder_decoder(encoder, decoder, source_length, name)


def _encoder_decoder(encoder, decoder, source_length, name):
    """[source, decoder inputs] -> decoder([source (if it reads it), *encoder(source), decoder inputs])."""
    source, targets = _source_input(source_length), _target_input()
    encoded = _as_list(encoder(source))
    return keras.Model([source, targets], decoder([*_source_if_read(decoder, source), *encoded, targets]), name=name)


def _source_input(source_length):
    return keras.Input((check_positive_int("source_length", source_length),), dtype="int32", name="source")


def _target_input():
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
    encoder, decoder = _parts(model)
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
    encoder, decoder = _parts(model)
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


def _parts(model):
    """The "encoder" and "decoder" models a builder of this module chains."""
    names = [layer.name for layer in model.layers]
    if not isinstance(model, keras.Model) or "encoder" not in names or "decoder" not in names:
        raise ValueError(f"`model` must be built by seq2seq, bahdanau or luong_local (a model chaining an "
                         f"'encoder' and a 'decoder'), received {getattr(model, 'name', model)!r}.")
    return model.get_layer("encoder"), model.get_layer("decoder")


def _attention_layer(decoder, name):
    layer = next((layer for layer in decoder.layers if isinstance(layer, (AdditiveAttention, LocalAttention))), None)
    if layer is None:
        raise ValueError(f"`model` must be an attention model (bahdanau or luong_local), received {name!r}, "
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
    """

    models: tuple = setting(("seq2seq", "bahdanau"), choices=MODEL_NAMES, min_count=1, label="Models",
                            formula=MODEL_FORMULAS, help="Each trains in turn from the same seed on the same batches.")
    n: int = setting(10_000, lo=1000, hi=50_000, step=1000, widget="number", label="Dates",
                     help="Examples drawn; 80% train, 20% are held out for the exact-match table.")
    epochs: int = setting(3, lo=1, hi=50, widget="number", label="Epochs")
    batch: int = setting(64, choices=(32, 64, 128, 256), label="Batch size")
    lr: float = setting(0.005, lo=1e-4, hi=0.1, step=1e-3, label="Learning rate (Adam)")
    units: int = setting(64, lo=4, hi=256, widget="number", label="Hidden units",
                         formula=r"s_t \in \mathbb{R}^{\text{units}},\ h_j \in \mathbb{R}^{2\,\text{units}}")
    window: int = setting(4, lo=1, hi=(SOURCE_LENGTH - 1) // 2, label="Local window D",
                          formula=r"|j - p_t| \le D,\ \sigma = D / 2",
                          help="Luong local attention only: it reads 2D + 1 source characters.")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def variants(self) -> dict[str, str]:
        """Run label -> model name, in training order."""
        return {MODEL_TITLES[name]: name for name in self.models}


def data_spec(config: TranslationConfig) -> dict:
    """The ``toolkit.data.load`` arguments of the config's dates (the page caches on them)."""
    return {"name": "dates", "n": config.n, "seed": config.seed}


def build_translator(config: TranslationConfig, name: str) -> keras.Model:
    """The model `name` (one of MODEL_NAMES) at the config's size, compiled with Adam(lr) and the
    cross-entropy of Eq. 3 / 7 from logits, with the per-character accuracy."""
    builders = {"seq2seq": functools.partial(seq2seq, config.units),
                "bahdanau": functools.partial(bahdanau, config.units),
                "luong_local": functools.partial(luong_local, config.units, window=config.window)}
    model = builders[check_choice("name", name, MODEL_NAMES)]()
    model.compile(optimizer=keras.optimizers.Adam(config.lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def teacher_forcing(data) -> tuple:
    """(x_train, y_train, x_test, y_test) with x = [source ids, decoder_inputs(y)] (Eq. 2)."""
    return ([data.x_train, decoder_inputs(data.y_train)], data.y_train,
            [data.x_test, decoder_inputs(data.y_test)], data.y_test)


@dataclasses.dataclass
class TranslationResult:
    """What ``run_translation`` returns: the runs and each trained model's greedy translations of
    the test sources (run label -> (N_test, 10) ids)."""

    config: TranslationConfig
    runs: dict
    translations: dict
    data: object

    def table(self) -> list[dict]:
        """One row per run: exact match of its greedy translations, overall and per source length."""
        rows = []
        for label, run in self.runs.items():
            if label not in self.translations:
                continue
            predicted, truth = self.translations[label], self.data.y_test
            row = {"Model": label, "Parameters": run.model.count_params(),
                   "Exact match": round(exact_match(truth, predicted), 4),
                   "Character accuracy": round(character_accuracy(truth, predicted), 4)}
            by_length = exact_match_by_length(truth, predicted, self.data.attrs_test["length"])
            for (first, last), (score, _) in by_length.items():
                row[f"Exact, {bucket_label(first, last)} characters"] = None if score is None else round(score, 4)
            row["Training (s)"] = round(run.wall_time, 1)
            row["s per epoch"] = round(run.wall_time / max(run.epochs_done, 1), 2)
            rows.append(row)
        return rows


def run_translation(config: TranslationConfig, data=None, *, callbacks=(), stop=None) -> TranslationResult:
    """Trains every chosen model from the same seed on the same batches (``toolkit.train.compare``),
    then translates the test sources greedily with each.

    `data`: a dates dataset (``toolkit.data.load(**data_spec(config))`` when None).
    """
    from toolkit.data import load
    from toolkit.train import compare

    data = data if data is not None else load(**data_spec(config))
    builders = {label: functools.partial(build_translator, config, name) for label, name in config.variants().items()}
    runs = compare(builders, teacher_forcing(data), epochs=config.epochs, batch_size=config.batch, seed=config.seed,
                   callbacks=callbacks, stop=stop, config={"n": config.n, "units": config.units})
    translations = {label: translate(run.model, data.x_test) for label, run in runs.items()
                    if run.model is not None and run.epochs_done > 0}
    return TranslationResult(config, runs, translations, data)
