"""GAN vs VAE vs VQ-VAE: the measurements on hand-made generators, and one tiny full comparison."""

import numpy as np
import pytest

from toolkit.generative.comparison import (
    MODELS, ROWS, ComparisonConfig, Generator, compare_generative_models, interpolation_quality,
    latent_smoothness,
)
from toolkit.train import Callback


class Judge:
    """Sees class 0 with full confidence when the mean pixel is < 0.5, class 1 otherwise."""

    def probabilities(self, images):
        bright = np.asarray(images).mean(axis=(1, 2, 3)) >= 0.5
        return np.stack([~bright, bright], 1).astype(float)


def constant_images(z):
    return np.full((len(z), 4, 4, 1), 0.25, np.float32)


def test_a_constant_decoder_is_perfectly_smooth_and_even():
    generator = Generator(lambda n, s: np.random.default_rng(s).normal(size=(n, 3)).astype("float32"),
                          constant_images, None)
    assert latent_smoothness(generator, Judge(), n=20) == {"mean": 0.0, "p95": 0.0, "flips": 0.0}
    recognized, _, strip = interpolation_quality(generator, Judge(), pairs=3, steps=5)
    assert recognized == 1.0 and strip.shape == (5, 4, 4, 1)


def test_a_linear_decoder_changes_in_proportion_and_interpolates_evenly():
    def linear(z):  # brightness = mean of z, shifted to [0, 1]
        return np.clip(0.5 + 0.1 * np.broadcast_to(z.mean(1)[:, None, None, None], (len(z), 4, 4, 1)), 0, 1)

    generator = Generator(lambda n, s: np.random.default_rng(s).normal(size=(n, 4)).astype("float32"), linear, None)
    small = latent_smoothness(generator, Judge(), n=200)
    assert 0 < small["mean"] < 0.02  # 0.1 σ steps of 4 coordinates move the mean by ~0.05 σ
    _, evenness, _ = interpolation_quality(generator, Judge(), pairs=5, steps=6)
    assert evenness == pytest.approx(1.0, abs=1e-3)  # equal steps along a straight line


def test_bad_budget_is_explained():
    with pytest.raises(ValueError, match=r"`batch` \(500\) is larger than the 200 training glyphs"):
        ComparisonConfig(n=200, batch=500)
    with pytest.raises(ValueError, match=r"`epochs` must be an integer in \[1, 100\], received epochs=0"):
        ComparisonConfig(epochs=0)
    assert ComparisonConfig.settings()["samples"].lo == 20  # the page's widget reads this bound


class Names(Callback):
    def __init__(self):
        self.started, self.ended = [], []

    def on_start(self, run):
        self.started.append(run.name)

    def on_end(self, run):
        self.ended.append(run.name)


@pytest.mark.timeout(300)
def test_tiny_comparison_fills_the_table_with_measurements(tiny_judge):
    names = Names()
    result = compare_generative_models(ComparisonConfig(n=200, epochs=1, batch=50, samples=40),
                                       judge=tiny_judge, callbacks=[names])
    assert names.started == names.ended == list(MODELS)  # every model's run is reported by name
    assert [row["id"] for row in result.table] == list(ROWS)
    assert [(row["measure"], row["property"]) for row in result.table] == list(ROWS.values())
    rows = {row["id"]: row for row in result.table}
    assert all(np.isfinite(rows["fid"][m]) for m in MODELS)
    assert np.isnan(rows["log_likelihood"]["GAN"])
    assert all(rows["log_likelihood"][m] < 0 for m in ("VAE", "VQ-VAE"))
    assert {rows["steps"][m] for m in MODELS} == {4}  # the same budget: 200 glyphs / 50 × 1 epoch
    assert rows["updates"]["GAN"] == 8
    assert all(result.samples[m].shape == (40, 28, 28, 1) for m in MODELS)
    assert all(result.interpolations[m].shape == (10, 28, 28, 1) for m in MODELS)


@pytest.mark.timeout(300)
def test_a_stopped_comparison_measures_only_what_it_trained(tiny_judge):
    names = Names()
    result = compare_generative_models(ComparisonConfig(n=200, epochs=30, batch=50, samples=40),
                                       judge=tiny_judge, callbacks=[names], stop=lambda: True)
    assert names.started == ["GAN"] and result.runs["GAN"].status == "stopped"
    rows = {row["id"]: row for row in result.table}
    assert np.isfinite(rows["fid"]["GAN"]) and np.isnan(rows["fid"]["VAE"]) and np.isnan(rows["fid"]["VQ-VAE"])
    assert list(result.samples) == ["GAN"]
