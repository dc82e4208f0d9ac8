"""Cutout: a box filled with the image's mean pixel (the notes), boxes distributed as keras_cv's RandomCutout."""

import keras
import numpy as np
import pytest
from scipy import stats

from tests.cnn.conftest import is_one_rectangle
from toolkit.cnn import Cutout, cutout_masks

IMAGES = np.random.default_rng(0).uniform(size=(64, 12, 10, 2)).astype("float32")


def test_the_box_holds_the_mean_pixel_and_the_rest_is_untouched():
    out = np.asarray(Cutout(0.4, seed=1)(IMAGES, training=True))
    for image, result in zip(IMAGES, out):
        changed = np.any(result != image, axis=-1)
        assert changed.any() and is_one_rectangle(changed)
        np.testing.assert_allclose(result[changed], np.broadcast_to(image.mean(axis=(0, 1)), result[changed].shape),
                                   atol=1e-6)


def test_inference_leaves_images_alone():
    np.testing.assert_array_equal(np.asarray(Cutout(0.5)(IMAGES, training=False)), IMAGES)


@pytest.mark.parametrize("size", [0.5, (0.2, 0.6)])
def test_box_areas_are_distributed_as_keras_cv_random_cutout(keras_cv, size):
    n, height, width = 3000, 28, 28
    factor = size if isinstance(size, tuple) else (size, size)
    theirs = keras_cv.layers.RandomCutout(factor, factor, fill_mode="constant", fill_value=0.0, seed=3)
    erased = 1.0 - np.asarray(theirs(np.ones((n, height, width, 1), "float32")))[..., 0]
    ours = np.asarray(cutout_masks(n, height, width, size, seed=keras.random.SeedGenerator(4)))
    area_ours, area_theirs = ours.mean(axis=(1, 2)), erased.mean(axis=(1, 2))
    assert abs(area_ours.mean() - area_theirs.mean()) < 0.01
    assert stats.ks_2samp(area_ours, area_theirs).statistic < 0.06
    assert all(is_one_rectangle(mask > 0) for mask in ours[:200])


def test_like_keras_random_erasing_one_rectangle_changes():
    theirs = keras.layers.RandomErasing(factor=1.0, scale=(0.1, 0.3), fill_value=0.0, value_range=(0, 1), seed=2)
    erased = np.asarray(theirs(np.ones((50, 28, 28, 1), "float32"), training=True))[..., 0] < 1
    ours = np.asarray(Cutout(0.4, seed=2)(IMAGES, training=True)) != IMAGES
    assert all(is_one_rectangle(mask) for mask in erased)
    assert all(is_one_rectangle(mask.any(axis=-1)) for mask in ours)


def test_config_round_trip_and_keras_file(tmp_path):
    layer = Cutout((0.2, 0.5), seed=7)
    assert Cutout.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input(IMAGES.shape[1:]), layer])
    model.save(tmp_path / "cutout.keras")
    loaded = keras.saving.load_model(tmp_path / "cutout.keras")
    np.testing.assert_array_equal(np.asarray(loaded(IMAGES)), IMAGES)


@pytest.mark.parametrize("size", [0, 1.5, (0.6, 0.2), "half"])
def test_bad_sizes(size):
    with pytest.raises(ValueError, match="`size` must be a fraction in"):
        Cutout(size)
