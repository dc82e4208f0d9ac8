"""Output units: the linear unit and the softmax unit, as Keras layers.

A linear unit returns a linear combination of the features h of the previous layer; a
softmax unit turns the unnormalized scores z of the last linear layer into a probability
distribution over the classes:

    (1) linear unit    ŷ = Wᵀh + b                   W: (features, units), b: (units,)
    (2) softmax        softmax(z)_i = e^(z_i) / Σ_j e^(z_j)
    (3) stable form    softmax(z)_i = e^(z_i − m) / Σ_j e^(z_j − m),   m = max_j z_j

Eq. 3 equals Eq. 2 (the factor e^(−m) cancels) but its largest exponent is e^0 = 1, so
logits like (1000, 1001) give (0.269, 0.731) where Eq. 2 computes inf/inf = NaN.
The softmax Jacobian ∂s_i/∂z_k = s_i(δ_ik − s_k) is what backpropagation multiplies by.

``LinearUnit`` mirrors ``keras.layers.Dense`` (no activation; same weight names and shapes,
so ``set_weights`` moves weights between them) and ``Softmax`` mirrors
``keras.layers.Softmax``.
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit import validation


def naive_softmax(z, axis=-1):
    """Eq. 2 as written: overflows (NaN) once some z_j > ~88 in float32."""
    e = ops.exp(ops.convert_to_tensor(z))
    return e / ops.sum(e, axis=axis, keepdims=True)


def softmax(z, axis=-1):
    """Eq. 3: subtract the max before exponentiating."""
    z = ops.convert_to_tensor(z)
    # Eq. 3: z − m, so the largest exponent is 0
    e = ops.exp(z - ops.stop_gradient(ops.max(z, axis=axis, keepdims=True)))
    return e / ops.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(z):
    """∂s_i/∂z_k = s_i(δ_ik − s_k) for logits z of shape (B, K); returns (B, K, K)."""
    s = softmax(z)
    # (B, K, K): diag(s) − s sᵀ
    return ops.einsum("bi,ik->bik", s, ops.eye(s.shape[-1], dtype=s.dtype)) - \
        ops.einsum("bi,bk->bik", s, s)


@keras.saving.register_keras_serializable(package="toolkit")
class LinearUnit(keras.layers.Layer):
    """Eq. 1: ŷ = Wᵀh + b with ``units`` outputs; mirrors ``keras.layers.Dense``."""

    def __init__(self, units, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = validation.check_positive_int("units", units)
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(name="kernel", shape=(features, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        # Eq. 1: (B, features) @ (features, units) -> (B, units)
        outputs = ops.matmul(inputs, self.kernel)
        return outputs + self.bias if self.use_bias else outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
        }


@keras.saving.register_keras_serializable(package="toolkit")
class Softmax(keras.layers.Layer):
    """Eq. 3 along ``axis``; mirrors ``keras.layers.Softmax``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = validation.check_int("axis", axis)

    def call(self, inputs):
        return softmax(inputs, axis=self.axis)

    def derivative(self, z):
        """The Jacobian s_i(δ_ik − s_k), shape (B, K, K), for logits of shape (B, K)."""
        return softmax_jacobian(z)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
