"""What the region-based detectors share: R-CNN, Fast R-CNN, Faster R-CNN and Mask R-CNN.

All four work in two stages (the notes, chapter 5): regions of interest are proposed first
(selective search, or Faster R-CNN's Region Proposal Network), then each region is classified
into one of K classes or background and its box is refined. Training labels every region by its
overlap with the ground truth and samples a fixed number of them per image, at most a fraction
f of them objects (Fast R-CNN: 128 regions per image, a quarter objects):

    (1) u = class of the ground-truth box g with the highest IoU(region, g), if that IoU >= 0.5;
        u = K (background) otherwise
    (2) t* = encode(g, region) with weights (10, 10, 5, 5)       (boxes.encode, R-CNN appendix C)
    (3) L = L_cls(p, u) + [u < K] L_loc(t^u, t*)                  (Fast R-CNN's multi-task loss)
    (4) L_cls = −log p_u,   p = softmax(class logits) over K + 1 classes
    (5) L_loc = Σ_{i ∈ x,y,w,h} smooth_L1(t^u_i − t*_i)
    (6) smooth_L1(d) = ½ d² if |d| < 1, |d| − ½ otherwise

L_cls is averaged over the sampled regions, L_loc over the sampled objects. At test time every
region gets the box decode(t^k, region) and the score p_k for each class k, and non-max
suppression per class keeps the best (boxes.batched_nms).

Symbols -> names: K = `num_classes` (also the background's id), f = `positive_fraction`,
t^u = `box_deltas` of class u, t* = `RegionTargets.deltas`, u = `RegionTargets.classes`.
`BoxHead` mirrors the ``RCNNHead`` of keras-hub's Faster R-CNN; `smooth_l1` is
``keras.losses.Huber(delta=1)`` summed instead of averaged.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.detection.boxes import batched_nms, decode, encode, iou
from toolkit.detection.metrics import Detections
from toolkit.detection.selective_search import selective_search
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.validation import check_float, check_int, check_positive_int

HEAD_WEIGHTS = (10.0, 10.0, 5.0, 5.0)  # Eq. 2's weights: deltas of unit size for the loss (Fast R-CNN)
POSITIVE_IOU = 0.5  # Eq. 1's threshold of Fast R-CNN


def backbone(stride=4, channels=32, input_size=64, name="backbone") -> keras.Sequential:
    """A small VGG-style CNN: (B, S, S, 3) -> (B, S / stride, S / stride, channels).

    log2(stride) stages of [3×3 conv, batch norm, ReLU, 2×2 max-pool], each as wide as the
    last one or half as wide (so the widths double up to `channels`), then a 3×3 conv (batch
    norm, ReLU) with `channels`.
    """
    stride = check_int("stride", stride, 2, input_size, hint="Use 4 or 8.")
    stages = round(math.log2(stride))
    if 2 ** stages != stride or input_size % stride:
        raise ValueError(f"`stride` must be a power of two dividing the input size {input_size}, "
                         f"received stride={stride}. Use 4 or 8.")
    channels = check_positive_int("channels", channels)
    layers = [keras.Input((input_size, input_size, 3))]
    for stage in range(stages):
        layers += [*conv_block(max(channels >> (stages - 1 - stage), 8)), keras.layers.MaxPooling2D(2)]
    return keras.Sequential([*layers, *conv_block(channels)], name=name)


def conv_block(width) -> list:
    """3×3 conv (no bias), batch norm (momentum 0.9: its test-time statistics settle within a short run), ReLU."""
    return [keras.layers.Conv2D(width, 3, padding="same", use_bias=False), keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.ReLU()]


@keras.saving.register_keras_serializable(package="toolkit")
class BoxHead(keras.layers.Layer):
    """Fast R-CNN's heads on each region's features: a shared fully connected layer, then a
    (K + 1)-way classifier (Eq. 4) and K class-specific box regressors (Eq. 2, 5).

    (B, R, ph, pw, C) -> class_logits (B, R, K + 1), box_deltas (B, R, K, 4).
    """

    def __init__(self, num_classes=6, units=128, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.units = check_positive_int("units", units)
        self.hidden = keras.layers.Dense(self.units, activation="relu", name="hidden")
        self.classifier = keras.layers.Dense(self.num_classes + 1, name="classifier")
        self.regressor = keras.layers.Dense(4 * self.num_classes, kernel_initializer=keras.initializers.RandomNormal(
            stddev=0.001), name="regressor")

    def build(self, input_shape):
        features = math.prod(input_shape[2:])
        self.hidden.build((None, None, features))
        self.classifier.build((None, None, self.units))
        self.regressor.build((None, None, self.units))

    def call(self, features):
        shape = ops.shape(features)
        hidden = self.hidden(ops.reshape(features, (shape[0], shape[1], -1)))  # (B, R, units)
        deltas = ops.reshape(self.regressor(hidden), (shape[0], shape[1], self.num_classes, 4))
        return self.classifier(hidden), deltas

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], self.num_classes + 1), (*input_shape[:2], self.num_classes, 4)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "units": self.units}


class RegionTargets(NamedTuple):
    """The regions sampled for one training step and their targets, each (B, S, ...)."""

    rois: tf.Tensor  # (B, S, 4) xyxy pixels
    classes: tf.Tensor  # (B, S) int32, Eq. 1's u (K = background)
    deltas: tf.Tensor  # (B, S, 4) Eq. 2's t* (zeros for background)
    matched: tf.Tensor  # (B, S) int32 index of the ground-truth box each region overlaps most
    weights: tf.Tensor  # (B, S) float32: 1 for a sampled region, 0 for a padding slot


def is_region(boxes):
    """True for boxes at least one pixel wide and high (False for the -1 padding) (..., 4) -> (...)."""
    return (boxes[..., 2] - boxes[..., 0] >= 1.0) & (boxes[..., 3] - boxes[..., 1] >= 1.0)


def balanced_sample(labels, num_samples, positive_fraction, seed):
    """Random indices (B, num_samples) of at most ⌊f·n⌋ positives (label 1), the rest negatives (0).

    labels (B, A): 1 positive, 0 negative, −1 ignored. Returns (index, weights): weights are 1
    for a sampled entry and 0 for the slots left over when an image has too few candidates.
    The positives come first: slots [0, ⌊f·n⌋) hold every sampled positive.
    """
    most_positives = max(int(num_samples * positive_fraction), 1)
    noise = keras.random.uniform(ops.shape(labels), seed=seed)
    positive_key, positives = ops.top_k(ops.where(labels == 1, noise, -1.0), most_positives)
    negative_key, negatives = ops.top_k(ops.where(labels == 0, noise, -1.0), num_samples)
    positive_ok = positive_key >= 0
    taken = ops.sum(ops.cast(positive_ok, "int32"), axis=1, keepdims=True)  # (B, 1)
    negative_ok = (negative_key >= 0) & (ops.arange(num_samples)[None] < num_samples - taken)
    candidates = ops.concatenate([positives, negatives], axis=1)
    ok = ops.concatenate([positive_ok, negative_ok], axis=1)
    length = most_positives + num_samples
    # the first num_samples usable candidates, in order: positives, then negatives
    _, pick = ops.top_k(ops.where(ok, length - ops.arange(length)[None], 0), num_samples)
    return (ops.take_along_axis(candidates, pick, axis=1),
            ops.cast(ops.take_along_axis(ok, pick, axis=1), "float32"))


def sample_regions(rois, boxes, classes, *, num_classes, num_samples, positive_fraction, seed) -> RegionTargets:
    """Eqs. 1-2 for regions (B, R, 4) against padded ground truth (B, M, 4) / (B, M), sampled.

    Regions with IoU >= 0.5 are objects, all other valid regions background; `num_samples`
    regions per image are drawn by `balanced_sample`. R >= `num_samples` is required.
    """
    if rois.shape[1] is not None and rois.shape[1] < num_samples:
        raise ValueError(f"Sampling {num_samples} regions per image needs at least as many proposals, "
                         f"received {rois.shape[1]}. Pass more proposals or sample fewer regions.")
    valid_truth = ops.expand_dims(classes >= 0, 1)  # (B, 1, M)
    overlaps = ops.where(valid_truth, iou(rois, boxes), -1.0)  # (B, R, M)
    best, matched = ops.max(overlaps, axis=-1), ops.cast(ops.argmax(overlaps, axis=-1), "int32")
    # Eq. 1: objects at IoU >= 0.5, background below, padding ignored
    labels = ops.where(is_region(rois), ops.cast(best >= POSITIVE_IOU, "int32"), -1)
    index, weights = balanced_sample(labels, num_samples, positive_fraction, seed)
    rois = ops.take_along_axis(rois, index[..., None], axis=1)  # (B, S, 4)
    matched = ops.take_along_axis(matched, index, axis=1)  # (B, S)
    positive = (ops.take_along_axis(labels, index, axis=1) == 1) & (weights > 0)
    truth = ops.take_along_axis(ops.cast(boxes, "float32"), matched[..., None], axis=1)  # (B, S, 4)
    target_classes = ops.where(positive, ops.take_along_axis(classes, matched, axis=1), num_classes)
    # Eq. 2 (zeros for background; encode clamps sides, so padding gives finite values)
    deltas = ops.where(positive[..., None], encode(truth, rois, HEAD_WEIGHTS), 0.0)
    return RegionTargets(rois, ops.cast(target_classes, "int32"), deltas, matched, weights)


def with_ground_truth(rois, boxes):
    """Proposals (B, R, 4) followed by the ground-truth boxes (B, M, 4), as Fast R-CNN trains:
    every object then has at least one positive region (padded boxes are not regions)."""
    return ops.concatenate([ops.cast(rois, "float32"), ops.cast(boxes, "float32")], axis=1)


def smooth_l1(difference):
    """Eq. 6, elementwise (``keras.losses.Huber(delta=1)`` before its mean)."""
    size = ops.abs(difference)
    return ops.where(size < 1.0, 0.5 * ops.square(difference), size - 0.5)


def weighted_mean(values, weights):
    """Σ w·v / max(Σ w, 1): the mean over the entries that count."""
    return ops.sum(values * weights) / ops.maximum(ops.sum(weights), 1.0)


def head_losses(class_logits, box_deltas, targets: RegionTargets):
    """Eqs. 3-5: (L_cls over the sampled regions, L_loc over the sampled objects)."""
    num_classes = box_deltas.shape[2]
    # Eq. 4
    cross_entropy = ops.sparse_categorical_crossentropy(targets.classes, class_logits, from_logits=True)
    # Eq. 5 on t^u, the deltas of each region's own class
    chosen = ops.take_along_axis(box_deltas, ops.minimum(targets.classes, num_classes - 1)[..., None, None],
                                 axis=2)[:, :, 0]  # (B, S, 4)
    box = ops.sum(smooth_l1(chosen - targets.deltas), axis=-1)
    objects = ops.cast(targets.classes < num_classes, "float32") * targets.weights
    return weighted_mean(cross_entropy, targets.weights), weighted_mean(box, objects)


def crop_boxes(rois, image_size, crop_size):
    """xyxy pixel boxes (..., 4) -> normalized yxyx boxes for ``tf.image.crop_and_resize``
    whose crop_size × crop_size samples sit at the centres of equal bins of the box."""
    x0, y0, x1, y1 = ops.unstack(ops.cast(rois, "float32"), 4, axis=-1)
    half_x, half_y = 0.5 * (x1 - x0) / crop_size, 0.5 * (y1 - y0) / crop_size
    scale = float(image_size - 1)
    # pixel i covers [i, i + 1), its centre is index i of crop_and_resize's grid
    return ops.stack([(y0 + half_y - 0.5) / scale, (x0 + half_x - 0.5) / scale,
                      (y1 - half_y - 0.5) / scale, (x1 - half_x - 0.5) / scale], axis=-1)


def region_detections(rois, class_probabilities, box_deltas, *, image_size, score_threshold, iou_threshold,
                      max_detections) -> Detections:
    """One image's detections (NumPy): per region and class, decode(t^k, region) with score p_k, NMS per class.

    rois (R, 4), class_probabilities (R, K + 1), box_deltas (R, K, 4); invalid regions score 0.
    """
    rois = np.asarray(rois, np.float32)
    num_classes = box_deltas.shape[1]
    anchors = np.broadcast_to(rois[:, None], box_deltas.shape)  # (R, K, 4)
    boxes = np.clip(keras.ops.convert_to_numpy(decode(box_deltas, anchors, HEAD_WEIGHTS)), 0, image_size)
    scores = class_probabilities[:, :num_classes] * np.asarray(is_region(rois))[:, None]  # (R, K)
    scores = np.where(np.asarray(is_region(boxes)), scores, 0.0)
    classes = np.broadcast_to(np.arange(num_classes), scores.shape)
    boxes, scores, classes = boxes.reshape(-1, 4), scores.reshape(-1), classes.reshape(-1)
    keep = batched_nms(boxes, scores, classes, iou_threshold=iou_threshold, score_threshold=score_threshold,
                       max_output=max_detections)
    return Detections(boxes[keep], scores[keep], classes[keep])


def pad_boxes(boxes_per_image, count) -> np.ndarray:
    """A list of (P_i, 4) box arrays as one (N, count, 4) array: the first `count` of each, −1 padding."""
    padded = -np.ones((len(boxes_per_image), count, 4), np.float32)
    for row, boxes in zip(padded, boxes_per_image):
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)[:count]
        row[:len(boxes)] = boxes
    return padded


def search_proposals(images, count=100, seed=0) -> np.ndarray:
    """Selective search's best `count` proposals of every image (N, count, 4), −1 padding."""
    return pad_boxes([selective_search(image, max_proposals=count, seed=seed) for image in images], count)


