"""YOLO v1 (Redmon et al., 2016): detection as one regression over an S×S grid, one CNN pass per image.

The notes: YOLO "treats object detection as a direct regression problem": the image is split
into an S×S grid and, in ONE convolutional network, every cell predicts B boxes (offsets of
the box centre in the cell, size relative to the image, a confidence) and C class
probabilities. The cell that contains a box's centre is responsible for it, and of its B
predictors the one whose box overlaps the truth most (highest IoU) learns it.

Per cell (i = cell, j = predictor, k = class), the network's output after its activations:

    x̂_ij, ŷ_ij ∈ (0, 1): centre offsets in the cell;  centre = ((col + x̂) / S, (row + ŷ) / S)   (1)
    √ŵ_ij, √ĥ_ij ∈ (0, 1): square roots of width and height relative to the image              (2)
    Ĉ_ij ∈ (0, 1): confidence, trained towards IoU(predicted box, truth) (Pr(object) · IoU)      (3)
    p̂_i(k), Σ_k p̂_i(k) = 1: class probabilities Pr(class k | object), one set per cell          (4)
    score_ijk = Ĉ_ij · p̂_i(k)   (class-specific confidence, ranked by NMS per class at test)    (5)

The loss (the paper's Eq. 3; sums over the S² cells and B predictors, averaged over images):

    L =  λ_coord Σ_i Σ_j 1^obj_ij [(x_i − x̂_ij)² + (y_i − ŷ_ij)²]                    coord     (6)
       + λ_coord Σ_i Σ_j 1^obj_ij [(√w_i − √ŵ_ij)² + (√h_i − √ĥ_ij)²]                size      (7)
       +         Σ_i Σ_j 1^obj_ij (IoU_ij − Ĉ_ij)²                                   object    (8)
       + λ_noobj Σ_i Σ_j 1^noobj_ij (0 − Ĉ_ij)²                                      no_object (9)
       +         Σ_i 1^obj_i Σ_k (p_i(k) − p̂_i(k))²                                  class     (10)

    1^obj_i = 1 if a box's centre lies in cell i;  1^obj_ij = 1^obj_i · [j = argmax_j' IoU_ij']
    1^noobj_ij = 1 − 1^obj_ij   (every predictor that is not responsible for a box)           (11)

The square roots of Eq. 7 make an error of a few pixels cost more on a small box than on a
large one; λ_coord = 5 and λ_noobj = 0.5 balance localization against the many empty cells.
The IoU of Eq. 8 is a target: no gradient flows through it. The paper sums squared errors of
LINEAR outputs; here sigmoids keep Eq. 1-3 in (0, 1) and a softmax makes Eq. 4 a distribution
(as most re-implementations do), and the head is a 1×1 convolution instead of the paper's
fully connected layers, so that a tiny network trains in seconds.

Symbols -> names: S = `grid`, B = `boxes_per_cell`, C (classes) = `num_classes`,
λ_coord = `lambda_coord`, λ_noobj = `lambda_noobj`, (x, y, √w, √h) = the first four channels
of a target or predictor, Ĉ = its fifth, 1^obj_i = `has_object`, 1^obj_ij = `responsible`.
Mirrors the detection layer of the paper's Darknet code (src/detection_layer.c). No Keras
library model implements YOLO v1 (keras-cv's YOLOV8Detector is a later, anchor-free generation
with other losses), so tests/detection/test_yolo.py checks Eq. 6-11 against hand-computed values.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from toolkit.detection.boxes import batched_nms, iou
from toolkit.detection.metrics import Detections
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.validation import check_int, check_nonnegative, check_positive_int

LOSS_TERMS = ("coord", "size", "object", "no_object", "class")
LEAKY_SLOPE = 0.1  # the paper's leaky rectified activation
BATCHNORM_MOMENTUM = 0.9  # moving statistics that settle within the few hundred steps of a page run


def yolo_targets(boxes, classes, grid, num_classes, image_size=64):
    """The (N, S, S, 5 + C) target tensor of padded ground truth: (x, y, √w, √h, 1^obj_i, one-hot p_i).

    boxes (N, M, 4) xyxy pixels and classes (N, M) are padded with -1. The cell containing a
    box's centre is responsible for it (Eq. 1, 11); when two centres fall in one cell the larger
    box is kept (YOLO v1 predicts one object per cell). Cells without an object are all zeros.
    """
    rows, cell_index = _object_rows(keras.ops.cast(boxes, "float32"), classes, grid, num_classes, image_size)
    valid = keras.ops.cast(keras.ops.greater_equal(classes, 0), "float32")  # (N, M)
    in_cell = keras.ops.one_hot(cell_index, grid * grid) * valid[..., None]  # (N, M, S²)
    area = keras.ops.square(rows[..., 2] * rows[..., 3])  # w h / image², from √w √h
    priority = in_cell * (area + 1.0)[..., None]  # any object beats none, the larger wins
    chosen = keras.ops.one_hot(keras.ops.argmax(priority, axis=1), keras.ops.shape(rows)[1])  # (N, S², M)
    chosen = chosen * keras.ops.max(in_cell, axis=1)[..., None]  # no row for an empty cell
    targets = keras.ops.matmul(chosen, rows)  # (N, S², 5 + C)
    return keras.ops.reshape(targets, (-1, grid, grid, 5 + num_classes))


def _object_rows(boxes, classes, grid, num_classes, image_size):
    """Each object's target row (N, M, 5 + C) and the index row · S + col of its cell (N, M)."""
    cell = image_size / grid
    width = keras.ops.clip(boxes[..., 2] - boxes[..., 0], 0.0, image_size)  # (N, M), 0 for padding
    height = keras.ops.clip(boxes[..., 3] - boxes[..., 1], 0.0, image_size)
    centre_x = (boxes[..., 0] + boxes[..., 2]) / (2 * cell)  # in cells
    centre_y = (boxes[..., 1] + boxes[..., 3]) / (2 * cell)
    col = keras.ops.clip(keras.ops.floor(centre_x), 0, grid - 1)
    row = keras.ops.clip(keras.ops.floor(centre_y), 0, grid - 1)
    # Eq. 1-2: offsets in the cell, square roots of the size relative to the image
    box = keras.ops.stack([centre_x - col, centre_y - row, keras.ops.sqrt(width / image_size),
                           keras.ops.sqrt(height / image_size), keras.ops.ones_like(col)], axis=-1)
    one_hot = keras.ops.one_hot(keras.ops.maximum(keras.ops.cast(classes, "int32"), 0), num_classes)
    return keras.ops.concatenate([box, one_hot], axis=-1), keras.ops.cast(row * grid + col, "int32")


