"""ROI pooling (Fast R-CNN): against keras-cv's ROIPooler, a NumPy loop of Eqs. 1-3, and ROI Align's
answer to a sub-cell shift (the quantization error)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.detection.roi import RoiAlign, RoiPooling, quantization_error, quantized_rois, roi_align, roi_pool

FEATURES = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")  # a 64 × 64 image at stride 8
# ROIs on whole feature cells (multiples of 8 pixels) whose sides are whole numbers of 2 × 2 bins
ALIGNED_ROIS = np.array([[[0, 0, 64, 64], [8, 16, 40, 48]], [[16, 8, 48, 24], [32, 32, 64, 48]]], "float32")
# the same cells, sides of 3, 5, 1 cells: bins that do not divide them
UNEVEN_ROIS = np.array([[[0, 0, 24, 40], [8, 16, 16, 56]], [[16, 8, 56, 32], [40, 0, 64, 8]]], "float32")
ANY_ROIS = np.array([[[3, 5, 30, 61], [-10, 2, 20, 12], [-40, -30, 100, 90]],
                     [[60, 60, 63, 63], [12.4, 19.6, 44.5, 43.9], [0, 0, 64, 64]]], "float32")


@pytest.fixture(scope="module")
def keras_cv():
    """keras-cv, imported lazily (it takes seconds and the toolkit never imports it)."""
    return pytest.importorskip("keras_cv")


def keras_cv_pool(keras_cv, features, rois, output_size):
    # ROIPooler takes boxes in `bounding_box_format` relative to `image_shape` and maps them to the
    # map by (feature size) · (box / image size): our spatial_scale = feature size / image size.
    pooler = keras_cv.layers.ROIPooler("xyxy", target_size=output_size, image_shape=(64, 64, 3))
    return np.asarray(pooler(features, rois))


@pytest.mark.parametrize("output_size", [(2, 2), (1, 2), (2, 1)])
def test_equals_keras_cv_roi_pooler_where_the_conventions_coincide(keras_cv, output_size):
    # ROIPooler does not round the ROI and truncates each bin edge (⌊⌋ on both ends, bins that
    # never overlap); Fast R-CNN rounds the ROI (Eq. 1) and takes ⌊⌋ starts, ⌈⌉ ends (Eq. 2). On
    # ROIs of whole cells whose sides are multiples of the output size, every edge is a whole
    # number: the same bins.
    expected = keras_cv_pool(keras_cv, FEATURES, ALIGNED_ROIS, output_size)
    np.testing.assert_allclose(np.asarray(RoiPooling(output_size)(FEATURES, ALIGNED_ROIS)), expected, atol=0)


def test_bins_contain_keras_cv_bins_when_they_do_not_divide_the_roi(keras_cv):
    # Eq. 2's bins ⌊j·w/pw⌋ .. ⌈(j+1)·w/pw⌉ contain ROIPooler's ⌊j·w/pw⌋ .. ⌊(j+1)·w/pw⌋ (at
    # least one cell), so each of our maxima is >= theirs, and strictly larger somewhere here.
    ours = np.asarray(roi_pool(FEATURES, UNEVEN_ROIS, (2, 2), 1 / 8))
    theirs = keras_cv_pool(keras_cv, FEATURES, UNEVEN_ROIS, (2, 2))
    assert np.all(ours >= theirs) and np.any(ours > theirs)


def numpy_roi_pool(features, rois, output_size, scale):
    """Eqs. 1-3 with loops, from the Fast R-CNN paper's description."""
    ph, pw = output_size
    batch, height, width, channels = features.shape
    out = np.zeros((batch, rois.shape[1], ph, pw, channels), features.dtype)
    for b, r in np.ndindex(batch, rois.shape[1]):
        x0, y0 = (math.floor(v * scale + 0.5) for v in rois[b, r, :2])
        x1, y1 = (max(math.floor(v * scale + 0.5), start + 1) for v, start in zip(rois[b, r, 2:], (x0, y0)))
        for i, j in np.ndindex(ph, pw):
            top, bottom = y0 + math.floor(i * (y1 - y0) / ph), y0 + math.ceil((i + 1) * (y1 - y0) / ph)
            left, right = x0 + math.floor(j * (x1 - x0) / pw), x0 + math.ceil((j + 1) * (x1 - x0) / pw)
            top, bottom = np.clip([top, bottom], 0, height)
            left, right = np.clip([left, right], 0, width)
            cells = features[b, top:bottom, left:right]
            out[b, r, i, j] = cells.max(axis=(0, 1)) if cells.size else 0.0
    return out