def jittered_boxes(boxes, classes, per_object, rng, spread=0.25) -> np.ndarray:
    """`per_object` random variations of each ground-truth box of one image (M', 4), clipped to
    the image's extent: centre moved by up to `spread` of the side, each side scaled by up to
    exp(±spread); most overlap their box with IoU >= 0.5, some less."""
    truth = np.asarray(boxes, np.float32)[np.asarray(classes) >= 0]
    truth = np.repeat(truth, per_object, axis=0)
    size = truth[:, 2:] - truth[:, :2]
    centre = (truth[:, :2] + truth[:, 2:]) / 2 + rng.uniform(-spread, spread, size.shape) * size
    size = size * np.exp(rng.uniform(-spread, spread, size.shape))
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


def training_proposals(scenes, count=64, seed=0, *, jittered=0.25) -> np.ndarray:
    """Proposals to train R-CNN and Fast R-CNN on (N, count, 4): a `jittered` share of
    ground-truth boxes moved at random (`jittered_boxes`), the rest selective search's best.

    R-CNN fine-tunes on ~2000 proposals per image, so every object has many overlapping ones
    (positives) and near misses; a few dozen selective-search boxes on a 64×64 scene rarely
    do, and the jittered boxes stand in for them. Test images get selective search alone.
    """
    count = check_positive_int("count", count)
    jittered = check_float("jittered", jittered, 0.0, 1.0)
    rng = np.random.default_rng(seed)
    rows = []
    for image, boxes, classes in zip(scenes.images, scenes.boxes, scenes.classes):
        objects = max(int(np.sum(classes >= 0)), 1)
        near = jittered_boxes(boxes, classes, math.ceil(jittered * count / objects), rng)
        near = np.clip(near, 0, image.shape[0])[:round(jittered * count)]
        found = selective_search(image, max_proposals=max(count - len(near), 1), seed=seed)
        rows.append(np.concatenate([near, found]))
    return pad_boxes(rows, count)


