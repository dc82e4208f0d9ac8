"""Regularization for CNNs from the notes: Cutout, dropout of whole regions, CutMix.

CNNs overfit easily; these three hide part of what the network sees during training, so it
cannot rely on one small, specific part of the input:

    Cutout (DeVries & Taylor, 2017): a random rectangle of the image is filled with the
    image's mean pixel value (the notes' definition):
        (1) x̃ = M ⊙ mean(x) + (1 − M) ⊙ x      M = 1 inside an h × w box centred at a
                                                 uniform pixel (c_y, c_x), clipped at the border
    Spatial dropout (Tompson et al., 2015): whole feature maps (channels) are dropped,
        (2) y = x ⊙ m / (1 − rate)             m(b, c) ~ Bernoulli(1 − rate), shared by all (i, j)
    DropBlock (Ghiasi et al., 2018): contiguous block_size × block_size regions are dropped,
        (3) γ = rate / bs² · (H W) / ((H − bs + 1)(W − bs + 1))     seed probability
        (4) seeds ~ Bernoulli(γ) where a whole block fits; M = 1 − maxpool_bs(seeds)
        (5) y = x ⊙ M · count(M) / Σ M          rescaled so the mean activation is kept
    CutMix (Yun et al., 2019): a rectangle from another image of the batch is pasted in,
    and the labels are mixed by area:
        (6) λ₀ ~ Beta(α, α);  box h = round(H √(1 − λ₀)), w = round(W √(1 − λ₀))
        (7) x̃ = (1 − M) ⊙ x_a + M ⊙ x_b                    M = 1 inside the box
        (8) λ = 1 − h w / (H W);   ỹ = λ y_a + (1 − λ) y_b  (the kept-area ratio, exact in pixels)
        (9) L = λ CE(y_a, ŷ) + (1 − λ) CE(y_b, ŷ)           = CE(ỹ, ŷ) for one-hot labels

Spatial dropout is DropBlock with the block as large as the feature map. As in
``keras.layers.CutMix`` the CutMix box lies fully inside the image (the paper clips a box
centred anywhere, which makes the pasted area smaller than 1 − λ₀ on average).

Library twins (tests compare statistics, since random draws differ): ``Cutout`` ->
``keras_cv.layers.RandomCutout`` (same box distribution; keras-cv fills with a constant),
``SpatialDropout2D`` -> ``keras.layers.SpatialDropout2D``, ``DropBlock2D`` ->
``keras_cv.layers.DropBlock2D`` (which fails inside ``tf.function`` in keras-cv 0.9; this
one does not), ``cut_mix`` -> ``keras.layers.CutMix``. All layers act only when
``training=True``.
"""

from __future__ import annotations

import dataclasses
import numbers

import keras
import numpy as np
from keras import ops

from toolkit.config import Config, setting
from toolkit.validation import check_float, check_positive_int, check_probability


# ---------------------------------------------------------------- configuration
REGULARIZER_FORMULAS = {  # name -> what it does, in LaTeX (Eqs. 1, 2, 5, 7-8): the page shows them
    "Cutout": r"\tilde x = M \odot \bar x + (1 - M) \odot x",
    "Spatial dropout": r"y = x \odot m / (1 - \text{rate}),\; m_{b,c} \sim \mathrm{Bernoulli}(1 - \text{rate})",
    "DropBlock": r"y = x \odot M \cdot \frac{\lvert M \rvert}{\textstyle\sum M}",
    "CutMix": r"\tilde x = (1 - M) \odot x_a + M \odot x_b,\; \tilde y = \lambda y_a + (1 - \lambda) y_b",
}


