"""Detection metrics: precision-recall per class, average precision, mAP@0.5 and mAP@[.5:.95].

A detection is a true positive when it overlaps a not-yet-matched ground-truth object of its
class with IoU >= t; detections are matched in order of score within each image, so a second
detection of an already found object (a duplicate) is a false positive. Ranking all detections
of a class by score over the whole test set gives, after the k best,

    (1) P_k = TP_k / k                    R_k = TP_k / n_gt       (precision, recall)
    (2) P_interp(r) = max_{k : R_k >= r} P_k   (0 when no R_k reaches r)
    (3) AP = (1 / 101) Σ_{r ∈ {0, 0.01, ..., 1}} P_interp(r)       (COCO's 101-point area under (2))
    (4) mAP@t = mean over classes of AP at IoU threshold t
    (5) mAP@[.5:.95] = (1 / 10) Σ_{t ∈ {0.5, 0.55, ..., 0.95}} mAP@t

n_gt is the number of ground-truth objects of the class; AP of a class with n_gt = 0 is
undefined (nan) and left out of every mean, as in pycocotools' COCOeval (whose matching,
interpolation and recall points these equations follow; COCO's area ranges, crowd regions and
100-detections cap do not apply to the shapes scenes; the tests check its values to 1e-12).
mAP@0.5 is the PASCAL VOC metric; mAP@[.5:.95] also rewards tight boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.detection.boxes import iou
from toolkit.validation import check_float, check_int, check_positive_int

MAP_50_95 = tuple(float(t) for t in np.round(np.arange(0.5, 0.96, 0.05), 2))  # the ten t of Eq. 5
RECALL_POINTS = np.linspace(0.0, 1.0, 101)  # the r of Eq. 3


@dataclass(frozen=True)
class Detections:
    """One image's predictions (NumPy): xyxy boxes (K, 4), scores (K,), classes (K,), masks (K, S, S)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    masks: np.ndarray | None = None

    def __post_init__(self):
        object.__setattr__(self, "boxes", np.asarray(self.boxes, np.float32).reshape(-1, 4))
        object.__setattr__(self, "scores", np.asarray(self.scores, np.float32).ravel())
        object.__setattr__(self, "classes", np.asarray(self.classes, np.int64).ravel())
        if not len(self.boxes) == len(self.scores) == len(self.classes):
            raise ValueError(f"`Detections` needs one score and one class per box, received {len(self.boxes)} "
                             f"boxes, {len(self.scores)} scores and {len(self.classes)} classes.")
        if self.masks is not None:
            object.__setattr__(self, "masks", np.asarray(self.masks, bool))

    def __len__(self) -> int:
        return len(self.scores)


@dataclass(frozen=True)
class _TestSet:
    """All detections of a test set, ranked by score within each image, ready to be matched."""

    scores: np.ndarray       # (D,) every detection, image after image
    classes: np.ndarray      # (D,)
    overlaps: list           # per image (K, G): IoU with its real objects, -1 across classes
    gt_classes: np.ndarray   # (G_total,) every real object's class

    def found(self, threshold: float) -> np.ndarray:
        """(D,) true-positive flags at IoU threshold t."""
        return np.concatenate([_match(overlaps, threshold) for overlaps in self.overlaps])


def average_precision(detections: list[Detections], boxes, classes, *, num_classes: int,
                      iou_threshold: float = 0.5) -> np.ndarray:
    """Eq. 3 for each class at one IoU threshold: (num_classes,), nan where a class has no object.

    Args:
        detections: one `Detections` per image.
        boxes, classes: the ground truth of the same images, padded (N, M, 4) / (N, M) with -1.
        num_classes: K; classes are 0..K-1.
    """
    return _ap_table(detections, boxes, classes, num_classes, (iou_threshold,))[0]


def mean_average_precision(detections: list[Detections], boxes, classes, *, num_classes: int,
                           iou_thresholds=(0.5,)) -> float:
    """Eqs. 4-5: AP averaged over classes with objects and over `iou_thresholds`.

    `iou_thresholds=(0.5,)` is mAP@0.5, `iou_thresholds=MAP_50_95` is mAP@[.5:.95]; nan when
    the ground truth has no object at all.
    """
    table = _ap_table(detections, boxes, classes, num_classes, tuple(iou_thresholds))  # (T, K)
    defined = ~np.isnan(table)
    return float(table[defined].mean()) if defined.any() else float("nan")


