"""Batch, layer, instance and group normalization, written from scratch with ``keras.ops``.

Each layer standardizes its input H with a mean μ and a standard deviation σ (Eqs. 1-3),
then lets the network undo as much of it as it needs with a learned scale γ and bias β
(Eq. 4). The four layers differ only in which axes μ and σ average over; batch
normalization alone depends on the other samples of the batch, so at test time it uses
running averages of μ and σ² collected during training (Eqs. 5-6).

    (1) mu = mean(H)                                  over the normalization axes
    (2) sigma^2 = mean((H - mu)^2)                    over the same axes
    (3) H' = (H - mu) / sqrt(sigma^2 + eps)
    (4) Output = gamma * H' + beta
    (5) moving_mu <- m * moving_mu + (1 - m) * mu                 (batch norm, training)
    (6) moving_sigma^2 <- m * moving_sigma^2 + (1 - m) * sigma^2  (batch norm, training)

Eqs. 3-4 are computed folded, ``H * scale + (beta - mu * scale)`` with
``scale = gamma / sqrt(sigma^2 + eps)``, which is the same number with two full-size
operations instead of four (Keras folds them the same way).

For an (N, C, H, W) batch:

    norm       averages over                       one (mu, sigma) per
    batch      N, H, W                             channel
    layer      C, H, W                             sample
    instance   H, W                                sample and channel
    group      H, W and the C/G channels of a group   sample and group

Symbols -> arguments: eps = ``epsilon``, m = ``momentum``, gamma/beta = the weights
``gamma`` and ``beta``; ``axis`` is the channel axis (the features axis for layer norm).
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit import validation

_AVERAGED_AXES = {"batch": "NHW", "layer": "CHW", "instance": "HW", "group": "CHW"}


def normalization_axes(kind: str, data_format: str = "NCHW") -> tuple[int, ...]:
    """The axes of an (N, C, H, W) or (N, H, W, C) batch that ``kind`` averages over.

    ``kind`` is ``"batch"``, ``"layer"``, ``"instance"`` or ``"group"``. For ``"group"``
    the channel axis is averaged only within one group of C/G channels.
    """
    validation.check_choice("kind", kind, _AVERAGED_AXES)
    validation.check_choice("data_format", data_format, ("NCHW", "NHWC"))
    return tuple(sorted(data_format.index(letter) for letter in _AVERAGED_AXES[kind]))


# -- shared pieces ------------------------------------------------------------------
def _check_axis(axis):
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise ValueError(f"`axis` must be an integer (or a list of integers for LayerNorm), "
                         f"received axis={axis!r}.")
    return list(axis) if isinstance(axis, (list, tuple)) else axis


def _check_channel_axis(axis):
    if isinstance(axis, (list, tuple)):
        raise ValueError(f"`axis` must be one integer (the channel axis), "
                         f"received axis={axis!r}.")


def _positive_axes(axes, ndim, input_shape):
    positive = sorted(a % ndim for a in axes)
    if any(not -ndim <= a < ndim for a in axes) or 0 in positive:
        raise ValueError(f"`axis` must name non-batch axes of the input, received axis={axes} "
                         f"for input shape {tuple(input_shape)}.")
    return positive


def _standardize(x, mean, variance, gamma, beta, epsilon):
    """Eqs. 3-4 folded: gamma * (x - mu) / sqrt(sigma^2 + eps) + beta."""
    # Eqs. 3-4: scale = gamma / sqrt(sigma^2 + eps)
    scale = ops.multiply(gamma, ops.rsqrt(ops.add(variance, epsilon)))
    # Eq. 4: Output = x * scale + (beta - mu * scale)
    return ops.add(ops.multiply(x, scale), ops.subtract(beta, ops.multiply(mean, scale)))


def _moments(x, axes):
    # Eq. 1: mu = mean(H)
    mean = ops.mean(x, axis=axes, keepdims=True)
    # Eq. 2: sigma^2 = mean((H - mu)^2)
    variance = ops.mean(ops.square(ops.subtract(x, ops.stop_gradient(mean))), axis=axes,
                        keepdims=True)
    return mean, variance


class _Normalization(keras.layers.Layer):
    """γ and β over the ``axis`` dimensions, and the float32 compute of Eqs. 1-4."""

    def __init__(self, axis=-1, epsilon=1e-3, **kwargs):
        axis = _check_axis(axis)
        epsilon = validation.check_float("epsilon", epsilon, 0.0, None, open_low=True)
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def _param_axes(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        return _positive_axes(axes, len(input_shape), input_shape)

    def _add_gamma_beta(self, shape):
        self.gamma = self.add_weight(shape=shape, name="gamma", initializer="ones",
                                     autocast=False)
        self.beta = self.add_weight(shape=shape, name="beta", initializer="zeros",
                                    autocast=False)

    def _broadcast(self, param, ndim):
        """(C,) or (d_a1, d_a2 ...) -> the input's rank, 1 on every other axis."""
        shape = [1] * ndim
        for a in self._axes:
            shape[a] = -1 if len(self._axes) == 1 else self._shape[a]
        return ops.reshape(param, shape)

    def _normalize(self, x, mean, variance):
        ndim = len(x.shape)
        gamma, beta = (self._broadcast(ops.cast(p, x.dtype), ndim) for p in (self.gamma, self.beta))
        return _standardize(x, mean, variance, gamma, beta, self.epsilon)

    def _float(self, inputs):
        return ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