def cell_boxes(boxes):
    """xyxy boxes in image fractions [0, 1] of (x, y, √w, √h) predictors (..., S, S, B, 4).

    Eq. 1-2 inverted: centre = ((col + x) / S, (row + y) / S), size = (√w)², (√h)².
    """
    grid = boxes.shape[-3]
    positions = keras.ops.cast(keras.ops.arange(grid), boxes.dtype)
    rows = keras.ops.reshape(positions, (grid, 1, 1))  # broadcasts over columns and predictors
    cols = keras.ops.reshape(positions, (grid, 1))
    centre_x = (cols + boxes[..., 0]) / grid
    centre_y = (rows + boxes[..., 1]) / grid
    half_w, half_h = keras.ops.square(boxes[..., 2]) / 2, keras.ops.square(boxes[..., 3]) / 2
    return keras.ops.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h], axis=-1)


def split_predictions(predictions, boxes_per_cell):
    """(N, S, S, 5B + C) -> predictors (N, S, S, B, 5) and class probabilities (N, S, S, C)."""
    grid = predictions.shape[1]
    predictors = keras.ops.reshape(predictions[..., :5 * boxes_per_cell], (-1, grid, grid, boxes_per_cell, 5))
    return predictors, predictions[..., 5 * boxes_per_cell:]


def _sum_per_image(values):
    """Σ over everything but the batch axis, averaged over the batch."""
    batch = keras.ops.cast(keras.ops.shape(values)[0], values.dtype)
    return keras.ops.sum(values) / batch


