"""ConvS2S (Eqs. 1-8 of toolkit.transformers.convs2s): the gated convolution against NumPy, causal
decoder and centred encoder, the attention of one decoder layer against NumPy, its weights, greedy
translation through toolkit.sequence.seq2seq unchanged, saving, and one small learning run on dates."""

import math

import keras
import numpy as np
import pytest

from toolkit.data import load
from toolkit.data.dates import SOURCE_LENGTH, TARGET_LENGTH, TARGET_VOCAB, dates, exact_match
from toolkit.sequence.seq2seq import START_ID, bahdanau, compile_translator, decoder_inputs, translate
from toolkit.train import fit
from toolkit.transformers.convs2s import (ConvAttention, GatedConv1D, TokenAndLearnedPosition, convs2s,
                                          convs2s_attention)

DIM, LAYERS, B = 8, 2, 6
V = len(TARGET_VOCAB)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return convs2s(DIM, LAYERS)


@pytest.fixture(scope="module")
def batch():
    """B sources of several lengths (post-padded) and their teacher-forcing decoder inputs."""
    data = dates(n=100, seed=0)
    order = np.argsort(data.attrs_train["length"])
    chosen = order[np.linspace(0, len(order) - 1, B).astype(int)]  # shortest to longest
    return data.x_train[chosen], decoder_inputs(data.y_train[chosen])


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def logits(model, source, decoder_ids):
    return numpy(model([source, decoder_ids]))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------- layers
@pytest.mark.parametrize("causal", [False, True])
def test_gated_convolution_is_the_glu_of_its_convolution_plus_the_input(causal):
    """Eqs. 2-3 in NumPy from the layer's kernel: centred ("same") or causal padding, atol 1e-5."""
    h = np.random.default_rng(0).normal(size=(2, 7, 4)).astype("float32")
    layer = GatedConv1D(4, 3, causal=causal)
    out = numpy(layer(h))
    kernel, bias = (numpy(w) for w in layer.conv.weights)  # (3, 4, 8), (8,)
    padded = np.pad(h, [(0, 0), (2, 0) if causal else (1, 1), (0, 0)])
    conv = np.stack([np.einsum("bkc,kco->bo", padded[:, t:t + 3], kernel) for t in range(7)], 1) + bias
    expected = (conv[..., :4] * sigmoid(conv[..., 4:]) + h) * math.sqrt(0.5)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_one_decoder_layer_attends_as_eqs_4_to_7_in_numpy():
    """d = (W_d h + g)√0.5, a = softmax(d·z) off padding, c = √m a(z + e), out = (h + W_c c)√0.5."""
    rng = np.random.default_rng(1)
    h, g = (rng.normal(size=(2, 3, 4)).astype("float32") for _ in range(2))
    z, e = (rng.normal(size=(2, 5, 4)).astype("float32") for _ in range(2))
    source = np.array([[3, 4, 5, 0, 0], [3, 4, 5, 6, 7]], np.int32)
    layer = ConvAttention(4)
    out, weights = (numpy(x) for x in layer([h, g, z, e, source], return_attention_scores=True))
    (wq, bq), (wc, bc) = [[numpy(w) for w in part.weights] for part in (layer.query, layer.context)]
    d = (h @ wq + bq + g) * math.sqrt(0.5)
    scores = np.where(source[:, None, :] > 0, d @ z.transpose(0, 2, 1), -np.inf)
    a = np.exp(scores - scores.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    c = a @ (z + e) * np.sqrt((source > 0).sum(1))[:, None, None]
    np.testing.assert_allclose(weights, a, atol=1e-6)
    np.testing.assert_allclose(out, (h + c @ wc + bc) * math.sqrt(0.5), atol=1e-5)


def test_embedding_adds_one_learned_vector_per_position():
    layer = TokenAndLearnedPosition(10, 4, 6)
    ids = np.array([[1, 2, 3], [1, 1, 1]], np.int32)
    out = numpy(layer(ids))
    table, positions = numpy(layer.embedding.embeddings), numpy(layer.positions)
    np.testing.assert_allclose(out, table[ids] + positions[None, :3], atol=1e-6)


# ---------------------------------------------------------------- the model
def test_output_is_one_row_of_logits_per_decoder_step(model, batch):
    source, decoder_ids = batch
    assert [tuple(x.shape) for x in model.inputs] == [(None, SOURCE_LENGTH), (None, None)]
    assert [x.name for x in model.inputs] == ["source", "decoder_inputs"]
    assert tuple(model.outputs[0].shape) == (None, None, V)
    assert logits(model, source[:2], decoder_ids[:2, :4]).shape == (2, 4, V)  # any number of steps
    assert model.get_layer("decoder").inputs[0].name == "source"  # seq2seq passes it (the padding mask)


def test_logits_at_step_t_depend_only_on_decoder_inputs_up_to_t(model, batch):
    source, decoder_ids = batch
    t = 3
    changed = decoder_ids.copy()
    changed[:, t + 1:] = (changed[:, t + 1:] + 5) % V
    before, after = logits(model, source, decoder_ids), logits(model, source, changed)
    np.testing.assert_allclose(after[:, :t + 1], before[:, :t + 1], atol=1e-6)
    assert np.abs(after[:, t + 1:] - before[:, t + 1:]).max() > 1e-4


def test_the_encoder_reads_both_ways(model, batch):
    """Centred kernels (Eq. 3): z_1 reads the character after it, unlike the causal decoder."""
    source, _ = batch
    encoder = model.get_layer("encoder")
    changed = source.copy()
    changed[:, 1] = changed[:, 1] % 20 + 1  # another character at step 2 (every source has one)
    assert np.all(source[:, 1] > 0)
    assert np.abs(numpy(encoder(changed)[0])[:, 0] - numpy(encoder(source)[0])[:, 0]).max() > 1e-4


def test_attention_weights_sum_to_one_over_the_characters_in_every_layer(model, batch):
    source, decoder_ids = batch
    weights = convs2s_attention(model, source, decoder_ids)
    assert len(weights) == LAYERS
    for w in weights:
        assert w.shape == (B, TARGET_LENGTH, SOURCE_LENGTH)
        assert np.all(w[np.broadcast_to(source[:, None, :] == 0, w.shape)] == 0)
        np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)


