"""The text-to-image GAN (GAN-CLS): captions from glyph attributes, caption validation, φ(t)
against Keras' own layers, the matching-aware loss against NumPy, the wrong captions,
agreement reading, and the model's training, config and .keras round trips (tiny networks)."""

import keras
import numpy as np
import pytest

from toolkit.generative import text_gan as tg
from toolkit.train import fit


def tiny_gan(matching_aware=True, **kwargs):
    keras.utils.set_random_seed(0)
    return tg.TextGAN(tg.text_generator(8, 4, filters=4), tg.text_discriminator(4, filters=4),
                      matching_aware=matching_aware, seed=0, **kwargs)


def tiny_data(n=24):
    images = np.random.default_rng(0).random((n, 28, 28, 1), np.float32)
    texts = [f"a {'bold' if i % 2 else 'thin'} {i % 10}" for i in range(n)]
    return images, tg.tokens(texts), tg.tokens(tg.wrong_captions(texts))


@pytest.mark.parametrize("thickness, slant, expected", [
    (2.0, 0.3, "a thin slanted 7"), (3.0, 0.0, "a bold upright 7"), (2.5, 0.1, "a 7"), (2.5, -0.1, "an upright 7"),
])
def test_a_caption_names_the_glyphs_own_attributes(thickness, slant, expected):
    assert tg.caption_words(7, thickness, slant, True, True) == expected
    assert tg.caption_words(7, thickness, slant, False, False) == "a 7"


def test_captions_name_each_attribute_with_its_probability_so_lengths_vary():
    rng = np.random.default_rng(5)  # not the captions' seed 0: their draws would align with these
    attrs = {"thickness": rng.uniform(1.8, 3.2, 2000), "slant": rng.uniform(-0.15, 0.4, 2000)}
    labels = np.arange(2000) % 10
    texts = tg.captions(labels, attrs, p_thickness=0.8, p_slant=0.5)
    assert {len(t.split()) for t in texts} == {2, 3, 4}
    named = np.mean([("thin" in t or "bold" in t) for t in texts])
    assert 0.8 * 2 / 3 - 0.04 < named < 0.8 * 2 / 3 + 0.04  # p_thickness × the outer two thirds of the range
    assert all(t.endswith(str(y)) for t, y in zip(texts, labels))
    assert all(t == f"a {y}" for t, y in zip(tg.captions(labels, attrs, 0.0, 0.0), labels))


@pytest.mark.parametrize("caption, message", [
    ("a purple 7", "words no training caption holds: 'purple'"),
    ("a bold slanted 7 7", "at most 4 words"),
    ("a bold", "exactly one digit, received 0"),
    ("a 3 7", "exactly one digit, received 2"),
    ("a thin bold 7", "at most one thickness word"),
    ("x" * 41, "at most 40 characters"),
])
def test_a_bad_caption_gets_one_clear_sentence(caption, message):
    with pytest.raises(ValueError, match=message):
        tg.check_caption(caption)


def test_tokens_are_vocabulary_ids_padded_with_zeros():
    ids = tg.tokens(["a bold 7", "An upright, 3", "bold slanted 0"])
    vocabulary = list(tg.VOCABULARY)
    assert ids.shape == (3, tg.TEXT_LENGTH) and ids.dtype == np.int32
    np.testing.assert_array_equal(ids[0], [vocabulary.index("a") + 1, vocabulary.index("bold") + 1,
                                           vocabulary.index("7") + 1, 0])
    assert ids[1, 0] == vocabulary.index("an") + 1 and ids[1, 3] == 0
    assert tg.asked("a bold slanted 7") == {"thickness": "bold", "slant": "slanted", "digit": "7"}
    assert tg.unknown_words("a purple 7 star") == ["purple", "star"]


def test_every_wrong_caption_is_a_different_caption_that_contradicts_its_glyph():
    texts = ["a 5", "a bold 5", "a thin 5", "a 3", "an upright 3", "a slanted 3"] * 20
    wrong = tg.wrong_captions(texts, seed=3)
    assert len(wrong) == len(texts)
    for right, bad in zip(texts, wrong):
        assert bad != right and tg.contradicts(tg.asked(right), tg.asked(bad)), (right, bad)
    with pytest.raises(ValueError, match="contradicting caption"):
        tg.wrong_captions(["a 5", "a 5"])


def test_sentence_embedding_is_keras_embedding_then_masked_average():
    layer = tg.SentenceEmbedding(len(tg.VOCABULARY), 6)
    ids = tg.tokens(["a bold 7", "a thin slanted 3", "a 0"])
    ours = keras.ops.convert_to_numpy(layer(ids))
    embedding = keras.layers.Embedding(len(tg.VOCABULARY) + 1, 6, mask_zero=True)
    embedding.build((None, tg.TEXT_LENGTH))
    embedding.set_weights(layer.get_weights())
    vectors = embedding(ids)
    keras_phi = keras.layers.GlobalAveragePooling1D()(vectors, mask=embedding.compute_mask(ids))
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(keras_phi), rtol=1e-6, atol=1e-7)
    # Eq. 1 by hand for the last caption: ("a", "0") averaged
    table = layer.get_weights()[0]
    np.testing.assert_allclose(ours[2], (table[ids[2, 0]] + table[ids[2, 1]]) / 2, rtol=1e-6)
    clone = tg.SentenceEmbedding.from_config(layer.get_config())
    assert (clone.vocabulary_size, clone.dim) == (len(tg.VOCABULARY), 6)
    with pytest.raises(ValueError, match="`dim` must be"):
        tg.SentenceEmbedding(5, 0)


