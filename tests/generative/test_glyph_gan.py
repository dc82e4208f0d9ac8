"""The glyph GAN experiments of the page: config validation, builders, the per-epoch monitor,
diagnosis of collapsed and diverged runs, variants from the same seed."""

import dataclasses

import numpy as np
import pytest

from toolkit.generative.gan import ConditionalGAN
from toolkit.generative.glyph_gan import (
    GanMonitor, GlyphGanConfig, build_gan, compare_variants, conditional_accuracy, diagnose, train, training_data,
)

TINY = GlyphGanConfig(n=200, batch_size=50, filters=4, d_filters=4, latent_dim=8)


@pytest.mark.parametrize(("change", "message"), [
    ({"d_steps": 0}, r"`d_steps` \(k, D steps per G step\) must be an integer in \[1, 10\], received 0"),
    ({"d_lr": 3.0}, r"`d_lr` \(learning rate of D\) must be in \[1e-05, 0.1\], received 3.0"),
    ({"batch_size": 500}, r"`batch_size` \(500\) is larger than the 200 training glyphs"),
    ({"model": "stylegan"}, r"`model` must be one of dcgan, conditional"),
    ({"ema_decay": -0.1}, r"`ema_decay` \(weight average of G\) must be in \[0, 1\), 0 = off, received -0.1"),
])
def test_bad_settings(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TINY, **change).validate()


def test_builders_follow_the_toggles():
    gan = build_gan(dataclasses.replace(TINY, model="conditional", loss="wgan_gp", minibatch_discrimination=True,
                                        virtual_batch_norm=True, feature_matching=True, d_steps=2,
                                        ema_decay=0.99))
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
    with pytest.raises(ValueError, match=r"`model` must be one of dcgan, conditional, received model='vae'"):
        GlyphGanConfig.for_model("vae")
    gan = build_gan(dataclasses.replace(TINY, model="conditional", projection=True))
    assert "projection" in [layer.name for layer in gan.discriminator.layers]
    assert "projection" not in [layer.name for layer in build_gan(dataclasses.replace(TINY, projection=True))
                                .discriminator.layers]  # an unconditional D has no class to project


def test_monitor_scores_every_epoch_and_keeps_a_fixed_grid(tiny_judge):
    images, _, _ = training_data(TINY)
    updates = []
    monitor = GanMonitor(images, judge=tiny_judge, on_update=lambda m, run: updates.append(run.epochs_done))
    run = train(TINY, 2, monitor=monitor)
    record = monitor.evaluations[run.name]
    assert record["epoch"][0] == 0 and record["epoch"][-1] == 2
    assert all(np.isfinite(record["fid"])) and all(v >= 1 for v in record["inception_score"])
    assert monitor.grids[run.name].shape == (40, 28, 28, 1)
    assert updates and updates[-1] == 2
    assert monitor.diagnosis[run.name][0] == "ok"


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


def test_variants_start_from_the_same_weights(tiny_judge):
    images, _, _ = training_data(TINY)
    monitor = GanMonitor(images, judge=tiny_judge)
    runs = compare_variants({"minimax": dataclasses.replace(TINY, loss="minimax"),
                             "non-saturating": TINY}, 1, monitor=monitor)
    first = [np.array(w) for w in runs["minimax"].initial_weights]
    assert all(np.allclose(a, b) for a, b in zip(first, runs["non-saturating"].initial_weights))
    assert set(monitor.evaluations) == {"minimax", "non-saturating"}
    with pytest.raises(ValueError, match="share the model"):
        compare_variants({"a": TINY, "b": dataclasses.replace(TINY, model="conditional")}, 1)


def test_conditional_accuracy_is_a_share(tiny_judge):
    gan = build_gan(dataclasses.replace(TINY, model="conditional"))
    assert 0 <= conditional_accuracy(gan, tiny_judge, n=50) <= 1
    with pytest.raises(ValueError, match="must be a ConditionalGAN"):
        conditional_accuracy(build_gan(TINY), tiny_judge)
