"""Injecting noise, the notes' three kinds: to the input, to the weights, to the label.

Noise that changes every step keeps the network from relying on exact values it saw once:

* to the INPUT, it makes the learned function smoother: nearby inputs must give nearby
  outputs (Eq. 1, ``GaussianNoise``; mirrors ``keras.layers.GaussianNoise``).
* to the WEIGHTS, it makes the network robust to random variations: the loss must stay low
  in a neighbourhood of the weights, not only at one point (Eq. 2, ``NoisyDense``, which is
  ``keras.layers.Dense`` at inference).
* to the LABEL, it discourages overconfidence: the target is never exactly one-hot, so the
  logits need not grow without bound (Eqs. 3-4, ``SmoothedSparseCategoricalCrossentropy``,
  which equals ``keras.losses.CategoricalCrossentropy(label_smoothing=ε)``), or the label
  itself is redrawn at random now and then (Eq. 5, ``LabelFlipCrossentropy``), which is
  label smoothing in expectation (Eq. 6).

    (1) x̃ = x + ε,            ε ~ N(0, σ² I)                     training only
    (2) W̃ = W + η,            η ~ N(0, σ² I), one draw per step    training only; y = h(x W̃ + b)
    (3) ỹ = (1 − ε) y + ε / K                                     y one-hot over K classes
    (4) L = −Σₖ ỹₖ log pₖ
    (5) ỹ = y with probability 1 − α, else a class drawn uniformly from the K classes
    (6) E[onehot(ỹ)] = (1 − α) y + α / K                          = Eq. 3 with ε = α

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| σ      | ``stddev`` | | ε      | ``label_smoothing`` |
| α      | ``rate``   | | K      | number of classes (last axis of the predictions) |
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit.validation import check_nonnegative, check_positive_int, check_probability

SIGMA_HINT = "It is the noise standard deviation σ."


# -- noise to the input -------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class GaussianNoise(keras.layers.Layer):
    """Eq. 1: adds N(0, σ²) noise to every input value in training; identity at inference."""

    def __init__(self, stddev=0.1, seed=None, **kwargs):
        stddev = check_nonnegative("stddev", stddev, hint=SIGMA_HINT)
        super().__init__(**kwargs)
        self.stddev, self.seed = stddev, seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        # Eq. 1: x~ = x + eps, eps ~ N(0, sigma^2), a fresh draw every step
        noise = keras.random.normal(ops.shape(inputs), stddev=self.stddev, dtype=inputs.dtype,
                                    seed=self.seed_generator)
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


# -- noise to the weights -----------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class NoisyDense(keras.layers.Layer):
    """Eq. 2: a dense layer whose kernel is perturbed by N(0, σ²) noise at every training step.

    At inference (and with ``stddev=0``) it computes exactly ``keras.layers.Dense``.
    """

    def __init__(self, units, activation=None, stddev=0.05, seed=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, **kwargs):
        units = check_positive_int("units", units)
        stddev = check_nonnegative("stddev", stddev, hint=SIGMA_HINT)
        super().__init__(**kwargs)
        self.units, self.stddev, self.seed = units, stddev, seed
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=self.bias_initializer)

    def call(self, inputs, training=False):
        kernel = self.kernel
        if training and self.stddev > 0:
            # Eq. 2: W~ = W + eta, one draw per step shared by the batch
            kernel = kernel + keras.random.normal(ops.shape(kernel), stddev=self.stddev,
                                                  dtype=kernel.dtype, seed=self.seed_generator)
        # y = h(x W~ + b)
        return self.activation(ops.add(ops.matmul(inputs, kernel), self.bias))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(), "units": self.units, "stddev": self.stddev, "seed": self.seed,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }


# -- noise to the label -------------------------------------------------------------------
def smooth_labels(y, num_classes, label_smoothing):
    """Eq. 3 from integer labels (B,): (1 − ε) one-hot + ε / K, shape (B, K)."""
    one_hot = ops.one_hot(ops.cast(ops.reshape(y, (-1,)), "int32"), num_classes)
    return one_hot * (1.0 - label_smoothing) + label_smoothing / num_classes


@keras.saving.register_keras_serializable(package="toolkit")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Eqs. 3-4 for integer labels and probability outputs (Keras smooths one-hot labels only)."""

    def __init__(self, label_smoothing=0.1, name="smoothed_sparse_categorical_crossentropy",
                 **kwargs):
        self.label_smoothing = check_probability(
            "label_smoothing", label_smoothing, hint="It is the probability mass spread over all classes.")
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        target = smooth_labels(y_true, ops.shape(y_pred)[-1], self.label_smoothing)  # Eq. 3
        return ops.categorical_crossentropy(target, y_pred)  # Eq. 4

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package="toolkit")
class LabelFlipCrossentropy(keras.losses.Loss):
    """Eq. 5 then Eq. 4 with ε = 0: each step, a fraction ``rate`` of the labels is redrawn."""

    def __init__(self, rate=0.1, seed=None, name="label_flip_crossentropy", **kwargs):
        self.rate = check_probability("rate", rate, hint="It is the probability that a label is redrawn.")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        num_classes = ops.shape(y_pred)[-1]
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        # Eq. 5: with probability alpha, a class drawn uniformly from the K classes
        redraw = keras.random.uniform(ops.shape(labels), seed=self.seed_generator) < self.rate
        drawn = keras.random.randint(ops.shape(labels), 0, num_classes, dtype="int32",
                                     seed=self.seed_generator)
        noisy = ops.where(redraw, drawn, labels)
        return ops.categorical_crossentropy(ops.one_hot(noisy, num_classes), y_pred)  # Eq. 4

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
