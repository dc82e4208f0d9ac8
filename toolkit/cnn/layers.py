"""Fast convolution and pooling layers written with ``keras.ops``: im2col by one gather, one matrix product.

The loops of ``convolution.conv2d_loop`` visit every output cell. im2col ("image to
columns") instead copies, for every output cell (i, j), the K_h·K_w·C input values its
receptive field covers into one row, so the whole layer becomes ONE matrix product. Which
input cell tap m of output row i reads is plain arithmetic (stride S, dilation D, P zeros
on top), so the layer computes all the indices once, in NumPy, and gathers every row with
ONE indexing operation; a tap that falls in the padding reads an extra zero cell:

    (1) r(i, m) = i·S + m·D − P                  the input row read by tap m of output row i
    (2) cols[(b, i, j), (m, n, c)] = X[b, r(i, m), r'(j, n), c]      (B·H_out·W_out, K_h·K_w·C)
    (3) Y = cols @ reshape(K, (K_h·K_w·C, F)) + bias                 (B, H_out, W_out, F)

Eq. 3 is Eq. 3 of ``convolution`` (cross-correlation: the kernel is not flipped). The
backward pass is written by hand (a custom gradient) instead of differentiating the gather.
With G = ∂L/∂Y, the kernel gradient reuses the forward's columns (Eq. 4). The input
gradient has two equal forms. Input cell p received tap m from output row i(p, m) (Eq. 5),
so ∂L/∂X is a *transposed convolution*: the same gather applied to G with the inverse
indices, times the kernel with its C and F axes swapped (Eq. 6). Or, read backwards, the
gradient of a gather is a scatter-add: G Kᵀ has the shape of cols, and each of its entries
is added back into the input cell Eq. 2 copied it from (col2im, Eq. 7). Eq. 6 moves
H·W·F numbers per tap, Eq. 7 H_out·W_out·C; the layer uses Eq. 7 when that is under half
(fewer channels than filters, or a stride), since a scatter-add costs about two gathers:

    (4) ∂L/∂K = reshape(colsᵀ @ G, (K_h, K_w, C, F))
    (5) i(p, m) = (p + P − m·D) / S              when a whole number in [0, H_out), else none
    (6) ∂L/∂X[b, p, q, c] = Σ_(m, n, f) G[b, i(p, m), i'(q, n), f] K[m, n, c, f]
    (7) ∂L/∂X[b, p, q, c] = Σ over the entries of cols copied from X[b, p, q, c] of (G Kᵀ)[(b, i, j), (m, n, c)]

Layout: the gather copies one run of contiguous numbers per index, C of them in channels-
last order. With few channels (C < 8, e.g. a grey image) the runs are tiny and slow, so the
layer moves the batch last, (C, H·W, B), copies runs of B numbers and computes the same
products transposed, Yᵀ = reshape(K)ᵀ @ colsᵀ. A 1×1 kernel with stride 1 needs no gather.

Pooling reduces each window in two passes of plain slices instead, since a max of maxes
and a sum of sums reduce a separable window:

    (8) shift(X, axis, t) = X_pad[..., t : t + O·S : S, ...] along `axis`   (O outputs, stride S)
    (9) max pooling      Y = max_m shift(max_n shift(X_pad, W, n), H, m)      (padding is −∞)
    (10) average pooling Y = Σ_m shift(Σ_n shift(X_pad, W, n), H, m) / (real cells in the window)

Each shift is a plain slice (a stride S > 1 keeps every S-th row by a reshape and a
slice), never a strided slice: the gradient of a plain slice is a padding, which
TensorFlow runs fast. ``Conv2D`` mirrors ``keras.layers.Conv2D`` (same weight names and
shapes, so ``set_weights`` copies weights across) and also accepts an integer padding and
strides > 1 together with dilation > 1, which Keras refuses. ``MaxPool2D`` and
``AvgPool2D`` mirror ``keras.layers.MaxPooling2D`` and ``keras.layers.AveragePooling2D``.

Symbols -> names: S = ``strides``, D = ``dilation_rate``, P = the zeros before (``pads``),
G = ``upstream``, r(i, m) = ``_tap_rows``, i(p, m) = ``_tap_sources``, col2im = ``_scattered``.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers

import keras
import numpy as np
from keras import ops

from toolkit.cnn.arithmetic import PADDING_MODES, check_padding, conv_output_size, padding_amounts
from toolkit.cnn.pooling import POOL_PADDING_HINT
from toolkit.validation import check_choice, check_positive_int

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


def _tap_rows(n, k, s, d, before, out) -> np.ndarray:
    """Eq. 1 along one axis: (out, k) input index read by tap m of output cell i; −1 in the padding."""
    rows = np.arange(out)[:, None] * s + np.arange(k)[None, :] * d - before
    return np.where((rows >= 0) & (rows < n), rows, -1)


def _tap_sources(n, k, s, d, before, out) -> np.ndarray:
    """Eq. 5 along one axis: (n, k) output cell whose tap m read input cell p; −1 where none did."""
    shifted = np.arange(n)[:, None] + before - np.arange(k)[None, :] * d
    rows = shifted // s
    return np.where((shifted >= 0) & (shifted % s == 0) & (rows < out), rows, -1)


def _flat_indices(rows, cols, height, width, taps_first) -> np.ndarray:
    """Eq. 2's row-major cell index r·W + c of every (cell, tap); a −1 on either axis -> H·W, the zero cell.

    `rows` (R, K_h) and `cols` (Q, K_w) come from Eq. 1 or Eq. 5. Ordered (i, j, m, n), or
    (m, n, i, j) when `taps_first` (the batch-last layout).
    """
    r, c = rows[:, None, :, None], cols[None, :, None, :]  # (R, 1, K_h, 1), (1, Q, 1, K_w)
    flat = np.where((r < 0) | (c < 0), height * width, r * width + c)  # (R, Q, K_h, K_w)
    if taps_first:
        flat = flat.transpose(2, 3, 0, 1)  # (K_h, K_w, R, Q)
    return flat.reshape(-1).astype("int32")


@dataclasses.dataclass(frozen=True)
class _GatherPlan:
    """Everything Eqs. 1-7 need for one input size, computed once in NumPy."""

    in_size: tuple[int, int]
    out_size: tuple[int, int]
    taps: int
    batch_last: bool  # the (C, H·W, B) layout, for C < 8
    scatter: bool  # ∂L/∂X by Eq. 7 (a scatter-add of C numbers per tap) rather than Eq. 6 (a gather of F)
    forward: np.ndarray | None  # Eq. 2 indices into the flattened input; None: the identity (no gather)
    backward: np.ndarray | None  # Eq. 6 indices into the flattened upstream gradient
    segments: np.ndarray | None  # Eq. 7 input cell of every entry of cols (per channel when batch_last)


@functools.lru_cache(maxsize=256)
def _gather_plan(in_size, channels, filters, kernel_size, strides, padding, dilation_rate) -> _GatherPlan:
    (rows, cols), pads = _geometry(in_size, kernel_size, strides, padding, dilation_rate)
    cells = in_size[0] * in_size[1]
    batch_last = channels < 8  # runs of C numbers are too short to copy fast (module docstring)
    # Eq. 7 moves H_out·W_out·C numbers per tap, Eq. 6 H·W·F; a scatter-add costs about two gathers
    scatter = 2 * rows * cols * channels < cells * filters
    axes = list(zip(in_size, kernel_size, strides, dilation_rate, (pads[0][0], pads[1][0]), (rows, cols)))
    forward = _flat_indices(*(_tap_rows(*axis) for axis in axes), *in_size, batch_last)
    backward = _flat_indices(*(_tap_sources(*axis) for axis in axes), rows, cols, batch_last)
    segments = forward
    if batch_last:  # cols is (C·K_h·K_w·H_out·W_out, B): channel c adds into cells c·(H·W + 1) ...
        segments = (np.arange(channels)[:, None] * (cells + 1) + forward[None, :]).reshape(-1).astype("int32")
    if kernel_size == (1, 1) and (rows, cols) == tuple(in_size):  # 1×1, stride 1: cols = X, ∂L/∂X = G Kᵀ
        forward, backward, segments, scatter = None, None, None, False
    return _GatherPlan(tuple(in_size), (rows, cols), kernel_size[0] * kernel_size[1], batch_last, scatter,
                       forward, backward, segments)


def _gathered(x, indices):
    """Eq. 2 (or the gather of Eq. 6): x (N_0, H·W, N_2) plus a zero cell, taken at `indices` along axis 1."""
    if indices is None:
        return x
    with_zero = ops.pad(x, [(0, 0), (0, 1), (0, 0)])  # the cell every padding tap reads
    return ops.take(with_zero, indices, axis=1)


def _scattered(values, segments, count):
    """Eq. 7: row n of `values` added into row segments[n] of `count` rows (a scatter-add)."""
    return ops.segment_sum(values, segments, num_segments=count)


def _conv_channels_last(x, kernel, plan: _GatherPlan):
    """Eqs. 2-7 on (B, H, W, C) tensors: rows of cols are output cells, columns are (m, n, c)."""
    channels, filters = kernel.shape[2:]
    (height, width), (rows, cols) = plan.in_size, plan.out_size

    @ops.custom_gradient
    def convolve(x, kernel):
        # Eq. 2: (B·H_out·W_out, K_h·K_w·C)
        columns = ops.reshape(_gathered(ops.reshape(x, (-1, height * width, channels)), plan.forward),
                              (-1, plan.taps * channels))
        weights = ops.reshape(kernel, (plan.taps * channels, filters))
        outputs = ops.reshape(ops.matmul(columns, weights), (-1, rows, cols, filters))  # Eq. 3 without bias

        def grad(*args, upstream=None):
            upstream = ops.reshape(args[0] if upstream is None else upstream, (-1, filters))  # (B·H_out·W_out, F)
            # Eq. 4: (K_h·K_w·C, B·H_out·W_out) @ (B·H_out·W_out, F)
            kernel_grad = ops.reshape(ops.matmul(ops.transpose(columns), upstream), kernel.shape)
            return _input_grad_channels_last(upstream, kernel, weights, plan), kernel_grad

        return outputs, grad

    return convolve(x, kernel)


def _input_grad_channels_last(upstream, kernel, weights, plan: _GatherPlan):
    """∂L/∂X (B, H, W, C) from G (B·H_out·W_out, F), by Eq. 7 or Eq. 6."""
    channels, filters = kernel.shape[2:]
    (height, width), (rows, cols) = plan.in_size, plan.out_size
    if plan.scatter:
        # Eq. 7: G Kᵀ has the shape of cols; (H_out·W_out·K_h·K_w, B, C) so that the cells come first
        columns_grad = ops.matmul(upstream, ops.transpose(weights))  # (B·H_out·W_out, K_h·K_w·C)
        columns_grad = ops.reshape(columns_grad, (-1, rows * cols * plan.taps, channels))
        cells = _scattered(ops.transpose(columns_grad, (1, 0, 2)), plan.segments, height * width + 1)
        input_grad = cells[:height * width]  # (H·W, B, C), the zero cell dropped
        return ops.reshape(ops.transpose(input_grad, (1, 0, 2)), (-1, height, width, channels))
    # Eq. 6: G gathered by Eq. 5, (B·H·W, K_h·K_w·F), times K with C and F swapped, (K_h·K_w·F, C)
    sources = _gathered(ops.reshape(upstream, (-1, rows * cols, filters)), plan.backward)
    swapped = ops.reshape(ops.transpose(kernel, (0, 1, 3, 2)), (plan.taps * filters, channels))
    input_grad = ops.matmul(ops.reshape(sources, (-1, plan.taps * filters)), swapped)
    return ops.reshape(input_grad, (-1, height, width, channels))


def _conv_batch_last(x, kernel, plan: _GatherPlan):
    """Eqs. 2-7 transposed, on (C, H·W, B) tensors: columns of colsᵀ are output cells, rows are (c, m, n)."""
    kh, kw, channels, filters = kernel.shape
    (height, width), (rows, cols) = plan.in_size, plan.out_size

    @ops.custom_gradient
    def convolve(x, kernel):
        x_t = ops.reshape(ops.transpose(x, (3, 1, 2, 0)), (channels, height * width, -1))  # (C, H·W, B)
        # Eq. 2 transposed: (C·K_h·K_w, H_out·W_out·B)
        columns_t = ops.reshape(_gathered(x_t, plan.forward), (channels * plan.taps, -1))
        weights_t = ops.reshape(ops.transpose(kernel, (3, 2, 0, 1)), (filters, channels * plan.taps))
        # Eq. 3 transposed, Yᵀ = Kᵀ colsᵀ: (F, H_out, W_out, B)
        outputs_t = ops.reshape(ops.matmul(weights_t, columns_t), (filters, rows, cols, -1))
        outputs = ops.transpose(outputs_t, (3, 1, 2, 0))  # (B, H_out, W_out, F)

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            upstream_t = ops.reshape(ops.transpose(upstream, (3, 1, 2, 0)), (filters, -1))  # (F, H_out·W_out·B)
            # Eq. 4 transposed: (F, H_out·W_out·B) @ (H_out·W_out·B, C·K_h·K_w)
            kernel_grad_t = ops.matmul(upstream_t, ops.transpose(columns_t))
            kernel_grad_t = ops.reshape(kernel_grad_t, (filters, channels, kh, kw))
            input_grad_t = _input_grad_batch_last(upstream_t, kernel, weights_t, plan)  # (C, H, W, B)
            return ops.transpose(input_grad_t, (3, 1, 2, 0)), ops.transpose(kernel_grad_t, (2, 3, 1, 0))

        return outputs, grad

    return convolve(x, kernel)


def _input_grad_batch_last(upstream_t, kernel, weights_t, plan: _GatherPlan):
    """∂L/∂X transposed, (C, H, W, B), from Gᵀ (F, H_out·W_out·B), by Eq. 7 or Eq. 6."""
    channels, filters = kernel.shape[2:]
    (height, width), (rows, cols) = plan.in_size, plan.out_size
    if plan.scatter:
        # Eq. 7: K Gᵀ has the shape of colsᵀ, (C·K_h·K_w·H_out·W_out, B) once flattened
        columns_grad_t = ops.matmul(ops.transpose(weights_t), upstream_t)  # (C·K_h·K_w, H_out·W_out·B)
        rows_t = ops.reshape(columns_grad_t, (channels * plan.taps * rows * cols, -1))
        cells = _scattered(rows_t, plan.segments, channels * (height * width + 1))
        input_grad_t = ops.reshape(cells, (channels, height * width + 1, -1))[:, :height * width]  # zero cells dropped
        return ops.reshape(input_grad_t, (channels, height, width, -1))
    # Eq. 6 transposed: (C, F·K_h·K_w) @ (F·K_h·K_w, H·W·B)
    sources_t = _gathered(ops.reshape(upstream_t, (filters, rows * cols, -1)), plan.backward)
    swapped_t = ops.reshape(ops.transpose(kernel, (2, 3, 0, 1)), (channels, filters * plan.taps))
    input_grad = ops.matmul(swapped_t, ops.reshape(sources_t, (filters * plan.taps, -1)))
    return ops.reshape(input_grad, (channels, height, width, -1))


def convolve_by_gather(x, kernel, strides=1, padding="valid", dilation_rate=1):
    """Eqs. 1-7 without the bias: (B, H, W, C) ⋆ (K_h, K_w, C, F) -> (B, H_out, W_out, F), hand-written gradient."""
    kh, kw, channels, filters = kernel.shape
    plan = _gather_plan(tuple(x.shape[1:3]), channels, filters, (kh, kw), _pair("strides", strides),
                        check_padding(padding), _pair("dilation_rate", dilation_rate))
    return (_conv_batch_last if plan.batch_last else _conv_channels_last)(x, kernel, plan)


def im2col(x, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Eqs. 1-2: (B, H, W, C) -> (B, H_out, W_out, K_h·K_w·C), one receptive field per row, ordered (m, n, c)."""
    (kh, kw), (sh, sw), (dh, dw) = (_pair(n, v) for n, v in (
        ("kernel_size", kernel_size), ("strides", strides), ("dilation_rate", dilation_rate)))
    (rows, cols), pads = _geometry(x.shape[1:3], (kh, kw), (sh, sw), check_padding(padding), (dh, dw))
    axes = zip(x.shape[1:3], (kh, kw), (sh, sw), (dh, dw), (pads[0][0], pads[1][0]), (rows, cols))
    indices = _flat_indices(*(_tap_rows(*axis) for axis in axes), *x.shape[1:3], taps_first=False)
    flat = ops.reshape(x, (-1, x.shape[1] * x.shape[2], x.shape[3]))  # (B, H·W, C)
    return ops.reshape(_gathered(flat, indices), (-1, rows, cols, kh * kw * x.shape[3]))


