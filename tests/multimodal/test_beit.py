"""BEiT of toolkit.multimodal.beit: the masked positions read only the mask embedding (Eq. 3), Eq. 5 and the
token accuracy against NumPy, the baseline's guess, and the shipped tokenizer against what its JSON says it
measured when it was trained (``python -m toolkit.multimodal.beit``)."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import beit, masked


def small(**kwargs):
    model = beit.MaskedTokenModel((16, 16, 3), num_codes=6, patch_size=4, dim=8, depth=1, heads=2, **kwargs)
    model.build()
    return model


def test_a_masked_patch_is_never_read():
    """Eq. 3: repainting a masked patch changes no logit anywhere, repainting a visible one does."""
    rng = np.random.default_rng(0)
    model = small()
    images = rng.uniform(size=(2, 16, 16, 3)).astype("float32")
    hidden = np.zeros((2, 16), "float32")
    hidden[:, [0, 5, 9]] = 1
    before = keras.ops.convert_to_numpy(model.token_logits(images, hidden))
    repainted = images.copy()
    repainted[:, 4:8, 4:8] = rng.uniform(size=(2, 4, 4, 3))  # patch 5 (row 1, column 1): masked
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.token_logits(repainted, hidden)), before, atol=1e-5)
    repainted[:, 0:4, 4:8] = rng.uniform(size=(2, 4, 4, 3))  # patch 1: visible
    assert not np.allclose(keras.ops.convert_to_numpy(model.token_logits(repainted, hidden)), before, atol=1e-4)


def test_the_feature_vector_is_the_mean_token_with_nothing_masked():
    model = small()
    images = np.random.default_rng(1).uniform(size=(3, 16, 16, 3)).astype("float32")
    tokens = keras.ops.convert_to_numpy(model.encode(images, np.zeros((3, 16), "float32")))
    np.testing.assert_allclose(model.features(images), tokens.mean(1), atol=1e-5)


def test_the_loss_and_accuracy_count_the_masked_positions_only():
    """Eq. 5 and the token accuracy against NumPy: the visible positions' terms do not enter."""
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(2, 5, 4)).astype("float32")
    tokens = rng.integers(0, 4, size=(2, 5))
    hidden = np.array([[1, 0, 1, 0, 0], [0, 1, 1, 1, 0]], "float32")
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(np.take_along_axis(log_p, tokens[..., None], -1)[..., 0] * hidden).sum() / hidden.sum()
    np.testing.assert_allclose(float(beit.masked_token_loss(tokens, logits, hidden)), expected, rtol=1e-5)
    right = (logits.argmax(-1) == tokens) * hidden
    np.testing.assert_allclose(float(beit.masked_token_accuracy(tokens, logits, hidden)), right.sum() / hidden.sum())


def test_the_baseline_guesses_the_most_common_visible_token():
    tokens = np.array([[3, 3, 1, 3, 1], [2, 0, 0, 2, 2]])
    hidden = np.array([[0, 0, 1, 0, 1], [1, 0, 0, 1, 1]])  # guesses: 3 (wrong twice), 0 (wrong three times)
    np.testing.assert_array_equal(beit.most_common_visible_token(tokens, hidden), [0.0, 0.0])
    hidden = np.array([[1, 0, 0, 1, 1], [0, 1, 0, 1, 0]])  # guesses: 1 (1 of 3 right), 2 (1 of 2)
    np.testing.assert_allclose(beit.most_common_visible_token(tokens, hidden), [1 / 3, 0.5])


def test_training_lowers_the_loss_on_a_few_crops():
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(32, 16, 16, 3)).astype("float32")
    tokens = (images.reshape(32, 4, 4, 4, 4, 3).mean((2, 4, 5)) * 6).astype("int32").reshape(32, 16)
    model = small(mask_ratio=0.4)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(images, tokens, batch_size=32, epochs=40, verbose=0).history
    assert history["loss"][-1] < 0.7 * history["loss"][0], history["loss"]
    assert set(history) == {"loss", "token_accuracy"}


def test_greyed_hides_exactly_the_masked_patches():
    images = np.random.default_rng(4).uniform(size=(2, 8, 8, 3)).astype("float32")
    hidden = np.array([[1, 0, 0, 1], [0, 0, 1, 0]])
    shown = masked.greyed(images, hidden, 4)
    np.testing.assert_array_equal(shown[0, :4, :4], 0.5)
    np.testing.assert_array_equal(shown[0, :4, 4:], images[0, :4, 4:])
    np.testing.assert_array_equal(shown[1, 4:, :4], 0.5)
    np.testing.assert_array_equal(shown[1, :4], images[1, :4])


def test_the_shipped_tokenizer_still_measures_what_its_json_says():
    """One visual token per 4 × 4 patch of a 32 × 32 crop, and on the held-out crops its reconstructions and its
    code usage are those measured when it was trained."""
    facts = beit.tokenizer_facts()
    tokenizer = beit.tokenizer()
    assert tokenizer.num_codes == facts["num_codes"] and tokenizer.code_shape == (8, 8)
    scores = beit.scored(tokenizer)
    assert scores["codes_used"] == facts["codes_used"], scores
    assert scores["pixel_mse"] == pytest.approx(facts["pixel_mse"], rel=0.02), scores
    assert scores["pixel_mse"] < 0.01  # sharp enough that a drawn token map shows the shape


def test_tokens_are_ordered_as_the_patches():
    """Token i describes patch i (row by row): a crop whose top half is background has the background's token
    in its top rows."""
    from toolkit.diffusion.text_lab import shape_crops

    images = shape_crops(4, seed=5).images
    tokens = beit.visual_tokens(images)
    assert tokens.shape == (4, 64) and tokens.min() >= 0 and tokens.max() < beit.tokenizer().num_codes
    drawn = beit.draw_tokens(tokens)
    assert drawn.shape == images.shape
    corner = tokens.reshape(4, 8, 8)[:, 0, 0]
    assert len(set(corner)) == 1  # every crop's top-left patch is plain background
