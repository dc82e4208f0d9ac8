"""Captioners (toolkit.sequence.captioning): the vocabulary and teacher forcing, Show and Tell's t = −1
input, soft and hard attention (weights, the straight-through gradient, a NumPy reference step),
causality, saving, decoding against greedy and BLEU, the lab's config, and one small learning run."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.data import shapes
from toolkit.sequence.bleu import corpus_bleu
from toolkit.sequence.captioning import (
    CAPTIONER_FORMULAS, CAPTIONER_TITLES, CAPTIONERS, END_ID, PAD_ID, START_ID, VOCABULARY, CaptionConfig,
    attention_maps, baseline, bleu_of, caption, caption_data, caption_ids, caption_tokens, decode_caption,
    decoder_inputs, encode_captions, max_caption_length, show_and_tell, show_attend_tell,
)

T, UNITS, SMALL = 9, 8, {"filters": (4, 4, 4), "embedding_dim": 8}
V = len(VOCABULARY)


@pytest.fixture(scope="module")
def data():
    return caption_data(60, seed=0, max_objects=1, test=10)


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    return {"show_and_tell": show_and_tell(units=UNITS, max_length=T, **SMALL),
            "soft": show_attend_tell(units=UNITS, attention="soft", max_length=T, **SMALL),
            "hard": show_attend_tell(units=UNITS, attention="hard", max_length=T, **SMALL)}


def batch(data, n=4):
    x, _, _, _ = data.teacher_forcing()
    return x[0][:n], x[1][:n]


def logits(model, images, ids, training=False):
    return keras.ops.convert_to_numpy(model([images, ids], training=training))


# ---------------------------------------------------------------- vocabulary and data
def test_every_caption_of_up_to_three_objects_encodes_without_unknown_words():
    scenes = shapes.scenes(300, seed=1, max_objects=3)
    assert VOCABULARY[:4] == ("<pad>", "<start>", "<end>", "<unk>") and {",", ":"} <= set(VOCABULARY)
    texts = [text for captions in scenes.captions for text in captions]
    ids = encode_captions(texts, max_caption_length(3))
    assert ids.min() >= 0 and not np.any(ids == VOCABULARY.index("<unk>"))
    assert np.all((ids == END_ID).sum(axis=1) == 1)  # every caption fits T = 9 M with its <end>
    assert [decode_caption(row) for row in ids] == texts  # "," and ":" glued back
    assert caption_tokens("two shapes: a, b") == ["two", "shapes", ":", "a", ",", "b"]


def test_teacher_forcing_shifts_the_targets_behind_start(data):
    assert data.max_length == T and data.inputs_train.shape == data.targets_train.shape
    assert np.all(data.inputs_train[:, 0] == START_ID)
    np.testing.assert_array_equal(decoder_inputs(data.targets_train), data.inputs_train)
    ended = data.targets_train != PAD_ID
    np.testing.assert_array_equal(data.inputs_train[:, 1:][ended[:, 1:]], data.targets_train[:, :-1][ended[:, 1:]])
    assert len(data.index_train) == sum(len(c) for c in data.references_train)  # "all": one row per phrasing
    one = caption_data(60, seed=0, max_objects=1, test=10, phrasings="one")
    assert len(one.index_train) == 50 and len(one.references_test) == 10
    with pytest.raises(ValueError, match=r"`phrasings` must be one of"):
        caption_data(60, test=10, phrasings="some")


# ---------------------------------------------------------------- builders
@pytest.mark.parametrize("name", CAPTIONERS)
def test_output_is_one_row_of_logits_per_decoder_step(models, data, name):
    images, ids = batch(data)
    assert logits(models[name], images, ids).shape == (4, T, V)


def test_show_and_tell_reads_the_image_once_at_t_minus_1(models, data):
    model = models["show_and_tell"]
    images, ids = batch(data, 2)
    first = keras.Model(model.inputs, [model.get_layer("image_then_words").output,
                                       model.get_layer("image_embedding").output])
    sequence, image = (keras.ops.convert_to_numpy(x) for x in first([images, ids]))
    assert sequence.shape == (2, T + 1, 8)
    np.testing.assert_allclose(sequence[:, 0], image, rtol=1e-6)  # x_{-1} = W_I I, before <start>
    other = data.images_train[[1, 2]]  # rows 0-2 of the teacher-forcing arrays all caption image 0
    assert not np.allclose(logits(model, other, ids)[:, 0], logits(model, images, ids)[:, 0], atol=1e-6)


@pytest.mark.parametrize("name", ["soft", "hard"])
def test_attention_weights_sum_to_one_and_hard_ones_are_one_hot(models, data, name):
    images, ids = batch(data)
    maps = attention_maps(models[name], images, ids)
    assert maps.shape == (4, T, 4, 4)
    np.testing.assert_allclose(maps.sum(axis=(2, 3)), 1.0, atol=1e-5)
    if name == "hard":
        assert set(np.unique(maps).tolist()) == {0.0, 1.0}
    else:
        assert np.all(maps > 0) and maps.max() < 1


def test_attention_maps_refuse_show_and_tell(models, data):
    with pytest.raises(ValueError, match="has no attention map"):
        attention_maps(models["show_and_tell"], *batch(data))


def test_hard_attention_trains_its_attention_by_the_straight_through_gradient(models, data):
    model = models["hard"]
    images, ids = batch(data)
    targets = data.targets_train[:4]
    scorer = model.get_layer("decoder").scorer
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID)(
            targets, model([images, ids], training=True))
    grads = tape.gradient(loss, scorer.trainable_weights)
    assert len(grads) == 3 and all(g is not None and float(tf.norm(g)) > 0 for g in grads)


def test_attention_step_matches_numpy(models, data):
    decoder = models["soft"].get_layer("decoder")
    rng = np.random.default_rng(0)
    annotations = rng.normal(size=(3, 16, 4)).astype("float32")
    embedded = rng.normal(size=(3, 8)).astype("float32")
    h, c = rng.normal(size=(2, 3, UNITS)).astype("float32")
    _, weights, _ = decoder.step(embedded, annotations, [h, c])
    output, _, _ = decoder.step(embedded, annotations, [h, c])
    w_h, w_a, v = (keras.ops.convert_to_numpy(w) for w in decoder.scorer.weights)  # query, value kernels, score
    scores = np.tanh((h @ w_h)[:, None] + annotations @ w_a) @ v             # Eq. 4: e_ti (3, L)
    alpha = np.exp(scores - scores.max(1, keepdims=True))
    alpha /= alpha.sum(1, keepdims=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(weights), alpha, rtol=1e-4, atol=1e-6)
    z = np.einsum("bl,bld->bd", alpha, annotations)                           # Eq. 5: z_t = Σ α a_i
    np.testing.assert_allclose(keras.ops.convert_to_numpy(output)[:, UNITS:], z, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", CAPTIONERS)
def test_logits_at_step_t_do_not_depend_on_later_decoder_inputs(models, data, name):
    images, ids = batch(data)
    changed = ids.copy()
    changed[:, 4:] = (ids[:, 4:] + 7) % V
    before, after = logits(models[name], images, ids), logits(models[name], images, changed)
    np.testing.assert_allclose(after[:, :4], before[:, :4], rtol=1e-5, atol=1e-6)
    assert not np.allclose(after[:, 4:], before[:, 4:], atol=1e-6)


@pytest.mark.parametrize("name", CAPTIONERS)
def test_keras_file_reloads_with_identical_outputs(models, data, tmp_path, name):
    images, ids = batch(data)
    path = tmp_path / f"{name}.keras"
    models[name].save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(logits(reloaded, images, ids), logits(models[name], images, ids), rtol=1e-6, atol=1e-6)
    assert reloaded.get_layer("decoder").get_config() == models[name].get_layer("decoder").get_config()


# ---------------------------------------------------------------- decoding and BLEU
@pytest.mark.parametrize("name", ["show_and_tell", "soft"])
def test_beam_of_width_one_is_greedy(models, data, name):
    images = data.images_test[:5]
    greedy = caption_ids(models[name], images)
    assert caption_ids(models[name], images, method="beam", width=1) == greedy
    assert all(len(ids) <= T and (ids[-1] == END_ID or len(ids) == T) for ids in greedy)
    assert len(caption(models[name], images, method="sample", temperature=0.5)) == 5


def test_references_score_one_against_themselves_and_the_baseline_less(data):
    first = [phrasings[0] for phrasings in data.references_test]
    assert bleu_of(first, data.references_test) == pytest.approx(1.0)
    common, score = baseline(data)
    assert 0 <= score < 0.5 and isinstance(common, str)
    assert corpus_bleu([[caption_tokens("a red circle")]], [caption_tokens("a red circle")]) == 0.0  # < 4 tokens


def test_decoding_rejects_bad_arguments(models, data):
    with pytest.raises(ValueError, match=r"`method` must be one of"):
        caption(models["soft"], data.images_test[:1], method="nucleus")
    with pytest.raises(ValueError, match=r"`images` must have shape \(B, 32, 32, 3\)"):
        caption(models["soft"], data.images_test[0])
    with pytest.raises(ValueError, match="show_and_tell or show_attend_tell"):
        caption(keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten()]), data.images_test[:1])


# ---------------------------------------------------------------- the lab
def test_config_names_its_captioners_and_rejects_bad_values():
    config = CaptionConfig()
    assert set(config.variants().values()) == set(config.captioners)
    assert set(CAPTIONER_TITLES) == set(CAPTIONER_FORMULAS) == set(CAPTIONERS)
    from toolkit.sequence.seq2seq import TranslationConfig
    assert not set(CaptionConfig.settings()) & set(TranslationConfig.settings())  # one URL, two labs
    for bad, message in [({"captioners": ()}, "captioners"), ({"captioners": ("lstm",)}, "captioners"),
                         ({"scenes": 10}, "scenes"), ({"caption_epochs": 0}, "caption_epochs"),
                         ({"caption_batch": 100}, "caption_batch"), ({"caption_lr": 1.0}, "caption_lr"),
                         ({"caption_units": 2}, "caption_units"), ({"caption_seed": -1}, "caption_seed")]:
        with pytest.raises(ValueError, match=f"`{message}` must be"):
            CaptionConfig(**bad)
