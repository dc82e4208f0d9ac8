"""Generic φ (the notes, chapter 1): the feature map of the RBF kernel, by random Fourier features.

The notes' first way to choose φ is a generic one, "for example the infinite-dimensional kernel
used in RBF kernel". The RBF (Gaussian) kernel is an inner product of infinitely many features,

    k(x, y) = exp(−‖x − y‖² / (2ℓ²)) = ⟨φ(x), φ(y)⟩                                         (1)

and D random features approximate that φ (Rahimi and Recht 2007; Bochner's theorem):

    φ(x) = √(2/D) cos(Wᵀx + b),   W_ij ~ N(0, 1/ℓ²),   b_j ~ U[0, 2π),   E[φ(x)ᵀφ(y)] = k(x, y)  (2)

A linear model on φ(x) is then a kernel machine. With a small length-scale ℓ it has "enough
capacity to fit the training data" but "poor generalization for highly variable objective
functions": every point only informs its ℓ-neighbourhood. ``RandomFourierFeatures`` is Eq. 2 as
a Keras layer; W and b are drawn from `seed` in ``build`` and saved with the model.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit import validation

MAX_FEATURES = 4096


def rbf_kernel(x, y, lengthscale: float = 1.0) -> np.ndarray:
    """Eq. 1 in NumPy: (N, M) kernel values of the rows of `x` (N, d) and `y` (M, d)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    distances = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    return np.exp(-distances / (2 * lengthscale ** 2))


@keras.saving.register_keras_serializable(package="toolkit")
class RandomFourierFeatures(keras.layers.Layer):
    """Eq. 2: (B, d) -> (B, D) random features whose inner products approximate the RBF kernel.

    Args:
        dim: D, the number of features, in [1, 4096].
        lengthscale: ℓ > 0 of Eq. 1; small ℓ, a wiggly function class.
        seed: draws W and b (the same seed, the same features).
    """

    def __init__(self, dim: int = 256, lengthscale: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.dim = validation.check_int("dim", dim, 1, MAX_FEATURES)
        self.lengthscale = validation.check_float("lengthscale", lengthscale, 0.0, None, open_low=True)
        self.seed = validation.check_seed(seed)

    def build(self, input_shape):
        rng = np.random.default_rng(self.seed)
        inputs = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(inputs, self.dim), name="kernel", trainable=False,
                                      initializer=keras.initializers.Constant(
                                          rng.normal(0, 1 / self.lengthscale, (inputs, self.dim))))
        self.bias = self.add_weight(shape=(self.dim,), name="bias", trainable=False,
                                    initializer=keras.initializers.Constant(rng.uniform(0, 2 * np.pi, self.dim)))

    def call(self, inputs):
        return np.sqrt(2 / self.dim) * ops.cos(ops.matmul(inputs, self.kernel) + self.bias)  # Eq. 2

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "lengthscale": self.lengthscale, "seed": self.seed}
