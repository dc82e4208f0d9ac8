"""ROI Align (Mask R-CNN): against tf.image.crop_and_resize on exact coordinates, a NumPy loop of
Detectron2's bilinear sampling, and finite differences of its gradients."""

import numpy as np
import pytest
import tensorflow as tf

from toolkit.detection.roi import RoiAlign, RoiPooling, roi_align

FEATURES = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")  # a 64 × 64 image at stride 8
# ROIs whose sample points all fall inside the map's cell centres (no border rule involved)
INSIDE_ROIS = np.array([[[4, 4, 60, 60], [10.3, 21.7, 33.1, 50.9]], [[17, 5, 29, 58], [6, 30, 58, 38]]], "float32")
# plus ROIs crossing the border, off the map, tiny
ANY_ROIS = np.array([[[-10, 2, 20, 12], [60, 60, 63.5, 63.5]], [[70, 1, 90, 9], [12.4, 19.6, 12.9, 43.9]]], "float32")


def crop_and_resize_boxes(rois, size, output_size, sampling_ratio, scale):
    """Normalised [y1, x1, y2, x2] boxes whose crop_and_resize points are ROI Align's sample points.

    crop_and_resize's point t of n reads index y1·(H−1) + t·(y2 − y1)·(H−1)/(n−1). ROI Align's
    point t of the n = bins·sr points of a side is a + (t + ½)·step, with a = s·y_min − ½ and
    step = s·(y_max − y_min)/n (Eq. 4), so y1·(H−1) = a + ½·step and y2·(H−1) = a + (n − ½)·step.
    """
    corners = []
    sides = ((rois[..., 1], rois[..., 3], output_size[0]), (rois[..., 0], rois[..., 2], output_size[1]))
    for low, high, bins in sides:
        n = bins * sampling_ratio
        step = scale * (high - low) / n
        start = scale * low - 0.5
        corners.append(((start + 0.5 * step) / (size - 1), (start + (n - 0.5) * step) / (size - 1)))
    (y1, y2), (x1, x2) = corners
    return np.stack([y1, x1, y2, x2], axis=-1).reshape(-1, 4)


@pytest.mark.parametrize(("output_size", "sampling_ratio"), [((2, 2), 1), ((3, 4), 1), ((2, 3), 2), ((3, 3), 3)])
def test_equals_crop_and_resize_on_exact_coordinates(output_size, sampling_ratio):
    # crop_and_resize samples an (ph·sr, pw·sr) grid per box; ROI Align averages each sr × sr block of it
    boxes = crop_and_resize_boxes(INSIDE_ROIS, 8, output_size, sampling_ratio, 1 / 8)
    grid = [n * sampling_ratio for n in output_size]
    crops = tf.image.crop_and_resize(FEATURES, boxes, np.repeat(np.arange(2), 2), grid, method="bilinear").numpy()
    crops = crops.reshape(2, 2, output_size[0], sampling_ratio, output_size[1], sampling_ratio, 3).mean(axis=(3, 5))
    ours = np.asarray(roi_align(FEATURES, INSIDE_ROIS, output_size, 1 / 8, sampling_ratio))
    np.testing.assert_allclose(ours, crops, atol=1e-5)


def bilinear(feature, y, x):
    """Detectron2's bilinear_interpolate (ROIAlignV2): 0 beyond one cell outside, the border inside it."""
    height, width = feature.shape[:2]
    if y < -1 or y > height or x < -1 or x > width:
        return np.zeros(feature.shape[2])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = min(int(y), height - 1), min(int(x), width - 1)
    y1, x1 = min(y0 + 1, height - 1), min(x0 + 1, width - 1)
    y, x = min(y, height - 1.0), min(x, width - 1.0)
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * feature[y0, x0] + (1 - ly) * lx * feature[y0, x1]
            + ly * (1 - lx) * feature[y1, x0] + ly * lx * feature[y1, x1])


def numpy_roi_align(features, rois, output_size, scale, sampling_ratio):
    """Eqs. 4-6 with loops: every sample point of every bin, read by `bilinear`, averaged."""
    ph, pw = output_size
    out = np.zeros((*rois.shape[:2], ph, pw, features.shape[3]))
    for b, r in np.ndindex(rois.shape[:2]):
        x_min, y_min, x_max, y_max = rois[b, r] * scale - np.array([0.5, 0.5, 0.5, 0.5])
        bin_h, bin_w = (y_max - y_min) / ph, (x_max - x_min) / pw
        for i, j, m, n in np.ndindex(ph, pw, sampling_ratio, sampling_ratio):
            y = y_min + i * bin_h + (m + 0.5) * bin_h / sampling_ratio
            x = x_min + j * bin_w + (n + 0.5) * bin_w / sampling_ratio
            out[b, r, i, j] += bilinear(features[b], y, x) / sampling_ratio ** 2
    return out


@pytest.mark.parametrize("rois", [INSIDE_ROIS, ANY_ROIS], ids=["inside", "border"])
@pytest.mark.parametrize(("output_size", "sampling_ratio"), [((2, 2), 2), ((3, 1), 1), ((7, 7), 2)])
def test_equals_a_numpy_bilinear_loop(rois, output_size, sampling_ratio):
    expected = numpy_roi_align(FEATURES, rois, output_size, 1 / 8, sampling_ratio)
    ours = np.asarray(roi_align(FEATURES, rois, output_size, 1 / 8, sampling_ratio))
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def finite_differences(f, x, eps):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    features = rng.normal(size=(1, 4, 4, 1))
    rois = np.array([[[3.3, 5.1, 25.7, 30.2], [10.2, 1.4, 19.9, 13.6]]])  # generic: no point on a cell edge
    upstream = rng.normal(size=(1, 2, 2, 3, 1))

    def loss(f, r):
        return tf.reduce_sum(roi_align(f, r, (2, 3), 1 / 8, 2) * upstream)

    f, r = tf.constant(features), tf.constant(rois)
    with tf.GradientTape() as tape:
        tape.watch([f, r])
        value = loss(f, r)
    grad_f, grad_r = (g.numpy() for g in tape.gradient(value, [f, r]))
    np.testing.assert_allclose(grad_f, finite_differences(lambda x: loss(x, rois).numpy(), features, 1e-3), atol=1e-8)
    np.testing.assert_allclose(grad_r, finite_differences(lambda x: loss(features, x).numpy(), rois, 1e-4), atol=1e-6)
    assert np.abs(grad_r).max() > 0  # ROI Align also tells the box which way to move; ROI pooling cannot


@pytest.mark.parametrize("layer", [RoiAlign((3, 3)), RoiPooling((3, 3))])
def test_layers_run_in_a_graph_with_unknown_batch_and_roi_counts(layer):
    signature = [tf.TensorSpec((None, 8, 8, 3)), tf.TensorSpec((None, None, 4))]
    graph = tf.function(layer, input_signature=signature)
    np.testing.assert_allclose(graph(FEATURES, ANY_ROIS).numpy(), np.asarray(layer(FEATURES, ANY_ROIS)), atol=1e-6)
