"""Chapter 10: diffusion models.

- ``schedules``: β_t, α_t, ᾱ_t (linear, cosine) and the forward process q.
- ``unet``: the noise-prediction U-Net ε_θ with Fourier time features, attention, conditions.
- ``ddpm``: ``DDPM`` (training on ‖ε − ε_θ‖², DDPM and DDIM sampling, classifier-free guidance).
- ``elbo``: the variational bound's terms and denoising score matching on 1-D Gaussian data.
- ``lab``: the Diffusion page's configs and runs (pixel and latent DDPMs, sampling, the trilemma, the ELBO table).
"""
