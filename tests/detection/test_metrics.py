"""AP, mAP@0.5 and mAP@[.5:.95] on hand-made cases whose values are worked out in the comments.

With COCO's 101 recall points r = 0, 0.01, ..., 1, AP = (1/101) Σ_r P_interp(r); a curve that
reaches recall 1/2 with interpolated precision p there and q after gives (51 p + 50 q) / 101.
"""

import numpy as np
import pytest

from toolkit.detection.metrics import (
    MAP_50_95,
    Detections,
    average_precision,
    mean_average_precision,
    precision_recall,
)

A, B = [0, 0, 10, 10], [20, 20, 30, 30]
FAR = [40, 40, 50, 50]  # overlaps neither A nor B


def ground_truth(*images):
    """Padded (N, M, 4) boxes and (N, M) classes from lists of (box, class) per image."""
    m = max(len(objects) for objects in images)
    boxes, classes = -np.ones((len(images), m, 4), "float32"), -np.ones((len(images), m), "int32")
    for i, objects in enumerate(images):
        for j, (box, label) in enumerate(objects):
            boxes[i, j], classes[i, j] = box, label
    return boxes, classes


def detections(*found):
    """Detections from (box, score, class) triples."""
    return Detections(np.array([f[0] for f in found], "float32").reshape(-1, 4),
                      np.array([f[1] for f in found]), np.array([f[2] for f in found], int))


def test_perfect_detections_give_ap_one_at_every_threshold():
    boxes, classes = ground_truth([(A, 0), (B, 1)], [(B, 0)])
    found = [detections((A, 0.9, 0), (B, 0.8, 1)), detections((B, 0.7, 0))]
    np.testing.assert_array_equal(average_precision(found, boxes, classes, num_classes=2), [1.0, 1.0])
    assert mean_average_precision(found, boxes, classes, num_classes=2, iou_thresholds=MAP_50_95) == 1.0


def test_false_positive_ranked_first():
    boxes, classes = ground_truth([(A, 0)])
    found = [detections((FAR, 0.9, 0), (A, 0.8, 0))]
    # P = (0, 1/2), R = (0, 1): P_interp(r) = 1/2 for every r, AP = 1/2
    assert average_precision(found, boxes, classes, num_classes=1)[0] == pytest.approx(0.5)
    boxes, classes = ground_truth([(A, 0), (B, 0)])
    found = [detections((FAR, 0.9, 0), (A, 0.8, 0), (B, 0.7, 0))]
    # P = (0, 1/2, 2/3), R = (0, 1/2, 1): P_interp = 2/3 everywhere, AP = 2/3
    assert average_precision(found, boxes, classes, num_classes=1)[0] == pytest.approx(2 / 3)


def test_missed_object_caps_recall():
    boxes, classes = ground_truth([(A, 0), (B, 0)])
    found = [detections((A, 0.9, 0))]
    # R reaches only 1/2: P_interp = 1 for the 51 points r <= 1/2, 0 for the 50 above
    assert average_precision(found, boxes, classes, num_classes=1)[0] == pytest.approx(51 / 101)
    assert average_precision([detections()], boxes, classes, num_classes=1)[0] == 0.0


def test_duplicate_is_a_false_positive_and_ranking_spans_images():
    boxes, classes = ground_truth([(A, 0)], [(B, 0)])
    found = [detections((A, 0.9, 0), ([0, 0, 10, 11], 0.8, 0)), detections((B, 0.7, 0))]
    precision, recall = precision_recall(found, boxes, classes, class_id=0)
    np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3])
    np.testing.assert_allclose(recall, [1 / 2, 1 / 2, 1])
    # P_interp = 1 up to r = 1/2 (51 points), then 2/3 (50 points)
    expected = (51 * 1 + 50 * 2 / 3) / 101
    assert average_precision(found, boxes, classes, num_classes=1)[0] == pytest.approx(expected)


def test_detection_of_another_class_is_a_false_positive():
    boxes, classes = ground_truth([(A, 0)])
    found = [detections((A, 0.9, 1), (A, 0.5, 0))]
    ap = average_precision(found, boxes, classes, num_classes=2)
    assert ap[0] == 1.0  # class 0's only detection is right
    assert np.isnan(ap[1])  # class 1 has no object: undefined, even with a detection (as in COCOeval)


