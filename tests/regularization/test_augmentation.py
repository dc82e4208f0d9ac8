"""Augmentation: the Keras preprocessing pipeline, RandomPointRotation (Eq. 3) and invariance (Eq. 2)."""

import keras
import numpy as np
import pytest

from toolkit.regularization import (
    IMAGE_TRANSFORMS, RandomPointRotation, augmentation_pipeline, invariance, point_augmentation,
)

IMAGES = np.zeros((6, 28, 28, 1), "float32")
IMAGES[:, 8:20, 12:16] = 1.0  # a vertical bar


def test_pipeline_is_keras_preprocessing_layers_scaled_by_strength():
    pipeline = augmentation_pipeline(0.5, seed=0)
    kinds = [type(layer) for layer in pipeline.layers]
    assert kinds == [keras.layers.RandomRotation, keras.layers.RandomTranslation,
                     keras.layers.RandomZoom, keras.layers.RandomContrast]
    assert pipeline.layers[0].factor[1] == pytest.approx(0.5 * IMAGE_TRANSFORMS["rotation"])
    assert not augmentation_pipeline(0.0).layers
    assert isinstance(augmentation_pipeline(1.0, flip=True).layers[0], keras.layers.RandomFlip)


def test_pipeline_changes_images_in_training_only():
    pipeline = augmentation_pipeline(1.0, seed=1)
    np.testing.assert_array_equal(np.asarray(pipeline(IMAGES, training=False)), IMAGES)
    out = np.asarray(pipeline(IMAGES, training=True))
    assert out.shape == IMAGES.shape and out.min() >= 0 and out.max() <= 1 + 1e-6
    assert np.abs(out - IMAGES).mean() > 0.01


def test_point_rotation_keeps_radii_and_rotates_within_the_limit():
    x = np.random.default_rng(0).uniform(-6, 6, size=(500, 2)).astype("float32")
    layer = RandomPointRotation(factor=0.1, seed=3)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.linalg.norm(x, axis=1), rtol=1e-5)
    angle = np.angle(out[:, 0] + 1j * out[:, 1]) - np.angle(x[:, 0] + 1j * x[:, 1])
    angle = (angle + np.pi) % (2 * np.pi) - np.pi
    assert np.abs(angle).max() <= 2 * np.pi * 0.1 + 1e-4 and np.abs(angle).max() > 0.5
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    zoomed = np.asarray(RandomPointRotation(0.0, zoom=0.2, seed=1)(x, training=True))
    ratio = np.linalg.norm(zoomed, axis=1) / np.linalg.norm(x, axis=1)
    assert ratio.min() >= 0.8 - 1e-5 and ratio.max() <= 1.2 + 1e-5


def test_invariance_of_a_radial_and_a_half_plane_classifier():
    x = np.random.default_rng(1).uniform(-6, 6, size=(400, 2)).astype("float32")

    def radial(points, training=False):
        inside = np.linalg.norm(np.asarray(points), axis=1) < 3
        return np.stack([inside, ~inside], axis=1).astype("float32")

    def half_plane(points, training=False):
        right = np.asarray(points)[:, 0] > 0
        return np.stack([right, ~right], axis=1).astype("float32")

    rotate = point_augmentation(1.0, seed=0)
    assert invariance(radial, x, rotate) == 1.0  # Eq. 2: a circle's label survives any rotation
    assert invariance(half_plane, x, rotate) < 0.8


def test_round_trip_and_bad_input(tmp_path):
    layer = RandomPointRotation(0.2, zoom=0.1, seed=4)
    assert RandomPointRotation.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((2,)), layer])
    model.save(tmp_path / "p.keras")
    assert isinstance(keras.saving.load_model(tmp_path / "p.keras").layers[0], RandomPointRotation)
    with pytest.raises(ValueError, match=r"`strength` must be a finite number in \[0, 1\], received strength=1.5. It"):
        augmentation_pipeline(1.5)
    with pytest.raises(ValueError, match=r"`factor` must be a finite number in \[0, 0.5\]"):
        RandomPointRotation(0.7)
    with pytest.raises(ValueError, match="points of shape"):
        RandomPointRotation()(np.zeros((2, 3), "float32"))
