"""Data augmentation: more, and more varied, training data from transformations of the data.

A classifier must be invariant to a wide range of transformations of its input: a glyph
rotated a little, shifted or zoomed is still the same character. Applying such a random
transformation T to every training sample, anew at every step, covers more of the input
space than the samples alone, and teaches the network the invariance (Eq. 1). The
transformation must be one the label really is invariant to: a horizontal flip turns a
"2" into a mirror image that is no digit, so ``flip`` is off for glyphs (Eq. 2 is what
``invariance`` measures after training).

    (1) minimize  E_T [ L(f(T(x)), y) ]               T drawn at random every step
    (2) invariance = mean over x of  [argmax f(T(x)) = argmax f(x)]
    (3) points: T(x) = s · R(θ) · x,  θ ~ U(−2πφ, 2πφ),  s ~ U(1 − z, 1 + z)

Images use a pipeline of Keras preprocessing layers (``keras.layers.RandomFlip``,
``RandomRotation``, ``RandomTranslation``, ``RandomZoom``, ``RandomContrast``), each active
in training only. 2-D points have no Keras layer, so ``RandomPointRotation`` does Eq. 3,
the point-cloud version of ``RandomRotation`` + ``RandomZoom``.

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| φ      | ``factor`` (fraction of a full turn, as ``keras.layers.RandomRotation``) | | z | ``zoom`` |
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_bool, check_float, check_positive_int

# Factors of each transformation at strength 1 (Keras' conventions: fractions of 2π, of the
# image side, of the image size, of the contrast).
IMAGE_TRANSFORMS = {"rotation": 0.04, "translation": 0.1, "zoom": 0.1, "contrast": 0.3}


STRENGTH_HINT = "It scales the transformations: 0 is no augmentation, 1 the largest."


def augmentation_pipeline(strength: float = 1.0, *, flip: bool = False, seed: int | None = None,
                          name: str = "augmentation") -> keras.Sequential:
    """Keras preprocessing layers for (B, H, W, C) images in [0, 1] (Eq. 1).

    Args:
        strength: scales every factor of ``IMAGE_TRANSFORMS`` (rotation ±14° at 1).
        flip: add ``keras.layers.RandomFlip("horizontal")`` (only for mirror-symmetric classes).
        seed: seeds every layer (layer k uses seed + k).
        name: the pipeline's name.
    """
    strength = check_float("strength", strength, 0.0, 1.0, hint=STRENGTH_HINT)
    check_bool("flip", flip)
    f = {key: value * strength for key, value in IMAGE_TRANSFORMS.items()}

    def seeded(k):
        return None if seed is None else seed + k

    layers = [keras.layers.RandomFlip("horizontal", seed=seeded(0), name="flip")] if flip else []
    if strength > 0:
        layers += [
            keras.layers.RandomRotation(f["rotation"], fill_mode="constant", seed=seeded(1),
                                        name="rotation"),
            keras.layers.RandomTranslation(f["translation"], f["translation"], fill_mode="constant",
                                           seed=seeded(2), name="translation"),
            keras.layers.RandomZoom(f["zoom"], fill_mode="constant", seed=seeded(3), name="zoom"),
            keras.layers.RandomContrast(f["contrast"], value_range=(0, 1), seed=seeded(4),
                                        name="contrast"),
        ]
    return keras.Sequential(layers, name=name)


@keras.saving.register_keras_serializable(package="toolkit")
class RandomPointRotation(keras.layers.Layer):
    """Eq. 3: rotates (and optionally scales) 2-D points (B, 2) about the origin, in training only."""

    def __init__(self, factor=0.05, zoom=0.0, seed=None, **kwargs):
        factor, zoom = check_float("factor", factor, 0.0, 0.5), check_float("zoom", zoom, 0.0, 0.9)
        super().__init__(**kwargs)
        self.factor, self.zoom, self.seed = factor, zoom, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if input_shape[-1] != 2:
            raise ValueError(f"RandomPointRotation expects points of shape (B, 2), "
                             f"received input shape {tuple(input_shape)}.")

    def call(self, inputs, training=False):
        if not training or (self.factor == 0 and self.zoom == 0):
            return inputs
        batch = (ops.shape(inputs)[0],)
        limit = 2 * math.pi * self.factor
        # Eq. 3: theta ~ U(-2 pi phi, 2 pi phi), s ~ U(1 - z, 1 + z), one pair per point
        theta = keras.random.uniform(batch, -limit, limit, seed=self.seed_generator)
        scale = keras.random.uniform(batch, 1 - self.zoom, 1 + self.zoom, seed=self.seed_generator)
        cos, sin = ops.cos(theta) * scale, ops.sin(theta) * scale
        x1, x2 = inputs[:, 0], inputs[:, 1]
        return ops.stack([cos * x1 - sin * x2, sin * x1 + cos * x2], axis=-1)  # s R(theta) x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "zoom": self.zoom, "seed": self.seed}


def point_augmentation(strength: float = 1.0, *, seed: int | None = None) -> RandomPointRotation:
    """Eq. 3 at a ``strength`` in [0, 1]: rotations up to ±180° · strength, no zoom.

    A full turn keeps the label of ``circle`` (it depends on the radius only); the other 2-D
    sets are invariant to small rotations only, so a large strength teaches a wrong invariance.
    """
    strength = check_float("strength", strength, 0.0, 1.0, hint=STRENGTH_HINT)
    return RandomPointRotation(factor=0.5 * strength, seed=seed, name="augmentation")


def invariance(model, x, augment, *, repeats: int = 3) -> float:
    """Eq. 2: the fraction of (sample, draw) pairs whose predicted class an augmentation keeps."""
    repeats = check_positive_int("repeats", repeats)
    clean = np.argmax(np.asarray(model(x, training=False)), axis=-1)
    same = [np.argmax(np.asarray(model(augment(x, training=True), training=False)), axis=-1) == clean
            for _ in range(int(repeats))]
    return float(np.mean(same))
