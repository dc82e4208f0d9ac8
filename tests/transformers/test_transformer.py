"""The encoder-decoder transformer (toolkit.transformers.transformer) as one of Chapter 7's translators:
shapes, ``seq2seq.translate`` unchanged, causality, padding, its attention weights, saving, learning dates."""

import keras
import numpy as np
import pytest

from toolkit.data.dates import SOURCE_LENGTH, TARGET_LENGTH, TARGET_VOCAB
from toolkit.sequence.seq2seq import bahdanau, translate
from toolkit.transformers.attention import positional_encoding
from toolkit.transformers.transformer import TokenAndPosition, transformer, transformer_attention

V = len(TARGET_VOCAB)


def ids(seed=0, batch=3):
    rng = np.random.default_rng(seed)
    source = rng.integers(1, 20, size=(batch, SOURCE_LENGTH)).astype(np.int32)
    source[1, 12:] = 0  # a shorter source, padded
    return source, rng.integers(1, V, size=(batch, TARGET_LENGTH)).astype(np.int32)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return transformer(16, 2, 2, 32)


def test_logits_per_decoder_step_and_greedy_translation(model):
    source, targets = ids()
    decoder = model.get_layer("decoder")  # seq2seq.translate feeds it [source, *encoder(source), ids]
    assert decoder.inputs[0].name == "source" and decoder.inputs[-1].name == "decoder_inputs"
    assert model([source, targets]).shape == (3, TARGET_LENGTH, V)
    assert model([source, targets[:, :4]]).shape == (3, 4, V)  # any number of decoder steps
    assert translate(model, source).shape == (3, TARGET_LENGTH)


def test_logits_at_step_t_do_not_depend_on_later_decoder_inputs(model):
    source, targets = ids()
    changed = targets.copy()
    changed[:, 5:] = (changed[:, 5:] % (V - 1)) + 1
    np.testing.assert_allclose(model([source, changed])[:, :5], model([source, targets])[:, :5], atol=1e-5)


def test_what_stands_in_the_padding_changes_nothing(model):
    source, targets = ids()
    short = source[1:2].copy()
    longer = short.copy()
    longer[0, 12:] = 7  # the same 12 characters, no padding
    padded_again = np.where(np.arange(SOURCE_LENGTH) < 12, longer, 0).astype(np.int32)
    np.testing.assert_allclose(model([padded_again, targets[1:2]]), model([short, targets[1:2]]), atol=1e-6)
    assert not np.allclose(model([longer, targets[1:2]]), model([short, targets[1:2]]), atol=1e-4)


def test_a_pre_norm_transformer_is_causal_too():
    source, targets = ids()
    keras.utils.set_random_seed(0)
    model = transformer(16, 2, 1, 32, norm_first=True)
    changed = targets.copy()
    changed[:, 5:] = (changed[:, 5:] % (V - 1)) + 1
    np.testing.assert_allclose(model([source, changed])[:, :5], model([source, targets])[:, :5], atol=1e-5)


def test_attention_weights_are_distributions_that_skip_padding(model):
    source, targets = ids()
    found = transformer_attention(model, source, targets)
    assert [w.shape for w in found["encoder"]] == [(3, 2, SOURCE_LENGTH, SOURCE_LENGTH)] * 2
    assert [w.shape for w in found["cross"]] == [(3, 2, TARGET_LENGTH, SOURCE_LENGTH)] * 2
    np.testing.assert_allclose(found["cross"][0].sum(-1), 1, atol=1e-5)
    assert np.all(found["cross"][1][1, :, :, 12:] == 0) and np.all(found["encoder"][0][1, :, :, 12:] == 0)
    assert np.allclose(np.triu(found["decoder_self"][0][0, 0], k=1), 0)
    with pytest.raises(ValueError, match="must be built by"):
        transformer_attention(bahdanau(4), source, targets)


def test_token_and_position_is_the_scaled_embedding_plus_the_sinusoids_and_round_trips():
    layer = TokenAndPosition(12, 8)
    ids_ = np.array([[3, 1, 0, 5]], np.int32)
    out = np.asarray(layer(ids_))
    table = np.asarray(layer.embedding.embeddings)
    np.testing.assert_allclose(out[0], table[ids_[0]] * np.sqrt(8) + positional_encoding(4, 8), atol=1e-5)  # Eq. 1
    assert layer(ids_[:, :2]).shape == (1, 2, 8)  # any length
    clone = TokenAndPosition.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_keras_file_reloads_with_identical_outputs(model, tmp_path):
    source, targets = ids()
    model.save(tmp_path / "translator.keras")
    reloaded = keras.saving.load_model(tmp_path / "translator.keras")
    np.testing.assert_allclose(reloaded([source, targets]), model([source, targets]), atol=1e-5)


def test_builders_reject_bad_sizes_in_one_sentence():
    with pytest.raises(ValueError, match="`dim` must be a multiple of `heads`"):
        transformer(30, 4)
    with pytest.raises(ValueError, match="`layers` must be"):
        transformer(16, 2, 0)
    with pytest.raises(ValueError, match="`dropout` must be"):
        transformer(16, 2, dropout=1.0)
