"""LLMs as interface (toolkit.multimodal.interface, interface_lab): Frozen's prefix stands where a caption stood,
Flamingo-mini starts exactly as the blind language model (gates at 0) and the closed gates still get a gradient,
neither ever changes the language model, the question and attribute encodings by hand, the shipped vision
encoder, and the lab on a small run. The page's claim at its defaults is tests/multimodal/test_interface_defaults.py;
the Keras round trips are in tests/test_saving.py."""

import json
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.data import shapes
from toolkit.multimodal import interface, language
from toolkit.multimodal import interface_lab as lab

pytestmark = pytest.mark.xdist_group(__name__)
QUESTIONS = ["how many shapes", "what colour is the circle", "is there a star", "what shape is red"]


def small_lm():
    keras.utils.set_random_seed(0)
    model = language.ShapesLM(len(language.tokenizer()), dim=16, blocks=2, heads=2)
    model.build()
    return model


def inputs(n=4, seed=0):
    rng = np.random.default_rng(seed)
    questions, words = interface.question_ids(QUESTIONS[:n])
    return {"images": rng.uniform(size=(n, 64, 64, 3)).astype("float32"), "questions": questions, "words": words}


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_questions_are_bos_then_their_words_and_the_answer_is_read_after_the_last_one():
    questions, words = interface.question_ids(["how many shapes", "what colour is the circle"])
    vocabulary = language.tokenizer().vocabulary
    assert questions[0, 0] == language.special_ids()["bos"]
    assert [vocabulary[i] for i in questions[1, 1:6]] == "what colour is the circle".split()
    np.testing.assert_array_equal(words, [3, 5])
    assert interface.answer_ids(["red", "2", "yes"]).tolist() == [vocabulary.index(w) for w in ("red", "2", "yes")]
    assert [interface.kind(q) for q in QUESTIONS] == ["count (all)", "colour", "yes / no", "shape"]
    with pytest.raises(ValueError, match="Not a shapes question"):
        interface.kind("why is the sky blue")


def test_flamingo_starts_as_the_blind_language_model_exactly():
    lm = small_lm()
    model = interface.FlamingoMini(lm, latents=4)
    x = inputs()
    blind = numpy_of(lm(x["questions"]))[np.arange(4), x["words"]]
    np.testing.assert_allclose(numpy_of(model.answer_logits(x)), blind, rtol=1e-5, atol=1e-5)
    other = {**x, "images": inputs(seed=1)["images"]}  # another image: the same answer, the gates are shut
    np.testing.assert_allclose(numpy_of(model.answer_logits(other)), blind, rtol=1e-5, atol=1e-5)
    assert model.gates() == [(0.0, 0.0), (0.0, 0.0)]


def test_the_closed_gates_get_a_gradient_and_the_frozen_weights_none():
    model = interface.FlamingoMini(small_lm(), latents=4)
    x = inputs()
    answers = interface.answer_ids(["3", "red", "yes", "circle"])
    with tf.GradientTape() as tape:
        logits = model.answer_logits(x)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(answers, logits, from_logits=True))
    gates = [layer.alpha_xattn for layer in model.gated]
    gradients = tape.gradient(loss, gates)
    assert all(abs(float(g)) > 0 for g in gradients)
    trainable = {id(w) for w in model.trainable_variables}
    assert not any(id(w) in trainable for w in model.language_model.weights)
    assert not any(id(w) in trainable for w in model.vision_encoder.weights)  # Flamingo's encoder is frozen too


def test_frozen_puts_the_prefix_where_a_caption_stood():
    lm = small_lm()
    model = interface.FrozenPrefix(lm, prefix_tokens=3)
    x = inputs()
    prefix = numpy_of(model.soft_prompt(x["images"]))
    assert prefix.shape == (4, 3, 16)
    words = numpy_of(lm.words(x["questions"]))
    sequence = np.concatenate([words[:, :1], prefix, words[:, 1:]], 1)  # [bos, p_1 … p_k, q …] + positions
    h = lm.add_positions(keras.ops.convert_to_tensor(sequence))
    for block in lm.blocks:
        h = block(h)
    logits = numpy_of(lm.logits(h))
    expected = logits[np.arange(4), 3 + x["words"]]  # the answer follows the last word, k positions later
    np.testing.assert_allclose(numpy_of(model.answer_logits(x)), expected, rtol=1e-5, atol=1e-5)
    other = {**x, "images": inputs(seed=1)["images"]}
    assert not np.allclose(numpy_of(model.answer_logits(other)), expected)  # it reads the image from the start
    trainable = {id(w) for w in model.trainable_variables}
    assert not any(id(w) in trainable for w in lm.weights)
    assert all(id(w) in trainable for w in model.vision_encoder.weights)  # Frozen fine-tunes its encoder


def test_training_moves_the_adapter_and_never_the_language_model():
    for model in (interface.FrozenPrefix(small_lm(), prefix_tokens=2), interface.FlamingoMini(small_lm(), latents=2)):
        before = [w.copy() for w in model.language_model.get_weights()]
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        x = inputs()
        model.fit(x, interface.answer_ids(["3", "red", "yes", "circle"]), epochs=3, batch_size=4, verbose=0)
        for old, new in zip(before, model.language_model.get_weights()):
            np.testing.assert_array_equal(old, new)
        if isinstance(model, interface.FlamingoMini):
            assert all(abs(a) > 0 for pair in model.gates() for a in pair)


