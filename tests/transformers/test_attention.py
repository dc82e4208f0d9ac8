"""Attention (Eqs. 1-5 of toolkit.transformers.attention) against Keras and NumPy, the positional
encoding against keras_hub, the masks, the blocks' residuals, causality and saving."""

import keras
import numpy as np
import pytest

from toolkit.transformers.attention import (DecoderBlock, EncoderBlock, MultiHeadAttention, SinusoidalPositionEncoding,
                                            causal_mask, padding_mask, positional_encoding,
                                            scaled_dot_product_attention, self_attention_steps)

B, T, S, D, H = 2, 5, 7, 8, 2


def arrays(seed=0, query_width=D, value_width=6):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, T, query_width)).astype("float32"),
            rng.normal(size=(B, S, value_width)).astype("float32"))


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def test_scaled_dot_product_attention_is_the_numpy_formula_with_and_without_a_mask():
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(B, n, 4)).astype("float32") for n in (T, S, S))
    mask = np.ones((B, T, S), bool)
    mask[1, :, 4:] = False
    for m in (None, mask):
        scores = q @ k.transpose(0, 2, 1) / 2.0  # √d_k = 2
        if m is not None:
            scores = np.where(m, scores, -np.inf)
        weights = softmax(scores)
        output, got = scaled_dot_product_attention(q, k, v, m)
        np.testing.assert_allclose(got, weights, atol=1e-6)
        np.testing.assert_allclose(output, weights @ v, atol=1e-5)
    assert np.all(np.asarray(got)[1, :, 4:] == 0)


def test_a_query_with_every_key_masked_gets_zeros_not_nan():
    q = np.ones((1, 2, 4), np.float32)
    output, weights = scaled_dot_product_attention(q, q, q, np.zeros((1, 2, 2), bool))
    assert np.all(np.asarray(weights) == 0) and np.all(np.asarray(output) == 0)


def test_padding_and_causal_masks():
    np.testing.assert_array_equal(padding_mask(np.array([[3, 1, 0, 0]])), [[[True, True, False, False]]])
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    with pytest.raises(ValueError, match="`length` must be"):
        causal_mask(0)


@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_with_keras_weights_is_keras_multi_head_attention(masked):
    query, value = arrays()
    mask = np.ones((B, T, S), bool)
    mask[0, :, 5:] = False
    kwargs = {"attention_mask": mask} if masked else {}
    reference = keras.layers.MultiHeadAttention(H, 3, value_dim=4)
    expected, expected_scores = reference(query, value, return_attention_scores=True, **kwargs)
    ours = MultiHeadAttention(H, 3, value_dim=4)
    ours(query, value)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in reference.get_weights()]
    ours.set_weights(reference.get_weights())
    output, scores = ours(query, value, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(output, expected, atol=1e-5)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-6)  # (B, h, T, S)


def test_multi_head_attention_reads_a_separate_key_as_keras_does():
    query, value = arrays(8)
    key = np.random.default_rng(9).normal(size=(B, S, 5)).astype("float32")
    reference = keras.layers.MultiHeadAttention(H, 3)
    expected = reference(query, value, key=key)
    ours = MultiHeadAttention(H, 3)
    ours(query, value, key=key)
    ours.set_weights(reference.get_weights())
    np.testing.assert_allclose(ours(query, value, key=key), expected, atol=1e-5)


def test_self_attention_steps_are_the_layers_own_computation():
    x = np.random.default_rng(2).normal(size=(T, D)).astype("float32")
    layer = MultiHeadAttention(H, 4, use_bias=True)
    _, scores = layer(x[None], x[None], return_attention_scores=True)
    steps = self_attention_steps(x, layer)
    np.testing.assert_allclose(steps["weights"], np.asarray(scores)[0], atol=1e-6)
    np.testing.assert_allclose(steps["weights"], softmax(steps["scores"]), atol=1e-6)  # Eq. 3
    np.testing.assert_allclose(steps["scores"], steps["query"] @ steps["key"].transpose(0, 2, 1) / 2.0, atol=1e-5)
    np.testing.assert_allclose(steps["output"], steps["weights"] @ steps["value"], atol=1e-5)  # Eq. 4
    assert {name: value.shape for name, value in steps.items()} == {
        "query": (H, T, 4), "key": (H, T, 4), "value": (H, T, 4), "scores": (H, T, T), "weights": (H, T, T),
        "output": (H, T, 4)}
    one = self_attention_steps(x[None], layer, head=1)  # one head, (T, ...)
    np.testing.assert_allclose(one["weights"], np.asarray(scores)[0, 1], atol=1e-6)
    np.testing.assert_allclose(one["output"], steps["output"][1], atol=1e-6)
    with pytest.raises(ValueError, match="`head` must be"):
        self_attention_steps(x, layer, head=H)


