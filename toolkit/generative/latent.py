"""The latent space of a trained generator: interpolation and the notes' vector arithmetic.

The generator maps points z of the latent space to images, "and this mapping will be
different each time the model is trained", so a direction that means "bolder" is found
after training, from samples: generate many z, measure each image (its class and stroke
thickness, read by the glyph classifier ``metrics.GlyphJudge``), average the z of each group.
Then, as the notes' "smiling woman - neutral woman + neutral man = smiling man":

    z(t) = (1 - t) z₀ + t z₁                                      linear interpolation  (1)
    z(t) = sin((1-t)Ω)/sin Ω · z₀ + sin(tΩ)/sin Ω · z₁,  cos Ω = ẑ₀·ẑ₁      slerp       (2)
    z̄_S  = (1/|S|) Σ_{z ∈ S} z                                    mean latent of group S (3)
    z*   = z̄(bold a) - z̄(thin a) + z̄(thin b)   ->   G(z*) ≈ a bold b                     (4)

For a conditional GAN the class is the label input, so z carries the style alone and
Eq. 4 is decoded with label b.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit import validation
from toolkit.generative.gan import ConditionalGAN, numpy_noise

METHODS = ("linear", "slerp")


def interpolate(z0, z1, steps: int = 8, method: str = "linear") -> np.ndarray:
    """(steps, d) latent vectors from z0 to z1 (Eq. 1, or Eq. 2 along the great circle)."""
    z0, z1 = np.asarray(z0, np.float64).ravel(), np.asarray(z1, np.float64).ravel()
    if z0.shape != z1.shape:
        raise ValueError(f"`z0` and `z1` must have the same length, received {z0.shape} and {z1.shape}.")
    validation.check_int("steps", steps, 2)
    validation.check_choice("method", method, METHODS)
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    if method == "linear":
        return ((1 - t) * z0 + t * z1).astype(np.float32)  # Eq. 1
    cos = np.dot(z0, z1) / max(np.linalg.norm(z0) * np.linalg.norm(z1), 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:  # parallel vectors: slerp is linear
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    # Eq. 2
    return ((np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)).astype(np.float32)


@dataclasses.dataclass
class LatentSamples:
    """Many z with the images they make, and what the judge reads on each image."""

    z: np.ndarray  # (N, d)
    labels: np.ndarray  # (N,) requested class (conditional GAN) or judged class
    images: np.ndarray  # (N, H, W, 1)
    judged: np.ndarray  # (N,) the judge's class
    confidence: np.ndarray  # (N,)
    thickness: np.ndarray  # (N,) in pixels


def latent_samples(gan, judge, n: int = 2000, seed: int = 0) -> LatentSamples:
    """n latent vectors, their images and the judge's reading (class, confidence, thickness)."""
    z = numpy_noise(gan.noise, n, gan.latent_dim, seed)
    conditional = isinstance(gan, ConditionalGAN)
    requested = np.arange(n) % gan.num_classes if conditional else None
    images = gan.generate_numpy(z, requested)
    out = judge.outputs(images)
    judged = out["class"].argmax(1)
    thickness = out["attributes"][:, 0]  # pixels (the judge outputs glyph units)
    return LatentSamples(z, requested if conditional else judged, images, judged,
                         out["class"].max(1), thickness)


def group_mean(samples: LatentSamples, label: int, bold: bool, quantile: float = 0.25,
               confidence: float = 0.5) -> np.ndarray:
    """Eq. 3: mean z of the boldest (or thinnest) `quantile` of the samples of class `label`."""
    chosen = (samples.labels == label) & (samples.judged == label) & (samples.confidence >= confidence)
    if chosen.sum() < 4:
        raise ValueError(f"Fewer than 4 confident samples of class {label} were generated; train the GAN "
                         "longer (or draw more samples) before doing latent arithmetic.")
    widths = samples.thickness[chosen]
    cut = np.quantile(widths, 1 - quantile if bold else quantile)
    group = widths >= cut if bold else widths <= cut
    return samples.z[chosen][group].mean(axis=0)


@dataclasses.dataclass
class Arithmetic:
    """The terms and result of Eq. 4, as images with their measured thickness and class."""

    terms: dict  # name -> (z, label)
    images: dict  # name -> (H, W, 1) image
    thickness: dict  # name -> judged thickness (pixels)
    judged: dict  # name -> judged class


def bold_arithmetic(gan, judge, a: int = 3, b: int = 7, samples: LatentSamples | None = None,
                    n: int = 2000, seed: int = 0) -> Arithmetic:
    """Eq. 4: z̄(bold a) - z̄(thin a) + z̄(thin b), decoded with label b for a conditional GAN."""
    samples = samples or latent_samples(gan, judge, n, seed)
    bold_a, thin_a, thin_b = (group_mean(samples, a, True), group_mean(samples, a, False),
                              group_mean(samples, b, False))
    terms = {f"bold {a}": (bold_a, a), f"thin {a}": (thin_a, a), f"thin {b}": (thin_b, b),
             f"bold {a} − thin {a} + thin {b}": (bold_a - thin_a + thin_b, b)}
    z = np.stack([t[0] for t in terms.values()]).astype(np.float32)
    labels = np.array([t[1] for t in terms.values()]) if isinstance(gan, ConditionalGAN) else None
    images = gan.generate_numpy(z, labels)
    out = judge.outputs(images)
    thickness = out["attributes"][:, 0]  # pixels (the judge outputs glyph units)
    names = list(terms)
    return Arithmetic(terms, dict(zip(names, images)), dict(zip(names, thickness.tolist())),
                      dict(zip(names, out["class"].argmax(1).tolist())))


def interpolation_images(gan, seed_a: int, seed_b: int, steps: int = 8, method: str = "linear",
                         label: int | None = None) -> np.ndarray:
    """G(z(t)) along Eq. 1 or 2 between the latent vectors drawn from two seeds: (steps, H, W, 1)."""
    z0 = numpy_noise(gan.noise, 1, gan.latent_dim, seed_a)[0]
    z1 = numpy_noise(gan.noise, 1, gan.latent_dim, seed_b)[0]
    path = interpolate(z0, z1, steps, method)
    labels = None
    if isinstance(gan, ConditionalGAN):
        labels = np.full(steps, 0 if label is None else label)
    return np.clip(gan.generate_numpy(path, labels), 0, 1)
