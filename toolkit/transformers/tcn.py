"""Dilated causal convolutions and the temporal convolutional network (Bai, Kolter & Koltun 2018).

A TCN maps a sequence to a sequence of the same length (a 1-D fully convolutional network) and is
causal: the output at t reads inputs up to t only. A causal convolution pads (k − 1)·d zeros on the
left; dilation d spaces its taps d steps apart, so stacking d = 1, 2, 4, … grows the receptive
field exponentially with depth while each layer keeps k weights per channel pair:

    (1) y_t = Σ_{i=0}^{k−1} w_i · x_{t − d·i} + b             causal, dilated (x_{<1} = 0)
    (2) w = g · v / ‖v‖                                     weight normalization (Salimans & Kingma 2016),
                                                            one g per output channel, ‖v‖ over the taps and
                                                            input channels: no batch statistics
    (3) F(x) = Dropout(ReLU(Conv₂(Dropout(ReLU(Conv₁(x))))))  the residual function of a block
    (4) h = ReLU(x W_res + F(x))                            W_res = a 1 × 1 convolution when the channels
                                                            differ, the identity otherwise
    (5) R = 1 + n (k − 1) Σ_l d_l                           the receptive field of n convolutions per block

The network is one block per dilation d_l, then a linear readout: at the last step for a
many-to-one task (the adding problem, ŷ = W h_T) or at every step for a many-to-many one (copy
memory, logits of P(y_t | x_≤t), the softmax folded into the loss as in ``toolkit.rnn.lab``).

``CausalConv1D`` mirrors ``keras.layers.Conv1D(padding="causal", dilation_rate=d)``
(tests/transformers/test_tcn.py copies weights between them). ``input_influence`` measures which
inputs reach an output, |∂y_t/∂x_s|: zero for s > t (causality) and for s ≤ t − R (out of reach).

Symbols -> names: w = the "kernel" (k, C_in, C_out), v = "direction", g = "magnitude" (C_out,),
d = `dilation_rate`, k = `kernel_size`, Conv₁, Conv₂ = a block's "conv_1", "conv_2", W_res = its
"residual", n = `convs_per_block` (2 in Bai et al.), W = the model's "readout".
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_bool, check_choice, check_float, check_int, check_positive_int

CONVS_PER_BLOCK = 2
TASKS = ("adding", "copy")  # many-to-one (read the last step), many-to-many (read every step)


@keras.saving.register_keras_serializable(package="toolkit")
class CausalConv1D(keras.layers.Layer):
    """Eq. 1 (with Eq. 2's kernel when `weight_norm`): (B, T, C_in) -> (B, T, filters), y_t from x_≤t only."""

    def __init__(self, filters: int, kernel_size: int, dilation_rate: int = 1, weight_norm: bool = False,
                 use_bias: bool = True, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.dilation_rate = check_positive_int("dilation_rate", dilation_rate)
        self.weight_norm = check_bool("weight_norm", weight_norm)
        self.use_bias = check_bool("use_bias", use_bias)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        shape = (self.kernel_size, input_shape[-1], self.filters)  # (k, C_in, C_out), as Conv1D's kernel
        if self.weight_norm:
            self.direction = self.add_weight(name="direction", shape=shape, initializer="glorot_uniform")
            norms = np.sqrt(np.sum(np.square(ops.convert_to_numpy(self.direction)), axis=(0, 1)))
            # g = ‖v‖ at the start: w = v, the plain convolution's initialization
            self.magnitude = self.add_weight(name="magnitude", shape=(self.filters,),
                                             initializer=keras.initializers.Constant(norms))
        else:
            self.kernel = self.add_weight(name="kernel", shape=shape, initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None

    def effective_kernel(self):
        """w of Eq. 1: the kernel, or Eq. 2's g · v / ‖v‖, (k, C_in, C_out)."""
        if not self.weight_norm:
            return self.kernel
        norm = ops.sqrt(ops.sum(ops.square(self.direction), axis=(0, 1), keepdims=True))  # (1, 1, C_out)
        return self.magnitude * self.direction / ops.maximum(norm, 1e-12)  # Eq. 2

    def call(self, x):
        pad = (self.kernel_size - 1) * self.dilation_rate
        x = ops.pad(x, [[0, 0], [pad, 0], [0, 0]])  # (B, pad + T, C_in): zeros before the first step
        # Eq. 1: a "valid" dilated convolution of the padded sequence, (B, T, C_out)
        y = ops.conv(x, self.effective_kernel(), strides=1, padding="valid", dilation_rate=self.dilation_rate)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "dilation_rate": self.dilation_rate, "weight_norm": self.weight_norm, "use_bias": self.use_bias,
                "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package="toolkit")
class TemporalBlock(keras.layers.Layer):
    """Eqs. 3-4, Bai et al.'s residual block: (B, T, C) -> (B, T, filters)."""

    def __init__(self, filters: int, kernel_size: int, dilation_rate: int, dropout: float = 0.0,
                 weight_norm: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.dilation_rate = check_positive_int("dilation_rate", dilation_rate)
        self.dropout = check_float("dropout", dropout, 0.0, 1.0, open_high=True)
        self.weight_norm = check_bool("weight_norm", weight_norm)
        self.convs = [CausalConv1D(self.filters, self.kernel_size, self.dilation_rate, self.weight_norm,
                                   activation="relu", name=f"conv_{i}") for i in (1, 2)]
        self.drops = [keras.layers.Dropout(self.dropout, name=f"dropout_{i}") for i in (1, 2)]
        self.residual = None  # W_res, made in build when the channels differ

    def build(self, input_shape):
        if input_shape[-1] != self.filters:
            self.residual = keras.layers.Conv1D(self.filters, 1, name="residual")
            self.residual.build(input_shape)
        shape = input_shape
        for conv in self.convs:
            conv.build(shape)
            shape = (*shape[:-1], self.filters)

    def call(self, x, training=None):
        h = x
        for conv, drop in zip(self.convs, self.drops):
            h = drop(conv(h), training=training)  # Eq. 3: causal conv, ReLU, dropout (twice), (B, T, filters)
        skip = x if self.residual is None else self.residual(x)  # (B, T, filters)
        return ops.relu(skip + h)  # Eq. 4

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "dilation_rate": self.dilation_rate, "dropout": self.dropout, "weight_norm": self.weight_norm}


@keras.saving.register_keras_serializable(package="toolkit")
class LastStep(keras.layers.Layer):
    """(B, T, C) -> (B, C), h_T: the many-to-one readout's input (``keras.layers.Lambda(lambda h: h[:, -1])``)."""

    def call(self, x):
        return x[:, -1]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def receptive_field(kernel_size: int, dilations, convs_per_block: int = CONVS_PER_BLOCK) -> int:
    """Eq. 5: how many input steps one output reads, 1 + n (k − 1) Σ_l d_l."""
    kernel_size = check_positive_int("kernel_size", kernel_size)
    dilations = _checked_dilations(dilations)
    return 1 + check_positive_int("convs_per_block", convs_per_block) * (kernel_size - 1) * sum(dilations)


def tcn(input_shape, outputs: int = 1, *, filters: int = 32, kernel_size: int = 3, dilations=(1, 2, 4, 8),
        dropout: float = 0.0, weight_norm: bool = True, task: str = "adding") -> keras.Model:
    """One ``TemporalBlock`` per dilation d_l, then a linear readout ("readout").

    `input_shape`: (T, C), or the number of features C alone for sequences of any length (the
    network preserves the length). `task` "adding": (B, T, C) -> (B, outputs), read at the last
    step (Chapter 6's adding problem, `outputs` 1); "copy": (B, T, C) -> (B, T, outputs), logits at
    every step (copy memory: one-hot inputs and `outputs` = the K + 2 classes).
    """
    input_shape = (None, check_positive_int("input_shape", input_shape)) if isinstance(input_shape, int) \
        else _checked_shape(input_shape)
    outputs, task = check_positive_int("outputs", outputs), check_choice("task", task, TASKS)
    dilations = _checked_dilations(dilations)
    inputs = keras.Input(input_shape, name="sequence")
    h = inputs
    for level, dilation in enumerate(dilations, start=1):
        h = TemporalBlock(filters, kernel_size, dilation, dropout, weight_norm, name=f"block_{level}")(h)  # (B, T, F)
    if task == "adding":
        h = LastStep(name="last_step")(h)  # (B, F): h_T
    out = keras.layers.Dense(outputs, name="readout")(h)  # (B, outputs) or (B, T, outputs)
    return keras.Model(inputs, out, name="tcn" if max(dilations) > 1 else "tcn_undilated")


def input_influence(model: keras.Model, x, t: int | None = None) -> np.ndarray:
    """|∂y_t / ∂x_s| for every input step s: (T,) values, summed over the input features and the
    outputs, averaged over the sequences of `x` (B, T, C).

    `t`: the output step (0-based), the last by default; a many-to-one model (outputs (B, k)) has
    only that one. Zero for s > t (causality) and for s ≤ t − R (Eq. 5's receptive field).
    """
    import tensorflow as tf

    x = np.asarray(x, np.float32)
    if x.ndim != 3:
        raise ValueError(f"`x` must be sequences of shape (B, T, C), received shape {x.shape}.")
    steps = x.shape[1]
    t = steps - 1 if t is None else check_int("t", t, 0, steps - 1)
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x, training=False)
        if len(y.shape) == 2 and t != steps - 1:
            raise ValueError(f"`t` must be the last step, {steps - 1}, for a model read at the last step "
                             f"(outputs of shape {tuple(y.shape)}), received t={t}.")
        y_t = tf.reduce_sum(y if len(y.shape) == 2 else y[:, t], axis=0)  # (k,): the batch's sum per output
    jacobian = tape.jacobian(y_t, x)  # (k, B, T, C): sequence b reaches only its own outputs
    return np.abs(jacobian.numpy()).sum(axis=(0, 3)).mean(axis=0)  # (T,)


def _checked_dilations(dilations) -> tuple:
    dilations = tuple(dilations) if isinstance(dilations, (list, tuple)) else dilations
    if not isinstance(dilations, tuple) or not dilations:
        raise ValueError(f"`dilations` must name at least one residual block (a list of positive integers), "
                         f"received dilations={dilations!r}.")
    return tuple(check_positive_int("dilations", d) for d in dilations)


def _checked_shape(input_shape) -> tuple:
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
        raise ValueError(f"`input_shape` must be (T, C) or the number of features C, received "
                         f"input_shape={input_shape!r}.")
    steps, features = input_shape
    return (None if steps is None else check_positive_int("input_shape", steps),
            check_positive_int("input_shape", features))
