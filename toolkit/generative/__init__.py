"""Chapter 9 of the notes, Generative models: GANs (this part) and autoencoders (the next).

``gan_losses`` holds the notes' GAN objectives (minimax, non-saturating, LSGAN, WGAN,
WGAN-GP); ``gan`` the ``GAN`` and ``ConditionalGAN`` models with the alternating training
step; ``dcgan`` the DCGAN networks; ``tricks`` feature matching, minibatch discrimination
and virtual batch normalization; ``image_to_image`` pix2pix and CycleGAN; ``latent``
interpolation and vector arithmetic; ``metrics`` Inception Score, FID and class coverage
with the glyph classifier shipped in ``assets/`` (trained once by ``train_judge``); ``gan_lab``
the 2-D GAN lab; ``glyph_gan`` the glyph experiments of the pages; ``own_optimizers`` the
compile / save / load of models with their own optimizers; ``zoo`` the full-size GAN zoo as
diagrams, and its miniatures trained on glyphs: ``progan`` (Progressive GAN), ``stylegan``
(StyleGAN-mini: mapping, AdaIN, noise, mixing, truncation), ``drag`` (DragGAN's motion
supervision and point tracking) and ``text_gan`` (text-to-image GAN-CLS); they are imported
by their pages, not here.
Part 2: ``autoencoder`` dense / conv / denoising autoencoders and the encoder reused with few
labels; ``vae`` the VAE; ``vqvae`` the VQ-VAE with its code priors; ``autoencoder_lab`` the
page's experiments; ``comparison`` GAN vs VAE vs VQ-VAE measured on the same budget.
"""

from toolkit.generative.autoencoder import (
    Autoencoder, build_decoder, build_encoder, encoder_classifier, few_labels_comparison,
)
from toolkit.generative.autoencoder_lab import AutoencoderLabConfig, LabMonitor
from toolkit.generative.comparison import ComparisonConfig, compare_generative_models
from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, ConditionalGAN, numpy_noise, sample_noise
from toolkit.generative.gan_lab import GanLab, GanLabConfig, modes_covered, real_distribution
from toolkit.generative.gan_losses import (
    LOSSES, discriminator_loss, generator_gradient_wrt_scores, generator_loss, gradient_penalty,
    minimax_value,
)
from toolkit.generative.glyph_gan import (
    GanMonitor, GlyphGanConfig, GlyphGanResult, LossComparisonConfig, conditional_accuracy, run_glyph_gan,
)
from toolkit.generative.image_to_image import (
    CycleGAN, Pix2Pix, TranslatorConfig, outline_pairs, patchgan_discriminator, thin_bold_sets, train_translator,
    unet_generator,
)
from toolkit.generative.latent import bold_arithmetic, interpolate, interpolation_images, latent_samples
from toolkit.generative.metrics import (
    GlyphJudge, classes_covered, fid, glyph_judge, inception_score, recognized_fraction,
)
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.generative.vae import VAE, Reparameterization, elbo, kl_divergence, latent_grid, monte_carlo_kl
from toolkit.generative.vqvae import VQVAE, CodePrior, VectorQuantizer, code_usage, fit_prior, likelihood_bound
from toolkit.generative.tricks import MinibatchDiscrimination, VirtualBatchNormalization, feature_matching_loss
from toolkit.generative.zoo import ZOO

__all__ = [
    "Autoencoder", "AutoencoderLabConfig", "CodePrior", "ComparisonConfig", "LabMonitor", "Reparameterization",
    "VAE", "VQVAE", "VectorQuantizer", "build_decoder", "build_encoder", "code_usage",
    "compare_generative_models", "elbo", "encoder_classifier", "few_labels_comparison", "fit_prior",
    "kl_divergence", "latent_grid", "likelihood_bound", "monte_carlo_kl",
    "GAN", "LOSSES", "ZOO", "ConditionalGAN", "CycleGAN", "GanLab", "GanLabConfig", "GanMonitor",
    "GlyphGanConfig", "GlyphGanResult", "GlyphJudge", "LossComparisonConfig", "MinibatchDiscrimination",
    "OwnOptimizers", "Pix2Pix", "TranslatorConfig", "VirtualBatchNormalization",
    "bold_arithmetic", "classes_covered", "conditional_accuracy", "dcgan_discriminator", "dcgan_generator",
    "discriminator_loss", "feature_matching_loss", "fid", "generator_gradient_wrt_scores", "generator_loss",
    "glyph_judge", "gradient_penalty", "inception_score", "interpolate", "interpolation_images",
    "latent_samples", "minimax_value", "modes_covered", "numpy_noise", "outline_pairs",
    "patchgan_discriminator", "real_distribution", "recognized_fraction", "run_glyph_gan", "sample_noise",
    "thin_bold_sets", "train_translator", "unet_generator",
]
