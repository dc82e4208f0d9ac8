"""The Diffusion page's lab: the forward process it shows, a small latent run end to end, sampling and
the steps sweep, the latent ε-network, and DDIM staying bounded with a clipped x̂_0. The page's claims at
its defaults are in test_page_defaults.py."""

import keras
import numpy as np
import pytest

from toolkit.diffusion import lab
from toolkit.diffusion.ddpm import DDPM
from toolkit.diffusion.schedules import NoiseSchedule
from toolkit.diffusion.unet import diffusion_mlp
from toolkit.train import Callback

pytestmark = pytest.mark.xdist_group(__name__)
SMALL = {"spaces": ("latent",), "n": 500, "autoencoder_epochs": 1, "latent_epochs": 2, "steps": 50}


def test_the_forward_process_keeps_the_glyph_at_zero_and_reaches_noise_at_t():
    images = np.random.default_rng(0).random((20, 28, 28, 1)).astype(np.float32)
    start = lab.forward_process(lab.ForwardConfig(forward_t=0), images)
    np.testing.assert_allclose(start["images"], images, atol=1e-6)
    end = lab.forward_process(lab.ForwardConfig(forward_schedule="cosine", forward_t=1000), images)
    assert end["alpha_bar"] == pytest.approx(NoiseSchedule("cosine", 1000).alpha_bars[1000])
    assert abs(end["values"].mean()) < 0.05 and end["values"].std() == pytest.approx(1.0, abs=0.05)
    with pytest.raises(ValueError, match="at most T = 100"):
        lab.ForwardConfig(forward_steps=100, forward_t=101)


def test_the_latent_network_predicts_zero_noise_until_trained():
    network = diffusion_mlp(8, hidden=32, depth=2, num_classes=10)
    out = network({"x": np.ones((4, 8), np.float32), "t": np.arange(4, dtype=np.float32),
                   "label": np.array([0, 3, 9, 10], np.int32)})
    assert out.shape == (4, 8) and np.all(keras.ops.convert_to_numpy(out) == 0)
    assert DDPM(network, scale=1.0, shift=0.0, data_range=None).num_classes == 10


def test_ddim_stays_in_range_when_the_network_predicts_wild_noise():
    # ε̂ = 50 x_t: with the network's own ε̂, x_t grows 50 times a step and overflows; DDIM with
    # the ε̂ that agrees with the clipped x̂_0 keeps every x_t between x̂_0 and the previous x_t
    x = keras.Input((4,), name="x")
    t = keras.Input((), name="t")
    network = keras.Model({"x": x, "t": t}, keras.layers.Rescaling(50.0)(x))
    model = DDPM(network, scale=1.0, shift=0.0, data_range=(-2.0, 2.0), steps=200)
    samples, frames = model.sample(16, sampler="ddim", sampling_steps=100, seed=0, keep=5)
    assert np.all(np.isfinite(samples)) and samples.min() >= -2.0 and samples.max() <= 2.0
    assert all(np.all(np.abs(images) < 10) for _, images in frames)


class Watch(Callback):
    """Calls the monitor at the end of each run, as the live panel calls it every frame."""

    def __init__(self, monitor):
        self.monitor = monitor

    def on_end(self, run):
        self.monitor(run)


@pytest.fixture(scope="module")
def small_run():
    monitor = lab.DiffusionMonitor()
    config = lab.DiffusionConfig(**SMALL, rivals=lab.RIVALS)  # one run for the latent DDPM and the trilemma
    return lab.run_diffusion(config, monitor=monitor, callbacks=[Watch(monitor)]), monitor


def test_a_small_latent_run_trains_an_autoencoder_then_the_ddpm_and_scores_it(small_run):
    result, monitor = small_run
    assert list(result.runs)[:2] == ["autoencoder", "latent DDPM"]
    assert all(run.epochs_done == epochs for run, epochs in zip(result.runs.values(), (1, 2)))
    row = result.table()[0]
    assert row["model"] == "latent DDPM" and 0 <= row["recognized ↑"] <= 1 and row["FID ↓"] > 0
    assert row["network evaluations per sample"] == 2 * lab.SCORE_STEPS
    assert result.samples["latent DDPM"].shape == (lab.SCORED, 28, 28, 1)
    epoch, images = monitor.samples["latent DDPM"]
    assert epoch == 2 and images.shape == (lab.WATCHED, 28, 28, 1)
    assert images.min() >= 0 and images.max() <= 1


