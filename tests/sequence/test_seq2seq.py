"""Seq2seq, Bahdanau, Luong-local and GNMT translators (toolkit.sequence.seq2seq): shapes, causality of
teacher forcing, attention weights (and that the model uses them), GNMT's residual wiring, greedy
translation against step-by-step argmax, saving, the lab's config and lessons, the accuracy-by-length
curve, one small learning run on dates and the bottleneck claim on digit reversal."""

import types


import keras
import numpy as np
import pytest

from toolkit.data.dates import SOURCE_LENGTH, TARGET_LENGTH, TARGET_VOCAB, dates, decoder_inputs
from toolkit.data.reversal import digit_reversal
from toolkit.sequence.seq2seq import (MODEL_FORMULAS, MODEL_NAMES, MODEL_TITLES, PRESETS, START_ID,
                                      TranslationConfig, TranslationResult, attention_weights, bahdanau,
                                      build_translator, data_spec, exact_match_by_length, gnmt, luong_local,
                                      run_translation, seq2seq, translate)

UNITS, EMBEDDING, B = 8, 8, 6
V = len(TARGET_VOCAB)
BUILDERS = {
    "seq2seq_lstm": lambda: seq2seq(UNITS, embedding_dim=EMBEDDING),
    "seq2seq_gru": lambda: seq2seq(UNITS, cell="gru", embedding_dim=EMBEDDING),
    "bahdanau": lambda: bahdanau(UNITS, embedding_dim=EMBEDDING),
    "luong_local": lambda: luong_local(UNITS, window=3, embedding_dim=EMBEDDING),
    "gnmt": lambda: gnmt(UNITS, layers=4, embedding_dim=EMBEDDING),
}
ATTENTION = ("bahdanau", "luong_local", "gnmt")


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return {name: build() for name, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def batch():
    """B sources of several lengths (post-padded) and their teacher-forcing decoder inputs."""
    data = dates(n=100, seed=0)
    order = np.argsort(data.attrs_train["length"])
    chosen = order[np.linspace(0, len(order) - 1, B).astype(int)]  # shortest to longest
    return data.x_train[chosen], decoder_inputs(data.y_train[chosen])


def logits(model, source, decoder_ids):
    return keras.ops.convert_to_numpy(model([source, decoder_ids]))


# ---------------------------------------------------------------- builders
@pytest.mark.parametrize("name", BUILDERS)
def test_output_is_one_row_of_logits_per_decoder_step(models, batch, name):
    source, decoder_ids = batch
    model = models[name]
    assert [tuple(x.shape) for x in model.inputs] == [(None, SOURCE_LENGTH), (None, None)]
    assert tuple(model.outputs[0].shape) == (None, None, V)
    assert logits(model, source[:2], decoder_ids[:2, :4]).shape == (2, 4, V)  # any number of steps


@pytest.mark.parametrize("name", BUILDERS)
def test_logits_at_step_t_depend_only_on_decoder_inputs_up_to_t(models, batch, name):
    source, decoder_ids = batch
    t = 3
    changed = decoder_ids.copy()
    changed[:, t + 1:] = (changed[:, t + 1:] + 5) % V  # other characters after step t
    before, after = logits(models[name], source, decoder_ids), logits(models[name], source, changed)
    assert before.shape == (B, TARGET_LENGTH, V)
    np.testing.assert_allclose(after[:, :t + 1], before[:, :t + 1], atol=1e-6)
    assert np.abs(after[:, t + 1:] - before[:, t + 1:]).max() > 1e-4  # and the later steps do read them


def test_builders_name_a_bad_argument():
    with pytest.raises(ValueError, match="units"):
        seq2seq(0)
    with pytest.raises(ValueError, match="cell"):
        seq2seq(8, cell="rnn")
    with pytest.raises(ValueError, match="window"):
        luong_local(8, window=0)
    for layers in (1, 9):
        with pytest.raises(ValueError, match=rf"`layers` must be an integer in \[2, 8\], received layers={layers}"):
            gnmt(8, layers=layers)


# ---------------------------------------------------------------- attention weights
@pytest.mark.parametrize("name", ["bahdanau", "gnmt"])
def test_additive_weights_sum_to_one_over_the_characters_and_vanish_on_padding(models, batch, name):
    source, decoder_ids = batch
    weights = attention_weights(models[name], source, decoder_ids)
    padding = np.broadcast_to(source[:, None, :] == 0, weights.shape)
    assert weights.shape == (B, TARGET_LENGTH, SOURCE_LENGTH)
    assert padding.any() and np.all(weights[padding] == 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)


def test_local_weights_lie_in_the_window_on_the_characters(models, batch):
    source, decoder_ids = batch
    weights = attention_weights(models["luong_local"], source, decoder_ids)
    assert np.all(weights[np.broadcast_to(source[:, None, :] == 0, weights.shape)] == 0)
    assert np.all(weights.sum(axis=-1) <= 1 + 1e-5)  # Eq. 6 is not renormalized
    assert np.all(np.count_nonzero(weights, axis=-1) <= 2 * 3 + 1)  # at most 2D + 1 positions


@pytest.mark.parametrize("name", ["bahdanau", "luong_local"])
def test_the_model_reads_the_contexts_of_these_weights(models, batch, name):
    """Eqs. 5-7 rebuilt by hand from attention_weights give the model's logits: same mask, same a_tj."""
    source, decoder_ids = batch
    model = models[name]
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    memory, h, c = encoder(source)
    states = decoder.get_layer("decoder_rnn")(decoder.get_layer("target_embedding")(decoder_ids),
                                              initial_state=[h, c])
    contexts = attention_weights(model, source, decoder_ids) @ keras.ops.convert_to_numpy(memory)  # Eq. 5
    tilde = decoder.get_layer("attentional")(np.concatenate([contexts, keras.ops.convert_to_numpy(states)], -1))
    expected = keras.ops.convert_to_numpy(decoder.get_layer("readout")(tilde))  # Eqs. 6-7
    np.testing.assert_allclose(logits(model, source, decoder_ids), expected, atol=1e-5)


def test_gnmt_reads_the_contexts_of_its_bottom_decoder_layer(models, batch):
    """Eqs. 11-12 rebuilt by hand: d^1 queries the attention, every upper layer reads [d^{l-1} ; c_t],
    residual from the third layer on, the readout reads the top layer."""
    source, decoder_ids = batch
    model = models["gnmt"]
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    memory, h, c = encoder(source)
    below = decoder.get_layer("decoder_rnn")(decoder.get_layer("target_embedding")(decoder_ids), initial_state=[h, c])
    contexts = attention_weights(model, source, decoder_ids) @ keras.ops.convert_to_numpy(memory)  # Eq. 5
    for layer in (2, 3, 4):
        outputs = decoder.get_layer(f"decoder_rnn_{layer}")(np.concatenate([below, contexts], -1))
        below = outputs + below if layer >= 3 else outputs  # Eq. 12
    expected = keras.ops.convert_to_numpy(decoder.get_layer("readout")(below))
    np.testing.assert_allclose(logits(model, source, decoder_ids), expected, atol=1e-5)


def test_gnmt_encoder_is_bidirectional_at_the_bottom_and_residual_from_the_third_layer(models, batch):
    source, _ = batch
    encoder, decoder = models["gnmt"].get_layer("encoder"), models["gnmt"].get_layer("decoder")
    assert isinstance(encoder.get_layer("encoder_rnn"), keras.layers.Bidirectional)
    adds = {part.name: [layer.name for layer in part.layers if isinstance(layer, keras.layers.Add)]
            for part in (encoder, decoder)}
    assert adds == {"encoder": ["encoder_residual_3", "encoder_residual_4"],
                    "decoder": ["decoder_residual_3", "decoder_residual_4"]}
    names = ("encoder_rnn", "encoder_rnn_2", "encoder_rnn_3", "encoder_residual_3", "encoder_rnn_4")
    probe = keras.Model(encoder.inputs, [_first(encoder.get_layer(name).output) for name in names]
                        + [encoder.outputs[0]])
    bottom, second, third, residual, fourth, memory = (keras.ops.convert_to_numpy(x) for x in probe([source]))
    assert bottom.shape[-1] == 2 * UNITS and second.shape[-1] == UNITS  # Eq. 8-9: no residual across 2U -> U
    np.testing.assert_allclose(residual, second + third, atol=1e-6)  # Eq. 10
    np.testing.assert_allclose(memory, residual + fourth, atol=1e-6)
    for row, length in zip(memory, (source > 0).sum(axis=1)):  # the mask reaches the top: padding steps
        np.testing.assert_array_equal(row[length:], np.broadcast_to(row[length - 1], row[length:].shape))  # carry
    assert not [layer for layer in gnmt(4, layers=2).get_layer("encoder").layers
                if isinstance(layer, keras.layers.Add)]


def _first(tensors):
    return tensors[0] if isinstance(tensors, (list, tuple)) else tensors


def test_attention_weights_need_an_attention_model(models, batch):
    with pytest.raises(ValueError, match="attention model"):
        attention_weights(models["seq2seq_lstm"], *batch)


# ---------------------------------------------------------------- greedy translation
def step_by_step(model, source, length=TARGET_LENGTH):
    """The teacher-forced model fed its own argmax, one growing prefix at a time."""
    prefix = np.full((len(source), 1), START_ID, np.int32)
    for _ in range(length):
        next_ids = logits(model, source, prefix)[:, -1].argmax(axis=-1).astype(np.int32)
        prefix = np.concatenate([prefix, next_ids[:, None]], axis=1)
    return prefix[:, 1:]


@pytest.mark.parametrize("name", BUILDERS)
def test_translate_is_the_argmax_fed_back_step_by_step(models, batch, name):
    source, _ = batch
    translated = translate(models[name], source, max_length=5)  # 5 of the 10 steps: the same loop, faster
    assert translated.shape == (B, 5) and translated.dtype == np.int32
    np.testing.assert_array_equal(translated, step_by_step(models[name], source, 5))


def test_translate_names_a_bad_source(models):
    with pytest.raises(ValueError, match="source_ids"):
        translate(models["bahdanau"], np.zeros((2, SOURCE_LENGTH + 1), np.int32))


# ---------------------------------------------------------------- saving
@pytest.mark.parametrize("name", BUILDERS)
def test_keras_file_round_trip_gives_identical_logits(models, batch, name, tmp_path):
    source, decoder_ids = batch
    path = tmp_path / f"{name}.keras"
    models[name].save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(logits(loaded, source, decoder_ids), logits(models[name], source, decoder_ids))
    if name in ATTENTION:
        np.testing.assert_array_equal(attention_weights(loaded, source, decoder_ids),
                                      attention_weights(models[name], source, decoder_ids))


# ---------------------------------------------------------------- scores and config
def test_exact_match_by_length_scores_each_bucket_apart():
    y = np.array([[1, 2], [1, 2], [3, 4], [3, 4]])
    predicted = np.array([[1, 2], [9, 2], [3, 4], [3, 4]])
    scores = exact_match_by_length(y, predicted, [8, 9, 12, 25], buckets=((1, 10), (11, 20), (21, 29), (30, 40)))
    assert scores == {(1, 10): (0.5, 2), (11, 20): (1.0, 1), (21, 29): (1.0, 1), (30, 40): (None, 0)}
    with pytest.raises(ValueError, match="lengths"):
        exact_match_by_length(y, predicted, [8, 9])


def test_config_defaults_and_validation():
    config = TranslationConfig()
    assert config.models == ("seq2seq", "bahdanau")
    assert list(config.variants().values()) == ["seq2seq", "bahdanau"]
    assert (config.task, config.layers, config.digits) == ("dates", 3, 16)
    for bad in ({"models": ()}, {"models": ("transformer",)}, {"window": 15}, {"n": 100}, {"batch": 48},
                {"lr": 0.0}, {"units": 0}, {"epochs": 0}, {"task": "french"}, {"layers": 1}, {"layers": 9},
                {"digits": 5}, {"digits": 31}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TranslationConfig(**bad)
    assert set(MODEL_NAMES) == set(MODEL_TITLES) == set(MODEL_FORMULAS)


def test_data_spec_and_model_follow_the_task():
    reversal = TranslationConfig(task="reversal", digits=12, n=2000, seed=3)
    assert data_spec(reversal) == {"name": "reversal", "n": 2000, "min_length": 4, "max_length": 12, "seed": 3}
    assert data_spec(TranslationConfig()) == {"name": "dates", "n": 10000, "seed": 0}
    assert build_translator(reversal.replace(units=4), "seq2seq").inputs[0].shape == (None, 12)
    assert build_translator(reversal.replace(units=4), "gnmt", source_length=7).inputs[0].shape == (None, 7)
    with pytest.raises(ValueError, match=r"`data` must be the config's task, 'reversal', received a 'dates'"):
        run_translation(reversal, dates(n=100))


def test_presets_are_valid_configs_with_the_lessons():
    presets = {preset.name: preset for preset in PRESETS}
    assert {"bottleneck", "gnmt"} <= set(presets)
    for preset in PRESETS:
        assert preset.title and preset.explanation
        TranslationConfig(**preset.values)  # valid
    bottleneck = TranslationConfig(**presets["bottleneck"].values)
    assert bottleneck.task == "reversal" and {"seq2seq", "bahdanau"} <= set(bottleneck.models)
    assert "gnmt" in TranslationConfig(**presets["gnmt"].values).models


def fake_result(data, translations):
    """A TranslationResult without training: runs that only answer what the table asks."""
    run = types.SimpleNamespace(model=types.SimpleNamespace(count_params=lambda: 10), wall_time=2.0, epochs_done=2)
    config = TranslationConfig(task=data.name, models=("seq2seq",))
    return TranslationResult(config, {label: run for label in translations}, translations, data)


def test_by_length_gives_one_point_per_source_length_and_the_table_buckets_reversal():
    data = digit_reversal(n=400, min_length=4, max_length=12, seed=0)
    lengths, truth = data.attrs_test["length"], data.y_test
    wrong_when_long = np.where((lengths > 8)[:, None], (truth + 1) % len(TARGET_VOCAB), truth)
    result = fake_result(data, {"perfect": truth, "forgets": wrong_when_long})
    curves = result.by_length(min_count=1)
    assert list(curves) == ["perfect", "forgets"]
    assert [length for length, _, _ in curves["forgets"]] == list(range(4, 13))
    assert sum(count for _, _, count in curves["forgets"]) == len(truth)
    assert all(exact == 1.0 for _, exact, _ in curves["perfect"])
    assert [exact for length, exact, _ in curves["forgets"]] == [1.0] * 5 + [0.0] * 4
    common = result.by_length(min_count=10)["forgets"]  # a length held by few sources is no point of the curve
    assert common and all(count >= 10 for _, _, count in common) and len(common) < len(curves["forgets"])
    rows = {row["Model"]: row for row in result.table()}
    assert [key for key in rows["forgets"] if key.startswith("Exact,")] == [
        "Exact, 4–6 characters", "Exact, 7–8 characters", "Exact, 9–10 characters", "Exact, 11–12 characters"]
    assert rows["forgets"]["Exact, 4–6 characters"] == 1.0 and rows["forgets"]["Exact, 11–12 characters"] == 0.0


# ---------------------------------------------------------------- learning
def test_the_fixed_context_forgets_long_strings_while_attention_reverses_them():
    """The notes' bottleneck, small: strings of 4-12 digits, 3,000 of them, 32 units, 4 epochs (~25 s on
    2 cores). Measured (seeds 0 / 1): the plain model reverses 0.82 / 0.84 of the 4-6 digit strings and
    0.03 / 0.01 of the 11-12 digit ones; Bahdanau 1.00 everywhere (the preset's full numbers are in the
    module docstring)."""
    config = TranslationConfig(task="reversal", models=("seq2seq", "bahdanau"), n=3000, digits=12, units=32,
                               epochs=4, batch=32, lr=0.01)
    result = run_translation(config)
    plain, attention = ({length: exact for length, exact, _ in curve} for curve in result.by_length().values())
    short, long = (4, 5, 6), (11, 12)
    assert np.mean([plain[n] for n in short]) > 0.6
    assert np.mean([plain[n] for n in long]) < 0.2  # falls with the length
    assert min(attention[n] for n in short + long) > 0.9  # stays high
