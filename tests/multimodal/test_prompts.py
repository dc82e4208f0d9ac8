"""toolkit.multimodal.prompts: CoOp's prompt through the frozen text encoder, CoCoOp's Meta-Net shift,
only the prompt learns."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import clip, prompts

RNG = np.random.default_rng(0)
NAMES = ("circle", "square", "star")


def small_clip():
    keras.utils.set_random_seed(0)
    return clip.CLIP((16, 16, 3), embed_dim=8, width=4, text_dim=8, heads=2, text_length=8)


def images(n=6):
    return RNG.uniform(size=(n, 16, 16, 3)).astype("float32")


def test_coop_logits_are_the_clip_similarity_of_the_context_and_the_class_word():
    """Eqs. 1-3 by hand: [v_1..v_M, e(c)] through the frozen text encoder, then e^s u·w_c."""
    model = small_clip()
    learner = prompts.PromptLearner(model, NAMES, context=3)
    x = images()
    ids = model.tokenize(list(NAMES))[:, :1]  # one word each
    names = keras.ops.convert_to_numpy(model.text_encoder.embed(ids))  # (C, 1, D)
    context = np.broadcast_to(keras.ops.convert_to_numpy(learner.context)[None], (3, 3, names.shape[-1]))
    w = keras.ops.convert_to_numpy(model.encode_embedded(np.concatenate([context, names], 1), np.ones((3, 4), bool)))
    u = clip.embed_images(model, x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(learner(x)), float(model.scale()) * u @ w.T,
                               rtol=1e-5, atol=1e-5)


def test_cocoop_without_a_shift_is_coop():
    """Eq. 4 with π(x) = 0 (the Meta-Net's output layer zeroed) gives CoOp's logits."""
    model = small_clip()
    keras.utils.set_random_seed(1)
    coop = prompts.PromptLearner(model, NAMES, context=2)
    cocoop = prompts.PromptLearner(model, NAMES, context=2, meta=True)
    cocoop.context.assign(coop.context)
    out = cocoop.meta_net.get_layer("meta_out")
    out.set_weights([np.zeros_like(w) for w in out.get_weights()])
    x = images()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cocoop(x)), keras.ops.convert_to_numpy(coop(x)),
                               rtol=1e-5, atol=1e-5)
    out.set_weights([RNG.normal(size=w.shape).astype("float32") for w in out.get_weights()])
    assert not np.allclose(keras.ops.convert_to_numpy(cocoop(x)), keras.ops.convert_to_numpy(coop(x)), atol=1e-3)


@pytest.mark.parametrize("meta", [False, True])
def test_only_the_prompt_learns(meta):
    model = small_clip()
    learner = prompts.PromptLearner(model, NAMES, context=2, meta=meta)
    learner.compile(optimizer=keras.optimizers.Adam(0.05))
    frozen = [w.copy() for w in model.get_weights()]
    before = [keras.ops.convert_to_numpy(w).copy() for w in learner.prompt_weights]
    x, y = images(9), np.array([0, 1, 2] * 3)
    first = learner.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    for _ in range(20):
        learner.train_on_batch(x, y)
    assert learner.evaluate(x, y, verbose=0, return_dict=True)["loss"] < first
    for old, new in zip(frozen, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert all(not np.allclose(old, keras.ops.convert_to_numpy(new)) for old, new in zip(before, learner.prompt_weights))
    assert len(learner.prompt_weights) == (5 if meta else 1)


def test_the_learned_prompt_serves_other_class_names():
    model = small_clip()
    learner = prompts.PromptLearner(model, NAMES, context=2, meta=True)
    x = images(4)
    logits = keras.ops.convert_to_numpy(learner.logits(x, ("diamond", "cross")))
    assert logits.shape == (4, 2)
    accuracy = prompts.accuracy(learner, x, np.array([0, 1, 0, 1]), ("diamond", "cross"))
    assert accuracy == np.mean(logits.argmax(1) == [0, 1, 0, 1])


def test_harmonic_mean_and_bad_class_names():
    assert prompts.harmonic_mean(0.9, 0.6) == pytest.approx(2 * 0.9 * 0.6 / 1.5)
    assert prompts.harmonic_mean(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="class_names"):
        prompts.PromptLearner(small_clip(), ["circle", ""])
