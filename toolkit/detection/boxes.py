"""Bounding boxes: formats, overlap (IoU), the R-CNN box encoding, non-max suppression.

A detector answers "where" with boxes. Boxes are xyxy in pixels, [x_min, y_min, x_max, y_max]
(x = column, y = row; a box covering columns 10..19 has x_min = 10, x_max = 20). Two boxes are
compared by their intersection over union, regressors predict a box as small corrections to an
anchor (or a proposal), and overlapping duplicates of one object are removed greedily:

    (1) IoU(A, B) = |A ∩ B| / |A ∪ B| = I / (|A| + |B| − I)     0 when the union is empty
    (2) t_x = w_x (x − x_a) / w_a     t_y = w_y (y − y_a) / h_a    (encode, R-CNN appendix C)
        t_w = w_w log(w / w_a)        t_h = w_h log(h / h_a)
    (3) x = x_a + w_a t_x / w_x       w = w_a exp(t_w / w_w)       (decode, the inverse of (2))
    (4) greedy NMS: keep the highest-scoring box, drop every remaining box whose IoU with it
        is > iou_threshold, repeat on what is left

(x, y, w, h) is the box's centre and size, (x_a, y_a, w_a, h_a) the anchor's, and
(w_x, w_y, w_w, w_h) = `weights` scale the deltas to unit size for the loss (Faster R-CNN's
implementations use (10, 10, 5, 5); `keras.utils.bounding_boxes.encode_box_to_deltas` divides
by `variance` instead, so weights = 1 / variance). `convert`, `iou`, `encode` and `decode` are
``keras.ops`` (they run inside models; `iou` of two NumPy arrays runs in NumPy); `nms` and
`batched_nms` are NumPy, for display and metrics. Library twins: ``keras.utils.bounding_boxes.convert_format`` / ``compute_iou`` /
``encode_box_to_deltas`` / ``decode_deltas_to_boxes``, ``tf.image.non_max_suppression`` and
``keras_cv.layers.NonMaxSuppression``.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from toolkit.validation import check_choice, check_float, check_positive_int

FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh")
EPSILON = 1e-7  # floor of a box side inside a log and of a union, as in keras.utils.bounding_boxes
MAX_LOG_SCALE = math.log(1000.0 / 16)  # decode clamps t_w, t_h here (torchvision's BoxCoder)


def convert(boxes, source: str, target: str):
    """Boxes (..., 4) from format `source` to format `target` (both in `FORMATS`).

    "xyxy" = [x_min, y_min, x_max, y_max], "yxyx" = [y_min, x_min, y_max, x_max],
    "xywh" = [x_min, y_min, w, h], "center_xywh" = [x_centre, y_centre, w, h].
    """
    check_choice("source", source, FORMATS)
    check_choice("target", target, FORMATS)
    return _from_xyxy(_to_xyxy(_as_boxes(boxes), source), target)


def _as_boxes(boxes, xp=ops):
    """float32 boxes as a NumPy array (xp = np) or a tensor (xp = keras.ops)."""
    return np.asarray(boxes, np.float32) if xp is np else ops.cast(ops.convert_to_tensor(boxes), "float32")


def _to_xyxy(boxes, source: str) -> tuple:
    """The four corner coordinates (x_min, y_min, x_max, y_max), each (...,)."""
    a, b, c, d = ops.unstack(boxes, 4, axis=-1)
    if source == "yxyx":
        return b, a, d, c
    if source == "xywh":
        return a, b, a + c, b + d
    if source == "center_xywh":
        return a - c / 2, b - d / 2, a + c / 2, b + d / 2
    return a, b, c, d


def _from_xyxy(corners: tuple, target: str):
    x0, y0, x1, y1 = corners
    columns = {
        "xyxy": (x0, y0, x1, y1),
        "yxyx": (y0, x0, y1, x1),
        "xywh": (x0, y0, x1 - x0, y1 - y0),
        "center_xywh": ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0),
    }[target]
    return ops.stack(columns, axis=-1)


def iou(boxes_a, boxes_b):
    """Eq. 1 for every pair: xyxy (..., A, 4) and (..., B, 4) -> (..., A, B).

    Leading dimensions broadcast. A box with no area (x_max <= x_min or y_max <= y_min, such
    as the -1 padding) overlaps nothing: its IoU with every box is 0. Two NumPy arrays give a
    NumPy array (the same lines run with NumPy, without TensorFlow's per-call overhead, for
    NMS and metrics); anything else gives a tensor.
    """
    xp = np if isinstance(boxes_a, np.ndarray) and isinstance(boxes_b, np.ndarray) else ops
    a = _as_boxes(boxes_a, xp)[..., :, None, :]  # (..., A, 1, 4)
    b = _as_boxes(boxes_b, xp)[..., None, :, :]  # (..., 1, B, 4)
    overlap = xp.maximum(a[..., :2], b[..., :2]), xp.minimum(a[..., 2:], b[..., 2:])
    intersection = _area(xp.concatenate(overlap, axis=-1), xp)  # (..., A, B)
    union = _area(a, xp) + _area(b, xp) - intersection
    # Eq. 1, with 0 / 0 := 0 for two empty boxes
    return intersection / xp.maximum(union, EPSILON)


def _area(boxes, xp):
    """|box| of xyxy boxes (..., 4) -> (...,), 0 for an empty box."""
    sides = xp.maximum(boxes[..., 2:] - boxes[..., :2], 0.0)
    return sides[..., 0] * sides[..., 1]


def encode(boxes, anchors, weights=(1.0, 1.0, 1.0, 1.0)):
    """Eq. 2: xyxy `boxes` (..., 4) as deltas (t_x, t_y, t_w, t_h) from xyxy `anchors` (..., 4).

    Shapes broadcast (anchors (A, 4) against boxes (B, A, 4)). Sides are clamped at EPSILON
    before the log, so a padded box gives finite (meaningless) deltas, never NaN.
    """
    x, y, w, h = ops.unstack(convert(boxes, "xyxy", "center_xywh"), 4, axis=-1)
    xa, ya, wa, ha = _anchor_centres(anchors)
    wx, wy, ww, wh = _weights(weights)
    w, h = ops.maximum(w, EPSILON), ops.maximum(h, EPSILON)
    # Eq. 2
    deltas = (wx * (x - xa) / wa, wy * (y - ya) / ha, ww * ops.log(w / wa), wh * ops.log(h / ha))
    return ops.stack(deltas, axis=-1)


def decode(deltas, anchors, weights=(1.0, 1.0, 1.0, 1.0)):
    """Eq. 3, the inverse of `encode`: deltas (..., 4) on xyxy `anchors` (..., 4) -> xyxy boxes.

    t_w / w_w and t_h / w_h are clamped at log(1000 / 16) so that an untrained regressor
    cannot overflow exp (torchvision does the same); below the clamp decode inverts encode.
    """
    tx, ty, tw, th = ops.unstack(_as_boxes(deltas), 4, axis=-1)
    xa, ya, wa, ha = _anchor_centres(anchors)
    wx, wy, ww, wh = _weights(weights)
    # Eq. 3
    x, y = xa + wa * tx / wx, ya + ha * ty / wy
    w = wa * ops.exp(ops.minimum(tw / ww, MAX_LOG_SCALE))
    h = ha * ops.exp(ops.minimum(th / wh, MAX_LOG_SCALE))
    return convert(ops.stack((x, y, w, h), axis=-1), "center_xywh", "xyxy")


def _anchor_centres(anchors) -> tuple:
    """(x_a, y_a, w_a, h_a) of xyxy anchors, sides clamped at EPSILON (no division by 0)."""
    xa, ya, wa, ha = ops.unstack(convert(anchors, "xyxy", "center_xywh"), 4, axis=-1)
    return xa, ya, ops.maximum(wa, EPSILON), ops.maximum(ha, EPSILON)


def _weights(weights) -> tuple:
    if len(weights) != 4:
        raise ValueError(f"`weights` must be 4 positive numbers (w_x, w_y, w_w, w_h), received weights={weights!r}.")
    return tuple(check_float("weights", float(w), 0.0, None, open_low=True) for w in weights)


def nms(boxes, scores, *, iou_threshold: float = 0.5, score_threshold: float = 0.0,
        max_output: int = 100) -> np.ndarray:
    """Eq. 4: indices of the kept boxes, highest score first (NumPy).

    Args:
        boxes: xyxy (K, 4).
        scores: (K,); only boxes with score > `score_threshold` take part.
        iou_threshold: a box is dropped when its IoU with a kept box is > this.
        max_output: at most this many indices are returned.
    Returns int64 indices into `boxes`, as ``tf.image.non_max_suppression`` does.
    """
    iou_threshold = check_float("iou_threshold", iou_threshold, 0.0, 1.0)
    score_threshold = check_float("score_threshold", score_threshold)
    max_output = check_positive_int("max_output", max_output)
    boxes, scores = _as_detections(boxes, scores)
    candidates = np.flatnonzero(scores > score_threshold)
    # ties keep the lower index first (a stable sort)
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return order[_greedy(np.asarray(iou(boxes[order], boxes[order])), iou_threshold, max_output)]


def _as_detections(boxes, scores) -> tuple[np.ndarray, np.ndarray]:
    boxes, scores = np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float64).ravel()
    if len(boxes) != len(scores):
        raise ValueError(f"`boxes` and `scores` must describe the same boxes, received {len(boxes)} boxes "
                         f"and {len(scores)} scores.")
    return boxes, scores


def _greedy(overlaps: np.ndarray, iou_threshold: float, max_output: int) -> list[int]:
    """Eq. 4 on boxes already sorted by score: positions kept, given their (K, K) IoU."""
    kept, dropped = [], np.zeros(len(overlaps), bool)
    for i in range(len(overlaps)):
        if dropped[i]:
            continue
        kept.append(i)
        if len(kept) == max_output:
            break
        dropped |= overlaps[i] > iou_threshold
    return kept


def batched_nms(boxes, scores, classes, *, iou_threshold: float = 0.5, score_threshold: float = 0.0,
                max_output: int = 100) -> np.ndarray:
    """Eq. 4 within each class (boxes of different classes never suppress each other).

    Returns the kept indices of all classes together, highest score first, at most `max_output`.
    """
    boxes, scores = _as_detections(boxes, scores)
    classes = np.asarray(classes).ravel()
    if len(classes) != len(scores):
        raise ValueError(f"`classes` must give one class per box, received {len(classes)} classes "
                         f"for {len(scores)} boxes.")
    settings = {"iou_threshold": iou_threshold, "score_threshold": score_threshold, "max_output": max_output}
    members = [np.flatnonzero(classes == c) for c in np.unique(classes)]
    kept = np.concatenate([index[nms(boxes[index], scores[index], **settings)] for index in members]
                          + [np.zeros(0, np.int64)])
    return kept[np.argsort(-scores[kept], kind="stable")][:max_output]
