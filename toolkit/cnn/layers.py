"""Fast convolution and pooling layers written with ``keras.ops``: im2col and one matrix product.

The loops of ``convolution.conv2d_loop`` visit every output cell. im2col ("image to
columns") instead copies, for every output cell (i, j), the K_h·K_w·C input values its
receptive field covers into one row, so the whole layer becomes ONE matrix product. The
rows are gathered in two passes, columns first, so that K_w + K_h shifted copies are made
instead of K_h·K_w:

    (1) shift(X, axis, t) = X_pad[..., t·D : t·D + O·S : S, ...] along `axis`   (O outputs, stride S)
    (2) columns = concat_n shift(X_pad, W, n)                   (B, H_pad, W_out, K_w·C)
    (3) patches = concat_m shift(columns, H, m)                 (B, H_out, W_out, K_h·K_w·C)
    (4) Y = patches @ reshape(K, (K_h·K_w·C, F)) + bias         (B, H_out, W_out, F)
    (5) max pooling      Y = max_m shift(max_n shift(X_pad, W, n), H, m)      (padding is −∞)
    (6) average pooling  Y = Σ_m shift(Σ_n shift(X_pad, W, n), H, m) / (real cells in the window)

Eq. 3 orders a row as (m, n, c), the row-major order of the (K_h, K_w, C, F) kernel, so
Eq. 4 is Eq. 3 of ``convolution`` (cross-correlation: the kernel is not flipped). Pooling
is separable (a max of maxes, a sum of sums), so Eqs. 5-6 reduce in the same two passes.
Each shift is a plain slice (a stride S > 1 keeps every S-th row by a reshape and a
slice), never a strided slice: the gradient of a plain slice is a padding, which
TensorFlow runs fast. ``Conv2D`` mirrors ``keras.layers.Conv2D`` (same weight names and
shapes, so ``set_weights`` copies weights across) and also accepts an integer padding and
strides > 1 together with dilation > 1, which Keras refuses. ``MaxPool2D`` and
``AvgPool2D`` mirror ``keras.layers.MaxPooling2D`` and ``keras.layers.AveragePooling2D``.
"""

from __future__ import annotations

import numbers

import keras
import numpy as np
from keras import ops

from toolkit.cnn.arithmetic import check_padding, conv_output_size, padding_amounts

H_AXIS, W_AXIS = 1, 2


def _pair(name: str, value) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in pair)):
        raise ValueError(f"`{name}` must be a positive integer or a pair of them, received {name}={value!r}.")
    return int(pair[0]), int(pair[1])


def _geometry(shape, kernel_size, strides, padding, dilation_rate):
    """Output size and the zeros to add: ((H_out, W_out), ((top, bottom), (left, right)))."""
    sizes = tuple(conv_output_size(n, k, padding, s, d)
                  for n, k, s, d in zip(shape, kernel_size, strides, dilation_rate))
    pads = tuple(padding_amounts(n, k, padding, s, d)
                 for n, k, s, d in zip(shape, kernel_size, strides, dilation_rate))
    return sizes, pads


def _padded(x, kernel_size, strides, padding, dilation_rate, pad_value):
    """(X_pad, (H_out, W_out)): the input padded, plus zeros at the end so every shift takes O·S cells."""
    (rows, cols), pads = _geometry(x.shape[1:3], kernel_size, strides, check_padding(padding), dilation_rate)
    extra = [max(0, (k - 1) * d + out * s - (n + sum(pad)))
             for k, d, out, s, n, pad in zip(kernel_size, dilation_rate, (rows, cols), strides, x.shape[1:3], pads)]
    widths = [(0, 0), (pads[0][0], pads[0][1] + extra[0]), (pads[1][0], pads[1][1] + extra[1]), (0, 0)]
    return ops.pad(x, widths, constant_values=pad_value), (rows, cols)


def _shift(x, axis, start, count, stride):
    """Eq. 1: `count` cells from `start`, every `stride`-th, along `axis` (a slice, then a reshape for S > 1)."""
    begin, size = [0, 0, 0, 0], [-1, -1, -1, -1]
    begin[axis], size[axis] = start, count * stride
    taken = ops.slice(x, begin, size)
    if stride == 1:
        return taken
    shape = list(x.shape[1:])
    shape[axis - 1] = count
    grouped = ops.reshape(taken, [-1, *shape[:axis - 1], count, stride, *shape[axis:]])  # stride gets its own axis
    first = [0] * 5
    keep = [-1, *shape[:axis - 1], count, 1, *shape[axis:]]
    return ops.reshape(ops.slice(grouped, first, keep), [-1, *shape])


def _shifts(x, axis, taps, dilation, count, stride):
    """Eq. 1 for every tap t = 0 .. taps − 1 along `axis`."""
    return [_shift(x, axis, t * dilation, count, stride) for t in range(taps)]


