"""FLIP (toolkit.multimodal.flip): the patch drop keeps a random (1 − r) of each image's tokens, with their positions,
only while training; FLIP at r = 0 is the ViT CLIP; the encoder reads |V| tokens per image; the page's run trains the
ViT CLIP and FLIP on the same batches and reports both; bad settings named in one sentence.

The claim at the page's defaults (the same 15 epochs: FLIP reads half the patches and keeps most of the ViT CLIP's
retrieval) is in tests/multimodal/test_flip_defaults.py."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import flip, lab
from toolkit.multimodal.masked import visible_count

RNG = np.random.default_rng(0)


def test_the_drop_keeps_a_random_subset_of_each_images_tokens_only_while_training():
    tokens = np.arange(2 * 8 * 3, dtype="float32").reshape(2, 8, 3)  # every row distinct
    layer = flip.PatchDrop(0.75, seed=0)
    kept = keras.ops.convert_to_numpy(layer(tokens, training=True))
    assert kept.shape == (2, visible_count(8, 0.75), 3)
    for image, rows in zip(tokens, kept):
        ids = [int(np.flatnonzero((image == row).all(1))[0]) for row in rows]
        assert len(set(ids)) == len(ids)  # each kept token is one of the image's own, once
    other = keras.ops.convert_to_numpy(layer(tokens, training=True))
    assert not np.array_equal(kept, other)  # a new V every step
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(tokens, training=False)), tokens)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(flip.PatchDrop(0.0)(tokens, training=True)), tokens)


def _model(ratio):
    keras.utils.set_random_seed(0)
    return flip.FLIP((32, 32, 3), embed_dim=8, width=4, text_dim=8, heads=2, text_length=6, mask_ratio=ratio)


def test_positions_are_added_before_the_drop_so_kept_patches_know_where_they_stand():
    encoder = _model(0.5).image_encoder
    names = [layer.name for layer in encoder.layers]
    assert names.index("position_embedding") < names.index("patch_drop") < names.index("class_token")


def test_flip_reads_the_visible_patches_while_training_and_every_patch_afterwards():
    images = RNG.uniform(size=(3, 32, 32, 3)).astype("float32")
    model = _model(0.5)
    assert (model.patch_count, model.visible_patches) == (16, 8)
    assert flip.tokens_seen(model, images) == 3 * 8
    full = _model(0.0)
    assert full.visible_patches == 16 and flip.tokens_seen(full, images) == 3 * 16
    tokens = full.tokenize(["a red circle", "a star", "a small blue cross"])
    x = {"images": images, "tokens": tokens}
    np.testing.assert_allclose(full(x, training=True), full(x, training=False), rtol=1e-5)  # r = 0: the ViT CLIP
    assert not np.allclose(model.encode_images(images, training=True), model.encode_images(images))


def test_flip_keeps_its_ratio_through_a_keras_file(tmp_path):
    model = _model(0.75)
    path = tmp_path / "flip.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, flip.FLIP) and loaded.mask_ratio == 0.75 and loaded.image_kind == "vit"
    images = RNG.uniform(size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(loaded.encode_images(images), model.encode_images(images), rtol=1e-5, atol=1e-6)


def test_bad_ratios_are_named():
    with pytest.raises(ValueError, match="mask_ratio"):
        _model(1.0)
    with pytest.raises(ValueError, match="ratio"):
        flip.PatchDrop(-0.1)
    with pytest.raises(ValueError, match="flip_ratio"):
        flip.FlipConfig(flip_ratio=0.3)


def test_the_page_run_trains_the_vit_clip_then_flip_on_the_same_batches():
    config = flip.FlipConfig(clip_scenes=500, clip_epochs=1, flip_epochs=2, clip_batch=64, clip_embed=16)
    result = flip.run_flip_page(config)
    assert (result.clip.run.name, result.flip.run.name) == ("ViT CLIP", "FLIP r = 0.5")
    assert (result.clip.run.epochs_done, result.flip.run.epochs_done) == (1, 2)
    assert result.clip.captions == result.flip.captions  # the same held-out pairs
    rows = result.table()
    assert [row["patches read"] for row in rows] == ["64 of 64", "32 of 64"]
    assert all(0 <= row["text→image R@5"] <= 1 for row in rows)
    assert result.speed_up() > 0 and result.run is result.flip.run
    stopped = flip.run_flip_page(config, stop=lambda: True)
    assert stopped.flip is None and stopped.clip.run.status == "stopped"
    assert flip.FlipComparison(None, None).speed_up() is None
