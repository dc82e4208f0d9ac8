"""Convolution from scratch: NumPy loops against scipy, the im2col layer against keras.layers.Conv2D.

Tolerances: float64 loops against scipy to 1e-12; the float32 layer against Keras and the
loops to 1e-5 (outputs of order 1, sums of at most 75 products); gradients to 1e-4.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import signal

from toolkit.cnn import (
    KERNELS, Conv2D, apply_kernel, classic_kernel, conv2d_loop, convolution_steps, convolve2d, cross_correlate2d,
)

RNG = np.random.default_rng(0)
IMAGE, KERNEL = RNG.normal(size=(7, 6)), RNG.normal(size=(3, 2))


@pytest.mark.parametrize("mode", ["full", "valid"])
def test_convolution_is_scipy_convolve2d(mode):
    np.testing.assert_allclose(convolve2d(IMAGE, KERNEL, mode), signal.convolve2d(IMAGE, KERNEL, mode), atol=1e-12)


def test_deep_learning_convolution_is_cross_correlation():
    np.testing.assert_allclose(cross_correlate2d(IMAGE, KERNEL), signal.correlate2d(IMAGE, KERNEL, "valid"), atol=1e-12)
    np.testing.assert_allclose(cross_correlate2d(IMAGE, KERNEL, padding=1),
                               signal.correlate2d(np.pad(IMAGE, 1), KERNEL, "valid"), atol=1e-12)
    # the notes' convolution = cross-correlation with the kernel rotated by 180°
    np.testing.assert_allclose(convolve2d(IMAGE, KERNEL, "valid"), cross_correlate2d(IMAGE, KERNEL[::-1, ::-1]),
                               atol=1e-12)
    assert not np.allclose(convolve2d(IMAGE, KERNEL, "valid"), cross_correlate2d(IMAGE, KERNEL))


def test_stride_and_dilation_pick_the_right_pixels():
    out = cross_correlate2d(IMAGE, KERNEL, stride=2, dilation=2)
    dilated = np.zeros((5, 3))
    dilated[::2, ::2] = KERNEL
    np.testing.assert_allclose(out, signal.correlate2d(IMAGE, dilated, "valid")[::2, ::2], atol=1e-12)


def random_layer_pair(kwargs, x_shape, filters=4, seed=1):
    ours, theirs = Conv2D(filters, **kwargs), keras.layers.Conv2D(filters, **kwargs)
    ours.build(x_shape)
    theirs.build(x_shape)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs, weights


CASES = [
    {"kernel_size": 3}, {"kernel_size": 3, "padding": "same"}, {"kernel_size": (2, 3), "strides": 2},
    {"kernel_size": 3, "strides": (2, 1), "padding": "same"}, {"kernel_size": 3, "dilation_rate": 2},
    {"kernel_size": 2, "dilation_rate": (2, 3), "padding": "same"}, {"kernel_size": 5, "strides": 3, "padding": "same"},
    {"kernel_size": 1, "use_bias": False}, {"kernel_size": 3, "activation": "relu", "padding": "same"},
]


@pytest.mark.parametrize("kwargs", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("channels", [1, 3])
def test_fast_and_loop_convolutions_equal_keras_conv2d(kwargs, channels):
    x = RNG.normal(size=(2, 9, 8, channels)).astype("float32")
    ours, theirs, weights = random_layer_pair(kwargs, x.shape)
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(np.asarray(ours(x)), expected, atol=1e-5)
    assert ours.compute_output_shape(x.shape) == theirs.compute_output_shape(x.shape)
    strides, dilation = kwargs.get("strides", 1), kwargs.get("dilation_rate", 1)
    if kwargs.get("activation") is None and isinstance(strides, int) and isinstance(dilation, int):
        bias = weights[1] if len(weights) > 1 else None
        loop = conv2d_loop(x, weights[0], bias, strides, kwargs.get("padding", "valid"), dilation)
        np.testing.assert_allclose(loop, expected, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 3, "padding": "same"}, {"kernel_size": 3, "strides": 2},
                                    {"kernel_size": 3, "dilation_rate": 2, "padding": "same"}])
def test_gradients_equal_keras_conv2d(kwargs):
    x = tf.constant(RNG.normal(size=(2, 8, 8, 3)).astype("float32"))
    ours, theirs, _ = random_layer_pair(kwargs, x.shape)
    upstream = tf.constant(RNG.normal(size=theirs.compute_output_shape(x.shape)).astype("float32"))

    def gradients(layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) * upstream)
        return tape.gradient(loss, [x, *[w.value for w in layer.trainable_weights]])

    for g_ours, g_theirs in zip(gradients(ours), gradients(theirs)):
        np.testing.assert_allclose(g_ours.numpy(), g_theirs.numpy(), atol=1e-4)


@pytest.mark.parametrize(("strides", "dilation", "padding"), [(2, 2, "valid"), (2, 2, "same"), (3, 2, 1), (1, 1, 2)])
def test_strides_with_dilation_and_integer_padding_equal_the_loops(strides, dilation, padding):
    """Keras refuses strides > 1 with dilation > 1 and has no integer padding; the loops are the reference."""
    x = RNG.normal(size=(2, 11, 10, 2)).astype("float32")
    layer = Conv2D(3, 3, strides=strides, padding=padding, dilation_rate=dilation)
    layer.build(x.shape)
    kernel, bias = (np.asarray(w) for w in layer.weights)
    np.testing.assert_allclose(np.asarray(layer(x)), conv2d_loop(x, kernel, bias, strides, padding, dilation),
                               atol=1e-5)


def test_single_channel_loop_equals_scipy_correlate():
    x = RNG.normal(size=(1, 6, 7, 1))
    kernel = RNG.normal(size=(3, 3, 1, 1))
    np.testing.assert_allclose(conv2d_loop(x, kernel)[0, :, :, 0],
                               signal.correlate2d(x[0, :, :, 0], kernel[:, :, 0, 0], "valid"), atol=1e-12)


def test_config_round_trip_and_keras_file(tmp_path):
    layer = Conv2D(4, (3, 2), strides=2, padding=1, dilation_rate=1, activation="relu", kernel_regularizer="l2")
    clone = Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = RNG.normal(size=(2, 8, 8, 2)).astype("float32")
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    model.save(tmp_path / "conv.keras")
    loaded = keras.saving.load_model(tmp_path / "conv.keras")
    assert type(loaded.layers[0]) is Conv2D
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"filters": 0, "kernel_size": 3}, "`filters` must be a positive integer, received filters=0"),
    ({"filters": 2, "kernel_size": 0}, "`kernel_size` must be a positive integer"),
    ({"filters": 2, "kernel_size": 3, "strides": 0}, "`strides` must be a positive integer"),
    ({"filters": 2, "kernel_size": 3, "padding": -1}, "`padding` must be 'valid', 'same' or a non-negative integer"),
])
def test_bad_layer_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(**kwargs)


def test_kernel_larger_than_the_input_is_refused_when_built():
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv2D(2, 5).build((None, 3, 3, 1))


def test_classic_kernels_do_what_their_names_say():
    image = np.zeros((9, 9))
    image[:, 4:] = 1.0  # a vertical edge
    assert np.allclose(apply_kernel(image, classic_kernel("identity")), image)
    sobel_x = apply_kernel(image, classic_kernel("vertical edges (Sobel x)"), padding="valid")
    assert sobel_x[:, 2].max() == 4 and np.allclose(sobel_x[:, 4:], 0)
    assert np.allclose(apply_kernel(image, classic_kernel("horizontal edges (Sobel y)"), padding="valid"), 0)
    blurred = apply_kernel(image, classic_kernel("blur (box)"), padding="valid")
    assert 0 < blurred[0, 2] < 1 and np.isclose(blurred[0, 5], 1)
    assert len(KERNELS) >= 6
    with pytest.raises(ValueError, match="`name` must be one of"):
        classic_kernel("nope")


@pytest.mark.parametrize("flip", [False, True])
def test_trace_sums_are_the_output_cells(flip):
    trace = convolution_steps(IMAGE[:5, :5], KERNEL, stride=2, padding=1, dilation=1, flip=flip)
    assert trace.steps == trace.output.size
    np.testing.assert_allclose(trace.products.sum(axis=(1, 2)), trace.output.ravel(), atol=1e-12)
    expected = convolve2d(np.pad(IMAGE[:5, :5], 1), KERNEL, "valid")[::2, ::2] if flip else \
        cross_correlate2d(IMAGE[:5, :5], KERNEL, 2, 1)
    np.testing.assert_allclose(trace.output, expected, atol=1e-12)
    i, j = trace.position(trace.steps - 1)
    assert (i, j) == (trace.output.shape[0] - 1, trace.output.shape[1] - 1)
    assert trace.rows[-1, -1] < trace.padded.shape[0] and trace.padding == (1, 1)


def test_fast_layer_equals_scipy_correlate_over_channels():
    """One filter of the im2col layer is scipy.signal.correlate of the (H, W, C) input with the (K, K, C) kernel."""
    x = RNG.normal(size=(2, 7, 6, 3)).astype("float32")
    layer = Conv2D(2, 3, use_bias=False)
    out = np.asarray(layer(x))
    kernel = np.asarray(layer.kernel)
    for b in range(2):
        for f in range(2):
            expected = signal.correlate(x[b].astype(np.float64), kernel[..., f].astype(np.float64), mode="valid")
            np.testing.assert_allclose(out[b, :, :, f], expected[..., 0], atol=1e-5)
