"""Anchors of Faster R-CNN's Region Proposal Network and their training labels.

The RPN slides over the backbone's F × F feature map; at every cell it scores A reference boxes
(anchors) of several scales and aspect ratios, centred on the cell's image position, and
regresses each one toward an object. An anchor's target is decided by its overlap with the
ground truth (Ren et al., 2015, section 3.1.2):

    (1) centre of cell (i, j):   x = (j + 1/2) s,   y = (i + 1/2) s,   stride s = image_size / F
    (2) anchor of scale σ and aspect ratio ρ = w / h:   w = σ √ρ,   h = σ / √ρ   (area σ²)
    (3) label = 1 (object)      if max_g IoU(anchor, g) >= positive_iou,
                                or the anchor has the highest IoU of some ground-truth box g
        label = 0 (background)  if max_g IoU(anchor, g) < negative_iou
        label = −1 (ignored)    otherwise: it takes no part in the loss

Rule (3)'s second case makes sure every object has at least one positive anchor (with ties,
every anchor sharing that highest IoU, as in torchvision's ``Matcher``). Anchors follow
``keras_cv.layers.AnchorGenerator``'s convention for (2); `anchor_grid` is NumPy (anchors are
fixed), `match_anchors` is ``keras.ops`` so a model can label anchors inside its train step.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from toolkit.detection.boxes import iou
from toolkit.validation import check_float, check_positive_int


def anchor_grid(feature_size: int, image_size: int, scales, ratios) -> np.ndarray:
    """Eqs. 1-2: every anchor of an F × F grid, xyxy pixels (F·F·A, 4), A = len(scales)·len(ratios).

    Order: row i, then column j, then anchor (scales outer, ratios inner), so that anchor
    (i, j, a) is row (i·F + j)·A + a, matching a head's output reshaped from (F, F, A, ...).
    """
    feature_size = check_positive_int("feature_size", feature_size)
    image_size = check_positive_int("image_size", image_size)
    shapes = _anchor_shapes(scales, ratios)  # (A, 2) widths, heights
    stride = image_size / feature_size
    # Eq. 1: cell centres, (F, F, 1, 2) as (x, y)
    rows, cols = np.meshgrid(np.arange(feature_size), np.arange(feature_size), indexing="ij")
    centres = (np.stack([cols, rows], axis=-1)[:, :, None, :] + 0.5) * stride
    half = shapes[None, None] / 2  # (1, 1, A, 2)
    corners = np.concatenate([centres - half, centres + half], axis=-1)  # (F, F, A, 4)
    return corners.reshape(-1, 4).astype(np.float32)


def _anchor_shapes(scales, ratios) -> np.ndarray:
    """Eq. 2: (A, 2) anchor widths and heights, scales outer and ratios inner."""
    scales = [check_float("scales", float(s), 0.0, None, open_low=True) for s in scales]
    ratios = [check_float("ratios", float(r), 0.0, None, open_low=True) for r in ratios]
    if not scales or not ratios:
        raise ValueError(f"`scales` and `ratios` need at least one value each, received scales={scales!r}, "
                         f"ratios={ratios!r}.")
    return np.array([(s * np.sqrt(r), s / np.sqrt(r)) for s in scales for r in ratios])


def match_anchors(anchors, boxes, classes, *, positive_iou: float = 0.5, negative_iou: float = 0.3):
    """Eq. 3: (labels, matched) for anchors (A, 4) and padded ground truth (..., M, 4) / (..., M).

    Returns `labels` (..., A) int32 (1 object, 0 background, -1 ignored) and `matched` (..., A)
    int32, the index of each anchor's ground-truth box (0 where the image has none). Padded
    boxes (class -1) are never matched. Leading dimensions are a batch of images.
    """
    positive_iou = check_float("positive_iou", positive_iou, 0.0, 1.0, open_low=True)
    negative_iou = check_float("negative_iou", negative_iou, 0.0, positive_iou,
                               hint="Anchors between the two thresholds are ignored.")
    valid = ops.expand_dims(ops.convert_to_tensor(classes) >= 0, -2)  # (..., 1, M)
    overlaps = ops.where(valid, iou(anchors, boxes), -1.0)  # (..., A, M), -1 for padding
    best_iou, matched = ops.max(overlaps, axis=-1), ops.argmax(overlaps, axis=-1)  # (..., A)
    # Eq. 3, first and third cases
    labels = ops.where(best_iou >= positive_iou, 1, ops.where(best_iou < negative_iou, 0, -1))
    # Eq. 3, second case: each box's best anchors (its highest IoU, if it overlaps any anchor)
    is_best = (overlaps == ops.max(overlaps, axis=-2, keepdims=True)) & (overlaps > 0)  # (..., A, M)
    forced = ops.any(is_best, axis=-1)
    labels = ops.where(forced, 1, labels)
    matched = ops.where(forced, ops.argmax(ops.cast(is_best, "int32"), axis=-1), matched)
    return ops.cast(labels, "int32"), ops.cast(matched, "int32")