def test_sinusoidal_encoding_is_keras_hubs_sine_position_encoding():
    import keras_hub

    x = np.zeros((2, 11, 16), np.float32)
    expected = keras_hub.layers.SinePositionEncoding()(x)
    np.testing.assert_allclose(SinusoidalPositionEncoding()(x), expected, atol=1e-5)
    np.testing.assert_allclose(positional_encoding(11, 16), np.asarray(expected)[0], atol=1e-5)
    # Eq. 6 by hand at position 3, dimensions 2i = 4 and 2i + 1 = 5
    table = positional_encoding(11, 16)
    assert table[3, 4] == pytest.approx(np.sin(3 / 10000 ** (4 / 16)), abs=1e-6)
    assert table[3, 5] == pytest.approx(np.cos(3 / 10000 ** (4 / 16)), abs=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_the_encoder_block_ignores_padding_and_returns_its_attention(norm_first):
    x = np.random.default_rng(3).normal(size=(1, S, D)).astype("float32")
    tokens = np.array([[True] * 4 + [False] * 3])
    block = EncoderBlock(D, H, 16, norm_first=norm_first)
    out, scores = block(x, source_mask=tokens, return_attention_scores=True)
    assert out.shape == (1, S, D) and scores.shape == (1, H, S, S)
    assert np.all(np.asarray(scores)[..., 4:] == 0)
    changed = x.copy()
    changed[:, 4:] = 9.0  # what stands in the padding changes nothing at the tokens
    np.testing.assert_allclose(block(changed, source_mask=tokens)[:, :4], np.asarray(out)[:, :4], atol=1e-5)
    ids = np.array([[5, 2, 7, 1, 0, 0, 0]], np.int32)  # the source ids mask the same way
    np.testing.assert_allclose(block(x, source_mask=ids), out, atol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_the_decoder_block_is_causal(norm_first):
    y = np.random.default_rng(4).normal(size=(1, T, D)).astype("float32")
    memory = np.random.default_rng(5).normal(size=(1, S, D)).astype("float32")
    block = DecoderBlock(D, H, 16, norm_first=norm_first)
    out, self_scores, cross_scores = block(y, memory, return_attention_scores=True)
    assert self_scores.shape == (1, H, T, T) and cross_scores.shape == (1, H, T, S)
    assert np.allclose(np.triu(np.asarray(self_scores)[0, 0], k=1), 0)  # no weight on later positions
    changed = y.copy()
    changed[:, 3:] += 5.0
    np.testing.assert_allclose(block(changed, memory)[:, :3], np.asarray(out)[:, :3], atol=1e-5)


def test_a_post_norm_block_adds_the_residual_before_its_layer_norm():
    """Eq. 7 by hand with the block's own sub-layers: LN2(u + FFN(u)), u = LN1(x + MHA(x, x))."""
    x = np.random.default_rng(6).normal(size=(1, T, D)).astype("float32")
    block = EncoderBlock(D, H, 16)
    out = block(x)
    u = block.norm_1(x + block.self_attention(x, x))
    np.testing.assert_allclose(out, block.norm_2(u + block.ffn(u)), atol=1e-5)


def test_layers_reject_bad_arguments_in_one_sentence():
    with pytest.raises(ValueError, match="`num_heads` must be"):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="`dropout` must be"):
        MultiHeadAttention(2, 4, dropout=1.0)
    with pytest.raises(ValueError, match="`dim` must be a multiple of `heads`"):
        EncoderBlock(10, 3, 16)


@pytest.mark.parametrize("layer", [MultiHeadAttention(H, 4, value_dim=3, output_shape=5),
                                   SinusoidalPositionEncoding(500.0), EncoderBlock(D, H, 16, norm_first=True),
                                   DecoderBlock(D, H, 16)],
                         ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_keras_file_reloads_a_model_of_every_layer_with_identical_outputs(tmp_path):
    source = keras.Input((S, D))
    target = keras.Input((T, D))
    z = EncoderBlock(D, H, 16, name="encoder_block")(source + SinusoidalPositionEncoding()(source))
    y = DecoderBlock(D, H, 16, norm_first=True, name="decoder_block")(target, z)
    model = keras.Model([source, target], MultiHeadAttention(H, 4, name="mha")(y, z))
    inputs = [np.random.default_rng(7).normal(size=(2, n, D)).astype("float32") for n in (S, T)]
    model.save(tmp_path / "attention.keras")
    reloaded = keras.saving.load_model(tmp_path / "attention.keras")
    np.testing.assert_allclose(reloaded(inputs), model(inputs), atol=1e-6)
