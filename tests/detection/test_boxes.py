"""Box formats, IoU, the R-CNN box encoding and NMS against keras, TensorFlow and keras-cv."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.detection.boxes import FORMATS, batched_nms, convert, decode, encode, iou, nms

KERAS_BOXES = keras.utils.bounding_boxes


def random_boxes(n, seed, size=64.0):
    """n xyxy boxes with sides 2..24 pixels inside a size × size image."""
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, size - 24, (n, 2))
    return np.concatenate([corner, corner + rng.uniform(2, 24, (n, 2))], axis=1).astype("float32")


def test_iou_by_hand():
    a = np.array([[0, 0, 10, 10]], "float32")
    others = np.array([[20, 20, 30, 30], [0, 0, 10, 10], [5, 0, 15, 10], [0, 0, 10, 5], [10, 0, 20, 10]], "float32")
    # disjoint 0; identical 1; half shifted: 50 / 150; half inside: 50 / 100; touching edges 0
    np.testing.assert_allclose(np.asarray(iou(a, others)), [[0, 1, 1 / 3, 1 / 2, 0]], atol=1e-7)


@pytest.mark.parametrize("as_tensor", [False, True], ids=["numpy", "tensor"])
def test_iou_equals_keras_compute_iou_and_is_symmetric(as_tensor):
    a, b = random_boxes(30, 0), random_boxes(20, 1)
    ours = iou(tf.constant(a), b) if as_tensor else iou(a, b)
    assert isinstance(ours, np.ndarray) != as_tensor  # NumPy in, NumPy out; else keras.ops tensors
    ours = np.asarray(ours)
    expected = np.asarray(KERAS_BOXES.compute_iou(a, b, bounding_box_format="xyxy"))
    # keras adds epsilon = 1e-7 to the union (pixels², unions here are >= 4): tolerance 1e-6
    np.testing.assert_allclose(ours, expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(iou(b, a)), ours.T, atol=1e-7)
    assert 0.1 < (ours > 0).mean() < 0.9  # the random boxes do overlap, and not all of them


def test_iou_of_padding_is_zero_and_batches_broadcast():
    boxes = random_boxes(12, 2).reshape(3, 4, 4)
    boxes[:, 3] = -1  # padded ground truth
    overlaps = np.asarray(iou(boxes, boxes))
    assert overlaps.shape == (3, 4, 4)
    np.testing.assert_array_equal(overlaps[:, 3], 0)
    np.testing.assert_array_equal(overlaps[:, :, 3], 0)
    np.testing.assert_allclose(overlaps[1], np.asarray(iou(boxes[1], boxes[1])))
    anchors = random_boxes(5, 3)
    assert tuple(iou(anchors, boxes).shape) == (3, 5, 4)  # (A, 4) against (N, M, 4)
    with_keras = KERAS_BOXES.compute_iou(boxes, boxes, "xyxy", use_masking=True, mask_val=0)
    np.testing.assert_allclose(overlaps, np.asarray(with_keras), atol=1e-6)


@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize("source", FORMATS)
def test_convert_round_trips_and_equals_keras(source, target):
    boxes = KERAS_BOXES.convert_format(random_boxes(10, 4).reshape(2, 5, 4), "xyxy", source)
    converted = np.asarray(convert(boxes, source, target))
    expected = np.asarray(KERAS_BOXES.convert_format(boxes, source=source, target=target))
    np.testing.assert_allclose(converted, expected, atol=1e-5)
    np.testing.assert_allclose(np.asarray(convert(converted, target, source)), np.asarray(boxes), atol=1e-5)


def test_convert_by_hand_and_rejects_unknown_format():
    box = [[10, 20, 30, 60]]
    np.testing.assert_array_equal(np.asarray(convert(box, "xyxy", "xywh")), [[10, 20, 20, 40]])
    np.testing.assert_array_equal(np.asarray(convert(box, "xyxy", "center_xywh")), [[20, 40, 20, 40]])
    np.testing.assert_array_equal(np.asarray(convert(box, "xyxy", "yxyx")), [[20, 10, 60, 30]])
    with pytest.raises(ValueError, match="`target` must be one of"):
        convert(box, "xyxy", "rel_xyxy")


@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)])
def test_encode_decode_round_trip_and_equal_keras(weights):
    anchors, boxes = random_boxes(40, 5), random_boxes(80, 6).reshape(2, 40, 4)
    deltas = np.asarray(encode(boxes, anchors, weights))
    np.testing.assert_allclose(np.asarray(decode(deltas, anchors, weights)), boxes, atol=1e-4)
    # keras encodes in "center_yxhw" by default and divides by `variance`: with encoding_format
    # "center_xywh" (our (t_x, t_y, t_w, t_h) order) and variance = 1 / weights the two agree.
    variance = [1 / w for w in weights]
    expected = KERAS_BOXES.encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy", "center_xywh", variance)
    np.testing.assert_allclose(deltas, np.asarray(expected), rtol=1e-5, atol=1e-5)
    decoded = KERAS_BOXES.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy", "center_xywh", variance)
    np.testing.assert_allclose(np.asarray(decode(deltas, anchors, weights)), np.asarray(decoded), atol=1e-4)


def test_encode_by_hand_and_padding_stays_finite():
    anchor = np.array([[0, 0, 10, 20]], "float32")  # centre (5, 10), 10 × 20
    box = np.array([[5, 0, 25, 20]], "float32")  # centre (15, 10), 20 × 20
    np.testing.assert_allclose(np.asarray(encode(box, anchor)), [[1.0, 0.0, np.log(2), 0.0]], atol=1e-6)
    assert np.isfinite(np.asarray(encode(-np.ones((1, 4)), anchor))).all()
    assert np.isfinite(np.asarray(decode([[0, 0, 1e4, 1e4]], anchor))).all()  # exp is clamped


def tf_nms(boxes, scores, iou_threshold, score_threshold=-np.inf, max_output=100):
    yxyx = boxes[:, [1, 0, 3, 2]]
    return tf.image.non_max_suppression(yxyx, scores, max_output, iou_threshold, score_threshold).numpy()


@pytest.mark.parametrize("iou_threshold", [0.1, 0.3, 0.5, 0.7])
@pytest.mark.parametrize("seed", [0, 1])
def test_nms_keeps_what_tensorflow_keeps(iou_threshold, seed):
    boxes, scores = random_boxes(80, seed), np.random.default_rng(seed + 10).uniform(size=80).astype("float32")
    kept = nms(boxes, scores, iou_threshold=iou_threshold)
    np.testing.assert_array_equal(kept, tf_nms(boxes, scores, iou_threshold))
    assert 5 < len(kept) < 80
    only_high = nms(boxes, scores, iou_threshold=iou_threshold, score_threshold=0.4, max_output=7)
    np.testing.assert_array_equal(only_high, tf_nms(boxes, scores, iou_threshold, 0.4, 7))


def test_nms_by_hand():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [40, 40, 50, 50]], "float32")
    scores = np.array([0.9, 0.8, 0.7, 0.0])
    np.testing.assert_array_equal(nms(boxes, scores), [0, 2])  # 1 overlaps 0 (IoU 0.82); 3 has score 0
    np.testing.assert_array_equal(nms(boxes, scores, iou_threshold=0.9), [0, 1, 2])
    assert nms(np.zeros((0, 4)), np.zeros(0)).shape == (0,)


def test_nms_keeps_the_boxes_of_keras_cv_non_max_suppression():
    """One test: importing keras_cv takes several seconds."""
    import keras_cv

    boxes, scores = random_boxes(60, 7), np.random.default_rng(8).uniform(size=60).astype("float32")
    layer = keras_cv.layers.NonMaxSuppression("xyxy", from_logits=False, iou_threshold=0.4,
                                              confidence_threshold=0.2, max_detections=30)
    result = layer(boxes[None], scores[None, :, None])
    count = int(result["num_detections"][0])
    kept = nms(boxes, scores, iou_threshold=0.4, score_threshold=0.2, max_output=30)
    assert count == len(kept) > 5
    np.testing.assert_allclose(np.asarray(result["boxes"][0, :count]), boxes[kept], atol=1e-6)


def test_batched_nms_suppresses_within_each_class_only():
    boxes, scores = random_boxes(60, 9), np.random.default_rng(9).uniform(size=60).astype("float32")
    classes = np.random.default_rng(10).integers(0, 3, 60)
    kept = batched_nms(boxes, scores, classes, iou_threshold=0.3)
    assert np.all(np.diff(scores[kept]) <= 0)  # highest score first
    for c in range(3):
        members = np.flatnonzero(classes == c)
        np.testing.assert_array_equal(kept[classes[kept] == c], members[tf_nms(boxes[members], scores[members], 0.3)])
    same = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], "float32")
    np.testing.assert_array_equal(batched_nms(same, [0.9, 0.8], [0, 1]), [0, 1])  # two classes: both stay
    np.testing.assert_array_equal(batched_nms(same, [0.9, 0.8], [1, 1]), [0])


def test_nms_rejects_bad_arguments():
    with pytest.raises(ValueError, match="iou_threshold"):
        nms(random_boxes(3, 0), [0.1, 0.2, 0.3], iou_threshold=1.5)
    with pytest.raises(ValueError, match="3 boxes and 2 scores"):
        nms(random_boxes(3, 0), [0.1, 0.2])
    with pytest.raises(ValueError, match="weights"):
        encode(random_boxes(3, 0), random_boxes(3, 1), weights=(1.0, 1.0))