# -- the four layers ----------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class BatchNorm(_Normalization):
    """Batch normalization. Mirrors ``keras.layers.BatchNormalization``.

    Training (``training=True``): μ, σ² of the batch over every axis except ``axis``
    (Eqs. 1-2), and the moving averages move toward them (Eqs. 5-6). Inference: the moving
    averages replace μ and σ². As in Keras, a layer with ``trainable=False`` always runs in
    inference mode, and σ² is the biased (1/N) batch variance in both places.

    Args:
        axis: the channel axis that keeps its own μ, σ, γ, β (-1 for NHWC, 1 for NCHW).
        momentum: m in [0, 1), how much of the moving averages is kept each step.
        epsilon: eps > 0 added to σ².
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``, ``trainable``).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, **kwargs):
        _check_channel_axis(axis)
        momentum = validation.check_probability("momentum", momentum)
        super().__init__(axis=axis, epsilon=epsilon, **kwargs)
        self.momentum = momentum

    def build(self, input_shape):
        self._axes, self._shape = self._param_axes(input_shape), tuple(input_shape)
        channels = (input_shape[self._axes[0]],)
        self._add_gamma_beta(channels)
        self.moving_mean = self.add_weight(shape=channels, name="moving_mean",
                                           initializer="zeros", trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=channels, name="moving_variance",
                                               initializer="ones", trainable=False,
                                               autocast=False)
        self._reduce = [a for a in range(len(input_shape)) if a != self._axes[0]]

    def _update_moving(self, mean, variance):
        m = self.momentum
        # Eq. 5: moving_mu <- m * moving_mu + (1 - m) * mu
        self.moving_mean.assign(m * self.moving_mean + (1 - m) * ops.reshape(mean, [-1]))
        # Eq. 6: moving_sigma^2 <- m * moving_sigma^2 + (1 - m) * sigma^2
        self.moving_variance.assign(
            m * self.moving_variance + (1 - m) * ops.reshape(variance, [-1]))

    def call(self, inputs, training=None):
        x = self._float(inputs)
        if training and self.trainable:
            mean, variance = _moments(x, self._reduce)
            self._update_moving(mean, variance)
        else:
            ndim = len(x.shape)
            mean, variance = (self._broadcast(ops.cast(v, x.dtype), ndim)
                              for v in (self.moving_mean, self.moving_variance))
        return ops.cast(self._normalize(x, mean, variance), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


@keras.saving.register_keras_serializable(package="toolkit")
class LayerNorm(_Normalization):
    """Layer normalization. Mirrors ``keras.layers.LayerNormalization``.

    μ and σ² of each sample over the ``axis`` dimensions (the summed inputs of one
    layer), so training and inference compute the same thing and the batch size does
    not matter. γ and β have the shape of those dimensions, as in Keras: for an (N, C, H,
    W) picture of the notes use ``axis=[1, 2, 3]``.

    Args:
        axis: an integer or a list of integers, the axes to normalize over.
        epsilon: eps > 0 added to σ².
        **kwargs: ``keras.layers.Layer`` arguments.
    """

    def build(self, input_shape):
        self._axes, self._shape = self._param_axes(input_shape), tuple(input_shape)
        self._add_gamma_beta(tuple(input_shape[a] for a in self._axes))

    def call(self, inputs):
        x = self._float(inputs)
        mean, variance = _moments(x, self._axes)
        return ops.cast(self._normalize(x, mean, variance), self.compute_dtype)


@keras.saving.register_keras_serializable(package="toolkit")
class InstanceNorm(_Normalization):
    """Instance normalization. Mirrors ``keras.layers.GroupNormalization(groups=-1)``.

    μ and σ² of each sample and each channel over the spatial axes (H, W): it removes
    instance-specific contrast, e.g. of a content image in style transfer. γ and β have
    one entry per channel.

    Args:
        axis: the channel axis (-1 for NHWC, 1 for NCHW).
        epsilon: eps > 0 added to σ².
        **kwargs: ``keras.layers.Layer`` arguments.
    """

    def __init__(self, axis=-1, epsilon=1e-3, **kwargs):
        _check_channel_axis(axis)
        super().__init__(axis=axis, epsilon=epsilon, **kwargs)

    def build(self, input_shape):
        self._axes, self._shape = self._param_axes(input_shape), tuple(input_shape)
        self._add_gamma_beta((input_shape[self._axes[0]],))
        self._reduce = [a for a in range(1, len(input_shape)) if a != self._axes[0]]

    def call(self, inputs):
        x = self._float(inputs)
        mean, variance = _moments(x, self._reduce)
        return ops.cast(self._normalize(x, mean, variance), self.compute_dtype)


@keras.saving.register_keras_serializable(package="toolkit")
class GroupNorm(_Normalization):
    """Group normalization. Mirrors ``keras.layers.GroupNormalization(groups)``.

    The C channels are split into ``groups`` groups of C/G; μ and σ² are taken per sample
    and per group, over the spatial axes and the channels of the group. ``groups=1`` is
    layer norm over (C, H, W) with per-channel γ, β; ``groups=C`` is ``InstanceNorm``.

    Args:
        groups: G, a positive integer that divides the number of channels.
        axis: the channel axis (-1 for NHWC, 1 for NCHW).
        epsilon: eps > 0 added to σ².
        **kwargs: ``keras.layers.Layer`` arguments.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, **kwargs):
        groups = validation.check_positive_int(
            "groups", groups, hint="Use InstanceNorm for one group per channel.")
        _check_channel_axis(axis)
        super().__init__(axis=axis, epsilon=epsilon, **kwargs)
        self.groups = groups

    def build(self, input_shape):
        self._axes, self._shape = self._param_axes(input_shape), tuple(input_shape)
        channels = input_shape[self._axes[0]]
        if channels % self.groups:
            raise ValueError(f"`groups` must divide the number of channels, received "
                             f"groups={self.groups} for {channels} channels.")
        self._add_gamma_beta((channels,))

    def _grouped_shape(self, x):
        """(N, ..., C, ...) -> (N, ..., G, C/G, ...) with G before the channel axis."""
        c = self._axes[0]
        shape = [ops.shape(x)[i] if d is None else d for i, d in enumerate(x.shape)]
        shape[0] = -1
        return shape[:c] + [self.groups, shape[c] // self.groups] + shape[c + 1:]

    def _grouped_param(self, param, ndim):
        """(C,) -> (1.., G, C/G, 1..), lined up with the grouped input."""
        shape = [1] * ndim
        shape[self._axes[0]], shape[self._axes[0] + 1] = self.groups, -1
        return ops.reshape(param, shape)

    def call(self, inputs):
        x = self._float(inputs)
        grouped = ops.reshape(x, self._grouped_shape(x))  # (N, ..., G, C/G, ...)
        ndim = len(grouped.shape)
        reduce = [a for a in range(1, ndim) if a != self._axes[0]]
        mean, variance = _moments(grouped, reduce)  # (N, 1.., G, 1, 1..)
        gamma, beta = (self._grouped_param(ops.cast(p, x.dtype), ndim)
                       for p in (self.gamma, self.beta))
        out = _standardize(grouped, mean, variance, gamma, beta, self.epsilon)
        return ops.cast(ops.reshape(out, ops.shape(x)), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