@dataclasses.dataclass(frozen=True)
class Regularizers(Config):
    """Which CNN regularizers a model uses; every field at 0 means none (the builders and the page read it).

    The fields carry their bounds (``toolkit.config``), which the CNN architectures page's
    widgets show; ``toolkit.cnn.TrainingConfig`` inherits them.
    """

    cutout: float = setting(0.0, lo=0.0, hi=0.8, step=0.05, widget="slider", label="Cutout box (0 = off)",
                            help="Side of the box filled with the image's mean pixel, as a fraction of the side.",
                            formula=REGULARIZER_FORMULAS["Cutout"])
    spatial_dropout: float = setting(0.0, lo=0.0, hi=0.5, step=0.05, widget="slider",
                                     label="Spatial dropout rate (0 = off)",
                                     help="Rate of dropping whole feature maps after each stage.",
                                     formula=REGULARIZER_FORMULAS["Spatial dropout"])
    dropblock: float = setting(0.0, lo=0.0, hi=0.5, step=0.05, widget="slider", label="DropBlock rate (0 = off)",
                               help="Fraction of each feature map dropped in blocks after each stage.",
                               formula=REGULARIZER_FORMULAS["DropBlock"])
    block_size: int = setting(3, lo=1, hi=7, label="DropBlock block size",
                              help="Block side in pixels (clipped to the feature map).")
    cutmix: float = setting(0.0, lo=0.0, hi=2.0, step=0.1, widget="slider", label="CutMix α (0 = off)",
                            help="α of CutMix's Beta(α, α) box-size distribution.",
                            formula=REGULARIZER_FORMULAS["CutMix"] + r",\; \lambda \sim \mathrm{Beta}(\alpha, \alpha)")

    @property
    def active(self) -> list[str]:
        """Names of the regularizers that are on."""
        return [name for name in ("cutout", "spatial_dropout", "dropblock", "cutmix") if getattr(self, name) > 0]

    def regularizers(self) -> Regularizers:
        """The regularizer fields alone (a subclass's config holds more)."""
        return Regularizers(**{name: getattr(self, name) for name in Regularizers.settings()})


def _size_range(size):
    """A Cutout size as (low, high) fractions of the side."""
    pair = (size, size) if isinstance(size, numbers.Real) and not isinstance(size, bool) else tuple(size)
    if len(pair) != 2 or not all(isinstance(v, numbers.Real) and 0 < v <= 1 for v in pair) or pair[0] > pair[1]:
        raise ValueError(f"`size` must be a fraction in (0, 1] or a range (low, high) of them, received size={size!r}.")
    return float(pair[0]), float(pair[1])


def _interval_mask(starts, lengths, size):
    """(B, size) booleans: index in [start, start + length) for each row."""
    index = ops.arange(size, dtype="int32")[None, :]
    return ops.logical_and(index >= starts[:, None], index < (starts + lengths)[:, None])


def box_masks(tops, lefts, heights, widths, height, width):
    """(B, H, W) float masks, 1 inside each box [top, top + h) × [left, left + w) (clipped to the image)."""
    rows = _interval_mask(tops, heights, height)  # (B, H)
    cols = _interval_mask(lefts, widths, width)  # (B, W)
    return ops.cast(ops.logical_and(rows[:, :, None], cols[:, None, :]), "float32")


