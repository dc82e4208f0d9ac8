"""Feature maps of every convolution and the learned kernels, read from a built model."""

import keras
import numpy as np
import pytest

from toolkit.cnn import Regularizers, build_architecture, conv_kernels, conv_layers, feature_maps

IMAGE = np.random.default_rng(0).uniform(size=(8, 8, 1)).astype("float32")


@pytest.mark.parametrize(("name", "conv"), [("lenet5", "keras"), ("lenet5", "toolkit"), ("mobilenet", "keras")])
def test_one_map_stack_per_convolution_equal_to_the_layer_output(name, conv):
    model = build_architecture(name, (8, 8, 1), conv=conv)
    maps = feature_maps(model, IMAGE)
    layers = conv_layers(model)
    assert list(maps) == [layer.name for layer in layers]
    for layer in layers:
        assert maps[layer.name].shape == tuple(layer.output.shape[1:])
    probe = keras.Model(model.input, layers[0].output)
    np.testing.assert_allclose(maps[layers[0].name], np.asarray(probe(IMAGE[None]))[0], atol=1e-6)


def test_kernels_have_the_keras_layout_and_cutmix_models_are_looked_into():
    model = build_architecture("lenet5", (8, 8, 1), regularizers=Regularizers(cutmix=1.0))
    kernels = conv_kernels(model)
    assert kernels["C1"].shape == (5, 5, 1, 6) and kernels["C3"].shape == (5, 5, 6, 16)
    assert set(feature_maps(model, IMAGE[..., 0], layer_names=["C3"])) == {"C3"}  # (H, W) images are accepted
    depthwise = conv_kernels(build_architecture("mobilenet", (8, 8, 1)))["ds1_depthwise"]
    assert depthwise.shape == (3, 3, 16, 1)


def test_bad_requests():
    model = build_architecture("lenet5", (8, 8, 1))
    with pytest.raises(ValueError, match=r"`image` must have the model's input shape \(8, 8, 1\)"):
        feature_maps(model, np.zeros((28, 28, 1)))
    with pytest.raises(ValueError, match="`layer_names` must name convolution layers"):
        feature_maps(model, IMAGE, layer_names=["F6"])
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="has no convolution layer"):
        conv_layers(dense)
