"""The seven architectures: parameter counts as documented, the structure that made each famous, training."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.cnn.conftest import tiny_images
from toolkit.cnn import (
    ARCHITECTURES, AvgPool2D, Conv2D, Cutout, CutMixModel, DropBlock2D, LocalResponseNorm, MaxPool2D, Regularizers,
    SpatialDropout2D, build_architecture, classifier, compile_classifier,
)
from toolkit.train import fit

SHAPES = {"28×28×1": (28, 28, 1), "8×8×1": (8, 8, 1)}


def documented_counts(name):
    """{shape text: count} read from the builder's docstring ("Parameters: 61,706 on 28×28×1, ...")."""
    line = re.search(r"Parameters: (.*?) \(10 classes\)", " ".join(ARCHITECTURES[name].build.__doc__.split())).group(1)
    counts = {}
    for number, shapes in re.findall(r"([\d,]+) on ([^,;]+?)(?=, [\d]|$)", line):
        for shape in re.findall(r"\d+×\d+×\d+", shapes):
            counts[shape] = int(number.replace(",", ""))
    return counts


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_parameter_counts_are_the_documented_ones(name):
    counts = documented_counts(name)
    assert set(counts) == set(SHAPES), counts
    info = ARCHITECTURES[name]
    for (text, shape), registered in zip(SHAPES.items(), info.parameters):
        model = build_architecture(name, shape, 10)
        assert model.count_params() == counts[text] == registered, (name, text)
        assert model.output_shape == (None, 10)
    assert 1998 <= info.year <= 2017 and info.key_idea and info.original
    assert info.row()["params 28×28"] == info.parameters[0]


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def test_lenet5_is_conv_subsampling_conv_subsampling_conv_and_two_dense():
    model = build_architecture("lenet5")
    convs = layers_of(model, keras.layers.Conv2D)
    assert [c.name for c in convs] == ["C1", "C3", "C5"] and all(c.kernel_size == (5, 5) for c in convs)
    assert [p.name for p in layers_of(model, keras.layers.AveragePooling2D)] == ["S2", "S4"]
    assert model.get_layer("C5").output.shape[1:] == (1, 1, 120) and model.get_layer("F6").units == 84


def test_alexnet_has_five_convs_lrn_overlapping_pools_and_dropout():
    model = build_architecture("alexnet")
    assert len(layers_of(model, keras.layers.Conv2D)) == 5 and len(layers_of(model, LocalResponseNorm)) == 2
    pools = layers_of(model, keras.layers.MaxPooling2D)
    assert len(pools) == 3 and all(p.pool_size == (3, 3) and p.strides == (2, 2) for p in pools)  # overlapping
    assert len(layers_of(model, keras.layers.Dropout)) == 2


def test_vgg_uses_only_3x3_convolutions_in_blocks_that_double_the_channels():
    convs = layers_of(build_architecture("vgg"), keras.layers.Conv2D)
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert [c.filters for c in convs] == [16, 16, 32, 32, 64, 64]


def test_googlenet_concatenates_four_branches_with_1x1_bottlenecks():
    model = build_architecture("googlenet")
    modules = [layer for layer in model.layers if layer.name.endswith("_concat")]
    assert len(modules) == 3
    for module in modules:
        assert len(module.input) == 4
        name = module.name[:-len("_concat")]
        assert model.get_layer(f"{name}_3x3_reduce").kernel_size == (1, 1)
        assert model.get_layer(f"{name}_5x5").kernel_size == (5, 5)
    assert layers_of(model, keras.layers.GlobalAveragePooling2D)


def test_resnet_has_identity_and_projection_shortcuts():
    model = build_architecture("resnet")
    adds = layers_of(model, keras.layers.Add)
    assert len(adds) == 3
    identity = model.get_layer("stage1_identity_add")
    assert any(t.name == model.get_layer("stem_pool").output.name for t in identity.input)  # x itself
    projection = model.get_layer("stage2_projection_projection")
    assert projection.kernel_size == (1, 1) and projection.strides == (2, 2)


def test_densenet_layers_see_all_earlier_maps():
    model = build_architecture("densenet")
    channels = [model.get_layer(f"dense1_layer{i}_concat").output.shape[-1] for i in range(1, 5)]
    assert channels == [24 + 12 * i for i in range(1, 5)]  # each layer adds k = 12 maps to the stack
    assert model.get_layer("transition1_conv").filters == channels[-1] // 2  # θ = 0.5


