"""OwnOptimizers: named optimizer slots set by compile, saved in the compile config, rebuilt on load."""

import keras
import numpy as np
import pytest

from toolkit.generative.gan import GAN
from toolkit.generative.gan_lab import mlp
from toolkit.generative.own_optimizers import OwnOptimizers


def tiny_gan():
    keras.utils.set_random_seed(0)
    return GAN(mlp(2, 2, 1, 8, "relu", "generator"), mlp(2, 1, 1, 8, "relu", "discriminator"), seed=0)


def test_compile_sets_slots_by_position_by_name_or_by_default():
    gan = tiny_gan()
    gan.compile(keras.optimizers.SGD(0.1))
    assert isinstance(gan.d_optimizer, keras.optimizers.SGD)
    assert isinstance(gan.g_optimizer, keras.optimizers.Adam) and gan.g_optimizer.beta_1 == 0.5  # GAN's default
    gan.compile(g_optimizer="rmsprop")
    assert isinstance(gan.g_optimizer, keras.optimizers.RMSprop) and isinstance(gan.d_optimizer, keras.optimizers.Adam)
    with pytest.raises(TypeError, match="at most 2 optimizers"):
        gan.compile("sgd", "sgd", "sgd")
    with pytest.raises(TypeError, match="`d_optimizer` was given twice"):
        gan.compile("sgd", d_optimizer="adam")


def test_build_optimizers_creates_each_slot_for_its_own_network():
    gan = tiny_gan()
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.SGD(1e-2, momentum=0.9))
    gan.build_optimizers()
    d_slots = sum(int(np.prod(v.shape)) for v in gan.discriminator.trainable_variables)
    adam_state = sum(int(np.prod(v.shape)) for v in gan.d_optimizer.variables) - 2  # iterations, learning rate
    assert adam_state == 2 * d_slots  # Adam: first and second moments of D's weights only
    assert gan.optimizer_variables("g_optimizer") == gan.generator.trainable_variables


def test_the_compile_config_round_trips_every_slot():
    gan = tiny_gan()
    gan.compile(keras.optimizers.Adam(3e-4, beta_1=0.2), keras.optimizers.RMSprop(0.01))
    config = gan.get_compile_config()
    assert set(config) == {"d_optimizer", "g_optimizer"}
    other = tiny_gan()
    other.compile_from_config(config)
    assert other.d_optimizer.get_config() == gan.d_optimizer.get_config()
    assert other.g_optimizer.get_config() == gan.g_optimizer.get_config()
    assert tiny_gan().get_compile_config() is None  # not compiled: nothing to save


def test_a_single_slot_is_keras_own_optimizer():
    class Plain(OwnOptimizers, keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    model(np.zeros((1, 3), np.float32))
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.Adam) and float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    model.compile(keras.optimizers.SGD(0.5))
    assert set(model.get_compile_config()) == {"optimizer"} and float(model.optimizer.learning_rate) == pytest.approx(0.5)