def numpy_cls_loss(s_r, s_w, s_f, matching_aware, alpha):
    d = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    real = -((1 - alpha) * np.log(d(s_r)) + alpha * np.log(1 - d(s_r))).mean()
    if matching_aware:
        return real - 0.5 * (np.log(1 - d(s_w)).mean() + np.log(1 - d(s_f)).mean())
    return real - np.log(1 - d(s_f)).mean()


@pytest.mark.parametrize("matching_aware", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_gan_cls_loss_matches_numpy_on_given_logits(matching_aware, alpha):
    rng = np.random.default_rng(1)
    s_r, s_w, s_f = (rng.normal(size=(8, 1)).astype(np.float32) * 3 for _ in range(3))
    ours = float(tg.gan_cls_loss(s_r, s_w, s_f, matching_aware, alpha))
    assert ours == pytest.approx(numpy_cls_loss(s_r, s_w, s_f, matching_aware, alpha), rel=1e-5)
    # the wrong-text term: raising D's score of (real, wrong) raises L_D only when matching-aware
    raised = float(tg.gan_cls_loss(s_r, s_w + 5, s_f, matching_aware, alpha))
    assert (raised > ours) if matching_aware else raised == pytest.approx(ours)


def test_text_gan_trains_through_fit_on_image_caption_wrong_caption_triples():
    gan = tiny_gan()
    gan.compile()
    run = fit(gan, tiny_data(), epochs=2, batch_size=8)
    assert run.status == "completed" and np.all(np.isfinite(run.history["d_loss"]))
    z = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    images = gan.draw(["a bold 7", "a thin 1", "a 0"], z)
    assert images.shape == (3, 28, 28, 1) and 0 <= images.min() and images.max() <= 1
    with pytest.raises(ValueError, match="exactly one digit"):
        gan.draw(["a bold"], z[:1])


def test_without_the_matching_aware_term_the_wrong_text_changes_nothing():
    images, words, wrong = tiny_data(8)
    losses = []
    for aware in (True, False):
        for other in (wrong, np.roll(wrong, 1, axis=0)):
            gan = tiny_gan(aware)
            gan.compile()
            losses.append(float(gan.train_step((images, words, other))["d_loss"]))
    assert losses[0] != pytest.approx(losses[1])  # GAN-CLS reads the wrong text
    assert losses[2] == pytest.approx(losses[3], rel=1e-6)  # the plain conditional GAN ignores it


def test_bad_networks_and_loss_are_named():
    with pytest.raises(ValueError, match=r"inputs \[z, caption\]"):
        tg.TextGAN(keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)]), tg.text_discriminator(4, 4))
    with pytest.raises(ValueError, match="`loss` of a TextGAN must be 'non_saturating'"):
        tiny_gan(loss="lsgan")


def test_config_round_trip_and_keras_file(tmp_path):
    gan = tiny_gan(matching_aware=False, ema_decay=0.9)
    clone = tg.TextGAN.from_config(gan.get_config())
    assert (clone.matching_aware, clone.ema_decay) == (False, 0.9)
    gan.compile()
    gan.train_step(tiny_data(8))
    path = tmp_path / "text_gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    z = np.random.default_rng(1).standard_normal((4, 8)).astype(np.float32)
    texts = ["a bold 7", "a thin slanted 1", "an upright 2", "a 9"]
    np.testing.assert_allclose(loaded.draw(texts, z), gan.draw(texts, z), rtol=1e-5, atol=1e-6)


def test_agreement_reads_class_thickness_and_slant_against_the_caption():
    texts = ["a bold slanted 7", "a thin upright 3", "a bold 1", "a 4"]
    read = {"class": np.array([7, 3, 2, 4]), "thickness": np.array([3.0, 2.8, 2.9, 2.0]),
            "slant": np.array([0.3, 0.0, 0.0, 0.0])}
    shares = tg.agreement_of(texts, read)
    assert shares["class"] == pytest.approx(3 / 4)
    assert shares["thickness"] == pytest.approx(2 / 3)  # "a 4" names no thickness
    assert shares["slant"] == pytest.approx(1.0)
    assert shares["class and thickness"] == pytest.approx(1 / 3)


def test_config_bounds_and_batch_rule():
    assert tg.TextGanConfig().matching_aware
    with pytest.raises(ValueError, match="`batch` \\(512\\) is larger than the 100 training glyphs"):
        tg.TextGanConfig(n=100, batch=512)
    with pytest.raises(ValueError, match="p_slant"):
        tg.TextGanConfig(p_slant=1.5)