def test_class_absent_from_both_is_nan_and_left_out_of_the_mean():
    boxes, classes = ground_truth([(A, 0), (B, 2)])
    found = [detections((A, 0.9, 0), (FAR, 0.8, 2), (B, 0.7, 2))]
    ap = average_precision(found, boxes, classes, num_classes=3)
    np.testing.assert_allclose(ap, [1.0, np.nan, 0.5])  # class 2: FP first, then TP -> 1/2
    assert mean_average_precision(found, boxes, classes, num_classes=3) == pytest.approx(0.75)
    empty = -np.ones((1, 2, 4)), -np.ones((1, 2), int)
    assert np.isnan(mean_average_precision([detections()], *empty, num_classes=3))


def test_shifted_boxes_score_lower_at_strict_thresholds():
    assert MAP_50_95 == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
    boxes, classes = ground_truth([(A, 0), (B, 0)])
    # A shifted by 1 pixel: IoU 90/110 = 0.818; B shifted by 3: IoU 70/130 = 0.538
    found = [detections(([1, 0, 11, 10], 0.9, 0), ([23, 20, 33, 30], 0.8, 0))]
    at_50 = mean_average_precision(found, boxes, classes, num_classes=1)
    at_50_95 = mean_average_precision(found, boxes, classes, num_classes=1, iou_thresholds=MAP_50_95)
    assert at_50 == 1.0  # both match at t = 0.5
    # t = 0.55 ... 0.8 (six thresholds): only A matches, ranked first: AP = 51/101;
    # t = 0.85, 0.9, 0.95: neither, AP = 0
    assert at_50_95 == pytest.approx((1 + 6 * 51 / 101) / 10)
    assert at_50_95 < at_50


def test_detections_and_ground_truth_must_agree():
    with pytest.raises(ValueError, match="one score and one class per box"):
        Detections(np.zeros((2, 4)), np.zeros(3), np.zeros(2, int))
    boxes, classes = ground_truth([(A, 0)])
    with pytest.raises(ValueError, match="same images"):
        average_precision([detections(), detections()], boxes, classes, num_classes=1)
    with pytest.raises(ValueError, match="iou_threshold"):
        mean_average_precision([detections()], boxes, classes, num_classes=1, iou_thresholds=(0.0,))


def noisy_test_set(n_images=120, num_classes=6, seed=0):
    """Random ground truth (1-3 objects per image) and detections: each object's box jittered
    twice (a duplicate; 15% with a wrong class), two random boxes, each kept with probability
    0.6, uniform scores."""
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 40, (n_images, 3, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(6, 24, (n_images, 3, 2))], axis=-1).astype("float32")
    classes = rng.integers(0, num_classes, (n_images, 3)).astype("int32")
    padding = np.arange(3) >= rng.integers(1, 4, (n_images, 1))
    boxes[padding], classes[padding] = -1, -1
    return boxes, classes, [_noisy_detections(rng, b[c >= 0], c[c >= 0], num_classes) for b, c in zip(boxes, classes)]


def _noisy_detections(rng, boxes, classes, num_classes):
    copies = np.repeat(boxes, 2, axis=0) + rng.normal(0, 2, (2 * len(boxes), 4))
    labels = np.where(rng.uniform(size=len(copies)) < 0.15, rng.integers(0, num_classes, len(copies)),
                      np.repeat(classes, 2))
    corner = rng.uniform(0, 50, (2, 2))
    found = np.concatenate([copies, np.concatenate([corner, corner + rng.uniform(4, 14, (2, 2))], axis=1)])
    found[:, 2:] = np.maximum(found[:, 2:], found[:, :2] + 1)  # no empty box (COCOeval drops those)
    keep = rng.uniform(size=len(found)) < 0.6
    labels = np.concatenate([labels, rng.integers(0, num_classes, 2)])
    return Detections(found[keep], rng.uniform(size=len(found))[keep], labels[keep])


def test_equals_pycocotools_on_a_noisy_test_set():
    """Golden values from pycocotools 2.0.11 (COCOeval, iouType "bbox", the same set written as
    COCO JSON with xywh boxes): per-class AP@0.5 (precision[0, :, k, 0, -1] averaged over the
    101 recall points) and stats[0] = mAP@[.5:.95]. pycocotools is not a dependency of the toolkit."""
    boxes, classes, found = noisy_test_set()
    coco_ap_50 = [0.37500984877542615, 0.23744374437443747, 0.32053735615497025,
                  0.18370399464916481, 0.2929096129431605, 0.4265056369890383]
    np.testing.assert_allclose(average_precision(found, boxes, classes, num_classes=6), coco_ap_50, atol=1e-12)
    ours = mean_average_precision(found, boxes, classes, num_classes=6, iou_thresholds=MAP_50_95)
    assert ours == pytest.approx(0.10575914304026435, abs=1e-12)
