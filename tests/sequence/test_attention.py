"""Additive (Bahdanau) and local (Luong) attention against Keras's layers and NumPy (Eq. 1-7 of
toolkit.sequence.attention), their masks, their saving, and hard attention."""

import keras
import numpy as np
import pytest

from toolkit.sequence.attention import AdditiveAttention, LocalAttention, hard_attention

B, T, S, D = 2, 3, 7, 4


def arrays(seed=0, query_width=D, value_width=D):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(B, T, query_width)).astype("float32"),
            rng.normal(size=(B, S, value_width)).astype("float32"))


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- additive attention
def test_additive_attention_with_identity_weights_is_keras_additive_attention():
    """keras.layers.AdditiveAttention is Eq. 1 with W_s = W_h = I and v_a = its scale."""
    query, values = arrays()
    mask = np.array([[True] * S, [True] * 4 + [False] * (S - 4)])
    ours = AdditiveAttention(D)
    ours.build([query.shape, values.shape])
    scale = np.random.default_rng(1).normal(size=D).astype("float32")
    ours.set_weights([np.eye(D, dtype="float32"), np.eye(D, dtype="float32"), scale])
    theirs = keras.layers.AdditiveAttention(use_scale=True)
    theirs.build([query.shape, values.shape])
    theirs.set_weights([scale])
    context, weights = ours([query, values], mask=[None, mask], return_attention_scores=True)
    expected, expected_weights = theirs([query, values], mask=[None, mask], return_attention_scores=True)
    np.testing.assert_allclose(context, expected, atol=1e-5)
    np.testing.assert_allclose(weights, expected_weights, atol=1e-6)


def test_additive_attention_follows_eq_1_to_3_in_numpy():
    query, values = arrays(2, query_width=5, value_width=3)
    layer = AdditiveAttention(6)
    context, weights = layer([query, values], return_attention_scores=True)
    w_s, w_h, v = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    scores = np.tanh((query @ w_s)[:, :, None] + (values @ w_h)[:, None]) @ v  # Eq. 1, (B, T, S)
    expected_weights = softmax(scores)  # Eq. 2
    np.testing.assert_allclose(weights, expected_weights, atol=1e-6)
    np.testing.assert_allclose(context, expected_weights @ values, atol=1e-5)  # Eq. 3
    np.testing.assert_allclose(np.sum(weights, axis=-1), 1.0, atol=1e-6)


def test_a_masked_source_position_gets_no_attention():
    query, values = arrays(3)
    mask = np.ones((B, S), bool)
    mask[:, -2:] = False
    _, weights = AdditiveAttention(4)([query, values], mask=[None, mask], return_attention_scores=True)
    assert np.all(np.asarray(weights)[..., -2:] < 1e-6)
    np.testing.assert_allclose(np.sum(weights, axis=-1), 1.0, atol=1e-6)


# ---------------------------------------------------------------- local attention
def test_local_attention_with_a_window_wider_than_the_source_is_keras_dot_attention():
    """Eq. 6 with D ≫ S: every position is in the window and the Gaussian is ≈ 1 (1 − 2e-7 here)."""
    query, values = arrays(4)
    context, weights = LocalAttention(window=10_000, score="dot")([query, values], return_attention_scores=True)
    expected, expected_weights = keras.layers.Attention()([query, values], return_attention_scores=True)
    np.testing.assert_allclose(weights, expected_weights, atol=1e-5)
    np.testing.assert_allclose(context, expected, atol=1e-5)