class TwoStageDetector(OwnOptimizers, keras.Model):
    """The Model interface of the four region-based detectors (train, validate, detect).

    A subclass names its loss parts (`loss_parts`), computes them in `loss_terms(x, y,
    training)` and gives its test-time regions, class probabilities and box deltas in
    `regions(x)` (which `detect` turns into `Detections`). Args common to all:
        num_classes: K object classes (K is the background's id inside the model).
        image_size: side of the square RGB images.
        sampled_regions: regions per image in each training step (Eq. 1).
        positive_fraction: f, the largest share of objects among them.
        seed: seeds the sampling of regions.
    """

    title = "Two-stage detector"
    loss_parts: tuple[str, ...] = ("head_class", "head_box")

    def __init__(self, *, num_classes=6, image_size=64, sampled_regions=32, positive_fraction=0.25, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.image_size = check_positive_int("image_size", image_size)
        self.sampled_regions = check_positive_int("sampled_regions", sampled_regions)
        self.positive_fraction = check_float("positive_fraction", positive_fraction, 0.0, 1.0, open_low=True)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", *self.loss_parts)}

    def compile(self, *optimizers, **kwargs):
        """Takes just the optimizer (the loss is the model's own) and creates its state at once:
        the networks are built, and the first traced step is then shorter."""
        super().compile(*optimizers, **kwargs)
        self.build_optimizers()

    @property
    def metrics(self):
        return list(self.trackers.values())

    def sample(self, rois, truth) -> RegionTargets:
        """Eqs. 1-2 on this model's settings: `rois` (B, R, 4), `truth` = y."""
        return sample_regions(rois, ops.cast(truth["boxes"], "float32"), ops.cast(truth["classes"], "int32"),
                              num_classes=self.num_classes, num_samples=self.sampled_regions,
                              positive_fraction=self.positive_fraction, seed=self.seed_generator)

    def loss_terms(self, x, y, training) -> dict:
        raise NotImplementedError

    def train_step(self, data):
        x, y = data[0], data[1]
        with tf.GradientTape() as tape:
            # Steps 1-n: the model's own (numbered in its `loss_terms`); L is the sum of the parts
            terms = self.loss_terms(x, y, training=True)
            loss = sum(terms.values())
        # Last step: one gradient step on every weight
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, terms)

    def test_step(self, data):
        terms = self.loss_terms(data[0], data[1], training=False)
        return self._track(sum(terms.values()), terms)

    def _track(self, loss, terms):
        for name, value in {"loss": loss, **terms}.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def detect(self, x, *, score_threshold=0.3, iou_threshold=0.5, max_detections=20, batch_size=32) -> list:
        """Detections (boxes, scores, classes) of every image of `x`, as the model's training x."""
        settings = {"score_threshold": check_float("score_threshold", score_threshold, 0.0, 1.0),
                    "iou_threshold": check_float("iou_threshold", iou_threshold, 0.0, 1.0),
                    "max_detections": check_positive_int("max_detections", max_detections)}
        n = len(tf.nest.flatten(x)[0])
        return [detections for start in range(0, n, batch_size)
                for detections in self.detect_batch(tf.nest.map_structure(lambda a: a[start:start + batch_size], x),
                                                     **settings)]

    def detect_batch(self, x, **settings) -> list:
        """Detections of one batch from its regions, class probabilities and box deltas."""
        rois, probabilities, deltas = (np.asarray(keras.ops.convert_to_numpy(t)) for t in self.regions(x))
        return [region_detections(*parts, image_size=self.image_size, **settings)
                for parts in zip(rois, probabilities, deltas)]

    def regions(self, x):
        """(rois (B, R, 4), class probabilities (B, R, K + 1), box deltas (B, R, K, 4)) at test time."""
        raise NotImplementedError

    def forward_passes(self, n_images=1) -> int:
        """CNN backbone passes for `n_images` images: one each (R-CNN overrides this)."""
        return check_int("n_images", n_images, 0)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "image_size": self.image_size,
                "sampled_regions": self.sampled_regions, "positive_fraction": self.positive_fraction,
                "seed": self.seed}
