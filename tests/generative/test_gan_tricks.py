"""Feature matching, minibatch discrimination, virtual batch normalization and the generator's
weight average against hand-computed values, NumPy loops, keras.layers.BatchNormalization and
tf.train.ExponentialMovingAverage; saving round trips."""

import keras
import numpy as np
import pytest

from toolkit.generative.dcgan import dcgan_generator
from toolkit.generative.gan import GAN
from toolkit.generative.dcgan import dcgan_discriminator
from toolkit.generative.tricks import (
    MinibatchDiscrimination, VirtualBatchNormalization, feature_matching_loss, update_weight_average,
)


def test_feature_matching_loss_by_hand():
    real = np.array([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = np.array([[0.0, 0.0], [2.0, 2.0]])  # mean (1, 1)
    # Eq. 1: ((2 - 1)² + (3 - 1)²) / 2 features
    assert float(feature_matching_loss(real, fake)) == pytest.approx(2.5)


def test_minibatch_discrimination_matches_a_numpy_loop():
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    features = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(features))
    m = (features @ keras.ops.convert_to_numpy(layer.kernel)).reshape(4, 3, 2)  # Eq. 2
    expected = np.zeros((4, 3))
    for i in range(4):
        for j in range(4):
            if i != j:  # Eqs. 3-4
                expected[i] += np.exp(-np.abs(m[i] - m[j]).sum(-1))
    np.testing.assert_allclose(out[:, :5], features, rtol=1e-6)
    np.testing.assert_allclose(out[:, 5:], expected, rtol=1e-5, atol=1e-6)


def test_minibatch_discrimination_sees_identical_samples():
    """Copies of one sample are maximally close: each gets closeness B - 1 per kernel."""
    layer = MinibatchDiscrimination(num_kernels=2, kernel_dim=3)
    out = keras.ops.convert_to_numpy(layer(np.ones((5, 4), "float32")))
    np.testing.assert_allclose(out[:, 4:], 4.0, rtol=1e-6)


def test_virtual_batch_norm_equals_batch_norm_on_the_reference_rows():
    rng = np.random.default_rng(0)
    batch = rng.normal(2.0, 3.0, size=(10, 4, 4, 3)).astype("float32")
    vbn = VirtualBatchNormalization(reference_size=6, epsilon=1e-3)
    bn = keras.layers.BatchNormalization(epsilon=1e-3)
    out = keras.ops.convert_to_numpy(vbn(batch))
    reference = keras.ops.convert_to_numpy(bn(batch[:6], training=True))
    np.testing.assert_allclose(out[:6], reference, rtol=1e-4, atol=1e-4)


def test_virtual_batch_norm_per_example_statistics():
    """Eqs. 5-7 in NumPy for a dense input: each example with the reference plus itself."""
    rng = np.random.default_rng(1)
    batch = rng.normal(size=(7, 3)).astype("float32")
    r = 4
    out = keras.ops.convert_to_numpy(VirtualBatchNormalization(reference_size=r, epsilon=1e-3)(batch))
    for i in range(r, 7):
        virtual = np.concatenate([batch[:r], batch[i:i + 1]])
        mu, var = virtual.mean(0), virtual.var(0)
        np.testing.assert_allclose(out[i], (batch[i] - mu) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    # an example's output does not depend on the other examples of its batch
    alone = keras.ops.convert_to_numpy(VirtualBatchNormalization(reference_size=r, epsilon=1e-3)(batch[:r + 1]))
    np.testing.assert_allclose(alone[r], out[r], rtol=1e-5)


@pytest.mark.parametrize("layer", [MinibatchDiscrimination(4, 3), VirtualBatchNormalization(5, 1e-2)])
def test_layer_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_layers_reload_from_keras_files(tmp_path):
    inputs = keras.Input((6,))
    h = VirtualBatchNormalization(3)(inputs)
    model = keras.Model(inputs, MinibatchDiscrimination(2, 2)(h))
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
    model.save(tmp_path / "tricks.keras")
    loaded = keras.saving.load_model(tmp_path / "tricks.keras")
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6)


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match="`num_kernels` must be a positive integer, received num_kernels=0"):
        MinibatchDiscrimination(num_kernels=0)
    with pytest.raises(ValueError, match="`reference_size` must be a positive integer"):
        VirtualBatchNormalization(reference_size=0)


def test_gan_prepends_the_reference_batch_for_virtual_batch_norm():
    keras.utils.set_random_seed(0)
    gan = GAN(dcgan_generator(8, filters=4, normalization="virtual", reference_size=5), dcgan_discriminator(filters=4))
    assert gan._reference.shape == (5, 8)
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    together = gan.generate_numpy(z)
    alone = gan.generate_numpy(z[:1])
    assert together.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(together[:1], alone, rtol=1e-5, atol=1e-6)  # no batch leak
    gan.compile()
    assert np.isfinite(float(gan.train_step(np.random.default_rng(0).random((4, 28, 28, 1), "float32"))["g_loss"]))


def test_weight_average_matches_tensorflow_exponential_moving_average():
    """Eqs. 8-9 against tf.train.ExponentialMovingAverage(decay, num_updates=t), tolerance 1e-6."""
    import tensorflow as tf

    weight = tf.Variable([1.0, -2.0, 3.0])
    step = tf.Variable(0, dtype=tf.int64)
    reference = tf.train.ExponentialMovingAverage(0.99, num_updates=step)
    reference.apply([weight])  # the shadow starts at the weight's value, as our copy does
    average = keras.Variable(weight.numpy())
    rng = np.random.default_rng(0)
    for t in range(1, 30):
        weight.assign(weight + rng.normal(size=3).astype("float32"))
        step.assign(t)
        reference.apply([weight])
        update_weight_average([average], [weight], 0.99, t)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(average), reference.average(weight).numpy(),
                                   rtol=1e-6, atol=1e-6)


def test_weight_average_by_hand():
    average, weight = keras.Variable([0.0, 10.0]), keras.Variable([10.0, 0.0])
    update_weight_average([average], [weight], 0.999, 0)  # Eq. 8: d_0 = min(0.999, 1/10) = 0.1
    np.testing.assert_allclose(keras.ops.convert_to_numpy(average), [9.0, 1.0], rtol=1e-6)