def _padded(x, kernel_size, strides, padding, dilation_rate, pad_value):
    """(X_pad, (H_out, W_out)): the input padded, plus zeros at the end so every shift takes O·S cells."""
    (rows, cols), pads = _geometry(x.shape[1:3], kernel_size, strides, check_padding(padding), dilation_rate)
    extra = [max(0, (k - 1) * d + out * s - (n + sum(pad)))
             for k, d, out, s, n, pad in zip(kernel_size, dilation_rate, (rows, cols), strides, x.shape[1:3], pads)]
    widths = [(0, 0), (pads[0][0], pads[0][1] + extra[0]), (pads[1][0], pads[1][1] + extra[1]), (0, 0)]
    return ops.pad(x, widths, constant_values=pad_value), (rows, cols)


def _shift(x, axis, start, count, stride):
    """Eq. 8: `count` cells from `start`, every `stride`-th, along `axis` (a slice, then a reshape for S > 1)."""
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
    """Eq. 8 for every tap t = 0 .. taps − 1 along `axis`."""
    return [_shift(x, axis, t * dilation, count, stride) for t in range(taps)]


def pool_windows(x, pool_size, strides, padding, reduce, pad_value):
    """Eqs. 9-10 before the division: `reduce` (ops.maximum or ops.add) over each window, in two passes."""
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
    """A 2-D convolution layer by im2col (Eqs. 1-7); mirrors ``keras.layers.Conv2D`` (channels last).

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
        self.filters = check_positive_int("filters", filters)
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
        kernel = ops.cast(self.kernel, inputs.dtype)
        # Eqs. 1-7: one gather, one matrix product, a hand-written gradient; (B, H_out, W_out, F)
        outputs = convolve_by_gather(inputs, kernel, self.strides, self.padding, self.dilation_rate)
        if self.use_bias:  # Eq. 3's + bias
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
        self.padding = check_choice("padding", padding, PADDING_MODES, hint=POOL_PADDING_HINT)

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
    """Eq. 9: the largest value of each window; mirrors ``keras.layers.MaxPooling2D``."""

    def call(self, inputs):
        return self._windows(inputs, ops.maximum, pad_value=-np.inf)  # padding never wins a max


@keras.saving.register_keras_serializable(package="toolkit")
class AvgPool2D(_Pool2D):
    """Eq. 10: the mean of the real cells of each window; mirrors ``keras.layers.AveragePooling2D``."""

    def call(self, inputs):
        total = self._windows(inputs, ops.add, pad_value=0.0)
        ones = ops.ones((1, *inputs.shape[1:3], 1), dtype=total.dtype)
        count = self._windows(ones, ops.add, pad_value=0.0)  # real cells per window: fewer at a 'same' border
        return ops.divide(total, count)  # Eq. 10
