"""The notes' chapter 9 (GENERATIVE MODELS) claims, measured with the pages' default configs.

Each page's full default run takes minutes on 2 cores (the DCGAN 20 epochs, the VAE 10), so
these tests keep every default but the number of epochs, cut to where the claim already shows:
two for the DCGAN's first samples and the VAE's β trade-off, one for the GAN losses' first
epoch and the generative-model comparison, four (pix2pix) and three (CycleGAN) of the
image-to-image page's ten; the 2-D GAN lab trains its full default click. Slow (10-50 s each
on 2 cores shared with other jobs, the comparison's three models on 10,000 glyphs about 75 s):
the pages' real networks on their real glyphs.
"""

import numpy as np
import pytest

from toolkit.generative import autoencoder_lab as lab
from toolkit.generative import glyph_gan as gg
from toolkit.generative import image_to_image as i2i
from toolkit.generative.comparison import MODELS, ComparisonConfig, compare_generative_models
from toolkit.generative.gan_lab import GanLab, GanLabConfig
from toolkit.generative.gan_losses import LOSS_LABELS
from toolkit.generative.metrics import glyph_judge

# one process trains the shared fixture (pytest-xdist would otherwise train it in both)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]
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


@pytest.fixture(scope="session")  # trained once per process, however xdist orders the tests
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


def test_one_train_of_the_gan_lab_covers_all_eight_modes():
    """Notes, GENERATIVE ADVERSARIAL NETWORKS: G learns to turn random noise into samples of the
    target distribution, and must capture all its modes, not one (mode collapse). GAN lab page:
    one press of Train at the defaults (8 Gaussians, non-saturating loss, 1,000 G steps) moves the
    fakes onto all 8 modes, for the default seed and the next two (measured: 67, 58 and 88 % of the
    fakes within 0.3 of a centre; 500 steps covered only 1 mode at seed 0, hence the 1,000)."""
    config = GanLabConfig()
    assert (config.data, config.loss, config.k, config.steps) == ("gaussians8", "non_saturating", 1, 1000)
    for seed in (0, 1, 2):
        gan_lab = GanLab(config.replace(seed=seed))
        assert gan_lab.snapshot(resolution=4).modes_covered <= 1  # the untrained G's points sit near 0
        assert gan_lab.play().status == "completed"
        snapshot = gan_lab.snapshot(resolution=4)
        nearest = np.linalg.norm(snapshot.fake[:, None] - snapshot.anchors[None], axis=-1).min(axis=1)
        assert snapshot.modes_covered == snapshot.modes == 8, seed
        assert np.mean(nearest < gan_lab.radius) >= 0.4, seed  # on the modes, not between (uniform: 0.14)
        assert gan_lab.diagnosis(snapshot)[0] == "ok"


def translation_errors(config, model):
    """(untrained, trained, copy) mean |output − target| on 200 held-out glyphs: an untrained
    translator's, `model`'s (clipped as the page shows it), and the input's own (no translation)."""
    inputs, targets = (i2i.outline_pairs(200, config.seed + 500)[:2] if config.kind == "pix2pix"
                       else i2i.thin_bold_sets(200, config.seed + 500, paired=True)[:2])

    def error(translator):
        return float(np.abs(np.clip(np.asarray(translator(inputs)), 0, 1) - targets).mean())

    return error(i2i.build_translator(config)), error(model), float(np.abs(inputs - targets).mean())


def test_pix2pix_learns_the_outline_to_glyph_map_from_pairs():
    """Notes, GANS ZOO, Image-to-Image translation: trained on couples, D judges how realistic and
    consistent the output looks with the input; pix2pix's L1 term keeps G(x) near its target y.
    Image-to-image page's defaults, 4 of its 10 epochs (measured: L1 0.171 -> 0.087, mean held-out
    error 0.191 untrained -> 0.070 trained; 0.092 after 3 epochs)."""
    config = i2i.TranslatorConfig(epochs=4)
    assert (config.kind, config.n, config.filters) == ("pix2pix", 1000, 16)
    run = i2i.train_translator(config)
    l1 = run.history["l1"]
    assert l1[-1] < 0.7 * l1[0], l1
    untrained, trained, _ = translation_errors(config, run.model)
    assert trained < 0.5 * untrained, (untrained, trained)


