"""toolkit.multimodal.clip: Eqs. 2-6 against NumPy, the text encoder's padding, one training step."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import clip

RNG = np.random.default_rng(0)


def small_clip(**kwargs):
    keras.utils.set_random_seed(0)
    return clip.CLIP((16, 16, 3), embed_dim=8, width=4, text_dim=8, heads=2, text_length=8, **kwargs)


def numpy_cross_entropy(logits):
    """Mean over rows of −log softmax(row)[own index]."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(np.diagonal(log_p))


def test_clip_loss_is_the_symmetric_cross_entropy_of_numpy():
    similarity = RNG.normal(size=(6, 6)).astype("float32") * 3
    expected = 0.5 * (numpy_cross_entropy(similarity) + numpy_cross_entropy(similarity.T))
    assert float(clip.clip_loss(similarity)) == pytest.approx(expected, rel=1e-5)


def test_the_targets_are_the_diagonal():
    """A matrix that puts every pair on its diagonal has a small loss; shuffling the captions raises it."""
    aligned = np.eye(5, dtype="float32") * 20
    assert float(clip.clip_loss(aligned)) < 1e-6
    assert float(clip.clip_loss(np.roll(aligned, 1, axis=1))) == pytest.approx(20.0, rel=1e-3)  # no pair matched
    assert float(clip.matching_accuracy(aligned)) == 1.0
    assert float(clip.matching_accuracy(aligned[:, [1, 0, 2, 3, 4]])) == pytest.approx(0.6)


def test_the_logit_scale_is_clipped_to_at_most_100():
    constraint = clip.LogitScaleClip()
    assert float(constraint(keras.ops.convert_to_tensor(9.0))) == pytest.approx(np.log(100.0))
    assert float(constraint(keras.ops.convert_to_tensor(-1.0))) == 0.0
    model = small_clip(temperature=0.07)
    assert float(model.scale()) == pytest.approx(1 / 0.07, rel=1e-5)


def test_similarity_is_the_scaled_cosine_of_the_unit_embeddings():
    model = small_clip()
    images = RNG.uniform(size=(3, 16, 16, 3)).astype("float32")
    tokens = model.tokenize(["a red circle", "a star", "two shapes: a small blue cross and a square"])
    u, v = (keras.ops.convert_to_numpy(e) for e in (model.encode_images(images), model.encode_texts(tokens)))
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    similarity = keras.ops.convert_to_numpy(model({"images": images, "tokens": tokens}))
    np.testing.assert_allclose(similarity, float(model.scale()) * u @ v.T, rtol=1e-5, atol=1e-5)


def test_padding_does_not_change_a_text_embedding():
    model = small_clip()
    short = model.tokenize(["a green star"])
    longer = np.concatenate([short, np.zeros((1, 4), short.dtype)], axis=1)  # more padding after
    encoder = model.text_encoder
    np.testing.assert_allclose(keras.ops.convert_to_numpy(encoder(longer)),
                               keras.ops.convert_to_numpy(encoder(short)), rtol=1e-5, atol=1e-6)


def test_prompt_ensembling_averages_the_unit_text_embeddings():
    """Eq. 4 against NumPy: the mean of each class's prompt embeddings, renormalized."""
    model = small_clip()
    templates = ["a {}", "a small {}", "one shape: a {}"]
    names = ["circle", "star"]
    w = clip.class_embeddings(model, names, templates)
    for c, name in enumerate(names):
        v = clip.embed_texts(model, [t.format(name) for t in templates])
        mean = v.mean(axis=0)
        np.testing.assert_allclose(w[c], mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)


def test_zero_shot_picks_the_most_similar_class():
    model = small_clip()
    images = RNG.uniform(size=(5, 16, 16, 3)).astype("float32")
    names = ["circle", "square", "star"]
    scores = clip.embed_images(model, images) @ clip.class_embeddings(model, names, ["a {}"]).T
    np.testing.assert_array_equal(clip.zero_shot_predict(model, images, names, ["a {}"]), scores.argmax(axis=1))


@pytest.mark.parametrize("templates", [[], ["a circle"], ["a {} {}"], ["{shape}"], [3]])
def test_templates_must_hold_one_place_for_the_class(templates):
    with pytest.raises(ValueError, match="template"):
        clip.check_templates(templates)


def test_recall_at_k_against_a_numpy_ranking():
    similarity = RNG.normal(size=(20, 20))
    ranks = np.array([list(np.argsort(-row)).index(i) for i, row in enumerate(similarity)])
    for k in (1, 3, 5):
        assert clip.recall_at_k(similarity, k) == pytest.approx(np.mean(ranks < k))
    assert clip.recall_at_k(np.eye(4), 1) == 1.0
    with pytest.raises(ValueError, match="k"):
        clip.recall_at_k(similarity, 0)


def test_one_training_step_lowers_the_loss_on_its_batch_and_keeps_the_scale_clipped():
    model = small_clip(temperature=0.011)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    images = RNG.uniform(size=(8, 16, 16, 3)).astype("float32")
    tokens = model.tokenize(["a red circle", "a star", "a blue square", "a cross", "a small diamond",
                             "a large triangle", "two shapes", "a green star"])
    data = {"images": images, "tokens": tokens}
    before = float(clip.clip_loss(model(data)))
    for _ in range(5):
        logs = model.train_on_batch(data, return_dict=True)
    assert float(clip.clip_loss(model(data))) < before
    assert set(logs) == {"loss", "accuracy"}
    assert 0.0 <= float(model.logit_scale) <= np.log(100.0) + 1e-6


def test_search_returns_the_most_similar_images_first():
    model = small_clip()
    images = RNG.uniform(size=(6, 16, 16, 3)).astype("float32")
    order, scores = clip.search(model, "a red circle", images, k=3)
    full = clip.embed_images(model, images) @ clip.embed_texts(model, ["a red circle"])[0]
    np.testing.assert_array_equal(order, np.argsort(-full)[:3])
    assert np.all(np.diff(scores) <= 0)


def test_the_vit_image_encoder_gives_its_class_token():
    model = small_clip(image_kind="vit")
    assert model.image_encoder.output_shape == (None, 8)  # 2 × width
    images = RNG.uniform(size=(2, 16, 16, 3)).astype("float32")
    assert clip.embed_images(model, images).shape == (2, 8)


def test_unknown_words_and_bad_settings_fail_clearly():
    model = small_clip()
    assert model.tokenize(["a purple circle"])[0, 1] == 1  # unknown words map to id 1
    with pytest.raises(ValueError, match="image_kind"):
        clip.CLIP((16, 16, 3), image_kind="resnet")
    with pytest.raises(ValueError, match="heads"):
        clip.TextEncoder(10, dim=6, heads=4)
