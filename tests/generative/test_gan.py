"""The GAN model: the alternating training step, k D-steps, clipping, validation, saving,
the generator's weight average, and training through ``toolkit.train.fit`` (the models
override ``train_step``)."""

import keras
import numpy as np
import pytest

from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, ConditionalGAN, numpy_noise
from toolkit.generative.gan_lab import mlp
from toolkit.train import fit


def tiny_gan(**kwargs):
    keras.utils.set_random_seed(0)
    return GAN(mlp(2, 2, 1, 16, "relu", "generator"), mlp(2, 1, 1, 16, "relu", "discriminator"), seed=0, **kwargs)


def blob(n=512, centre=(1.5, -1.0), seed=0):
    return (np.random.default_rng(seed).normal(size=(n, 2)) * 0.1 + centre).astype(np.float32)


def test_fit_trains_the_generator_towards_the_data():
    """fit(gan, x) with y=None: the fakes' mean moves from near 0 to the real blob."""
    gan = tiny_gan()
    gan.compile(keras.optimizers.Adam(5e-3, beta_1=0.5), keras.optimizers.Adam(5e-3, beta_1=0.5))
    real = blob()
    before = np.linalg.norm(gan.sample(500).mean(0) - real.mean(0))
    run = fit(gan, real, epochs=40, batch_size=64, seed=0)
    after = np.linalg.norm(gan.sample(500).mean(0) - real.mean(0))
    assert run.status == "completed"
    assert set(run.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert after < 0.25 * before, (before, after)


def test_k_discriminator_steps_per_generator_step():
    gan = tiny_gan(d_steps=3)
    gan.compile()
    fit(gan, blob(128), epochs=2, batch_size=32)  # 4 steps per epoch
    assert int(gan.g_optimizer.iterations) == 8
    assert int(gan.d_optimizer.iterations) == 24


def test_trackers_are_the_models_metrics():
    gan = tiny_gan()
    gan.compile()
    assert [m.name for m in gan.metrics] == ["d_loss", "g_loss", "d_real", "d_fake"]
    logs = gan.train_step(blob(32))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0 <= float(logs["d_real"]) <= 1  # a probability for the cross-entropy losses


def test_wgan_clips_every_critic_weight():
    gan = tiny_gan(loss="wgan", clip_value=0.05)
    gan.compile(keras.optimizers.RMSprop(0.05), keras.optimizers.RMSprop(0.05))
    fit(gan, blob(128), epochs=2, batch_size=32)
    assert max(np.abs(w).max() for w in gan.discriminator.get_weights()) <= 0.05 + 1e-7


def test_wgan_gp_trains_and_refuses_batch_norm_in_the_critic():
    keras.utils.set_random_seed(0)
    generator = dcgan_generator(8, filters=4)
    with pytest.raises(ValueError, match="BatchNormalization.*batch_norm=False"):
        GAN(generator, dcgan_discriminator(filters=4), loss="wgan_gp")
    gan = GAN(generator, dcgan_discriminator(filters=4, batch_norm=False), loss="wgan_gp")
    gan.compile()
    run = fit(gan, np.random.default_rng(0).random((32, 28, 28, 1), np.float32), epochs=1, batch_size=16)
    assert run.status == "completed" and np.isfinite(run.final("d_loss"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"d_steps": 0}, r"`d_steps` must be a positive integer, received d_steps=0"),
    ({"loss": "hinge"}, r"`loss` must be one of"),
    ({"clip_value": -1}, r"`clip_value` must be a finite number in \[0, ∞\), received clip_value=-1. 0 turns clipping off"),
    ({"noise": "cauchy"}, r"`noise` must be one of 'gaussian', 'uniform'"),
    ({"ema_decay": 1.0}, r"`ema_decay` must be a finite number in \[0, 1\), received ema_decay=1.0. 0 turns the average off"),
    ({"feature_matching": True, "feature_layer": "nope"}, r"`feature_layer` must name a layer"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_gan(**kwargs)


def test_feature_matching_trains_the_generator_on_d_features():
    keras.utils.set_random_seed(0)
    gan = GAN(dcgan_generator(8, filters=4), dcgan_discriminator(filters=4), feature_matching=True)
    gan.compile()
    before = [np.array(w) for w in gan.generator.get_weights()]
    logs = gan.train_step(np.random.default_rng(0).random((8, 28, 28, 1), np.float32))
    assert float(logs["g_loss"]) >= 0  # a squared distance of feature means
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.generator.get_weights()))


