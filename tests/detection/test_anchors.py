"""Anchor grid (count, order, centres, shapes) and the Faster R-CNN anchor labelling rule."""

import numpy as np
import pytest

from toolkit.detection.anchors import anchor_grid, match_anchors
from toolkit.detection.boxes import convert, iou

SCALES, RATIOS = (8.0, 16.0), (0.5, 1.0, 2.0)


def test_anchor_grid_count_order_and_shapes():
    anchors = anchor_grid(4, 64, SCALES, RATIOS)
    assert anchors.shape == (4 * 4 * 6, 4) and anchors.dtype == np.float32
    x, y, w, h = np.moveaxis(np.asarray(convert(anchors, "xyxy", "center_xywh")).reshape(4, 4, 6, 4), -1, 0)
    # centres on the 16-pixel grid: cell (i, j) at x = (j + 1/2) 16, y = (i + 1/2) 16, same for its 6 anchors
    np.testing.assert_allclose(x, np.broadcast_to((np.arange(4) + 0.5)[None, :, None] * 16, (4, 4, 6)), atol=1e-5)
    np.testing.assert_allclose(y, np.broadcast_to((np.arange(4) + 0.5)[:, None, None] * 16, (4, 4, 6)), atol=1e-5)
    # anchor index a = scale-major: (8, 0.5), (8, 1), (8, 2), (16, 0.5), ...; w / h = ratio, w h = scale²
    np.testing.assert_allclose(w[0, 0] / h[0, 0], RATIOS * 2, rtol=1e-5)
    np.testing.assert_allclose(w[0, 0] * h[0, 0], np.repeat(np.square(SCALES), 3), rtol=1e-5)
    np.testing.assert_allclose(anchors[6 * 5 + 1], [16 + 4, 16 + 4, 16 + 12, 16 + 12])  # row 1, col 1, 8 × 8


def test_anchor_grid_rejects_bad_sizes():
    with pytest.raises(ValueError, match="feature_size"):
        anchor_grid(0, 64, SCALES, RATIOS)
    with pytest.raises(ValueError, match="ratios"):
        anchor_grid(4, 64, SCALES, (1.0, -2.0))


def test_match_anchors_thresholds_and_padding():
    anchors = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [4, 0, 14, 10], [6, 0, 16, 10], [30, 30, 40, 40]], "float32")
    boxes = np.array([[0, 0, 10, 10], [-1, -1, -1, -1]], "float32")  # one object and padding
    labels, matched = match_anchors(anchors, boxes, np.array([2, -1]))
    # IoU with the object: 1, 90/110, 60/140, 40/160, 0 -> positive, positive, ignored, negative, negative
    np.testing.assert_array_equal(np.asarray(labels), [1, 1, -1, 0, 0])
    np.testing.assert_array_equal(np.asarray(matched), 0)  # the padded box is never matched
    labels, _ = match_anchors(anchors, boxes, np.array([2, -1]), positive_iou=0.9, negative_iou=0.4)
    np.testing.assert_array_equal(np.asarray(labels), [1, -1, -1, 0, 0])


def test_every_object_gets_its_best_anchor():
    anchors = anchor_grid(4, 64, (16.0,), (1.0,))  # 16 squares tiling the image
    boxes = np.array([[[2, 2, 8, 8], [20, 36, 44, 60], [-1, -1, -1, -1]],
                      [[50, 2, 60, 30], [-1, -1, -1, -1], [-1, -1, -1, -1]]], "float32")
    classes = np.array([[0, 1, -1], [3, -1, -1]])
    labels, matched = (np.asarray(t) for t in match_anchors(anchors, boxes, classes, positive_iou=0.7))
    assert labels.shape == matched.shape == (2, 16) and labels.dtype == np.int32
    overlaps = np.asarray(iou(anchors, boxes))  # (2, 16, 3)
    assert overlaps[:, :, :2].max() < 0.7  # no anchor passes the threshold: only the rule forces positives
    for n, objects in enumerate([2, 1]):
        for g in range(objects):
            best = overlaps[n, :, g].argmax()
            assert labels[n, best] == 1 and matched[n, best] == g
    # image 1: the object straddles two cells equally (IoU 140/396 each): both tied anchors are
    # positive, as with torchvision's Matcher; nothing for the padding
    tied = np.flatnonzero(overlaps[1, :, 0] == overlaps[1, :, 0].max())
    np.testing.assert_array_equal(np.flatnonzero(labels[1]), tied)
    assert labels[1].sum() == 2
    assert set(matched[labels == 1]) <= {0, 1}


def test_match_anchors_without_objects_is_all_background():
    anchors = anchor_grid(2, 32, (8.0,), (1.0,))
    labels, matched = match_anchors(anchors, -np.ones((1, 4), "float32"), np.array([-1]))
    np.testing.assert_array_equal(np.asarray(labels), 0)
    np.testing.assert_array_equal(np.asarray(matched), 0)
    with pytest.raises(ValueError, match="negative_iou"):
        match_anchors(anchors, -np.ones((1, 4)), np.array([-1]), positive_iou=0.4, negative_iou=0.5)


def test_anchor_grid_equals_keras_cv_anchor_generator():
    """keras-cv builds anchors of size × scale with the same order (row, column, scale, ratio)."""
    import keras_cv

    generator = keras_cv.layers.AnchorGenerator("xyxy", sizes=[1.0], scales=list(SCALES),
                                                aspect_ratios=list(RATIOS), strides=[16])
    expected = np.asarray(generator(image_shape=(64, 64, 3))[0])
    np.testing.assert_allclose(anchor_grid(4, 64, SCALES, RATIOS), expected, atol=1e-5)