def test_shut_gates_stay_shut_and_the_model_stays_blind():
    lm = small_lm()
    model = interface.FlamingoMini(lm, latents=2, train_gates=False)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = inputs()
    model.fit(x, interface.answer_ids(["3", "red", "yes", "circle"]), epochs=3, batch_size=4, verbose=0)
    assert model.gates() == [(0.0, 0.0), (0.0, 0.0)]
    blind = numpy_of(lm(x["questions"]))[np.arange(4), x["words"]]
    np.testing.assert_allclose(numpy_of(model.answer_logits(x)), blind, rtol=1e-5, atol=1e-5)


def test_scene_attributes_by_hand():
    scenes = shapes.scenes(20, seed=3, size=64)
    targets = interface.scene_attributes(scenes)
    k, c, s = len(shapes.SHAPES), len(shapes.COLOUR_NAMES), len(shapes.SIZES)
    for i in range(20):
        objects = list(zip(*(a[i, :scenes.counts[i]].tolist() for a in (scenes.classes, scenes.colours, scenes.sizes))))
        expected = np.zeros(k * c + k * s + 3 * k)
        for shape, colour, size in objects:
            expected[shape * c + colour] = expected[k * c + shape * s + size] = 1
            seen = sum(o[0] == shape for o in objects)
            expected[k * c + k * s + 3 * shape: k * c + k * s + 3 * shape + seen] = 1
        np.testing.assert_array_equal(targets[i], expected)


def test_the_shipped_vision_encoder_loads_and_still_names_what_its_json_records():
    facts = json.loads(interface.VISION_SHIPPED.with_suffix("").with_suffix(".json").read_text())
    model = interface.load_pretrained_vision(interface.FlamingoMini(small_lm_64(), latents=2))
    weights = model.vision_encoder.get_weights()
    assert len(weights) == len(interface.vision_encoder((64, 64, 3), 64).weights)
    assert facts["every attribute right"] > 0.3 and facts["per attribute"] > 0.95
    assert facts["scenes"] == interface.VISION_RECIPE["scenes"]


def small_lm_64():
    return language.ShapesLM(len(language.tokenizer()), dim=64, blocks=2)


def test_text_answers_read_the_answer_after_the_question_or_after_a_caption():
    lm = language.pretrained()
    said = language.answers(lm, ["what colour is the circle"] * 2, ["a small red circle", "a large blue circle"])
    assert said == ["red", "blue"]  # the pretrained model reads a caption in words
    assert language.answers(lm, ["is there a star"])[0] in ("yes", "no")


def test_accuracy_by_kind_by_hand():
    scores = interface.accuracy_by_kind(QUESTIONS, ["2", "red", "yes", "star"], ["2", "blue", "yes", "star"])
    assert scores == {"all": 0.75, "count (all)": 1.0, "colour": 0.0, "shape": 1.0, "yes / no": 1.0}


def test_a_small_lab_run_fills_the_table_and_the_monitor():
    config = lab.InterfaceConfig(scenes=200, questions=1, epochs=1, batch=64)
    monitor = lab.InterfaceMonitor()
    result = lab.run_interface(config, callbacks=[lambda run: monitor(run)])
    rows = {row["model"]: row for row in result.table()}
    assert list(rows) == [lab.BLIND, *lab.ADAPTERS.values(), lab.READING]
    assert all(0 <= row["all"] <= 1 for row in rows.values())
    assert rows[lab.READING]["all"] > rows[lab.BLIND]["all"] + 0.2  # reading the caption in words helps
    frame = monitor(result.runs[lab.ADAPTERS["flamingo"]])
    assert frame["epoch"] == 1 and len(frame["said"]) == lab.WATCHED and frame["gates"]
    image, pairs = lab.held_out_scene(0)
    rows = lab.answers_to({name: run.model for name, run in result.runs.items()}, image, pairs[0][0], pairs[0][1])
    assert [row["model"] for row in rows] == [lab.BLIND, *lab.ADAPTERS.values()]
    assert {row["right"] for row in rows} <= {"yes", "no"}
    assert {row["right"] for row in lab.answers_to({}, image, "how many stars?", None)} == {""}


def test_the_text_scores_are_warmed_once_in_the_background_and_shared():
    lab.warm_up()
    lab.warm_up()  # a second render starts nothing more
    scores = lab.text_scores()  # waits for the background thread, or computes it
    assert lab.text_scores() is scores and lab._text_scores.cache_info().misses == 1
    assert set(scores) == {lab.BLIND, lab.READING} and scores[lab.READING]["all"] > scores[lab.BLIND]["all"]
    for thread in [t for t in threading.enumerate() if t.name == "interface-warm-up"]:
        thread.join(timeout=5)  # it ends right after handing its result to the cache
        assert not thread.is_alive()


def test_a_typed_question_is_normalized_or_refused_in_one_sentence():
    assert lab.check_question("What colour is the Star?") == "what colour is the star?"
    assert lab.check_question("how many circles") == "how many circles?"
    for text, message in (("what colour is the dog", "never read 'dog'"), ("circle", "2 to 6 words"),
                          ("the red circle", "Ask as the scene questions do"), ("x" * 41, "at most 40")):
        with pytest.raises(ValueError, match=message):
            lab.check_question(text)


def test_validation():
    with pytest.raises(ValueError, match="ShapesLM"):
        interface.FrozenPrefix("gpt")
    with pytest.raises(ValueError, match="larger than"):
        lab.InterfaceConfig(scenes=200, questions=1, batch=256)
    with pytest.raises(ValueError):
        lab.InterfaceConfig(adapters=())
    with pytest.raises(ValueError, match="at most 12,000 fit"):
        lab.InterfaceConfig(scenes=6000, questions=3)
