"""FILIP (toolkit.multimodal.filip): patch and word vectors, Eq. 1's loss against NumPy and against CLIP's loss
when both directions agree, a short fit that learns to match pairs, recalls and zero-shot from the token-wise
similarity, validation and a Keras round trip."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import clip, filip
from toolkit.multimodal.fine_grained import token_wise_similarity

pytestmark = pytest.mark.xdist_group(__name__)
CAPTIONS = ["a red circle", "a blue star", "a green square and a red cross", "a large yellow triangle"]


def small(**kwargs):
    keras.utils.set_random_seed(0)
    return filip.FILIP((32, 32, 3), embed_dim=8, width=2, text_dim=8, heads=2, text_length=8, **kwargs)


def images(n=4, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, 32, 32, 3)).astype("float32")


def test_patches_words_and_the_similarity_of_eqs_2_and_3():
    model = small()
    x, tokens = images(), model.tokenize(CAPTIONS)
    patches = keras.ops.convert_to_numpy(model.encode_patches(x))
    words, mask = (keras.ops.convert_to_numpy(t) for t in model.encode_words(tokens))
    assert patches.shape == (4, 4, 8) and model.patch_count == 4  # a 2 x 2 map of a 32 x 32 image
    np.testing.assert_allclose(np.linalg.norm(patches, axis=-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(mask, tokens != 0)
    expected = token_wise_similarity(patches, words, mask)
    for mine, reference in zip(model.similarities(x, tokens), expected):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(reference), atol=1e-5)
    np.testing.assert_allclose(model({"images": x, "tokens": tokens}),
                               float(model.scale()) * keras.ops.convert_to_numpy(expected[0]), rtol=1e-5)


def test_the_loss_matches_numpy_and_is_clips_when_both_directions_agree():
    rng = np.random.default_rng(1)
    i2t, t2i = rng.normal(size=(5, 5)).astype("float32"), rng.normal(size=(5, 5)).astype("float32")

    def ce(logits):  # each row against its diagonal entry
        logits = logits - logits.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(logits).sum(axis=1)) - np.diagonal(logits))

    np.testing.assert_allclose(float(filip.filip_loss(i2t, t2i)), 0.5 * (ce(i2t) + ce(t2i.T)), rtol=1e-5)
    np.testing.assert_allclose(float(filip.filip_loss(i2t, i2t)), float(clip.clip_loss(i2t)), rtol=1e-5)


def test_a_short_fit_learns_to_match_its_pairs_and_scores_them():
    from toolkit.train import fit

    model = small()
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    x, tokens = images(8, seed=2), model.tokenize(CAPTIONS * 2)
    tokens[4:, 1] = 1  # the second half's captions differ from the first's (an unknown word)
    run = fit(model, {"images": x, "tokens": tokens}, None, batch_size=8, epochs=60, seed=0)
    assert run.history["loss"][-1] < 0.5 * run.history["loss"][0], run.history["loss"]
    assert run.history["accuracy"][-1] >= 0.75
    recalls = filip.filip_recalls(model, x[:4], CAPTIONS, ks=(1, 2))
    assert set(recalls) == {"image → text", "text → image"} and 0 <= recalls["image → text"][1] <= 1
    assert filip.filip_zero_shot(model, x, ["circle", "star"]).shape == (8,)


def test_only_the_cnn_encoder_and_a_keras_round_trip(tmp_path):
    with pytest.raises(ValueError, match="image_kind"):
        small(image_kind="vit")
    model = small()
    x, tokens = images(), model.tokenize(CAPTIONS)
    model.save(tmp_path / "filip.keras")
    loaded = keras.models.load_model(tmp_path / "filip.keras")
    assert isinstance(loaded, filip.FILIP)
    np.testing.assert_allclose(loaded({"images": x, "tokens": tokens}), model({"images": x, "tokens": tokens}),
                               atol=1e-5)