def test_cyclegan_translates_unpaired_sets_and_its_cycle_loss_falls():
    """Notes, GANS ZOO, Cycle GAN: it translates between two domains without matching pairs;
    the cycle-consistency loss F(G(a)) ≈ a falls, and G(a) comes closer to the held-out true bold
    glyph than the thin input itself. Image-to-image page's CycleGAN defaults, 3 of its 10 epochs
    (measured: cycle loss 0.135 -> 0.074; mean held-out error 0.151 untrained, 0.110 for the input
    itself, 0.059 for G(a))."""
    config = i2i.TranslatorConfig(kind="cyclegan", epochs=3)
    run = i2i.train_translator(config)
    cycle = run.history["cycle"]
    assert cycle[-1] < 0.8 * cycle[0], cycle
    untrained, trained, copy = translation_errors(config, run.model)
    assert trained < 0.75 * copy and trained < 0.6 * untrained, (untrained, trained, copy)


def test_the_minimax_generator_starts_on_the_flat_part_of_its_loss():
    """Notes, GENERATIVE ADVERSARIAL NETWORKS, Training GANs: the gradient of G's minimax loss
    log(1 − D(G(z))) "is quite flat where the model should learn more", hence the non-saturating
    max log D(G(z)). GAN losses compared page's defaults, the first of its 5 epochs of the minimax
    and non-saturating runs (same initial weights, same batches): D rejects the fakes, so the
    minimax L_G sits near 0, where its gradient ∂L_G/∂s = −D(G(z)) averages d_fake, while the
    non-saturating L_G = −E log D(G(z)) is large, its gradient −(1 − D(G(z))) near −1.
    Measured at seed 0: d_fake 0.11, L_G −0.08 (minimax) and 3.7 (non-saturating); seeds 1, 2:
    d_fake 0.24, 0.06. The FID curves do not separate the losses at these defaults (all three
    reach FID 10-13 after 5 epochs: Adam rescales the small gradients)."""
    assert gg.LossComparisonConfig().losses == ("minimax", "non_saturating", "wgan_gp")
    config = gg.LossComparisonConfig(epochs=1, losses=("minimax", "non_saturating"))
    results = gg.compare_variants(config.variants(), judge=glyph_judge())
    minimax, non_saturating = (results[LOSS_LABELS[loss]].run.history for loss in config.losses)
    assert minimax["d_fake"][0] <= 0.25, minimax  # mean D(G(z)): D tells the fakes apart
    assert minimax["g_loss"][0] >= -0.3, minimax  # log(1 − D(G(z))) ≈ −D(G(z)): the flat end
    assert non_saturating["g_loss"][0] >= 2.0, non_saturating  # −log D(G(z)): the steep end


@pytest.fixture(scope="session")  # trained once per process, however xdist orders the tests
def generative_comparison():
    """The Compare generative models page's default comparison, 1 of its 3 epochs per model."""
    config = ComparisonConfig(epochs=1)
    assert (ComparisonConfig().epochs, config.n, config.batch, config.samples) == (3, 10_000, 32, 500)
    return compare_generative_models(config, judge=glyph_judge())


def test_the_gan_samples_best_and_only_the_autoencoders_bound_the_likelihood(generative_comparison):
    """Notes, GAN vs VAE and SUMMARY VAEs: the GAN generates samples less distinguishable from
    real data ("lower quality images wrt GANs" for the VAE); the VAE derives and optimizes a lower
    bound on the likelihood, which the GAN does not define (GENERATIVE MODELS PROPERTIES, efficient
    likelihood). Measured FID GAN / VAE / VQ-VAE: 8.5 / 139 / 245 after 1 epoch, 2.5 / 52 / 29
    after the page's 3."""
    rows = {row["id"]: row for row in generative_comparison.table}
    assert len({rows["steps"][model] for model in MODELS}) == 1  # the same budget for every model
    assert rows["fid"]["GAN"] < 0.25 * min(rows["fid"]["VAE"], rows["fid"]["VQ-VAE"]), rows["fid"]
    assert rows["recognized"]["GAN"] > rows["recognized"]["VAE"] + 0.2, rows["recognized"]
    assert np.isnan(rows["log_likelihood"]["GAN"])
    assert all(-np.inf < rows["log_likelihood"][model] < 0 for model in ("VAE", "VQ-VAE")), rows["log_likelihood"]


def test_small_latent_steps_change_the_image_a_little(generative_comparison):
    """Notes, GENERATIVE MODELS PROPERTIES, well-behaved latent space (✓ for GAN and VAE): a small
    change in z should change x a little. The page's measure moves each coordinate by 0.1 of its
    spread: the continuous latents of the GAN and the VAE change the image a little (RMS 0.02-0.05
    in pixels of [0, 1]), never 0 and without jumps; the VQ-VAE's discrete codes re-quantize such a
    step to the same code, so its image does not change."""
    rows = {row["id"]: row for row in generative_comparison.table}
    for model in ("GAN", "VAE"):
        assert 0.005 < rows["step_change"][model] < 0.1 and rows["step_change_p95"][model] < 0.15, rows["step_change"]
    assert rows["step_change"]["VQ-VAE"] < 0.005, rows["step_change"]
