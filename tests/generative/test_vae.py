"""VAE: reparameterization gradients, closed-form KL against Monte Carlo, the losses by hand,
serialization, learning, prior samples, the ELBO and the 2-D latent grid."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.generative.autoencoder import build_decoder, build_encoder
from toolkit.generative.vae import (
    VAE, Reparameterization, bernoulli_log_likelihood, elbo, kl_divergence, latent_grid, monte_carlo_kl, vae_loss,
)


def vae(latent_dim=2, beta=1.0):
    return VAE(build_encoder("dense", latent_dim=latent_dim, width=16, variational=True),
               build_decoder("dense", latent_dim=latent_dim, width=16), beta=beta, seed=0)


def test_reparameterization_value_and_gradients_to_mu_and_sigma():
    mu, log_var = tf.Variable([[0.5, -1.0]]), tf.Variable([[0.0, np.log(4.0)]])
    epsilon = tf.constant([[1.0, -2.0]])
    with tf.GradientTape() as tape:
        z = Reparameterization()([mu, log_var], epsilon=epsilon)
        total = tf.reduce_sum(z)
    np.testing.assert_allclose(z.numpy(), [[1.5, -5.0]], rtol=1e-6)  # Eq. 2: μ + σ ε, σ = (1, 2)
    d_mu, d_log_var = tape.gradient(total, [mu, log_var])
    np.testing.assert_allclose(d_mu.numpy(), [[1.0, 1.0]])  # ∂z/∂μ = 1
    np.testing.assert_allclose(d_log_var.numpy(), [[0.5, -2.0]], rtol=1e-6)  # ∂z/∂log σ² = ½ σ ε
    layer = Reparameterization.from_config(Reparameterization(seed=4).get_config())
    assert layer.seed == 4 and layer([mu, log_var]).shape == (1, 2)


def test_closed_form_kl_against_hand_values_and_monte_carlo():
    rng = np.random.default_rng(0)
    assert float(kl_divergence(np.zeros((1, 3), "float32"), np.zeros((1, 3), "float32"))[0]) == 0.0
    assert float(kl_divergence(np.array([[1.0]], "float32"), np.array([[0.0]], "float32"))[0]) == pytest.approx(0.5)
    mu, log_var = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32") * 0.5
    closed = keras.ops.convert_to_numpy(kl_divergence(mu, log_var))  # Eq. 4
    estimate = monte_carlo_kl(mu, log_var, samples=20_000)  # Eq. 7
    np.testing.assert_allclose(estimate, closed, atol=0.05 + 0.03 * closed.max())


def test_bernoulli_likelihood_and_beta_weighted_loss_by_hand():
    x = np.array([[1.0, 0.0]], "float32")
    p = np.array([[0.8, 0.4]], "float32")
    log_p = float(bernoulli_log_likelihood(x, p)[0])
    assert log_p == pytest.approx(np.log(0.8) + np.log(0.6), rel=1e-5)  # Eq. 5
    mu, log_var = np.array([[1.0]], "float32"), np.array([[0.0]], "float32")
    loss, reconstruction, kl = (float(v) for v in vae_loss(x, p, mu, log_var, beta=3.0))
    assert reconstruction == pytest.approx(-log_p, rel=1e-5) and kl == pytest.approx(0.5)
    assert loss == pytest.approx(-log_p + 3.0 * 0.5, rel=1e-5)  # Eq. 6


def test_bad_beta_and_encoder_without_two_heads():
    with pytest.raises(ValueError, match=r"`beta` must be a finite number in \[0, ∞\), received beta=-0\.5\. "
                                         r"β weighs the KL term"):
        vae(beta=-0.5)
    with pytest.raises(ValueError, match="must output \\[mu, log_var\\]"):
        VAE(build_encoder("dense", latent_dim=2, width=8), build_decoder("dense", latent_dim=2, width=8))
    with pytest.raises(ValueError, match="needs a 2-D latent space"):
        latent_grid(vae(latent_dim=3))


def test_serialization_round_trip_and_keras_file(tmp_path):
    rng = np.random.default_rng(0)
    model = vae(beta=2.5)
    assert VAE.from_config(model.get_config()).beta == 2.5
    model.compile()
    model.optimizer.build(model.trainable_variables)  # saved as after training
    model.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras")
    x = rng.random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)
    np.testing.assert_allclose(loaded.sample(3, seed=1), model.sample(3, seed=1), atol=1e-6)


def test_training_raises_the_elbo_and_decodes_the_prior_and_the_grid(glyphs_small):
    from toolkit.train import fit

    model = vae(latent_dim=2)
    model.compile(keras.optimizers.Adam(2e-3))
    before = elbo(model, glyphs_small[:100]).mean()
    run = fit(model, glyphs_small, epochs=10, batch_size=32, seed=0)
    assert set(run.history) == {"loss", "reconstruction", "kl"}
    after = elbo(model, glyphs_small[:100], samples=2)
    assert np.all(after < 0) and after.mean() > before + 100, (before, after.mean())  # nats per image
    assert model.sample(6).shape == (6, 28, 28, 1)
    images, z_values = latent_grid(model, 4)
    assert images.shape == (16, 28, 28, 1) and np.all(np.diff(z_values) > 0)
