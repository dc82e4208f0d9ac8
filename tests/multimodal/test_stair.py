"""STAIR (toolkit.multimodal.stair): the word weights of both sides, Eq. 4's grounding by hand, Eq. 3's loss
against NumPy, the FLOPs gradient by finite differences, a short fit, reading words off an embedding, the lab's
tables on a small run, and validation. The page's claim at its defaults is tests/multimodal/test_stair_defaults.py;
the Keras round trip is in tests/test_saving.py."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import clip, stair
from toolkit.multimodal.fine_grained import flops_regularizer, sparsity

pytestmark = pytest.mark.xdist_group(__name__)
CAPTIONS = ["a red circle", "a blue star", "a green square", "a large yellow triangle"]


def small(**kwargs):
    keras.utils.set_random_seed(0)
    return stair.STAIR((32, 32, 3), width=2, text_dim=8, heads=2, text_length=6, **kwargs)


def images(n=4, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, 32, 32, 3)).astype("float32")


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_every_side_weighs_every_word_and_padding_and_unknown_never():
    model = small()
    image_weights = numpy_of(model.image_weights(images()))
    tokens = model.tokenize(["a red circle", "a zebra"])  # "zebra" is unknown (id 1)
    text_weights = numpy_of(model.text_weights(tokens))
    assert image_weights.shape == (4, len(model.vocabulary)) and text_weights.shape == (2, len(model.vocabulary))
    assert (image_weights >= 0).all() and (text_weights >= 0).all()
    assert (image_weights[:, :stair.SPECIAL_IDS] == 0).all() and (text_weights[:, :stair.SPECIAL_IDS] == 0).all()
    assert np.mean(image_weights > 0) > 0.9  # the heads' bias 1: every word starts alive


def test_a_grounded_caption_weighs_only_its_own_words():
    model, free = small(), small(grounded=False)
    tokens = model.tokenize(CAPTIONS)
    expected = np.zeros((len(CAPTIONS), len(model.vocabulary)), np.float32)
    for row, caption in enumerate(CAPTIONS):
        for word in caption.split():
            expected[row, model.vocabulary.index(word)] = 1.0
    np.testing.assert_array_equal(numpy_of(model.own_words(tokens)), expected)  # Eq. 4's mask
    grounded, ungrounded = numpy_of(model.text_weights(tokens)), numpy_of(free.text_weights(tokens))
    assert (grounded[expected == 0] == 0).all() and (grounded[expected == 1] > 0).all()
    np.testing.assert_allclose(grounded, ungrounded * expected, rtol=1e-6)  # the same head, masked
    assert (ungrounded[expected == 0] > 0).any()


def test_the_loss_is_clips_on_the_cosine_of_the_word_weights_plus_lambda_flops():
    model = small(flops_weight=0.3)
    x, tokens = images(), model.tokenize(CAPTIONS)
    w_x, w_t = numpy_of(model.image_weights(x)), numpy_of(model.text_weights(tokens))
    unit = lambda w: w / np.linalg.norm(w, axis=1, keepdims=True)  # noqa: E731
    s = float(model.scale()) * unit(w_x) @ unit(w_t).T  # Eq. 2

    def ce(logits):  # each row against its diagonal entry
        logits = logits - logits.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(logits).sum(axis=1)) - np.diagonal(logits))

    flops = np.sum(w_x.mean(axis=0) ** 2) + np.sum(w_t.mean(axis=0) ** 2)  # Eq. 6 of fine_grained, both sides
    similarity, loss, measured_flops, _ = model.losses_of(x, tokens)
    np.testing.assert_allclose(numpy_of(similarity), s, rtol=1e-5)
    np.testing.assert_allclose(numpy_of(model({"images": x, "tokens": tokens})), s, rtol=1e-5)  # CLIP's call
    np.testing.assert_allclose(float(measured_flops), flops, rtol=1e-5)
    np.testing.assert_allclose(float(loss), 0.5 * (ce(s) + ce(s.T)) + 0.3 * flops, rtol=1e-5)
    np.testing.assert_allclose(float(loss) - 0.3 * flops, float(clip.clip_loss(s)), rtol=1e-5)


def test_the_flops_gradient_matches_finite_differences():
    weights = np.random.default_rng(3).uniform(0.0, 2.0, size=(5, 4))
    variable = keras.Variable(weights.astype("float32"))
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = flops_regularizer(variable)
    analytic = numpy_of(tape.gradient(value, variable))
    numeric, h = np.zeros_like(weights), 1e-4
    for index in np.ndindex(weights.shape):
        up, down = weights.copy(), weights.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (np.sum(up.mean(axis=0) ** 2) - np.sum(down.mean(axis=0) ** 2)) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-3, atol=1e-5)


def test_a_short_fit_matches_pairs_and_reports_flops_and_zeros():
    from toolkit.train import fit

    model = small(flops_weight=0.01)
    model.compile(optimizer=keras.optimizers.Adam(0.003))
    x, tokens = images(8, seed=2), model.tokenize(CAPTIONS * 2)
    tokens[4:, 1] = model.vocabulary.index("small")  # the second half's captions differ from the first's
    run = fit(model, {"images": x, "tokens": tokens}, None, batch_size=8, epochs=80, seed=0)
    assert run.history["loss"][-1] < 0.25 * run.history["loss"][0], run.history["loss"]  # measured 2.35 -> 0.005
    assert {"loss", "accuracy", "flops", "zeros"} <= set(run.history)
    assert 0.0 <= run.history["zeros"][-1] <= 1.0 and run.history["flops"][-1] > 0


def test_reading_and_describing_an_embedding():
    vocabulary = ["<pad>", "<unk>", "a", "circle", "square", "red", "blue"]
    weights = np.array([[0, 0, 0.5, 2.0, 0.1, 0.0, 1.5], [0, 0, 0, 0, 0, 0, 0]], np.float32)
    np.testing.assert_array_equal(stair.read_words(weights, vocabulary, ("circle", "square")), [0, 0])
    np.testing.assert_array_equal(stair.read_words(weights, vocabulary, ("red", "blue")), [1, 0])
    assert stair.describe(weights, vocabulary, k=2) == ["circle 2.0 · blue 1.5", "(no word)"]
    assert stair.active_words(weights) == 2.0  # 4 words in the first, none in the second
    assert sparsity(weights) == pytest.approx(10 / 14)


def test_a_small_run_fills_the_live_state_and_the_tables():
    config = stair.StairConfig(n=200, epochs=1, batch=64)
    monitor = stair.StairMonitor()
    result = stair.run_stair(config, callbacks=[lambda run: monitor(run)])
    assert result.run.status == "completed" and result.run.epochs_done == 1
    live = monitor(result.run)
    assert live["weights"].shape == (stair.WATCHED, len(stair.content_words()))
    assert set(live["reading"][1]) == {"shape", "colour", "size"}
    (row,) = result.table()
    assert 0 <= row["zero weights w(x)"] <= 1 and 0 <= row["shape read off w(x)"] <= 1
    assert 0 <= row[f"zero-shot '{stair.PROMPT}'"] <= 1
    rows = result.crop_words()
    assert len(rows) == stair.WATCHED and rows[0]["caption"].startswith("a ")
    found, scores, query = result.search("a red circle", k=3)
    assert found.shape[0] == 3 and np.all(np.diff(scores) <= 1e-6) and query.shape == (len(result.model.vocabulary),)


def test_bad_settings_get_one_sentence():
    with pytest.raises(ValueError, match="'cnn'"):
        stair.STAIR((32, 32, 3), width=2, text_dim=8, heads=2, image_kind="vit")
    with pytest.raises(ValueError, match="flops_weight"):
        small(flops_weight=-1.0)
    with pytest.raises(ValueError, match="larger than the 200 training crops"):
        stair.StairConfig(n=200, batch=256).check()
    with pytest.raises(NotImplementedError, match="CoOp"):
        small().encode_embedded(np.zeros((1, 6, 8), "float32"), np.ones((1, 6), bool))