def test_local_attention_follows_eq_4_to_7_in_numpy():
    query, values = arrays(5, query_width=5, value_width=3)
    layer = LocalAttention(window=2, units=4, score="general")
    context, weights = layer([query, values], return_attention_scores=True)
    w_p, v_p, w_a = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    p = S / (1 + np.exp(-(np.tanh(query @ w_p) @ v_p)))  # Eq. 4, (B, T)
    scores = query @ w_a @ values.transpose(0, 2, 1)  # Eq. 5
    j = np.arange(S)
    keep = np.abs(j - p[..., None]) <= 2
    inside = softmax(np.where(keep, scores, -np.inf))
    expected = np.where(keep, inside * np.exp(-(j - p[..., None]) ** 2 / (2 * 1.0**2)), 0.0)  # Eq. 6, σ = 1
    np.testing.assert_allclose(weights, expected, atol=1e-5)
    np.testing.assert_allclose(context, expected @ values, atol=1e-5)  # Eq. 7
    np.testing.assert_allclose(layer.positions(query, S), p, atol=1e-4)
    assert np.all((np.asarray(weights) > 0).sum(axis=-1) <= 2 * 2 + 1)  # at most 2D + 1 positions


def test_local_attention_aligns_within_each_sources_own_length():
    """Eq. 4's S is the source's length: a source padded after 3 steps gets p_t in [0, 3]."""
    query, values = arrays(9)
    mask = np.zeros((B, S), bool)
    mask[0, :3], mask[1] = True, True
    layer = LocalAttention(window=1, units=4, score="dot")
    _, weights = layer([query, values], mask=[None, mask], return_attention_scores=True)
    unmasked = layer.positions(query, S)  # (B, T) with S = 7
    np.testing.assert_allclose(layer.positions(query, np.array([[3.0], [7.0]], "float32")),
                               np.asarray(unmasked) * np.array([[3 / 7], [1.0]]), atol=1e-5)
    assert np.all(np.asarray(weights)[0, :, 3:] == 0) and np.all(np.asarray(weights)[0].sum(-1) > 0)


def test_local_attention_respects_the_value_mask():
    query, values = arrays(6)
    mask = np.zeros((B, S), bool)
    mask[:, :3] = True
    _, weights = LocalAttention(window=10_000, score="dot")([query, values], mask=[None, mask],
                                                             return_attention_scores=True)
    assert np.all(np.asarray(weights)[..., 3:] == 0)


# ---------------------------------------------------------------- saving and arguments
@pytest.mark.parametrize("layer", [AdditiveAttention(5), LocalAttention(window=3, units=4, score="general")],
                         ids=["additive", "local"])
def test_attention_layers_round_trip_through_config_and_keras_files(layer, tmp_path):
    query_in, values_in = keras.Input((T, D)), keras.Input((S, D))
    model = keras.Model([query_in, values_in], layer([query_in, values_in]))
    query, values = arrays(7)
    copy = type(layer).from_config(layer.get_config())
    assert copy.get_config() == layer.get_config()
    model.save(tmp_path / "attention.keras")
    reloaded = keras.saving.load_model(tmp_path / "attention.keras")
    np.testing.assert_allclose(reloaded([query, values]), model([query, values]), atol=1e-6)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: AdditiveAttention(0), "`units` must be"),
    (lambda: LocalAttention(window=0), "`window` must be"),
    (lambda: LocalAttention(score="cosine"), "`score` must be one of"),
])
def test_bad_arguments_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_dot_scores_need_query_and_values_of_one_width():
    query, values = arrays(8, query_width=5, value_width=3)
    with pytest.raises(ValueError, match='score="dot" needs a query as wide as the values'):
        LocalAttention(score="dot")([query, values])


# ---------------------------------------------------------------- hard attention
def test_hard_attention_keeps_the_argmax_or_a_sampled_location():
    weights = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    np.testing.assert_array_equal(hard_attention(weights), [[0, 1, 0], [1, 0, 0]])
    drawn = hard_attention(np.tile([0.2, 0.8], (4000, 1)), sample=True, seed=0)
    assert drawn.sum(axis=-1).tolist() == [1.0] * 4000
    assert abs(drawn[:, 1].mean() - 0.8) < 0.03  # sampled with probability a_j
    with pytest.raises(ValueError, match="last axis of locations"):
        hard_attention(np.zeros((2, 0)))
