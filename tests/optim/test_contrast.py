"""Instance normalization removes each image's contrast (toolkit.optim.contrast): Eq. 1 against a NumPy
convolution, instance norm's maps the same at every contrast (and equal to a NumPy standardization),
layer and batch norm's not."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from toolkit.data import glyphs
from toolkit.optim import contrast


@pytest.fixture(scope="module")
def images():
    return glyphs(n=200, seed=4).x_train[:12]


@pytest.fixture(scope="module")
def result(images):
    return contrast.contrast_invariance(images, seed=2)


def test_copies_keep_each_images_mean_and_scale_its_deviations(images):
    copies = contrast.contrast_copies(images, (0.5, 2.0)).reshape(2, len(images), 28, 28, 1)
    x = images[..., None] if images.ndim == 3 else images
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(copies.mean(axis=(2, 3, 4)), np.broadcast_to(mean[:, 0, 0, 0], (2, len(x))), atol=1e-5)
    np.testing.assert_allclose(copies[1] - mean, 2.0 * (x - mean), atol=1e-5)


def test_a_convolution_of_a_copy_is_a_scale_and_a_shift_of_the_original_eq_1(images):
    kernel = np.random.default_rng(0).normal(size=(3, 3))
    x = images[0] if images.ndim == 3 else images[0, ..., 0]
    conv = lambda image: (sliding_window_view(image, (3, 3)) * kernel).sum((-1, -2))  # noqa: E731  valid
    c, m = 0.25, x.mean()
    np.testing.assert_allclose(conv(m + c * (x - m)), c * conv(x) + (1 - c) * m * kernel.sum(), atol=1e-5)


def test_only_instance_norm_gives_the_same_map_at_every_contrast(result):
    contrasts = np.array(result["contrasts"])
    changed = contrasts != 1.0
    assert np.all(result["distance"]["instance"] < 1e-3), result["distance"]
    assert np.all(result["distance"]["batch"][changed] > 0.2), result["distance"]
    assert result["distance"]["layer"][contrasts == 0.25][0] > 0.2, result["distance"]


def test_instance_norm_maps_are_each_images_and_filters_standardization(images, result):
    maps = result["maps"]["instance"]  # (K, N, H', W', F)
    original = maps[result["contrasts"].index(1.0)]
    assert np.allclose(original.mean(axis=(1, 2)), 0, atol=1e-4)
    assert np.allclose(original.std(axis=(1, 2)), 1, atol=1e-3)
    batch = result["maps"]["batch"]
    assert np.allclose(batch.mean(axis=(0, 1, 2, 3)), 0, atol=1e-4)  # BN: one μ per filter, over the batch


def test_the_display_grid_and_table_show_one_glyph_per_contrast(result):
    tiles, rows, columns = contrast.display_grid(result, image=3, filter_index=1)
    assert tiles.shape == (4 * len(result["contrasts"]), 26, 26) and tiles.min() >= 0 and tiles.max() <= 1
    assert rows == ["c = 0.25", "c = 0.5", "c = 1", "c = 2"] and columns[0] == "input x_c"
    table = contrast.distance_table(result)
    assert [row["norm"] for row in table] == ["instance norm", "layer norm", "batch norm"]
    assert all(row["c = 1"] == 0 for row in table)


@pytest.mark.parametrize("contrasts, message", [((0.5, 2.0), "include 1"), ((0.0, 1.0), "positive")])
def test_bad_contrasts_are_named(images, contrasts, message):
    with pytest.raises(ValueError, match=message):
        contrast.contrast_invariance(images, contrasts)
