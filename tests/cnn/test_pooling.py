"""Max and average pooling: NumPy loops and the fast layers against keras pooling layers (to 1e-6)."""

import keras
import numpy as np
import pytest

from toolkit.cnn import AvgPool2D, MaxPool2D, pool2d

X = np.random.default_rng(0).normal(size=(2, 9, 8, 3)).astype("float32")
KERAS = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
OURS = {"max": MaxPool2D, "average": AvgPool2D}
WINDOWS = [(2, None, "valid"), (2, None, "same"), (3, 2, "valid"), (3, 2, "same"), (3, 1, "same"), (2, 3, "same")]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(("size", "strides", "padding"), WINDOWS)
def test_loops_and_fast_layers_equal_keras(mode, size, strides, padding):
    expected = np.asarray(KERAS[mode](size, strides=strides, padding=padding)(X))
    np.testing.assert_allclose(pool2d(X, size, strides, padding, mode), expected, atol=1e-6)
    layer = OURS[mode](size, strides=strides, padding=padding)
    np.testing.assert_allclose(np.asarray(layer(X)), expected, atol=1e-6)
    assert layer.compute_output_shape(X.shape) == expected.shape


def test_pooling_by_hand():
    image = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 4, 1, 1]], float)
    np.testing.assert_array_equal(pool2d(image, 2, mode="max"), [[4, 8], [4, 1]])
    np.testing.assert_array_equal(pool2d(image, 2, mode="average"), [[2.5, 6.5], [1, 1]])
    assert pool2d(image[..., None], 2).shape == (2, 2, 1)


@pytest.mark.parametrize("layer", [MaxPool2D(3, 2, "same"), AvgPool2D((2, 3))])
def test_config_round_trip_and_keras_file(layer, tmp_path):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input(X.shape[1:]), layer])
    model.save(tmp_path / "pool.keras")
    np.testing.assert_array_equal(np.asarray(keras.saving.load_model(tmp_path / "pool.keras")(X)),
                                  np.asarray(model(X)))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: pool2d(X, 2, mode="min"), "`mode` must be one of 'max', 'average'"),
    (lambda: pool2d(X, 2, padding=1), "`padding` must be one of 'valid', 'same', received padding=1. Pooling"),
    (lambda: pool2d(X[0, 0, 0], 2), r"`x` must be \(H, W\)"),
    (lambda: pool2d(X, 10), "larger than the padded input"),
    (lambda: MaxPool2D(0), "`pool_size` must be a positive integer"),
    (lambda: AvgPool2D(2, padding=2), "`padding` must be one of 'valid', 'same', received padding=2"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
