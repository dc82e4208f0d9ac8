"""The notes' chapter 9 (GENERATIVE MODELS) claims, measured with the pages' default configs.

Each page's full default run takes minutes on 2 cores (the DCGAN 20 epochs, the VAE 10), so
these tests keep every default but the number of epochs: two, where the claim already shows
(the first samples of the DCGAN, the β trade-off of the VAE). Slow (35-50 s each on 2 cores
shared with other jobs): the pages' real networks on their real 2,000 glyphs.
"""

import numpy as np
import pytest

from toolkit.generative import autoencoder_lab as lab
from toolkit.generative import glyph_gan as gg
from toolkit.generative.metrics import glyph_judge

pytestmark = pytest.mark.slow
EPOCHS = 2


def test_the_dcgan_learns_to_draw_and_both_losses_are_recorded():
    """Notes, GENERATIVE ADVERSARIAL NETWORKS: G learns to turn random noise into samples that
    resemble the data while D learns to tell real from generated samples (GANs on glyphs page)."""
    config = gg.GlyphGanConfig(epochs=EPOCHS)
    assert (config.model, config.loss, config.n) == ("dcgan", "non_saturating", 2000)
    result = gg.run_glyph_gan(config, judge=glyph_judge())
    history, fid = result.run.history, result.evaluations["fid"]
    assert result.evaluations["epoch"][0] == 0 and result.evaluations["epoch"][-1] == EPOCHS
    assert fid[-1] < 0.6 * fid[0], fid  # the untrained generator's noise is far from the glyphs
    for key in ("d_loss", "g_loss"):  # the two curves of the page's live figure
        assert len(history[key]) == EPOCHS and np.all(np.isfinite(history[key])), history
    assert history["d_real"][-1] > history["d_fake"][-1]  # D still tells real (D(x)) from fake (D(G(z)))


@pytest.fixture(scope="module")
def vae_runs():
    """β -> the LabResult of the Autoencoders page's default VAE (EPOCHS epochs)."""
    return {beta: lab.run_lab(lab.AutoencoderLabConfig(epochs=EPOCHS, beta=beta)) for beta in (1.0, 5.0)}


def test_the_vae_raises_its_likelihood_bound_on_held_out_images(vae_runs):
    """Notes, VARIATIONAL AUTOENCODERS: training maximizes the likelihood lower bound
    E_z[log P(x|z)] − D_KL(q(z|x) ‖ P(z)); the page draws both terms for training and held-out images."""
    config, history = vae_runs[1.0].config, vae_runs[1.0].run.history
    assert (config.model, config.architecture, config.latent) == ("vae", "conv", 16)
    for term in ("loss", "reconstruction", "kl"):
        assert len(history[term]) == len(history[f"val_{term}"]) == EPOCHS
    assert history["val_loss"][-1] < history["val_loss"][0]  # −ELBO falls on images it never saw
    assert np.all(np.asarray(history["val_kl"]) > 0)
    np.testing.assert_allclose(history["val_loss"], np.add(history["val_reconstruction"], history["val_kl"]),
                               rtol=1e-4)  # β = 1: the loss is exactly minus the ELBO
    assert abs(history["val_loss"][-1] - history["loss"][-1]) < 0.1 * history["loss"][-1]  # no overfitting


def test_beta_trades_reconstruction_for_a_latent_space_close_to_the_prior(vae_runs):
    """Notes, VARIATIONAL AUTOENCODERS: the KL term "forces the latent space to fit a Gaussian
    distribution"; weighing it by β = 5 pulls q(z|x) closer to P(z) at the cost of reconstruction."""
    one, five = (vae_runs[beta].run.history for beta in (1.0, 5.0))
    assert five["val_kl"][-1] < 0.5 * one["val_kl"][-1], (one["val_kl"], five["val_kl"])
    assert five["val_reconstruction"][-1] > one["val_reconstruction"][-1]
