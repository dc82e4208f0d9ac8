"""The frozen language model of the LLMs-as-interface page (toolkit.multimodal.language): Eq. 4's sequences and
loss by hand and against NumPy, causality, a short fit, and the shipped pretrained model (it reloads, is frozen
text-only knowledge, and still scores what its JSON records on held-out text). The Keras round trip is in
tests/test_saving.py."""

import json

import keras
import numpy as np
import pytest

from toolkit.multimodal import language

pytestmark = pytest.mark.xdist_group(__name__)


def test_sequences_shift_by_one_with_bos_in_front_and_eos_after_the_last_word():
    inputs, targets, mask = language.sequences(["a red circle", "how many shapes 2"], length=5)
    ids = language.tokenizer().encode(["a red circle", "how many shapes 2"], 5, padding="post")
    special = language.special_ids()
    np.testing.assert_array_equal(inputs[0], [special["bos"], *ids[0]])
    np.testing.assert_array_equal(targets[0], [*ids[0][:3], special["eos"], 0, 0])
    np.testing.assert_array_equal(mask[0], [1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(mask[1], [1, 1, 1, 1, 1, 0])
    assert language.tokenizer().decode(ids)[1] == "how many shapes 2"  # every question word and answer is known


def test_the_loss_is_the_masked_mean_cross_entropy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 7)).astype("float32")
    targets = rng.integers(0, 7, (2, 4))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], np.float32)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None], -1)[..., 0]
    expected = -(picked * mask).sum() / mask.sum()
    got = float(keras.ops.convert_to_numpy(language.masked_cross_entropy(targets, logits, mask)))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_a_word_never_sees_the_words_after_it():
    keras.utils.set_random_seed(0)
    model = language.ShapesLM(len(language.tokenizer()), dim=16, blocks=1, heads=2)
    inputs = language.sequences(["a red circle", "a red square"])[0]
    logits = keras.ops.convert_to_numpy(model(inputs))
    np.testing.assert_allclose(logits[0, :3], logits[1, :3], atol=1e-6)  # same prefix "bos a red"
    assert not np.allclose(logits[0, 3], logits[1, 3])


def test_a_short_fit_lowers_the_loss():
    keras.utils.set_random_seed(0)
    model = language.ShapesLM(len(language.tokenizer()), dim=16, blocks=1, heads=2)
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    texts = ["how many shapes 2", "what colour is the circle red", "a small blue star"] * 20
    inputs, targets, mask = language.sequences(texts)
    first = float(model.evaluate(inputs, (targets, mask), verbose=0))
    model.fit(inputs, (targets, mask), epochs=20, batch_size=20, verbose=0)
    assert float(model.evaluate(inputs, (targets, mask), verbose=0)) < 0.5 * first


def test_the_shipped_model_reloads_and_still_scores_what_its_json_records():
    facts = json.loads(language.SHIPPED.with_suffix(".json").read_text())
    model = language.pretrained()
    assert isinstance(model, language.ShapesLM) and model.vocabulary == len(language.tokenizer())
    scores = language.scored(model)
    for measure in ("next_word_accuracy", "answer_accuracy"):
        for name, value in scores[measure].items():
            assert value == pytest.approx(facts[measure][name], abs=0.01), (measure, name)
    answers = scores["answer_accuracy"]
    assert answers["after the listing caption"] > 0.85 > answers["alone"] + 0.4  # it reads a description in words
    assert language.pretrained() is not model  # every adapter gets its own copy


def test_validation():
    with pytest.raises(ValueError, match="multiple of `heads`"):
        language.ShapesLM(10, dim=10, heads=4)
    with pytest.raises(ValueError, match="vocabulary"):
        language.ShapesLM(0)