def im2col(x, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Eqs. 2-3: (B, H, W, C) -> (B, H_out, W_out, K_h·K_w·C), one receptive field per row, ordered (m, n, c)."""
    (kh, kw), (sh, sw), (dh, dw) = (_pair(n, v) for n, v in (
        ("kernel_size", kernel_size), ("strides", strides), ("dilation_rate", dilation_rate)))
    x, (rows, cols) = _padded(x, (kh, kw), (sh, sw), padding, (dh, dw), 0.0)
    # Eq. 2: the K_w column taps side by side, (B, H_pad, W_out, K_w·C)
    columns = ops.concatenate(_shifts(x, W_AXIS, kw, dw, cols, sw), axis=-1)
    # Eq. 3: the K_h row taps of those, (B, H_out, W_out, K_h·K_w·C)
    return ops.concatenate(_shifts(columns, H_AXIS, kh, dh, rows, sh), axis=-1)


def pool_windows(x, pool_size, strides, padding, reduce, pad_value):
    """Eqs. 5-6 before the division: `reduce` (ops.maximum or ops.add) over each window, in two passes."""
    x, (rows, cols) = _padded(x, pool_size, strides, padding, (1, 1), pad_value)
    columns = _fold(reduce, _shifts(x, W_AXIS, pool_size[1], 1, cols, strides[1]))  # (B, H_pad, W_out, C)
    return _fold(reduce, _shifts(columns, H_AXIS, pool_size[0], 1, rows, strides[0]))  # (B, H_out, W_out, C)


def _fold(reduce, tensors):
    out = tensors[0]
    for tensor in tensors[1:]:
        out = reduce(out, tensor)
    return out


@keras.saving.register_keras_serializable(package="toolkit")
class Conv2D(keras.layers.Layer):
    """A 2-D convolution layer by im2col (Eqs. 1-4); mirrors ``keras.layers.Conv2D`` (channels last).

    Args:
        filters: F, the number of kernels (output channels).
        kernel_size: K, an int or (K_h, K_w).
        strides: S, an int or a pair.
        padding: "valid", "same", or an int: zeros added on each side.
        dilation_rate: D, an int or a pair (may be combined with strides > 1).
        activation: applied after the bias (a Keras activation name or callable).
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer:
            as in ``keras.layers.Conv2D``.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) or filters < 1:
            raise ValueError(f"`filters` must be a positive integer, received filters={filters!r}.")
        self.filters = int(filters)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.padding = check_padding(padding)
        self.dilation_rate = _pair("dilation_rate", dilation_rate)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # raises if the kernel does not fit
        shape = (*self.kernel_size, input_shape[-1], self.filters)
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        # Eqs. 2-3: (B, H_out, W_out, K_h·K_w·C)
        patches = im2col(inputs, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        _, rows, cols, size = patches.shape
        # Eq. 4: (B·H_out·W_out, K_h·K_w·C) @ (K_h·K_w·C, F), one matrix product
        outputs = ops.matmul(ops.reshape(patches, (-1, size)), ops.reshape(self.kernel, (size, self.filters)))
        outputs = ops.reshape(outputs, (-1, rows, cols, self.filters))  # (B, H_out, W_out, F)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        (rows, cols), _ = _geometry(input_shape[1:3], self.kernel_size, self.strides, self.padding,
                                    self.dilation_rate)
        return (input_shape[0], rows, cols, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "dilation_rate": self.dilation_rate,
            "activation": keras.activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
        }


class _Pool2D(keras.layers.Layer):
    """Window geometry and config shared by the two pooling layers."""

    def __init__(self, pool_size=2, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _pair("pool_size", pool_size)
        self.strides = self.pool_size if strides is None else _pair("strides", strides)
        self.padding = check_padding(padding)
        if not isinstance(self.padding, str):
            raise ValueError(f"`padding` must be 'valid' or 'same' for pooling, received padding={padding!r}.")

    def _windows(self, inputs, reduce, pad_value):
        return pool_windows(inputs, self.pool_size, self.strides, self.padding, reduce, pad_value)

    def compute_output_shape(self, input_shape):
        (rows, cols), _ = _geometry(input_shape[1:3], self.pool_size, self.strides, self.padding, (1, 1))
        return (input_shape[0], rows, cols, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


@keras.saving.register_keras_serializable(package="toolkit")
class MaxPool2D(_Pool2D):
    """Eq. 5: the largest value of each window; mirrors ``keras.layers.MaxPooling2D``."""

    def call(self, inputs):
        return self._windows(inputs, ops.maximum, pad_value=-np.inf)  # padding never wins a max


@keras.saving.register_keras_serializable(package="toolkit")
class AvgPool2D(_Pool2D):
    """Eq. 6: the mean of the real cells of each window; mirrors ``keras.layers.AveragePooling2D``."""

    def call(self, inputs):
        total = self._windows(inputs, ops.add, pad_value=0.0)
        ones = ops.ones((1, *inputs.shape[1:3], 1), dtype=total.dtype)
        count = self._windows(ones, ops.add, pad_value=0.0)  # real cells per window: fewer at a 'same' border
        return ops.divide(total, count)  # Eq. 6