@pytest.mark.parametrize(("output_size", "scale"), [((2, 2), 1 / 8), ((3, 2), 1 / 8), ((7, 7), 1 / 4)])
def test_equals_a_numpy_loop_on_any_roi(output_size, scale):
    features = np.random.default_rng(1).normal(size=(2, round(64 * scale), round(64 * scale), 2)).astype("float32")
    expected = numpy_roi_pool(features, ANY_ROIS, output_size, scale)
    np.testing.assert_allclose(np.asarray(roi_pool(features, ANY_ROIS, output_size, scale)), expected, atol=0)


def test_gradient_reaches_each_bins_maximum_cell():
    # Fast R-CNN's backward: ∂Y[i, j]/∂F[h, w] = 1 for the cell holding bin (i, j)'s maximum, else 0
    features = np.random.default_rng(2).normal(size=(1, 4, 4, 2))
    rois = np.array([[[0, 0, 32, 24], [8, 8, 32, 32]]], "float32")
    upstream = np.random.default_rng(3).normal(size=(1, 2, 2, 3, 2))
    f = tf.constant(features)
    with tf.GradientTape() as tape:
        tape.watch(f)
        loss = tf.reduce_sum(roi_pool(f, rois, (2, 3), 1 / 8) * upstream)
    expected = np.zeros_like(features)
    pooled = numpy_roi_pool(features, rois, (2, 3), 1 / 8)
    for r, i, j, c in np.ndindex(2, 2, 3, 2):  # the maxima are unique in random features
        expected[0][features[0, ..., c] == pooled[0, r, i, j, c], c] += upstream[0, r, i, j, c]
    np.testing.assert_allclose(tape.gradient(loss, f).numpy(), expected, atol=1e-12)


def test_a_roi_off_the_map_pools_zeros():
    pooled = np.asarray(roi_pool(FEATURES, np.array([[[80, 80, 120, 120]]] * 2, "float32"), (2, 2), 1 / 8))
    np.testing.assert_array_equal(pooled, 0.0)


def test_quantization_error_of_a_sub_cell_shift():
    # F[h, w] = w: a horizontal ramp, so a bin's value tells where it samples (in cells)
    ramp = np.tile(np.arange(8, dtype="float32")[None, :, None], (8, 1, 1))[None]
    shifts = np.array([0.0, 2.0, 3.0, 6.0])  # image pixels; one cell is 8 pixels
    rois = np.array([[[8 + d, 8, 40 + d, 40] for d in shifts]], "float32")
    pooled = np.asarray(roi_pool(ramp, rois, (2, 2), 1 / 8))[0, :, 0, 0, 0]
    aligned = np.asarray(roi_align(ramp, rois, (2, 2), 1 / 8))[0, :, 0, 0, 0]
    # ROI Align follows the box exactly: a shift of d pixels moves the samples by d/8 cells
    np.testing.assert_allclose(aligned - aligned[0], shifts / 8, atol=1e-6)
    # ROI pooling snaps to whole cells: nothing moves below half a cell (4 pixels), then a whole cell at once
    np.testing.assert_array_equal(pooled - pooled[0], [0, 0, 0, 1])
    np.testing.assert_allclose(quantization_error(rois)[0, :, 0], [0, 2, 3, 2])
    np.testing.assert_allclose(quantized_rois(rois)[0, :, 0], [8, 8, 8, 16])
    assert quantization_error(rois).max() <= 4.0  # at most half a cell, 1 / (2s)


@pytest.mark.parametrize("layer", [RoiPooling((3, 2), spatial_scale=0.25), RoiAlign(4, 0.125, sampling_ratio=3)])
def test_config_round_trip_and_keras_file(layer, tmp_path):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    features, rois = keras.Input((8, 8, 3)), keras.Input((None, 4))
    model = keras.Model([features, rois], layer(features, rois))
    model.save(tmp_path / "roi.keras")
    reloaded = keras.saving.load_model(tmp_path / "roi.keras")
    expected = np.asarray(model([FEATURES, ANY_ROIS]))
    assert expected.shape == (2, 3, *layer.output_size, 3)
    np.testing.assert_array_equal(np.asarray(reloaded([FEATURES, ANY_ROIS])), expected)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: RoiPooling((7, 0)), "`output_size` must be a positive integer, received output_size=0"),
    (lambda: RoiPooling("7"), "`output_size` must be a positive integer or a pair of them"),
    (lambda: RoiAlign(spatial_scale=0), r"`spatial_scale` must be a finite number in \(0, ∞\)"),
    (lambda: RoiAlign(sampling_ratio=0), "`sampling_ratio` must be a positive integer"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
