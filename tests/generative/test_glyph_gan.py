"""The glyph GAN experiments of the pages: config validation, builders, the throttled monitor,
diagnosis of collapsed and diverged runs, variants from the same seed."""

import threading

import numpy as np
import pytest

from toolkit.generative.gan import ConditionalGAN
from toolkit.generative.glyph_gan import (
    GanMonitor, GlyphGanConfig, LossComparisonConfig, build_gan, compare_variants, conditional_accuracy, diagnose,
    live_samples, run_glyph_gan, setup_message, training_data,
)
from toolkit.train import Callback

TINY = GlyphGanConfig(n=200, batch=50, filters=4, d_filters=4, latent_dim=8, epochs=2)


@pytest.mark.parametrize(("change", "message"), [
    ({"k": 0}, r"`k` must be an integer in \[1, 10\], received k=0"),
    ({"d_lr": 3.0}, r"`d_lr` must be a finite number in \[1e-05, 0.1\], received d_lr=3.0"),
    ({"batch": 500}, r"`batch` \(500\) is larger than the 200 training glyphs"),
    ({"model": "stylegan"}, r"`model` must be one of 'dcgan', 'conditional'"),
    ({"ema_decay": -0.1}, r"`ema_decay` must be a finite number in \[0, 0.9999\], received ema_decay=-0.1"),
])
def test_bad_settings(change, message):
    with pytest.raises(ValueError, match=message):
        TINY.replace(**change)


def test_builders_follow_the_toggles():
    gan = build_gan(TINY.replace(model="conditional", loss="wgan_gp", minibatch=True, vbn=True,
                                feature_matching=True, k=2, ema_decay=0.99))
    assert isinstance(gan, ConditionalGAN) and gan.d_steps == 2 and gan.feature_matching
    assert gan.ema_decay == 0.99 and gan.ema_generator is not None
    assert gan._reference is not None
    assert "minibatch_discrimination" in [layer.name for layer in gan.discriminator.layers]
    images, labels, _ = training_data(TINY)
    assert images.shape == (200, 28, 28, 1) and labels.shape == (200,)


def test_conditional_model_has_its_own_defaults():
    conditional = GlyphGanConfig.for_model("conditional", n=500)
    assert conditional.model == "conditional" and conditional.n == 500
    assert conditional.latent_dim == 64 and conditional.projection
    assert GlyphGanConfig.for_model("conditional", latent_dim=8).latent_dim == 8  # settings win over defaults
    assert GlyphGanConfig.for_model("dcgan") == GlyphGanConfig()  # the DCGAN keeps the dataclass defaults
    with pytest.raises(ValueError, match=r"`model` must be one of 'dcgan', 'conditional', received model='vae'"):
        GlyphGanConfig.for_model("vae")
    gan = build_gan(TINY.replace(model="conditional", projection=True))
    assert "projection" in [layer.name for layer in gan.discriminator.layers]
    assert "projection" not in [layer.name for layer in build_gan(TINY.replace(projection=True))
                                .discriminator.layers]  # an unconditional D has no class to project


class Frames(Callback):
    """What a live panel would see: the monitor's scores and the live samples, after each report."""

    def __init__(self, monitor):
        self.monitor, self.seen = monitor, []

    def on_progress(self, run):
        self.seen.append((run.epochs_done, len(self.monitor.scores().get(run.name, {}).get("epoch", [])),
                          live_samples(run)["grid"].shape))


def test_run_scores_through_a_throttled_monitor_and_keeps_a_fixed_grid(judge):
    monitor = GanMonitor(judge)
    frames = Frames(monitor)
    messages = []
    result = run_glyph_gan(TINY, monitor=monitor, callbacks=[frames], on_setup=messages.append, steps_per_callback=1)
    record = result.evaluations
    # the untrained generator (on_start), the first report, the end (both always pass the throttle)
    assert record["epoch"][0] == 0 and record["epoch"][-1] == 2 and 2 <= len(record["epoch"]) <= 3
    assert all(np.isfinite(record["fid"])) and all(v >= 1 for v in record["inception_score"])
    assert result.grid.shape == (40, 28, 28, 1) and result.diagnosis[0] == "ok"
    assert frames.seen[0] == (1, 2, (40, 28, 28, 1))  # the monitor runs before the panel's callbacks
    assert set(result.run.history) >= {"d_loss", "g_loss"} and result.run.epochs_done == 2
    assert messages and "building the GAN" in messages[0]
    assert result.class_accuracy is None  # a DCGAN cannot be asked for a class


def test_run_without_scores_still_diagnoses_and_honours_stop():
    stop = threading.Event()
    stop.set()
    result = run_glyph_gan(TINY.replace(score=False), stop=stop)
    assert result.run.status == "stopped" and result.run.epochs_done == 0
    assert all(np.isnan(result.evaluations["fid"]))


def test_setup_message_estimates_rendering_only_when_the_glyphs_are_not_cached():
    assert "Rendering 150 glyphs (about 1 s" in setup_message(TINY.replace(n=150))
    training_data(TINY)
    assert "Loading the glyphs" in setup_message(TINY)


def test_diagnosis_names_collapse_and_divergence():
    fine = {"d_loss": [1.0, 0.9], "g_loss": [1.2, 1.1]}
    assert diagnose(fine, {"classes_covered": [3, 6, 8, 9], "recognized": [0.1, 0.3, 0.5, 0.6]})[0] == "ok"
    early = {"classes_covered": [0, 0, 1], "recognized": [0.0, 0.01, 0.05]}
    assert diagnose(fine, early)[0] == "ok"  # nothing recognizable yet is not a collapse
    status, message = diagnose(fine, {"classes_covered": [4, 3, 2, 1], "recognized": [0.3, 0.5, 0.7, 0.9]})
    assert status == "collapsed" and "only 1 of the 10 classes" in message
    status, message = diagnose({"d_loss": [-3.0, -2e5], "g_loss": [1.0, 2e5]}, {})
    assert status == "diverged" and "gradient penalty" in message
    assert diagnose({"d_loss": [1.0, float("nan")]}, {})[0] == "diverged"


def test_variants_start_from_the_same_weights(judge):
    comparison = LossComparisonConfig(losses=("minimax", "non_saturating"), n=200, batch=50, filters=4,
                                      d_filters=4, latent_dim=8, epochs=1)
    assert comparison.epochs == 1 and LossComparisonConfig().epochs == 5  # per variant
    variants = comparison.variants()
    assert [c.loss for c in variants.values()] == ["minimax", "non_saturating"]
    results = compare_variants(variants, judge=judge)
    assert list(results) == ["minimax (saturating G)", "non-saturating"]
    first, second = (result.run.initial_weights for result in results.values())
    assert all(np.allclose(a, b) for a, b in zip(first, second))
    assert all(np.isfinite(r.evaluations["fid"][-1]) for r in results.values())
    with pytest.raises(ValueError, match="share the model"):
        compare_variants({"a": TINY, "b": TINY.replace(model="conditional")})


def test_conditional_accuracy_is_a_share(judge):
    gan = build_gan(TINY.replace(model="conditional"))
    assert 0 <= conditional_accuracy(gan, judge, n=50) <= 1
    with pytest.raises(ValueError, match="must be a ConditionalGAN"):
        conditional_accuracy(build_gan(TINY), judge)
