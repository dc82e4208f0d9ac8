"""The hand-written gradient of the gather convolution (Eqs. 4-7 of toolkit.cnn.layers).

Checked three ways: against ``keras.layers.Conv2D``'s gradients with copied weights (dX, dK,
bias), against TensorFlow's automatic differentiation of the same gather (for strides with
dilation and integer padding, which Keras refuses), and by central finite differences in
float64. The grid covers both layouts (channels last, C ≥ 8; batch last, C < 8) and both
forms of ∂L/∂X (the transposed-convolution gather, Eq. 6; the col2im scatter-add, Eq. 7).
Tolerances: float32 gradients to 1e-4 relative to their scale (sums of at most a few hundred
products of order-1 numbers); float64 finite differences to 1e-6.
"""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.cnn import Conv2D, im2col
from toolkit.cnn.layers import _gather_plan, convolve_by_gather

RNG = np.random.default_rng(5)
# (channels, filters): batch last + gather, batch last + scatter, channels last + gather, + scatter
CHANNELS = [(3, 2), (2, 6), (8, 4), (8, 24)]
KERAS_GEOMETRY = [
    {"kernel_size": 3, "padding": "same"}, {"kernel_size": (2, 3), "strides": 2},
    {"kernel_size": 3, "strides": (2, 1), "padding": "same"}, {"kernel_size": 3, "dilation_rate": 2},
    {"kernel_size": 2, "dilation_rate": (2, 3), "padding": "same"}, {"kernel_size": 1},
    {"kernel_size": 1, "strides": 2},
]


def plan_of(x_shape, channels, filters, kwargs):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    return _gather_plan(tuple(x_shape[1:3]), channels, filters, pair(kwargs["kernel_size"]),
                        pair(kwargs.get("strides", 1)), kwargs.get("padding", "valid"),
                        pair(kwargs.get("dilation_rate", 1)))


def test_the_grid_covers_both_layouts_and_both_input_gradients():
    kinds = {(plan.batch_last, plan.scatter) for plan in (
        plan_of((2, 9, 8, c), c, f, kwargs) for (c, f), kwargs in itertools.product(CHANNELS, KERAS_GEOMETRY))}
    assert kinds == {(False, False), (False, True), (True, False), (True, True)}


def layer_gradients(layer, x, upstream):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x) * upstream)
    return tape.gradient(loss, [x, *[w.value for w in layer.trainable_weights]])


@pytest.mark.parametrize("kwargs", KERAS_GEOMETRY, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize(("channels", "filters"), CHANNELS, ids=lambda v: str(v))
def test_input_kernel_and_bias_gradients_equal_keras_conv2d(kwargs, channels, filters):
    x = tf.constant(RNG.normal(size=(2, 9, 8, channels)).astype("float32"))
    ours, theirs = Conv2D(filters, **kwargs), keras.layers.Conv2D(filters, **kwargs)
    ours.build(x.shape)
    theirs.build(x.shape)
    ours.set_weights(theirs.get_weights())
    upstream = tf.constant(RNG.normal(size=theirs.compute_output_shape(x.shape)).astype("float32"))
    for name, g_ours, g_theirs in zip(("dX", "dK", "bias"), layer_gradients(ours, x, upstream),
                                      layer_gradients(theirs, x, upstream)):
        scale = max(1.0, float(np.abs(g_theirs).max()))
        np.testing.assert_allclose(g_ours.numpy(), g_theirs.numpy(), atol=1e-4 * scale, err_msg=name)


def autodiff_convolution(x, kernel, strides, padding, dilation):
    """Eqs. 1-3 left to TensorFlow's automatic differentiation (the gradient of a gather and a matmul)."""
    kh, kw, channels, filters = kernel.shape
    patches = im2col(x, (kh, kw), strides, padding, dilation)
    return tf.reshape(tf.reshape(patches, (-1, kh * kw * channels)) @ tf.reshape(kernel, (-1, filters)),
                      (*patches.shape[:3], filters))


@pytest.mark.parametrize(("strides", "dilation", "padding"), [(2, 2, "valid"), (2, 2, "same"), (3, 2, 1), (1, 1, 2),
                                                               (2, 1, 3)])
@pytest.mark.parametrize(("channels", "filters"), CHANNELS, ids=lambda v: str(v))
def test_hand_written_gradient_equals_autodiff(strides, dilation, padding, channels, filters):
    x = tf.constant(RNG.normal(size=(3, 11, 10, channels)).astype("float32"))
    kernel = tf.constant(RNG.normal(size=(3, 3, channels, filters)).astype("float32"))
    gradients = []
    for convolve in (convolve_by_gather, autodiff_convolution):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = convolve(x, kernel, strides, padding, dilation)
            loss = tf.reduce_sum(tf.square(y))  # upstream G = 2Y, different at every cell
        gradients.append(tape.gradient(loss, [x, kernel]))
    for name, ours, reference in zip(("dX", "dK"), *gradients):
        scale = max(1.0, float(np.abs(reference).max()))
        np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=1e-4 * scale, err_msg=name)


@pytest.mark.parametrize(("channels", "filters", "strides", "padding"),
                         [(2, 3, 1, "same"), (2, 6, 2, 1), (8, 3, 1, "valid"), (8, 24, 2, "same")])
def test_gradient_matches_finite_differences(channels, filters, strides, padding):
    """Central differences of L = Σ Y ⊙ U in float64 at random entries of X and K."""
    rng = np.random.default_rng(channels + filters)
    x = rng.normal(size=(2, 6, 5, channels))
    kernel = rng.normal(size=(3, 2, channels, filters))
    y_shape = convolve_by_gather(tf.constant(x), tf.constant(kernel), strides, padding).shape
    upstream = tf.constant(rng.normal(size=y_shape))

    def loss(x_value, kernel_value):
        return float(tf.reduce_sum(convolve_by_gather(tf.constant(x_value), tf.constant(kernel_value), strides,
                                                      padding) * upstream))

    x_t, kernel_t = tf.constant(x), tf.constant(kernel)
    with tf.GradientTape() as tape:
        tape.watch([x_t, kernel_t])
        value = tf.reduce_sum(convolve_by_gather(x_t, kernel_t, strides, padding) * upstream)
    analytic = [g.numpy() for g in tape.gradient(value, [x_t, kernel_t])]
    eps = 1e-6
    for which, array in enumerate((x, kernel)):
        for flat in rng.choice(array.size, size=12, replace=False):
            index = np.unravel_index(flat, array.shape)
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            args_plus = (plus, kernel) if which == 0 else (x, plus)
            args_minus = (minus, kernel) if which == 0 else (x, minus)
            numeric = (loss(*args_plus) - loss(*args_minus)) / (2 * eps)
            assert abs(numeric - analytic[which][index]) < 1e-6 * max(1.0, abs(numeric)), (which, index)
