"""Loss functions from scratch: the cost that measures the discrepancy between ŷ and y.

Classification losses work with class probabilities p (or with the logits z that give
them); regression losses with the error e = ŷ − y. For one sample with K outputs:

    (1) categorical cross-entropy   ℓ = −Σ_k y_k log p_k
    (2) ... from logits             ℓ = −Σ_k y_k (z_k − m − log Σ_j e^(z_j − m)),  m = max_j z_j
    (3) binary cross-entropy        ℓ = −(1/K) Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)]
    (4) ... from logits             ℓ = (1/K) Σ_k [max(z_k, 0) − z_k y_k + log(1 + e^(−|z_k|))]
    (5) MSE                         ℓ = (1/K) Σ_k e_k²         (strongly penalizes big errors)
    (6) MAE                         ℓ = (1/K) Σ_k |e_k|        (less sensitive to outliers)
    (7) Huber(δ)                    ℓ = (1/K) Σ_k { e_k²/2 if |e_k| ≤ δ, δ|e_k| − δ²/2 otherwise }

The batch loss is the mean of ℓ over samples. Probabilities are clipped to [ε, 1 − ε]
(ε = ``keras.config.epsilon()``) and, for Eq. 1, renormalized to sum to 1, exactly as
Keras does. Eqs. 2 and 4 are the numerically stable forms: they never exponentiate a large
positive number. The derivatives ∂ℓ/∂ŷ (``d_<name>``) are the "error estimation" signal
that backpropagation starts from; from logits they are the famous p − y.

Each plain function mirrors ``keras.losses.<name>`` (one value per sample) and each class
mirrors ``keras.losses.<Class>`` (reduced over the batch).
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit import validation


def _match_rank(y_true, y_pred):
    """Converts both to tensors of y_pred's dtype and adds/squeezes a trailing axis of size 1."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, -1)  # (B,) -> (B, 1)
    elif len(y_pred.shape) == len(y_true.shape) - 1 and y_true.shape[-1] == 1:
        y_pred = ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def _clip(p):
    eps = keras.config.epsilon()
    return ops.clip(p, eps, 1.0 - eps)