def yolo_loss(targets, predictions, *, boxes_per_cell=2, lambda_coord=5.0, lambda_noobj=0.5) -> dict:
    """Eq. 6-11 per image: {"loss", "coord", "size", "object", "no_object", "class"} (weighted terms).

    targets: (N, S, S, 5 + C) of ``yolo_targets``; predictions: (N, S, S, 5B + C) after the
    activations (the model's output). The five terms include their λ, so they sum to "loss".
    """
    predictors, probabilities = split_predictions(predictions, boxes_per_cell)
    targets = keras.ops.cast(targets, predictions.dtype)
    truth, has_object = targets[..., None, :4], targets[..., 4]  # (N, S, S, 1, 4), (N, S, S)
    # Eq. 8: the IoU of each predictor's box with the truth of its cell, a target (no gradient)
    overlap = iou(cell_boxes(predictors[..., :4]), cell_boxes(truth))[..., 0]  # (N, S, S, B)
    overlap = keras.ops.stop_gradient(keras.ops.cast(overlap, predictions.dtype))
    # Eq. 11: the predictor with the highest IoU in a cell with an object is responsible
    responsible = keras.ops.one_hot(keras.ops.argmax(overlap, axis=-1), boxes_per_cell, dtype=predictions.dtype)
    responsible = responsible * has_object[..., None]  # (N, S, S, B)
    squared = keras.ops.square(truth - predictors[..., :4])  # (N, S, S, B, 4)
    confidence = predictors[..., 4]
    terms = {
        "coord": lambda_coord * _sum_per_image(responsible[..., None] * squared[..., :2]),  # Eq. 6
        "size": lambda_coord * _sum_per_image(responsible[..., None] * squared[..., 2:]),  # Eq. 7
        "object": _sum_per_image(responsible * keras.ops.square(overlap - confidence)),  # Eq. 8
        "no_object": lambda_noobj * _sum_per_image((1.0 - responsible) * keras.ops.square(confidence)),  # Eq. 9
        "class": _sum_per_image(has_object[..., None] * keras.ops.square(targets[..., 5:] - probabilities)),  # Eq. 10
    }
    return {"loss": sum(terms.values()), **terms}


@keras.saving.register_keras_serializable(package="toolkit")
class YOLO(OwnOptimizers, keras.Model):
    """A small YOLO v1: conv backbone strided down to S×S, a 1×1 head of 5B + C channels per cell.

    Args:
        grid: S, cells per side; ``image_size / grid`` must be a power of two (the backbone
            halves the resolution that many times).
        boxes_per_cell: B, box predictors per cell.
        num_classes: C.
        filters: channels of the backbone's 3×3 conv layers (conv, BatchNorm, leaky ReLU), one
            per layer; the first log2(image_size / grid) of them have stride 2.
        lambda_coord, lambda_noobj: λ_coord and λ_noobj of Eq. 6-9.
        image_size: side of the square RGB input images, in pixels.

    ``call`` returns (N, S, S, 5B + C): per predictor (x, y, √w, √h, C) through sigmoids, then
    the class probabilities through a softmax. Metrics: "loss" and the five terms of Eq. 6-10.
    """

    title = "YOLO"

    def __init__(self, grid=8, boxes_per_cell=2, num_classes=6, filters=(16, 32, 64, 64), lambda_coord=5.0,
                 lambda_noobj=0.5, image_size=64, **kwargs):
        super().__init__(**kwargs)
        self.grid = check_positive_int("grid", grid)
        self.boxes_per_cell = check_positive_int("boxes_per_cell", boxes_per_cell)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.image_size = check_positive_int("image_size", image_size)
        self.filters = tuple(check_int("filters", f, 1) for f in filters)
        self.lambda_coord = check_nonnegative("lambda_coord", lambda_coord)
        self.lambda_noobj = check_nonnegative("lambda_noobj", lambda_noobj)
        self.backbone = self._backbone()
        self.head = keras.layers.Conv2D(5 * self.boxes_per_cell + self.num_classes, 1, name="head")
        self.head.build((None, self.grid, self.grid, self.filters[-1]))
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", *LOSS_TERMS)}
        self.built = True

    def _backbone(self) -> keras.Sequential:
        ratio = self.image_size / self.grid
        strides = round(math.log2(ratio)) if ratio >= 1 else -1
        if ratio != 2 ** strides:
            raise ValueError(f"`grid` must divide `image_size` by a power of two, received grid={self.grid} "
                             f"for image_size={self.image_size}. Use grid={self.image_size // 8}, for example.")
        if len(self.filters) < strides:
            raise ValueError(f"`filters` must name at least {strides} layers to stride {self.image_size} pixels "
                             f"down to a {self.grid}×{self.grid} grid, received filters={self.filters}.")
        layers = [keras.Input((self.image_size, self.image_size, 3))]
        for index, channels in enumerate(self.filters):
            layers += [keras.layers.Conv2D(channels, 3, strides=2 if index < strides else 1, padding="same",
                                           use_bias=False),
                       keras.layers.BatchNormalization(momentum=BATCHNORM_MOMENTUM),
                       keras.layers.LeakyReLU(LEAKY_SLOPE)]
        return keras.Sequential(layers, name="backbone")

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        """(N, H, W, 3) images -> (N, S, S, 5B + C) predictions of Eq. 1-4."""
        raw = self.head(self.backbone(images, training=training))
        predictors, logits = split_predictions(raw, self.boxes_per_cell)
        # Eq. 1-3 in (0, 1) through sigmoids, Eq. 4 a softmax over the classes
        predictors = keras.ops.reshape(keras.ops.sigmoid(predictors), (-1, self.grid, self.grid, 5 * self.boxes_per_cell))
        return keras.ops.concatenate([predictors, keras.ops.softmax(logits, axis=-1)], axis=-1)

    def loss_terms(self, data, training):
        """The targets of y = {"boxes", "classes"} and the loss terms of the model's predictions on x."""
        images, truth = data[0], data[1]
        targets = yolo_targets(truth["boxes"], truth["classes"], self.grid, self.num_classes, self.image_size)
        return yolo_loss(targets, self(images, training=training), boxes_per_cell=self.boxes_per_cell,
                         lambda_coord=self.lambda_coord, lambda_noobj=self.lambda_noobj)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            # Steps 1-3: targets of the ground truth, one forward pass, Eq. 6-10
            terms = self.loss_terms(data, training=True)
        # Step 4: one gradient step on every weight
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(terms["loss"], weights), weights))
        return self._track(terms)

    def test_step(self, data):
        return self._track(self.loss_terms(data, training=False))

    def _track(self, terms):
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def forward_passes(self, n_images=1) -> int:
        """CNN passes needed for `n_images` images: one each ("you only look once")."""
        return int(n_images)

    def predict_grid(self, images, batch_size=256) -> np.ndarray:
        """The (N, S, S, 5B + C) predictions of `images` as NumPy, in batches."""
        images = np.asarray(images, np.float32)
        return np.concatenate([keras.ops.convert_to_numpy(self(images[start:start + batch_size], training=False))
                               for start in range(0, len(images), batch_size)])

    def detect(self, images, *, score_threshold=0.3, iou_threshold=0.5, max_detections=20) -> list:
        """One ``Detections`` per image: Eq. 5 scores of every (predictor, class), NMS per class."""
        return decode_detections(self.predict_grid(images), boxes_per_cell=self.boxes_per_cell,
                                 image_size=self.image_size, score_threshold=score_threshold,
                                 iou_threshold=iou_threshold, max_detections=max_detections)

    def get_config(self):
        return {**super().get_config(), "grid": self.grid, "boxes_per_cell": self.boxes_per_cell,
                "num_classes": self.num_classes, "filters": list(self.filters), "lambda_coord": self.lambda_coord,
                "lambda_noobj": self.lambda_noobj, "image_size": self.image_size}