def precision_recall(detections: list[Detections], boxes, classes, *, class_id: int,
                     iou_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 1 for one class: (precision, recall), one point per detection in order of score."""
    check_int("class_id", class_id, 0)
    iou_threshold = check_float("iou_threshold", iou_threshold, 0.0, 1.0, open_low=True)
    test_set = _prepare(detections, boxes, classes)
    mine = test_set.classes == class_id
    n_gt = int(np.sum(test_set.gt_classes == class_id))
    return _curve(test_set.scores[mine], test_set.found(iou_threshold)[mine], n_gt)


def _ap_table(detections, boxes, classes, num_classes, thresholds) -> np.ndarray:
    """AP for each threshold (rows) and class (columns)."""
    num_classes = check_positive_int("num_classes", num_classes)
    if not thresholds:
        raise ValueError("`iou_thresholds` must hold at least one threshold, received iou_thresholds=().")
    thresholds = [check_float("iou_threshold", t, 0.0, 1.0, open_low=True) for t in thresholds]
    test_set = _prepare(detections, boxes, classes)
    n_gt = np.bincount(test_set.gt_classes, minlength=num_classes)
    table = np.zeros((len(thresholds), num_classes))
    for i, threshold in enumerate(thresholds):
        found = test_set.found(threshold)
        for c in range(num_classes):
            mine = test_set.classes == c
            table[i, c] = _class_ap(test_set.scores[mine], found[mine], int(n_gt[c]))
    return table


def _prepare(detections, boxes, classes) -> _TestSet:
    boxes, classes = np.asarray(boxes, np.float32), np.asarray(classes)
    if not len(detections) == len(boxes) == len(classes) or not len(detections):
        raise ValueError(f"`detections`, `boxes` and `classes` must describe the same images (at least one), "
                         f"received {len(detections)}, {len(boxes)} and {len(classes)} images.")
    ranked = [_by_score(d) for d in detections]
    overlaps = np.asarray(iou(_padded([d.boxes for d in ranked]), boxes))  # (N, K_max, M)
    return _TestSet(scores=np.concatenate([d.scores for d in ranked]),
                    classes=np.concatenate([d.classes for d in ranked]),
                    overlaps=[_same_class(o[:len(d)], d.classes, c) for o, d, c in zip(overlaps, ranked, classes)],
                    gt_classes=classes[classes >= 0].astype(np.int64))


def _by_score(detections: Detections) -> Detections:
    order = np.argsort(-detections.scores, kind="stable")  # COCOeval ranks with a stable sort too
    return Detections(detections.boxes[order], detections.scores[order], detections.classes[order])


def _padded(boxes_per_image: list) -> np.ndarray:
    """(N, K_max, 4) with -1 rows after each image's K boxes (one IoU call for the whole set)."""
    padded = -np.ones((len(boxes_per_image), max([1] + [len(b) for b in boxes_per_image]), 4), np.float32)
    for n, image_boxes in enumerate(boxes_per_image):
        padded[n, :len(image_boxes)] = image_boxes
    return padded


def _same_class(overlaps: np.ndarray, det_classes: np.ndarray, gt_classes: np.ndarray) -> np.ndarray:
    """(K, G) IoU with the image's real objects, -1 where classes differ (no match possible)."""
    real = gt_classes >= 0
    return np.where(det_classes[:, None] == gt_classes[None, real], overlaps[:, real], -1.0)


def _match(overlaps: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy matching in score order: (K, G) IoU -> (K,) true-positive flags.

    Each detection takes the free object it overlaps most, if that IoU >= threshold; an
    object already taken makes later detections of it false positives.
    """
    free = np.ones(overlaps.shape[1], bool)
    found = np.zeros(len(overlaps), bool)
    for k, row in enumerate(overlaps):
        candidates = np.where(free & (row >= threshold), row, -1.0)
        if candidates.size and candidates.max() >= 0:
            free[candidates.argmax()] = False
            found[k] = True
    return found


def _curve(scores: np.ndarray, found: np.ndarray, n_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 1 after ranking all detections by score; recall is nan when n_gt = 0."""
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(found[order])
    # Eq. 1
    precision = tp / np.arange(1, len(tp) + 1)
    recall = tp / n_gt if n_gt else np.full(len(tp), np.nan)
    return precision, recall


def _class_ap(scores: np.ndarray, found: np.ndarray, n_gt: int) -> float:
    """Eqs. 1-3 for one class; nan when it has no ground-truth object (n_gt = 0)."""
    return _interpolated_ap(*_curve(scores, found, n_gt)) if n_gt else float("nan")


def _interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """Eqs. 2-3: the 101-point area under the interpolated precision-recall curve."""
    # Eq. 2: precision made non-increasing from the right
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    first = np.searchsorted(recall, RECALL_POINTS, side="left")  # first k with R_k >= r
    reached = first < len(recall)
    # Eq. 3
    return float(np.sum(envelope[first[reached]]) / len(RECALL_POINTS))
