"""CoCa (toolkit.multimodal.coca): the decoder's inputs and targets by hand, Eq. 6 against NumPy, Eq. 7 with
λ_cap = 0 against CLIP's loss on the model's own embeddings, causality (a word never sees a later one; the text
embedding reads every word and no image), the likelihood of a caption against its logits, validation, and a
short fit after which the captioner names the colours it was shown."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import clip, coca

pytestmark = pytest.mark.xdist_group(__name__)
RNG = np.random.default_rng(0)
V = 12  # word ids 0 … 11; bos 12, eos 13, cls 14


def small(size=8, **kwargs):
    keras.utils.set_random_seed(0)
    model = coca.CoCa((size, size, 3), V, **{"dim": 8, "heads": 2, "caption_queries": 2, "embed_dim": 4,
                                       "text_length": 5, **kwargs})
    model.build()
    return model


def images(n=3):
    return RNG.uniform(size=(n, 8, 8, 3)).astype("float32")


TOKENS = np.array([[2, 3, 4, 0, 0], [5, 6, 0, 0, 0], [7, 8, 9, 10, 11]], "int32")


def test_the_decoder_reads_bos_and_the_words_then_cls_and_predicts_each_next_word_then_eos():
    inputs, targets, mask, words = (keras.ops.convert_to_numpy(t) for t in coca.decoder_inputs(TOKENS, V))
    np.testing.assert_array_equal(inputs, [[12, 2, 3, 4, 14, 0, 0], [12, 5, 6, 14, 0, 0, 0],
                                           [12, 7, 8, 9, 10, 11, 14]])
    np.testing.assert_array_equal(targets, [[2, 3, 4, 13, 0, 0, 0], [5, 6, 13, 0, 0, 0, 0],
                                            [7, 8, 9, 10, 11, 13, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0]])
    np.testing.assert_array_equal(words, [3, 2, 5])


def test_the_caption_loss_is_the_mean_cross_entropy_of_the_counted_positions():
    logits = RNG.normal(size=(2, 4, 6)).astype("float32")
    targets = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], "float32")
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.mean([log_p[0, 0, 1], log_p[0, 1, 2], log_p[0, 2, 3], log_p[1, 0, 4], log_p[1, 1, 5]])
    np.testing.assert_allclose(float(coca.caption_loss(logits, targets, mask)), expected, rtol=1e-5)


def test_without_the_caption_loss_it_is_clips_loss_on_its_own_embeddings():
    model = small(caption_weight=0.0)
    x = images()
    loss, contrastive, _ = (float(v) for v in model.losses_of(x, TOKENS))
    similarity = np.exp(float(model.logit_scale)) * model.encode_images(x) @ model.encode_texts(TOKENS).T
    np.testing.assert_allclose(loss, float(clip.clip_loss(similarity.astype("float32"))), rtol=1e-5)
    assert loss == pytest.approx(contrastive)


def test_a_word_never_sees_a_later_one_and_the_text_embedding_reads_every_word():
    model = small()
    x = images(1)
    first, second = TOKENS[2:3].copy(), TOKENS[2:3].copy()
    second[0, 3] = 2  # the fourth word changes
    a, b = (keras.ops.convert_to_numpy(model([x, t])) for t in (first, second))
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-6)  # positions 0-3 read bos and words 1-3 only
    assert not np.allclose(a[:, 4:6], b[:, 4:6])
    assert not np.allclose(model.encode_texts(first), model.encode_texts(second))  # cls reads every word
    other = keras.ops.convert_to_numpy(model([images(1), first]))
    assert not np.allclose(a, other)  # the multimodal decoder reads the image


def test_the_likelihood_of_a_caption_sums_its_log_probabilities_up_to_eos():
    model = small()
    x = images()
    logits = keras.ops.convert_to_numpy(model([x, TOKENS]))
    _, targets, mask, _ = (keras.ops.convert_to_numpy(t) for t in coca.decoder_inputs(TOKENS, V))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = (np.take_along_axis(log_p, targets[..., None], -1)[..., 0] * mask).sum(1)
    np.testing.assert_allclose(model.caption_log_likelihood(x, TOKENS), expected, rtol=1e-5)


def test_bad_settings_get_one_sentence():
    with pytest.raises(ValueError, match="At least one of"):
        coca.CoCa((8, 8, 3), V, dim=8, heads=2, contrastive_weight=0.0, caption_weight=0.0)
    with pytest.raises(ValueError, match="multiple of 4"):
        coca.CoCa((8, 8, 3), V, dim=6, heads=3)
    with pytest.raises(ValueError, match="vocabulary"):
        coca.CoCa((8, 8, 3), 0)


def test_after_a_short_fit_it_names_the_colour_it_sees():
    from toolkit.train import fit

    colours = np.eye(3, dtype="float32")[RNG.integers(0, 3, 96)]  # red, green or blue images
    x = np.broadcast_to(colours[:, None, None], (96, 16, 16, 3)).copy()  # a 2 × 2 grid of image tokens
    words = np.argmax(colours, 1) + 3  # "a <colour>": ids 2, then 3 / 4 / 5
    tokens = np.stack([np.full(96, 2), words, *np.zeros((3, 96), int)], 1).astype("int32")
    model = small(16, dim=16)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))  # seeds 0-3 all name every colour after 30 epochs
    run = fit(model, x, tokens, batch_size=32, epochs=30, seed=0)
    assert run.history["caption"][-1] < 0.3 * run.history["caption"][0], run.history["caption"]
    captions = model.caption(x[:12])
    np.testing.assert_array_equal(captions[:, :2], tokens[:12, :2])  # "a" and the right colour
    assert (captions[:, 2:] == 0).all()  # then eos: nothing more
    clone = coca.CoCa.from_config(model.get_config())
    assert (clone.vocabulary, clone.special["eos"], clone.text_length) == (V, 13, 5)