# ---------------------------------------------------------------- Cutout
def cutout_masks(batch, height, width, size=0.5, seed=None):
    """The boxes of Eq. 1 as (B, H, W) masks: centre uniform over the pixels, side ⌈size · side⌉.

    ``size`` is a fraction or a (low, high) range sampled per image, as
    ``keras_cv.layers.RandomCutout(height_factor=size, width_factor=size)`` with a range.
    """
    low, high = _size_range(size)
    factors = keras.random.uniform((batch, 2), low, high, seed=seed)
    heights = ops.cast(ops.ceil(factors[:, 0] * height), "int32")
    widths = ops.cast(ops.ceil(factors[:, 1] * width), "int32")
    centres = ops.cast(keras.random.uniform((batch, 2), 0, 1, seed=seed) * [height, width], "int32")
    return box_masks(centres[:, 0] - heights // 2, centres[:, 1] - widths // 2, heights, widths, height, width)


@keras.saving.register_keras_serializable(package="toolkit")
class Cutout(keras.layers.Layer):
    """Eq. 1: one random box per image filled with that image's mean pixel value (training only).

    Args:
        size: box side as a fraction of the image side, or a (low, high) range sampled per image.
        seed: seed of the random boxes.
    """

    def __init__(self, size=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size = _size_range(size)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        batch, height, width = ops.shape(inputs)[0], inputs.shape[1], inputs.shape[2]
        mask = ops.cast(cutout_masks(batch, height, width, self.size, self.seed_generator), inputs.dtype)[..., None]
        mean = ops.mean(inputs, axis=(1, 2), keepdims=True)  # the mean pixel of each image (per channel)
        return mask * mean + (1 - mask) * inputs  # Eq. 1

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "seed": self.seed}


# ---------------------------------------------------------------- dropping regions
@keras.saving.register_keras_serializable(package="toolkit")
class SpatialDropout2D(keras.layers.Layer):
    """Eq. 2: drops whole feature maps (channels); mirrors ``keras.layers.SpatialDropout2D``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_probability("rate", rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = (ops.shape(inputs)[0], 1, 1, inputs.shape[-1])  # one draw per (sample, channel)
        keep = keras.random.uniform(shape, seed=self.seed_generator) >= self.rate
        return inputs * ops.cast(keep, inputs.dtype) / (1 - self.rate)  # Eq. 2

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def dropblock_mask(shape, rate, block_size, seed=None):
    """Eqs. 3-4: a (B, H, W, C) 0/1 mask with bs × bs blocks of zeros (float32)."""
    _, height, width, _ = shape
    bh, bw = min(block_size, height), min(block_size, width)
    # Eq. 3: γ, the probability of a block centre, so that about `rate` of the units drop
    gamma = rate / (bh * bw) * (height * width) / ((height - bh + 1) * (width - bw + 1))
    rows, cols = ops.arange(height)[:, None], ops.arange(width)[None, :]
    fits = ((rows >= bh // 2) & (rows < height - (bh - 1) // 2)
            & (cols >= bw // 2) & (cols < width - (bw - 1) // 2))  # centres whose block lies inside
    # Eq. 4: seeds ~ Bernoulli(γ) inside the valid region
    seeds = ops.cast(keras.random.uniform(shape, seed=seed) < gamma, "float32")
    seeds = seeds * ops.cast(fits, "float32")[None, :, :, None]
    blocks = ops.max_pool(seeds, pool_size=(bh, bw), strides=1, padding="same")  # each seed grows into a block
    return 1.0 - blocks


@keras.saving.register_keras_serializable(package="toolkit")
class DropBlock2D(keras.layers.Layer):
    """Eqs. 3-5: drops contiguous blocks of each feature map; mirrors ``keras_cv.layers.DropBlock2D``.

    Args:
        rate: fraction of units to drop, in [0, 1).
        block_size: side of a dropped block (clipped to the feature map).
        seed: seed of the random blocks.
    """

    def __init__(self, rate, block_size=3, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_probability("rate", rate)
        self.block_size = check_positive_int("block_size", block_size)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = (ops.shape(inputs)[0], *inputs.shape[1:])
        mask = dropblock_mask(shape, self.rate, self.block_size, self.seed_generator)
        # Eq. 5: rescale by count(M) / Σ M
        scale = ops.cast(ops.size(mask), "float32") / ops.maximum(ops.sum(mask), 1.0)
        return inputs * ops.cast(mask * scale, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "block_size": self.block_size, "seed": self.seed}


# ---------------------------------------------------------------- CutMix
def cutmix_boxes(batch, height, width, alpha=1.0, seed=None):
    """Eqs. 6 and 8: (masks (B, H, W), λ (B,)) with the box fully inside the image."""
    alpha = check_float("alpha", alpha, 0.0, None, open_low=True)
    lam0 = keras.random.beta((batch,), alpha, alpha, seed=seed)  # Eq. 6
    ratio = ops.sqrt(1.0 - lam0)
    heights = ops.cast(ops.round(ratio * height), "int32")
    widths = ops.cast(ops.round(ratio * width), "int32")
    corner = keras.random.uniform((batch, 2), 0, 1, seed=seed)
    tops = ops.cast(corner[:, 0] * ops.cast(height - heights + 1, "float32"), "int32")
    lefts = ops.cast(corner[:, 1] * ops.cast(width - widths + 1, "float32"), "int32")
    masks = box_masks(tops, lefts, heights, widths, height, width)
    lam = 1.0 - ops.cast(heights * widths, "float32") / float(height * width)  # Eq. 8, exact in pixels
    return masks, lam


def cut_mix(images, labels, alpha=1.0, seed=None):
    """Eqs. 6-8 on a batch: (mixed images, labels y_a, partner labels y_b, λ (B,)).

    The partner of each image is drawn by a random permutation of the batch, as in
    ``keras.layers.CutMix``; `labels` may be ids (B,) or one-hot rows (B, K).
    """
    images = ops.convert_to_tensor(images)
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    masks, lam = cutmix_boxes(batch, height, width, alpha, seed)
    partner = keras.random.shuffle(ops.arange(batch), seed=seed)
    masks = ops.cast(masks, images.dtype)[..., None]
    mixed = (1 - masks) * images + masks * ops.take(images, partner, axis=0)  # Eq. 7
    return mixed, labels, ops.take(labels, partner, axis=0), lam


def mixed_labels(labels_a, labels_b, lam, num_classes):
    """Eq. 8: ỹ = λ y_a + (1 − λ) y_b as (B, K) rows, from class ids."""
    one_a, one_b = ops.one_hot(labels_a, num_classes), ops.one_hot(labels_b, num_classes)
    return lam[:, None] * one_a + (1 - lam[:, None]) * one_b


@keras.saving.register_keras_serializable(package="toolkit")
class CutMixModel(keras.Model):
    """A classifier trained with CutMix (Eqs. 6-9); predicts and evaluates like the classifier it wraps.

    The wrapped `classifier` ends with a softmax over K classes and takes integer labels.
    Compile with the optimizer only (``model.compile(optimizer)``): the loss is Eq. 9 and
    the metrics are ``loss`` and ``accuracy`` (training: on the mixed batch, against the
    label covering most pixels).

    Args:
        classifier: a ``keras.Model`` (its layers, feature maps and weights are the model's).
        alpha: α of Beta(α, α) in Eq. 6 (α = 1: λ₀ uniform).
        seed: seed of the boxes and partners.
    """

    def __init__(self, classifier, alpha=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        alpha = check_float("alpha", alpha, 0.0, None, open_low=True)
        self.classifier = classifier
        self.alpha = float(alpha)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    def call(self, inputs, training=None):
        return self.classifier(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def _loss(self, labels_a, labels_b, lam, predictions):
        """Eq. 9, averaged over the batch, plus the classifier's weight penalties."""
        ce_a = keras.losses.sparse_categorical_crossentropy(labels_a, predictions)
        ce_b = keras.losses.sparse_categorical_crossentropy(labels_b, predictions)
        loss = ops.mean(lam * ce_a + (1 - lam) * ce_b)
        return loss + ops.sum(self.losses) if self.losses else loss

    def train_step(self, data):
        import tensorflow as tf

        x, y = data
        y = ops.cast(ops.reshape(y, (-1,)), "int32")
        # 1. paste boxes from partner images, labels mixed by area (Eqs. 6-8)
        mixed, y_a, y_b, lam = cut_mix(x, y, self.alpha, self.seed_generator)
        with tf.GradientTape() as tape:
            # 2. forward pass on the mixed images, 3. the mixed loss (Eq. 9)
            predictions = self(mixed, training=True)
            loss = self._loss(y_a, y_b, lam, predictions)
        # 4. one optimizer step
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        # 5. metrics: the loss and the accuracy against the label covering most of each image
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(ops.where(lam >= 0.5, y_a, y_b), predictions)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y = ops.cast(ops.reshape(y, (-1,)), "int32")
        predictions = self(x, training=False)
        self.loss_tracker.update_state(self._loss(y, y, ops.ones_like(ops.cast(y, "float32")), predictions))
        self.accuracy_tracker.update_state(y, predictions)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {**super().get_config(), "classifier": keras.saving.serialize_keras_object(self.classifier),
                "alpha": self.alpha, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["classifier"] = keras.saving.deserialize_keras_object(config["classifier"])
        return cls(**config)



# ---------------------------------------------------------------- what the student sees
def augmentation_preview(images, labels, regularizers: Regularizers, class_names=None, seed: int = 0) -> dict:
    """What each active regularizer does to `images` (N, H, W, C) in [0, 1]: {title: (images, captions)}.

    Dropout masks are shown on the images themselves (without the rescaling of Eqs. 2 and 5),
    so a dropped region reads as black; CutMix captions give both labels and their weights λ.
    """
    images = np.asarray(images, np.float32)
    labels = np.asarray(labels).reshape(-1)
    names = (lambda k: str(class_names[k])) if class_names is not None else str
    generator = keras.random.SeedGenerator(seed)
    shown = {}
    if regularizers.cutout > 0:
        cut = Cutout(regularizers.cutout, seed=seed)(images, training=True)
        shown[f"Cutout (box {regularizers.cutout:.0%} of the side, mean fill)"] = (
            np.asarray(cut), [names(k) for k in labels])
    if regularizers.cutmix > 0:
        mixed, y_a, y_b, lam = (np.asarray(v) for v in cut_mix(images, labels, regularizers.cutmix, generator))
        shown[f"CutMix (α = {regularizers.cutmix:g})"] = (
            mixed, [names(a) if w == 1 else f"{names(a)} {w:.0%}, {names(b)} {1 - w:.0%}"
                    for a, b, w in zip(y_a, y_b, lam)])
    if regularizers.dropblock > 0:
        mask = dropblock_mask(images.shape, regularizers.dropblock, regularizers.block_size, generator)
        shown[f"DropBlock (rate {regularizers.dropblock:g}, block {regularizers.block_size})"] = (
            images * np.asarray(mask), [names(k) for k in labels])
    if regularizers.spatial_dropout > 0:
        keep = np.asarray(keras.random.uniform((len(images), 1, 1, images.shape[-1]), seed=generator))
        shown[f"Spatial dropout (rate {regularizers.spatial_dropout:g}, whole maps)"] = (
            images * (keep >= regularizers.spatial_dropout), [names(k) for k in labels])
    return shown