def test_conditional_gan_trains_on_image_label_tuples_through_fit():
    keras.utils.set_random_seed(0)
    gan = ConditionalGAN(dcgan_generator(8, filters=4, num_classes=3), dcgan_discriminator(filters=4, num_classes=3),
                         num_classes=3)
    gan.compile()
    images = np.random.default_rng(0).random((24, 28, 28, 1), np.float32)
    run = fit(gan, (images, np.arange(24) % 3), epochs=2, batch_size=8)
    assert run.status == "completed"
    assert gan.sample(6, labels=np.array([0, 1, 2, 0, 1, 2])).shape == (6, 28, 28, 1)
    with pytest.raises(ValueError, match="class ids in \\[0, 3\\)"):
        gan.sample(2, labels=np.array([0, 5]))


def test_conditional_gan_needs_conditional_networks():
    with pytest.raises(ValueError, match="inputs \\[z, label\\]"):
        ConditionalGAN(dcgan_generator(8, filters=4), dcgan_discriminator(filters=4), num_classes=3)


def test_generate_is_deterministic_in_inference_and_samples_are_reproducible():
    gan = tiny_gan()
    np.testing.assert_allclose(gan.sample(10, seed=3), gan.sample(10, seed=3))
    z = numpy_noise("gaussian", 4, 2, seed=3)
    np.testing.assert_allclose(gan.generate_numpy(z), gan.sample(4, seed=3), rtol=1e-6)
    with pytest.raises(ValueError, match=r"`z` must have shape \(n, 2\)"):
        gan.generate_numpy(np.zeros((3, 5)))


def test_config_round_trip_and_keras_file(tmp_path):
    gan = tiny_gan(loss="lsgan", d_steps=2, noise="uniform")
    clone = GAN.from_config(gan.get_config())
    assert (clone.loss_name, clone.d_steps, clone.noise) == ("lsgan", 2, "uniform")
    gan.compile()
    gan.train_step(blob(16))
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    z = numpy_noise("uniform", 5, 2, seed=1)
    np.testing.assert_allclose(loaded.generate_numpy(z), gan.generate_numpy(z), rtol=1e-6)
    assert int(loaded.d_optimizer.iterations) == int(gan.d_optimizer.iterations) == 2


def test_weight_average_of_the_generator_is_off_by_default_and_samples_come_from_it():
    assert tiny_gan().ema_generator is None
    gan = tiny_gan(ema_decay=0.9)
    gan.compile(keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05))
    start = [np.array(w) for w in gan.generator.get_weights()]
    for averaged, weight in zip(gan.ema_generator.get_weights(), start):
        np.testing.assert_array_equal(averaged, weight)  # Ḡ starts as a copy of G
    gan.train_step(blob(32))
    # Eq. 8 after the first G step (t = 1): d_1 = min(0.9, 2 / 11); Eq. 9 for every weight
    decay = 2 / 11
    for averaged, before, after in zip(gan.ema_generator.get_weights(), start, gan.generator.get_weights()):
        np.testing.assert_allclose(averaged, decay * before + (1 - decay) * after, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, b) for a, b in zip(gan.ema_generator.get_weights(), gan.generator.get_weights()))
    z = numpy_noise("gaussian", 6, 2, seed=0)
    np.testing.assert_allclose(gan.sample(6), keras.ops.convert_to_numpy(gan.ema_generator(z)), rtol=1e-6)
    np.testing.assert_allclose(gan.generate_numpy(z, average=False),
                               keras.ops.convert_to_numpy(gan.generator(z)), rtol=1e-6)


def test_weight_average_survives_config_and_keras_file(tmp_path):
    gan = tiny_gan(ema_decay=0.95)
    assert GAN.from_config(gan.get_config()).ema_decay == 0.95
    gan.compile()
    for _ in range(3):
        gan.train_step(blob(16))
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    z = numpy_noise("gaussian", 5, 2, seed=1)
    np.testing.assert_allclose(loaded.generate_numpy(z), gan.generate_numpy(z), rtol=1e-6)
    np.testing.assert_allclose(loaded.generate_numpy(z, average=False), gan.generate_numpy(z, average=False),
                               rtol=1e-6)
