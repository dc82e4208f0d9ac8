"""The notes' GAN training tricks against mode collapse (Salimans et al., 2016).

Feature matching: the generator matches the mean of an intermediate discriminator layer
f(·) on real data instead of fooling D's last output (Eq. 1). Minibatch discrimination: D
sees, for every sample, how close it is to the other samples of its minibatch (Eqs. 2-4),
so a generator that outputs near-identical images is easy to spot. Virtual batch
normalization: each example is normalised with statistics of a reference batch chosen once
and fixed, plus itself (Eqs. 5-7), so the other samples of a minibatch do not leak in.
A fourth trick, not in the notes' list but used by ProGAN, StyleGAN and BigGAN: sample from
an exponential moving average of the generator's weights (Yazıcı et al., 2019, Eqs. 8-9),
which smooths the oscillation of the adversarial game out of the samples.

    L_G^FM = (1/F) ‖E_x f(x) - E_z f(G(z))‖²                      feature matching    (1)
    M_i = f_i T,  M_i ∈ R^{K×C}                                    per-sample kernels  (2)
    c_k(x_i, x_j) = exp(-‖M_{i,k} - M_{j,k}‖_L1)                   closeness           (3)
    o(x_i)_k = Σ_{j≠i} c_k(x_i, x_j);   output [f_i, o(x_i)]       minibatch features  (4)
    μ_i = (R μ_ref + m_i) / (R + 1),  ν_i = (R ν_ref + q_i) / (R + 1)   virtual stats  (5)
    σ²_i = ν_i - μ_i²                                              m_i, q_i: mean, mean
                                                                   square of example i (6)
    y_i = γ (h_i - μ_i) / sqrt(σ²_i + δ) + β                        normalised output   (7)
    d_t = min(d, (1 + t) / (10 + t))                               decay at update t   (8)
    θ̄_G <- d_t θ̄_G + (1 - d_t) θ_G                                 weight average      (9)

| symbol | name here | | symbol | name here |
| T | `kernel` | | K | `num_kernels` |
| C | `kernel_dim` | | R | `reference_size` |
| μ_ref, ν_ref | reference mean, mean square | | δ | `epsilon` |
| d | `decay` | | t | `step` (updates so far) |

Virtual batch normalization mirrors ``keras.layers.BatchNormalization`` (same γ, β, δ)
with the batch statistics replaced by Eqs. 5-6: on the reference rows themselves it equals
``BatchNormalization(training=True)`` applied to the reference batch, which a test checks.
The weight average mirrors ``tf.train.ExponentialMovingAverage(decay, num_updates=t)``
(Eq. 8 is its warm-up, so that early averages are not dominated by the initial weights);
a test checks that they agree.
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit import validation


def feature_matching_loss(real_features, fake_features):
    """Eq. 1: squared distance between the batch means of f(x) and f(G(z)), per feature."""
    real_mean = ops.mean(ops.reshape(real_features, (ops.shape(real_features)[0], -1)), axis=0)
    fake_mean = ops.mean(ops.reshape(fake_features, (ops.shape(fake_features)[0], -1)), axis=0)
    return ops.mean(ops.square(real_mean - fake_mean))


@keras.saving.register_keras_serializable(package="toolkit")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends, to each sample's features, its closeness to the rest of the minibatch (Eqs. 2-4).

    Input (B, A) features; output (B, A + K). No library counterpart exists in Keras; the
    test compares it with a NumPy loop over the pairs (i, j).

    Args:
        num_kernels: K, the number of closeness features added.
        kernel_dim: C, the length of each kernel's projection.
    """

    def __init__(self, num_kernels: int = 16, kernel_dim: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = validation.check_positive_int("num_kernels", num_kernels)
        self.kernel_dim = validation.check_positive_int("kernel_dim", kernel_dim)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError("MinibatchDiscrimination expects (batch, features) inputs; flatten first, "
                             f"received shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=keras.initializers.RandomNormal(stddev=0.05))

    def call(self, features):
        # Eq. 2: M = f T, (B, K, C)
        m = ops.reshape(ops.matmul(features, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        # Eq. 3: L1 distance of every pair, (B, B, K)
        distance = ops.sum(ops.abs(ops.expand_dims(m, 1) - ops.expand_dims(m, 0)), axis=-1)
        # Eq. 4: sum over j != i (the j = i term is exp(0) = 1)
        closeness = ops.sum(ops.exp(-distance), axis=1) - 1.0
        return ops.concatenate([features, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}


@keras.saving.register_keras_serializable(package="toolkit")
class VirtualBatchNormalization(keras.layers.Layer):
    """Normalises each example with a fixed reference batch plus itself (Eqs. 5-7).

    Input convention: the first `reference_size` rows of every batch are the reference
    batch (the same R inputs, fed through the network with every call; ``GAN`` prepends
    them to z). Reference rows are normalised with the reference statistics alone; every
    other row i with the virtual batch {reference, i}. Statistics are taken over the
    batch and spatial axes per channel (the last axis), as ``keras.layers.BatchNormalization``.

    Args:
        reference_size: R, rows of the reference batch at the start of every input (>= 1).
        epsilon: δ of Eq. 7.
    """

    def __init__(self, reference_size: int = 32, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = validation.check_positive_int("reference_size", reference_size)
        self.epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros")

    def call(self, inputs):
        spatial = tuple(range(1, len(inputs.shape) - 1))
        r = self.reference_size
        # per-example mean m_i and mean square q_i over the spatial axes: (N, 1, ..., C)
        m = ops.mean(inputs, axis=spatial, keepdims=True) if spatial else inputs
        q = ops.mean(ops.square(inputs), axis=spatial, keepdims=True) if spatial else ops.square(inputs)
        mu_ref = ops.mean(m[:r], axis=0, keepdims=True)
        nu_ref = ops.mean(q[:r], axis=0, keepdims=True)
        # Eq. 5: statistics of the virtual batch {reference, i}
        mu = (r * mu_ref + m[r:]) / (r + 1.0)
        nu = (r * nu_ref + q[r:]) / (r + 1.0)
        mu = ops.concatenate([ops.broadcast_to(mu_ref, ops.shape(m[:r])), mu], axis=0)
        nu = ops.concatenate([ops.broadcast_to(nu_ref, ops.shape(q[:r])), nu], axis=0)
        # Eq. 6: σ² = ν - μ²
        variance = ops.maximum(nu - ops.square(mu), 0.0)
        # Eq. 7: y = γ (h - μ) / sqrt(σ² + δ) + β
        return self.gamma * (inputs - mu) / ops.sqrt(variance + self.epsilon) + self.beta

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size, "epsilon": self.epsilon}


def update_weight_average(average_weights, weights, decay: float, step):
    """Eqs. 8-9: moves each average variable towards its weight; `step` is t, updates so far.

    Every weight is averaged, batch-norm moving statistics included, so the averaged copy
    of a network can be run in inference mode as it is.
    """
    step = ops.cast(step, "float32")
    # Eq. 8: d_t = min(d, (1 + t) / (10 + t))
    decay_t = ops.minimum(decay, (1.0 + step) / (10.0 + step))
    for average, weight in zip(average_weights, weights):
        # Eq. 9: θ̄ <- d_t θ̄ + (1 - d_t) θ
        average.assign(decay_t * average + (1.0 - decay_t) * ops.cast(weight, average.dtype))
