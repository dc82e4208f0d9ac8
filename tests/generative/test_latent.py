"""Latent interpolation and the notes' vector arithmetic (bold a - thin a + thin b)."""

import numpy as np
import pytest

from toolkit.generative.latent import bold_arithmetic, interpolate, latent_samples


def test_linear_interpolation_ends_and_midpoint():
    z0, z1 = np.array([0.0, 2.0]), np.array([4.0, -2.0])
    path = interpolate(z0, z1, steps=5)
    np.testing.assert_allclose(path[[0, 2, 4]], [z0, [2.0, 0.0], z1])


def test_slerp_keeps_the_norm_between_equal_norm_vectors():
    z0, z1 = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    path = interpolate(z0, z1, steps=7, method="slerp")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, rtol=1e-6)
    np.testing.assert_allclose(path[3], 3 * np.array([1, 1, 0]) / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(interpolate(z0, z0, 3, "slerp"), [z0] * 3)


def test_interpolation_arguments():
    with pytest.raises(ValueError, match=r"`steps` must be an integer in \[2, ∞\)"):
        interpolate([0], [1], steps=1)
    with pytest.raises(ValueError, match="same length"):
        interpolate([0, 1], [1], steps=3)
    with pytest.raises(ValueError, match="`method` must be one of 'linear', 'slerp'"):
        interpolate([0], [1], method="cubic")


class LinearGlyphWorld:
    """A stand-in GAN and judge: z[0] decides the class (0 or 1), z[1] is the stroke thickness."""

    noise, latent_dim = "gaussian", 3

    def generate_numpy(self, z, labels=None):
        z = np.asarray(z)
        images = np.zeros((len(z), 28, 28, 1), np.float32)
        images[:, 0, 0, 0] = z[:, 0]
        images[:, 0, 1, 0] = z[:, 1]
        return images

    # the judge's side: attributes in glyph units, as GlyphJudge.outputs gives them
    def outputs(self, images):
        cls = (images[:, 0, 0, 0] > 0).astype(int)
        probs = np.eye(10)[cls] * 0.98 + 0.002
        return {"class": probs, "attributes": np.stack([images[:, 0, 1, 0], np.zeros(len(images))], 1)}


def test_bold_arithmetic_moves_boldness_from_one_class_to_another():
    world = LinearGlyphWorld()
    samples = latent_samples(world, world, n=4000, seed=0)
    result = bold_arithmetic(world, world, a=1, b=0, samples=samples)
    names = list(result.images)
    assert names[-1] == "bold 1 − thin 1 + thin 0"
    assert result.judged[names[-1]] == 0  # still class b
    assert result.thickness[names[-1]] > result.thickness["thin 0"] + 1.5  # and now bold
    assert result.thickness[names[-1]] == pytest.approx(result.thickness["bold 1"], abs=0.3)


def test_arithmetic_needs_confident_samples_of_both_classes():
    world = LinearGlyphWorld()
    with pytest.raises(ValueError, match="Fewer than 4 confident samples of class 5"):
        bold_arithmetic(world, world, a=5, b=0, n=200)