def test_translate_of_seq2seq_is_the_argmax_fed_back_step_by_step(model, batch):
    source, _ = batch
    translated = translate(model, source, max_length=5)
    prefix = np.full((B, 1), START_ID, np.int32)
    for _ in range(5):
        next_ids = logits(model, source, prefix)[:, -1].argmax(-1).astype(np.int32)
        prefix = np.concatenate([prefix, next_ids[:, None]], axis=1)
    assert translated.shape == (B, 5) and translated.dtype == np.int32
    np.testing.assert_array_equal(translated, prefix[:, 1:])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="`layers` must be"):
        convs2s(8, 0)
    with pytest.raises(ValueError, match="`dim` must be"):
        convs2s(0)
    with pytest.raises(ValueError, match="`causal` must be"):
        GatedConv1D(4, causal="yes")
    with pytest.raises(ValueError, match="`model` must be built by toolkit.transformers.convs2s"):
        convs2s_attention(bahdanau(4, embedding_dim=4), np.zeros((1, SOURCE_LENGTH), np.int32),
                          np.zeros((1, 2), np.int32))


# ---------------------------------------------------------------- saving
@pytest.mark.parametrize("layer", [GatedConv1D(8, 5, causal=True), TokenAndLearnedPosition(12, 8, 30),
                                   ConvAttention(8)], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_keras_file_round_trip_gives_identical_logits_and_weights(model, batch, tmp_path):
    source, decoder_ids = batch
    model.save(tmp_path / "convs2s.keras")
    loaded = keras.saving.load_model(tmp_path / "convs2s.keras")
    np.testing.assert_array_equal(logits(loaded, source, decoder_ids), logits(model, source, decoder_ids))
    weights = [convs2s_attention(m, source, decoder_ids) for m in (loaded, model)]
    for ours, theirs in zip(*weights):
        np.testing.assert_array_equal(ours, theirs)


# ---------------------------------------------------------------- learning
def test_convs2s_learns_to_translate_dates():
    """1,000 dates (800 to train), d = 32, 2 layers, 5 epochs at Adam 0.005: greedy exact match on the
    200 held-out dates 0.785 (chance is about 1 in 36,525); asserted above 0.5."""
    data = load(name="dates", n=1000, seed=0)
    keras.utils.set_random_seed(0)
    model = compile_translator(convs2s(32, 2), 0.005)
    fit(model, [data.x_train, decoder_inputs(data.y_train)], data.y_train, epochs=5, batch_size=64, verbose=0)
    assert exact_match(data.y_test, translate(model, data.x_test)) > 0.5
