"""The GAN losses against hand-computed values, the gradient penalty against finite
differences, and the notes' claim that the saturating generator loss is flat where D(G(z)) ≈ 0."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.generative.gan_losses import (
    LOSSES, discriminator_loss, generator_gradient_wrt_scores, generator_loss, gradient_penalty,
    minimax_value,
)

LN3 = math.log(3.0)
# logits whose probabilities are D(x) = [0.5, 0.75] and D(G(z)) = [0.5, 0.25]
REAL_LOGITS, FAKE_LOGITS = np.array([0.0, LN3]), np.array([0.0, -LN3])


def test_minimax_value_and_discriminator_loss_by_hand():
    # Eq. 1: V = mean(log .5, log .75) + mean(log .5, log .75) = log(.5 · .75)
    expected = math.log(0.5 * 0.75)
    assert float(minimax_value(REAL_LOGITS, FAKE_LOGITS)) == pytest.approx(expected, abs=1e-6)
    for loss in ("minimax", "non_saturating"):  # Eq. 2: L_D = -V for both
        assert float(discriminator_loss(loss, REAL_LOGITS, FAKE_LOGITS)) == pytest.approx(-expected, abs=1e-6)


def test_generator_losses_by_hand():
    # Eq. 3: mean(log(1 - .5), log(1 - .25)) ; Eq. 4: -mean(log .5, log .25)
    assert float(generator_loss("minimax", FAKE_LOGITS)) == pytest.approx((math.log(.5) + math.log(.75)) / 2, abs=1e-6)
    assert float(generator_loss("non_saturating", FAKE_LOGITS)) == pytest.approx(-(math.log(.5) + math.log(.25)) / 2, abs=1e-6)


def test_lsgan_losses_by_hand():
    real, fake = np.array([1.0, 0.5]), np.array([0.0, 0.5])
    # Eq. 5: mean(0², .5²) + mean(0², .5²) = .125 + .125
    assert float(discriminator_loss("lsgan", real, fake)) == pytest.approx(0.25, abs=1e-7)
    # Eq. 6: mean((0 - 1)², (.5 - 1)²) = (1 + .25) / 2
    assert float(generator_loss("lsgan", fake)) == pytest.approx(0.625, abs=1e-7)


def test_wasserstein_losses_by_hand():
    real, fake = np.array([2.0, 4.0]), np.array([1.0, 2.0])
    for loss in ("wgan", "wgan_gp"):  # Eq. 7: E D(G(z)) - E D(x) = 1.5 - 3 ; Eq. 8: -1.5
        assert float(discriminator_loss(loss, real, fake)) == pytest.approx(-1.5, abs=1e-7)
        assert float(generator_loss(loss, fake)) == pytest.approx(-1.5, abs=1e-7)


def test_cross_entropy_losses_stay_finite_for_extreme_logits():
    for loss in LOSSES:
        assert np.isfinite(float(discriminator_loss(loss, [80.0, -80.0], [-80.0, 80.0])))
        assert np.isfinite(float(generator_loss(loss, [-80.0, 80.0])))


def test_unknown_loss_is_named():
    with pytest.raises(ValueError, match="`loss` must be one of .* received loss='hinge'"):
        generator_loss("hinge", [0.0])


def test_gradient_penalty_of_a_linear_critic_is_exact():
    w = np.array([[3.0], [4.0]], np.float32)  # ‖∇ D‖ = ‖w‖ = 5 everywhere -> (5 - 1)² = 16
    real, fake = np.random.default_rng(0).normal(size=(2, 6, 2)).astype(np.float32)
    assert float(gradient_penalty(lambda x: tf.matmul(x, w), real, fake)) == pytest.approx(16.0, rel=1e-5)


def test_gradient_penalty_matches_finite_differences():
    keras.utils.set_random_seed(0)
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    epsilon = rng.uniform(size=5)
    value = float(gradient_penalty(lambda x: critic(x), real.astype(np.float32), fake.astype(np.float32),
                                   epsilon.astype(np.float32)))
    # independent check in float64: central differences of D at x̂ = ε x + (1 - ε) G(z)
    weights = [np.asarray(w, np.float64) for w in critic.get_weights()]

    def d(x):
        return (np.tanh(x @ weights[0] + weights[1]) @ weights[2] + weights[3])[:, 0]

    mixed, h = epsilon[:, None] * real + (1 - epsilon[:, None]) * fake, 1e-5
    grads = np.stack([(d(mixed + h * e) - d(mixed - h * e)) / (2 * h) for e in np.eye(3)], axis=1)
    expected = np.mean((np.linalg.norm(grads, axis=1) - 1) ** 2)
    assert value == pytest.approx(expected, rel=1e-4)


def test_saturating_loss_is_flat_where_d_rejects_the_fakes():
    """The notes: the gradient of G's minimax loss "is quite flat where the model should learn more"."""
    scores = np.array([-9.0, -7.0, -5.0, 0.0, 5.0], np.float32)  # D(G(z)) from 1e-4 to 0.99
    d_fake = 1 / (1 + np.exp(-scores))
    saturating = generator_gradient_wrt_scores("minimax", scores).numpy()
    non_saturating = generator_gradient_wrt_scores("non_saturating", scores).numpy()
    np.testing.assert_allclose(saturating, -d_fake, rtol=1e-5)  # ∂/∂s log(1 - σ(s)) = -σ(s)
    np.testing.assert_allclose(non_saturating, -(1 - d_fake), rtol=1e-5)  # ∂/∂s -log σ(s) = -(1 - σ(s))
    # where D(G(z)) < 0.01 the saturating gradient is over 100 times smaller than the other
    rejected = d_fake < 0.01
    assert np.all(np.abs(saturating[rejected]) < 0.01)
    assert np.all(np.abs(non_saturating[rejected]) / np.abs(saturating[rejected]) > 100)


