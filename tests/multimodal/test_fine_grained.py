"""FILIP's token-wise similarity and STAIR's token projection head (toolkit.multimodal.fine_grained) against
NumPy loops: padding ignored, CLIP's cosine as the one-patch one-word case, non-negative max-pooled vocabulary
weights, the FLOPs regularizer, the top words, validation and a Keras round trip."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import fine_grained as fg

RNG = np.random.default_rng(0)


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def numpy_token_wise(patches, tokens, mask):
    """Eqs. 1-3 with loops: each patch's best word, each word's best patch."""
    i2t = np.zeros((len(patches), len(tokens)))
    t2i = np.zeros_like(i2t)
    for i, u in enumerate(patches):
        for j, v in enumerate(tokens):
            words = v[mask[j] == 1]
            s = u @ words.T  # (P, T_j)
            i2t[i, j] = s.max(axis=1).mean()
            t2i[i, j] = s.max(axis=0).mean()
    return i2t, t2i


def test_token_wise_similarity_matches_numpy_and_ignores_padding():
    patches, tokens = unit(RNG.normal(size=(3, 5, 8))), unit(RNG.normal(size=(4, 6, 8)))
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]])
    i2t, t2i = (keras.ops.convert_to_numpy(s) for s in fg.token_wise_similarity(patches, tokens, mask))
    expected_i2t, expected_t2i = numpy_token_wise(patches, tokens, mask)
    np.testing.assert_allclose(i2t, expected_i2t, atol=1e-5)
    np.testing.assert_allclose(t2i, expected_t2i, atol=1e-5)
    tokens[mask == 0] = 50.0  # whatever the padding holds
    again = fg.token_wise_similarity(patches, tokens, mask)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again[0]), expected_i2t, atol=1e-5)


def test_one_patch_and_one_word_give_clips_cosine():
    u, v = unit(RNG.normal(size=(3, 1, 8))), unit(RNG.normal(size=(2, 1, 8)))
    cosine = u[:, 0] @ v[:, 0].T
    for similarity in (*fg.token_wise_similarity(u, v), fg.global_similarity(u, v)):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(similarity), cosine, atol=1e-6)


def test_a_word_matched_by_one_patch_counts_in_token_wise_but_drowns_in_the_global_mean():
    """A star in one of 8 patches: the word 'star' finds it in Eq. 3, while the mean patch barely points at it."""
    star, background = unit(RNG.normal(size=8)), unit(RNG.normal(size=(8, 8)))
    patches = background.copy()
    patches[3] = star
    token_wise = float(keras.ops.convert_to_numpy(fg.token_wise_similarity(patches[None], star[None, None])[1])[0, 0])
    global_ = float(keras.ops.convert_to_numpy(fg.global_similarity(patches[None], star[None, None]))[0, 0])
    assert token_wise == pytest.approx(1.0, abs=1e-5) and global_ < 0.7


def test_the_stair_head_is_a_max_over_tokens_of_log_relu_and_skips_padding():
    head = fg.TokenProjectionHead(7)
    hidden = np.random.default_rng(5).normal(size=(2, 4, 5)).astype("float32")
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]])
    head.build(hidden.shape)
    kernel = keras.ops.convert_to_numpy(head.projection.kernel)
    bias = np.linspace(-100, 0.5, 7).astype("float32")  # word 0 never scores above 0
    head.projection.bias.assign(bias)
    w = keras.ops.convert_to_numpy(head(hidden, token_mask=mask))
    scores = np.log1p(np.maximum(hidden @ kernel + bias, 0))  # Eq. 4 by hand
    expected = np.stack([scores[0].max(0), scores[1, :2].max(0)])
    np.testing.assert_allclose(w, expected, atol=1e-6)
    assert w.shape == (2, 7) and np.all(w >= 0) and np.any(w == 0)  # ReLU makes some weights exactly 0


def test_flops_top_words_and_sparsity():
    w = np.array([[0.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, 3.0]], "float32")
    np.testing.assert_allclose(float(fg.flops_regularizer(w)), 1.0 ** 2 + 2.0 ** 2, rtol=1e-6)  # means 0, 1, 0, 2
    assert fg.top_words(w[0], ["a", "circle", "red", "star"], k=3) == [("circle", 2.0), ("star", 1.0)]
    assert fg.sparsity(w) == 5 / 8
    with pytest.raises(ValueError, match="one weight per word"):
        fg.top_words(w[0], ["a", "b"])
    with pytest.raises(ValueError, match="vocabulary_size"):
        fg.TokenProjectionHead(0)


def test_the_stair_head_round_trips_through_a_keras_file(tmp_path):
    inputs = keras.Input((4, 5))
    model = keras.Model(inputs, fg.TokenProjectionHead(6)(inputs))
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    model.save(tmp_path / "stair.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "stair.keras")(x), model(x), atol=1e-6)