def test_sampling_returns_the_digit_asked_for_snapshots_and_a_sweep(small_run):
    from toolkit.generative.metrics import glyph_judge

    model = small_run[0].models["latent DDPM"]
    out = lab.sample_with(model, lab.SampleConfig(digit="7", count=10, sampling_steps=20), glyph_judge())
    assert out["images"].shape == (10, 28, 28, 1) and np.all(out["labels"] == 7) and out["steps"] == 20
    assert [t for t, _ in out["frames"]][0] == 50 and out["frames"][-1][0] == 0 and len(out["frames"]) == 6
    rows = lab.step_sweep(model, glyph_judge(), count=10)
    assert [(r["sampler"], r["steps"]) for r in rows] == [("DDIM", s) for s in (5, 10, 25)] + [("DDPM", 50)]
    ddpm = lab.sample_with(model, lab.SampleConfig(sampler="ddpm", count=10), glyph_judge(), keep=0)
    assert ddpm["steps"] == 50


def test_a_model_with_fewer_steps_than_the_watched_and_scored_samples_samples_with_its_own_t():
    # Found by tests/demos/test_fuzz.py's settings at their bounds: T = 10 < WATCH_STEPS ended the run
    monitor = lab.DiffusionMonitor()
    config = lab.DiffusionConfig(**{**SMALL, "latent_epochs": 1, "steps": 10})
    result = lab.run_diffusion(config, monitor=monitor, callbacks=[Watch(monitor)])
    assert result.runs["latent DDPM"].status == "completed"
    assert result.table()[0]["network evaluations per sample"] == 2 * 10
    assert monitor.samples["latent DDPM"][1].shape == (lab.WATCHED, 28, 28, 1)


def test_a_stopped_run_measures_what_it_trained():
    result = lab.run_diffusion(lab.DiffusionConfig(**{**SMALL, "spaces": ("latent", "pixel")}), stop=lambda: True)
    assert set(result.runs) == {"autoencoder"} and result.table() == [] and result.models == {}


def test_bad_settings_get_one_sentence():
    with pytest.raises(ValueError, match="n"):
        lab.DiffusionConfig(n=100)
    with pytest.raises(ValueError):
        lab.DiffusionConfig(spaces=())
    with pytest.raises(ValueError):
        lab.SampleConfig(guidance=11)


def test_the_elbo_table_bounds_the_exact_likelihood_tightest_with_the_best_denoiser():
    rows = lab.elbo_table(steps=50, points=100)
    bounds = [row["−ELBO (nats)"] for row in rows]
    errors = [row["noise error E‖ε − ε̂‖²"] for row in rows]
    exact = rows[0]["−log p(x₀) exact"]
    assert all(bound >= exact - 0.01 for bound in bounds) and bounds == sorted(bounds) and errors == sorted(errors)
    assert bounds[0] - exact < 0.2 < bounds[2] - exact


def test_the_trilemma_rivals_are_trained_on_the_same_glyphs_and_scored(small_run):
    result = small_run[0]
    assert list(result.runs) == ["autoencoder", "latent DDPM", "GAN", "VAE"]
    rows = {row["model"]: row for row in result.table()}
    assert list(rows) == ["latent DDPM", "GAN", "VAE"]
    for name in lab.RIVALS:
        assert rows[name]["network evaluations per sample"] == 1 and rows[name]["digit asked for ↑"] == "—"
        assert 0 <= rows[name]["recognized ↑"] <= 1 and rows[name]["sampling s / 100 ↓"] >= 0
        assert result.samples[name].shape == (lab.SCORED, 28, 28, 1)