def test_saturating_loss_gives_the_generator_tiny_weight_gradients():
    """The same claim on a generator's weights: a confident D starves the minimax generator."""
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    z = tf.constant(np.random.default_rng(0).normal(size=(64, 2)), tf.float32)

    def critic(x):  # rejects everything: logit ≈ -8, D(G(z)) ≈ 3e-4
        return -8.0 + 0.1 * tf.reduce_sum(x, axis=1, keepdims=True)

    norms = {}
    for loss in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            value = generator_loss(loss, critic(generator(z)))
        grads = tape.gradient(value, generator.trainable_variables)
        norms[loss] = float(tf.linalg.global_norm(grads))
    assert norms["non_saturating"] > 100 * norms["minimax"]


def test_cross_entropy_losses_agree_with_keras_binary_crossentropy():
    """Eq. 2 is BCE(real -> 1) + BCE(fake -> 0); Eq. 4 is BCE(fake -> 1) (keras.losses.BinaryCrossentropy)."""
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=16).astype(np.float32), rng.normal(size=16).astype(np.float32)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    expected_d = float(bce(np.ones(16), real)) + float(bce(np.zeros(16), fake))
    assert float(discriminator_loss("non_saturating", real, fake)) == pytest.approx(expected_d, rel=1e-5)
    assert float(generator_loss("non_saturating", fake)) == pytest.approx(float(bce(np.ones(16), fake)), rel=1e-5)
    # Eq. 3 is minus the BCE of calling the fakes fake
    assert float(generator_loss("minimax", fake)) == pytest.approx(-float(bce(np.zeros(16), fake)), rel=1e-5)


def test_one_sided_label_smoothing_by_hand():
    """Eq. 10 with α = 0.1 on the module's logits; α = 0 is Eq. 2; LSGAN's real target is 0.9."""
    d_real, d_fake = 1 / (1 + np.exp(-np.asarray(REAL_LOGITS, float))), 1 / (1 + np.exp(-np.asarray(FAKE_LOGITS, float)))
    expected = -np.mean(0.9 * np.log(d_real) + 0.1 * np.log(1 - d_real)) - np.mean(np.log(1 - d_fake))
    assert float(discriminator_loss("non_saturating", REAL_LOGITS, FAKE_LOGITS, 0.1)) == pytest.approx(expected, abs=1e-6)
    assert float(discriminator_loss("minimax", REAL_LOGITS, FAKE_LOGITS, 0.0)) == pytest.approx(
        float(discriminator_loss("minimax", REAL_LOGITS, FAKE_LOGITS)), abs=1e-7)
    real, fake = np.asarray(REAL_LOGITS, float), np.asarray(FAKE_LOGITS, float)
    assert float(discriminator_loss("lsgan", REAL_LOGITS, FAKE_LOGITS, 0.1)) == pytest.approx(
        np.mean((real - 0.9) ** 2) + np.mean(fake ** 2), abs=1e-6)
    with pytest.raises(ValueError, match=r"`label_smoothing` must be a finite number in \[0, 0.5\), received label_smoothing=0.5. 0 = off"):
        discriminator_loss("non_saturating", REAL_LOGITS, FAKE_LOGITS, 0.5)