def decode_detections(predictions, *, boxes_per_cell=2, image_size=64, score_threshold=0.3, iou_threshold=0.5,
                      max_detections=20) -> list[Detections]:
    """Boxes in pixels of (N, S, S, 5B + C) predictions, scored by Eq. 5, kept by NMS per class."""
    predictors, probabilities = (keras.ops.convert_to_numpy(t) for t in split_predictions(predictions, boxes_per_cell))
    boxes = np.clip(keras.ops.convert_to_numpy(cell_boxes(predictors[..., :4])) * image_size, 0, image_size)
    # Eq. 5: Ĉ_ij · p̂_i(k) for every predictor j and class k; (N, S, S, B, C)
    scores = predictors[..., 4, None] * probabilities[..., None, :]
    settings = {"iou_threshold": iou_threshold, "score_threshold": score_threshold, "max_output": max_detections}
    return [_kept(image_boxes, image_scores, settings) for image_boxes, image_scores in zip(boxes, scores)]


def _kept(boxes, scores, settings) -> Detections:
    """NMS per class over one image's (S, S, B, 4) boxes, each a candidate for each of the C classes."""
    num_classes = scores.shape[-1]
    boxes = np.repeat(boxes.reshape(-1, 4), num_classes, axis=0)  # (S²B·C, 4), each box once per class
    classes = np.tile(np.arange(num_classes), len(boxes) // num_classes)
    scores = scores.reshape(-1)
    keep = batched_nms(boxes, scores, classes, **settings)  # highest score first
    return Detections(boxes[keep], scores[keep], classes[keep])