def test_mobilenet_blocks_are_depthwise_then_pointwise():
    model = build_architecture("mobilenet")
    depthwise = layers_of(model, keras.layers.DepthwiseConv2D)
    assert len(depthwise) == 5
    for layer in depthwise:
        name = layer.name[:-len("_depthwise")]
        assert model.get_layer(f"{name}_pointwise").kernel_size == (1, 1)


def test_local_response_norm_equals_tensorflow():
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 7)).astype("float32") * 10
    ours = LocalResponseNorm(2, 2.0, 1e-2, 0.75)(x)
    theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-2, beta=0.75)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5, atol=1e-6)
    layer = LocalResponseNorm(3)
    assert LocalResponseNorm.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("name", ["lenet5", "vgg", "resnet"])
def test_from_scratch_layers_compute_the_keras_model(name):
    keras_model = build_architecture(name, (8, 8, 1))
    ours = build_architecture(name, (8, 8, 1), conv="toolkit")
    assert layers_of(ours, Conv2D) and not layers_of(ours, keras.layers.Conv2D)
    assert layers_of(ours, MaxPool2D) or layers_of(ours, AvgPool2D)
    ours.set_weights(keras_model.get_weights())
    x = np.random.default_rng(1).uniform(size=(3, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(keras_model(x)), atol=1e-5)


def test_regularizers_are_placed_and_silent_at_inference():
    regularizers = Regularizers(cutout=0.3, spatial_dropout=0.1, dropblock=0.1, block_size=2, cutmix=1.0)
    model = build_architecture("vgg", (8, 8, 1), regularizers=regularizers, seed=0)
    plain = build_architecture("vgg", (8, 8, 1))
    assert isinstance(model, CutMixModel)
    inner = model.classifier
    assert len(layers_of(inner, Cutout)) == 1
    assert len(layers_of(inner, DropBlock2D)) == len(layers_of(inner, SpatialDropout2D)) == 3  # one per block
    plain.set_weights(model.get_weights())
    x = np.random.default_rng(2).uniform(size=(3, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(plain(x)), atol=1e-6)
    assert regularizers.active == ["cutout", "spatial_dropout", "dropblock", "cutmix"]


def test_a_small_cnn_learns_with_the_scratch_layers_and_dropblock(tmp_path):
    keras.utils.set_random_seed(0)
    x, y = tiny_images(256, 0, 8)
    model = classifier("lenet5", (8, 8, 1), 2, learning_rate=3e-3, conv="toolkit",
                       regularizers=Regularizers(dropblock=0.1, block_size=2, cutout=0.25), seed=0)
    run = fit(model, x, y, epochs=10, batch_size=32, validation_data=tiny_images(128, 1, 8), seed=0)
    assert run.history["loss"][-1] < 0.7 * run.history["loss"][0]
    assert run.history["val_accuracy"][-1] > 0.85  # chance is 0.5
    model.save(tmp_path / "lenet.keras")
    loaded = keras.saving.load_model(tmp_path / "lenet.keras")
    np.testing.assert_allclose(np.asarray(loaded(x[:4])), np.asarray(model(x[:4])), atol=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: build_architecture("lenet"), "`name` must be one of 'lenet5', 'alexnet'"),
    (lambda: build_architecture("vgg", (4, 4, 1)), r"`input_shape` must be \(H, W, C\) with H and W in \[8, 64\]"),
    (lambda: build_architecture("vgg", (28, 28)), r"`input_shape` must be \(H, W, C\)"),
    (lambda: build_architecture("vgg", num_classes=1), r"`num_classes` must be an integer in \[2, ∞\)"),
    (lambda: build_architecture("vgg", conv="torch"), "`conv` must be one of 'keras', 'toolkit'"),
    (lambda: compile_classifier(build_architecture("lenet5"), 0.0), r"`learning_rate` must be a finite number in \("),
    (lambda: Regularizers(cutout=2.0), r"`cutout` must be a finite number in \[0, 0.8\]"),
    (lambda: Regularizers(dropblock=1.0), r"`dropblock` must be a finite number in \[0, 0.5\]"),
    (lambda: Regularizers(block_size=0), r"`block_size` must be an integer in \[1, 7\]"),
    (lambda: Regularizers(cutmix=-1), "`cutmix`"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
