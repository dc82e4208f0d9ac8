"""The DCGAN networks follow the notes' list: strided convolutions and no pooling, LeakyReLU
(in D; ReLU in G, as Radford et al.), batch normalization after most layers, one fully
connected layer."""

import keras
import numpy as np
import pytest

from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.tricks import MinibatchDiscrimination, VirtualBatchNormalization


def kinds(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def test_generator_shapes_and_architecture():
    generator = dcgan_generator(16, filters=8)
    assert generator.output_shape == (None, 28, 28, 1)
    assert len(kinds(generator, keras.layers.Dense)) == 1  # the projection of z
    assert not kinds(generator, keras.layers.MaxPooling2D) and not kinds(generator, keras.layers.UpSampling2D)
    # two stride-2 upsampling layers, each after a stride-1 refining layer (at 7x7, at 14x14)
    strides = [layer.strides for layer in kinds(generator, keras.layers.Conv2DTranspose)]
    assert strides == [(1, 1), (2, 2), (1, 1), (2, 2)]
    assert generator.get_layer("act_refine_4_1").output.shape == (None, 7, 7, 16)
    assert generator.get_layer("act_refine_2_1").output.shape == (None, 14, 14, 8)
    assert len(kinds(generator, keras.layers.BatchNormalization)) == 4
    assert len(kinds(generator, keras.layers.ReLU)) == 4
    lean = dcgan_generator(16, filters=8, refine_layers=0, activation="leaky_relu")
    assert len(kinds(lean, keras.layers.Conv2DTranspose)) == 2 and len(kinds(lean, keras.layers.LeakyReLU)) == 2
    images = generator(np.random.default_rng(0).normal(size=(3, 16)).astype("float32"))
    assert float(keras.ops.min(images)) >= 0 and float(keras.ops.max(images)) <= 1


def test_discriminator_shapes_and_architecture():
    discriminator = dcgan_discriminator(filters=8)
    assert discriminator.output_shape == (None, 1)
    assert len(kinds(discriminator, keras.layers.Dense)) == 1  # the final score
    assert not kinds(discriminator, keras.layers.MaxPooling2D)
    assert all(layer.strides == (2, 2) for layer in kinds(discriminator, keras.layers.Conv2D))
    assert len(kinds(discriminator, keras.layers.Conv2D)) == 3
    assert len(kinds(discriminator, keras.layers.BatchNormalization)) == 2  # not after the first conv
    assert len(kinds(discriminator, keras.layers.LeakyReLU)) == 3
    assert discriminator.get_layer("features").output.shape == (None, 4 * 4 * 16)  # 28 -> 14 -> 7 -> 4
    two = dcgan_discriminator(filters=8, conv_layers=2)
    assert two.get_layer("features").output.shape == (None, 7 * 7 * 16)
    assert not kinds(dcgan_discriminator(filters=8, batch_norm=False), keras.layers.BatchNormalization)


def test_conditional_networks_take_labels():
    generator = dcgan_generator(16, filters=8, num_classes=10)
    discriminator = dcgan_discriminator(filters=8, num_classes=10)
    z, labels = np.zeros((2, 16), "float32"), np.eye(10, dtype="float32")[[3, 7]]
    images = generator([z, labels])
    assert discriminator([images, keras.ops.convert_to_tensor(labels)]).shape == (2, 1)
    # the label changes the output: it is an extension of the latent space
    assert not np.allclose(images[0], images[1])


def test_projection_adds_the_class_term_of_eq_1():
    discriminator = dcgan_discriminator(filters=4, num_classes=10, projection=True)
    images = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    labels = np.eye(10, dtype="float32")[[3, 7]]
    features = keras.Model(discriminator.inputs, discriminator.get_layer("features").output)([images, labels])
    w, b = discriminator.get_layer("score").get_weights()
    v = discriminator.get_layer("class_embedding").get_weights()[0]  # (K, features): one row per class
    expected = features @ w + b + np.sum((labels @ v) * features, axis=1, keepdims=True)  # Eq. 1
    np.testing.assert_allclose(discriminator([images, labels]), expected, rtol=1e-4, atol=1e-5)


def test_trick_toggles_add_their_layers():
    assert kinds(dcgan_discriminator(filters=8, minibatch_discrimination=True), MinibatchDiscrimination)
    generator = dcgan_generator(16, filters=8, normalization="virtual", reference_size=4)
    assert len(kinds(generator, VirtualBatchNormalization)) == 4
    assert not kinds(generator, keras.layers.BatchNormalization)


@pytest.mark.parametrize(("builder", "kwargs", "message"), [
    (dcgan_generator, {"latent_dim": 0}, "`latent_dim` must be a positive integer"),
    (dcgan_generator, {"image_shape": (30, 30, 1)}, "divisible by 4"),
    (dcgan_generator, {"normalization": "group"}, "`normalization` must be one of"),
    (dcgan_generator, {"activation": "tanh"}, "`activation` must be one of 'relu', 'leaky_relu', received activation='tanh'"),
    (dcgan_generator, {"refine_layers": -1}, r"`refine_layers` must be an integer in \[0, ∞\), received refine_layers=-1"),
    (dcgan_discriminator, {"conv_layers": 4}, "`conv_layers` must be one of 2, 3, received conv_layers=4"),
    (dcgan_discriminator, {"filters": 0}, "`filters` must be a positive integer"),
    (dcgan_discriminator, {"num_classes": 1}, "`num_classes` must be 0"),
    (dcgan_discriminator, {"projection": True}, r"`projection` \(the class term of a conditional D\) needs num_classes > 0"),
])
def test_bad_arguments(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)
