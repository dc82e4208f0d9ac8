"""VQ-VAE: nearest-code quantization, the straight-through gradient, the losses by hand, code
usage, the code priors, serialization and learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.generative.autoencoder import build_decoder, build_encoder
from toolkit.generative.vqvae import (
    VQVAE, VectorQuantizer, code_usage, fit_prior, likelihood_bound, nearest_codes, perplexity, straight_through,
    vq_losses,
)


def vqvae(num_codes=8, beta=0.25):
    keras.utils.set_random_seed(0)  # the same initial weights whatever ran before
    return VQVAE(build_encoder("conv", latent_dim=4, width=8, spatial=True),
                 build_decoder("conv", latent_dim=4, width=8, spatial=True), num_codes=num_codes, beta=beta)


def test_quantization_picks_the_nearest_code_against_numpy():
    rng = np.random.default_rng(0)
    z, codebook = rng.normal(size=(50, 3)).astype("float32"), rng.normal(size=(7, 3)).astype("float32")
    expected = np.argmin(((z[:, None, :] - codebook[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(nearest_codes(z, codebook)), expected)  # Eq. 2-3
    layer = VectorQuantizer(7)
    layer.build((None, 2, 2, 3))
    layer.codebook.assign(codebook)
    z_e = z[:8].reshape(2, 2, 2, 3)
    z_q, indices = layer.nearest(z_e)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(indices), expected[:8].reshape(2, 2, 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(z_q), codebook[expected[:8]].reshape(2, 2, 2, 3))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(z_e)), keras.ops.convert_to_numpy(z_q), atol=1e-6)


def test_straight_through_gradient_is_the_identity():
    rng = np.random.default_rng(0)
    z_e = tf.Variable(rng.normal(size=(4, 3)).astype("float32"))
    z_q = tf.constant(rng.normal(size=(4, 3)).astype("float32"))
    weights = tf.constant(rng.normal(size=(4, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        out = straight_through(z_e, z_q)  # Eq. 4
        total = tf.reduce_sum(weights * out)
    np.testing.assert_allclose(out.numpy(), z_q.numpy(), atol=1e-6)  # forward: z_q
    np.testing.assert_allclose(tape.gradient(total, z_e).numpy(), weights.numpy())  # backward: identity


def test_codebook_and_commitment_losses_by_hand_and_where_they_send_gradients():
    z_e, z_q = tf.Variable([[1.0, 2.0]]), tf.Variable([[0.0, 0.0]])
    with tf.GradientTape(persistent=True) as tape:
        codebook, commitment = vq_losses(z_e, z_q)
    assert float(codebook) == pytest.approx(5.0) and float(commitment) == pytest.approx(5.0)  # Eq. 5
    assert tape.gradient(codebook, z_e) is None and tape.gradient(commitment, z_q) is None
    np.testing.assert_allclose(tape.gradient(codebook, z_q).numpy(), [[-2.0, -4.0]])
    np.testing.assert_allclose(tape.gradient(commitment, z_e).numpy(), [[2.0, 4.0]])
    assert float(perplexity(np.zeros(10, "int32"), 4)) == pytest.approx(1.0)  # Eq. 6
    assert float(perplexity(np.arange(8) % 4, 4)) == pytest.approx(4.0, rel=1e-4)


def test_bad_input_gets_one_clear_sentence():
    with pytest.raises(ValueError, match=r"`num_codes` must be an integer in \[2, ∞\), received num_codes=1\. "
                                         r"With a codebook of size 1"):
        vqvae(num_codes=1)
    with pytest.raises(ValueError, match="commitment loss"):
        vqvae(beta=-1.0)
    with pytest.raises(ValueError, match="spatial=True"):
        VQVAE(build_encoder("conv", latent_dim=4, width=8), build_decoder("conv", latent_dim=4, width=8))


def test_priors_are_distributions_and_reproduce_deterministic_codes():
    maps = np.array([[[0, 1]], [[1, 0]], [[0, 1]]])  # (3, 1, 2) code maps, K = 2
    every = np.array([[[a, b]] for a in (0, 1) for b in (0, 1)])
    for kind in ("categorical", "markov"):
        prior = fit_prior(maps, 2, kind, alpha=0.01)
        assert np.exp(prior.log_prob(every)).sum() == pytest.approx(1.0)  # Eq. 7 / 8 sum to one
        assert prior.sample(5, seed=1).shape == (5, 1, 2)
    markov = fit_prior(maps, 2, "markov", alpha=1e-6)
    assert set(map(tuple, markov.sample(200, seed=0).reshape(200, 2))) == {(0, 1), (1, 0)}
    with pytest.raises(ValueError, match="`kind` must be one of 'categorical', 'markov', received kind='transformer'"):
        fit_prior(maps, 2, "transformer")


def test_serialization_round_trip_and_keras_file(tmp_path):
    rng = np.random.default_rng(0)
    layer = VectorQuantizer.from_config(VectorQuantizer(5, name="vq").get_config())
    assert layer.num_codes == 5
    model = vqvae()
    assert VQVAE.from_config(model.get_config()).num_codes == 8
    model.compile()
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "vq.keras")
    loaded = keras.saving.load_model(tmp_path / "vq.keras")
    x = rng.random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)
    np.testing.assert_array_equal(loaded.code_indices(x), model.code_indices(x))


def test_training_lowers_the_loss_and_counts_code_usage(glyphs_small):
    from toolkit.train import fit

    model = vqvae()
    model.compile(keras.optimizers.Adam(2e-3))
    run = fit(model, glyphs_small, epochs=10, batch_size=32, seed=0)  # 70 steps
    loss = run.history["reconstruction"]
    assert loss[-1] < 0.5 * loss[0], loss  # 183 -> 81 nats when measured
    counts = code_usage(model, glyphs_small[:20])
    assert counts.shape == (8,) and counts.sum() == 20 * 7 * 7
    prior = fit_prior(model.code_indices(glyphs_small), 8)
    assert model.sample(4, prior).shape == (4, 28, 28, 1)
    bound = likelihood_bound(model, prior, glyphs_small[:10])
    assert bound.shape == (10,) and np.all(bound < 0)
    with pytest.raises(ValueError, match="fit it on this model"):
        model.sample(2, fit_prior(np.zeros((2, 3, 3), int), 8))