def log_softmax(z, axis=-1):
    """z_k − m − log Σ_j e^(z_j − m) with m = max_j z_j (the stable log of the softmax)."""
    z = ops.convert_to_tensor(z)
    shifted = z - ops.stop_gradient(ops.max(z, axis=axis, keepdims=True))
    return shifted - ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True))


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Eq. 1 (probabilities) or Eq. 2 (logits) per sample; ``y_true`` is one-hot (B, K)."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    if from_logits:
        # Eq. 2
        return -ops.sum(y_true * log_softmax(y_pred), axis=-1)
    p = _clip(y_pred / ops.sum(y_pred, axis=-1, keepdims=True))
    # Eq. 1
    return -ops.sum(y_true * ops.log(p), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Eq. 1/2 with integer class ids ``y_true`` of shape (B,) or (B, 1)."""
    y_pred = ops.convert_to_tensor(y_pred)
    ids = ops.convert_to_tensor(y_true)
    if len(ids.shape) == len(y_pred.shape):
        ids = ops.squeeze(ids, axis=-1)  # (B, 1) -> (B,)
    ids = ops.cast(ids, "int32")
    return categorical_crossentropy(ops.one_hot(ids, y_pred.shape[-1], dtype=y_pred.dtype),
                                    y_pred, from_logits)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Eq. 3 (probabilities) or Eq. 4 (logits), averaged over the last axis."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    if from_logits:
        z = y_pred
        # Eq. 4
        terms = ops.maximum(z, 0.0) - z * y_true + ops.log1p(ops.exp(-ops.abs(z)))
        return ops.mean(terms, axis=-1)
    p = _clip(y_pred)
    # Eq. 3
    return -ops.mean(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p), axis=-1)


def mean_squared_error(y_true, y_pred):
    """Eq. 5: mean of e² over the last axis."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Eq. 6: mean of |e| over the last axis."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Eq. 7: quadratic for |e| ≤ δ, linear beyond (MSE near 0, MAE in the tails)."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    e = y_pred - y_true
    abs_e = ops.abs(e)
    # Eq. 7
    terms = ops.where(abs_e <= delta, 0.5 * ops.square(e), delta * abs_e - 0.5 * delta**2)
    return ops.mean(terms, axis=-1)


# -- derivatives ∂ℓ/∂ŷ of one sample's loss (the error signal backpropagation starts from)
def d_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Eq. 2: ∂ℓ/∂z = softmax(z) − y (logits); Eq. 1: ∂ℓ/∂p_k = −y_k/p_k + Σ_j y_j (for p summing to 1)."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    if from_logits:
        return ops.exp(log_softmax(y_pred)) * ops.sum(y_true, axis=-1, keepdims=True) - y_true
    total = ops.sum(y_pred, axis=-1, keepdims=True)
    p = y_pred / total
    # Eq. 1 through the renormalization p = ŷ / Σŷ (clipping inactive)
    return (-y_true / p + ops.sum(y_true, axis=-1, keepdims=True)) / total


def d_binary_crossentropy(y_true, y_pred, from_logits=False):
    """Eq. 4: ∂ℓ/∂z = (σ(z) − y)/K; Eq. 3: ∂ℓ/∂p = (p − y) / (p(1 − p)K)."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    k = y_pred.shape[-1]
    if from_logits:
        return (keras.ops.sigmoid(y_pred) - y_true) / k
    return (y_pred - y_true) / (y_pred * (1.0 - y_pred) * k)


def d_mean_squared_error(y_true, y_pred):
    """Eq. 5: ∂ℓ/∂ŷ = 2e/K."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    return 2.0 * (y_pred - y_true) / y_pred.shape[-1]


def d_mean_absolute_error(y_true, y_pred):
    """Eq. 6: ∂ℓ/∂ŷ = sign(e)/K."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    return ops.sign(y_pred - y_true) / y_pred.shape[-1]


def d_huber(y_true, y_pred, delta=1.0):
    """Eq. 7: ∂ℓ/∂ŷ = clip(e, −δ, δ)/K."""
    y_true, y_pred = _match_rank(y_true, y_pred)
    return ops.clip(y_pred - y_true, -delta, delta) / y_pred.shape[-1]


# -- the same losses as keras.losses.Loss objects (reduced over the batch) --------------
class _CrossEntropy(keras.losses.Loss):
    function = None

    def __init__(self, from_logits=False, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = validation.check_bool("from_logits", from_logits)

    def call(self, y_true, y_pred):
        return type(self).function(y_true, y_pred, from_logits=self.from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "dtype": self.dtype}


@keras.saving.register_keras_serializable(package="toolkit")
class CategoricalCrossentropy(_CrossEntropy):
    """Eqs. 1-2 on one-hot targets; mirrors ``keras.losses.CategoricalCrossentropy``."""

    function = staticmethod(categorical_crossentropy)


@keras.saving.register_keras_serializable(package="toolkit")
class SparseCategoricalCrossentropy(_CrossEntropy):
    """Eqs. 1-2 on integer targets; mirrors ``keras.losses.SparseCategoricalCrossentropy``."""

    function = staticmethod(sparse_categorical_crossentropy)


@keras.saving.register_keras_serializable(package="toolkit")
class BinaryCrossentropy(_CrossEntropy):
    """Eqs. 3-4; mirrors ``keras.losses.BinaryCrossentropy``."""

    function = staticmethod(binary_crossentropy)


@keras.saving.register_keras_serializable(package="toolkit")
class MeanSquaredError(keras.losses.Loss):
    """Eq. 5; mirrors ``keras.losses.MeanSquaredError``."""

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "dtype": self.dtype}


@keras.saving.register_keras_serializable(package="toolkit")
class MeanAbsoluteError(keras.losses.Loss):
    """Eq. 6; mirrors ``keras.losses.MeanAbsoluteError``."""

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "dtype": self.dtype}


@keras.saving.register_keras_serializable(package="toolkit")
class Huber(keras.losses.Loss):
    """Eq. 7 with threshold ``delta`` > 0; mirrors ``keras.losses.Huber``."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.delta = validation.check_float("delta", delta, 0.0, None, open_low=True)

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, delta=self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta, "dtype": self.dtype}
