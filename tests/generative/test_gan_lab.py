"""The 2-D GAN lab: real distributions, modes covered, validation, training modes, arrows."""

import dataclasses

import numpy as np
import pytest

from toolkit.generative.gan_lab import (
    DISTRIBUTIONS, GanLab, GanLabConfig, make_optimizer, modes_covered, real_distribution,
)


@pytest.mark.parametrize("name", [d for d in DISTRIBUTIONS if d != "custom"])
def test_real_data_covers_all_its_modes(name):
    points, anchors, radius = real_distribution(name, 2000, seed=0)
    assert points.shape == (2000, 2) and len(anchors) == 8
    assert np.abs(points).max() < 2.0  # inside the drawing area
    assert modes_covered(points, anchors, radius) == 8


def test_a_collapsed_generator_covers_one_mode():
    _, anchors, radius = real_distribution("gaussians8", 100)
    collapsed = anchors[3] + np.random.default_rng(0).normal(0, 0.02, (500, 2))
    assert modes_covered(collapsed, anchors, radius) == 1


def test_custom_points():
    points, anchors, _ = real_distribution("custom", 300, centres=[(0.5, 0.5), (-1, 0)])
    assert len(anchors) == 2 and points.shape == (300, 2)
    with pytest.raises(ValueError, match="1 to 20 points"):
        real_distribution("custom", 300, centres=[(5.0, 0.0)])


@pytest.mark.parametrize(("change", "message"), [
    ({"d_steps": 0}, r"`d_steps` \(k, D steps per G step\) must be an integer in \[1, 10\], received 0"),
    ({"batch_size": 5000}, r"`batch_size` must be between 1 and the 1000 real points"),
    ({"g_layers": 0}, r"`g_layers` must be an integer in \[1, 6\]"),
    ({"loss": "hinge"}, r"`loss` must be one of"),
])
def test_bad_settings_are_explained(change, message):
    with pytest.raises(ValueError, match=message):
        GanLab(dataclasses.replace(GanLabConfig(), **change))


def test_learning_rates_out_of_range():
    with pytest.raises(ValueError, match=r"learning rate of G must be in \[1e-05, 1\], received 5"):
        make_optimizer("adam", 5, "G")
    with pytest.raises(ValueError, match="learning rate of D"):
        make_optimizer("sgd", float("nan"), "D")


def test_lab_learns_and_counts_steps():
    lab = GanLab(GanLabConfig(data="ring", seed=0))

    def distance():  # mean distance from fakes to the ring of radius 1.2
        return np.abs(np.linalg.norm(lab.fake(), axis=1) - 1.2).mean()

    before = distance()
    lab.train(600)
    assert distance() < 0.5 * before
    lab.train(10, "d")
    lab.train(5, "g")
    assert (lab.g_steps, lab.d_steps_done) == (605, 610)
    assert len(lab.history["g_loss"]) == 605
    snap = lab.snapshot(resolution=12)
    assert snap.d_values.shape == (12, 12) and snap.probability
    assert 0 <= snap.d_values.min() and snap.d_values.max() <= 1
    assert snap.fake.shape == snap.arrows.shape == (500, 2)
    assert snap.status == "training" and 0 <= snap.modes_covered <= 8


def test_arrows_point_where_the_generator_loss_falls():
    lab = GanLab(GanLabConfig(loss="lsgan"))
    lab.train(50)
    fake = lab.fake()[:50]
    arrows = lab.generator_directions(fake)
    step = 1e-3 * arrows / np.linalg.norm(arrows, axis=1, keepdims=True)
    scores = lambda x: np.asarray(lab.gan.score(x.astype(np.float32)))[:, 0]  # noqa: E731
    # LSGAN: per-sample loss (s - 1)² falls along -∂L/∂x
    assert np.mean((scores(fake + step) - 1) ** 2 < (scores(fake) - 1) ** 2) > 0.95


def test_a_diverging_lab_is_reported_and_restored():
    """WGAN without clipping or penalty: nothing bounds the critic."""
    lab = GanLab(GanLabConfig(loss="wgan", clip_value=0.0, d_optimizer="sgd", d_lr=1.0, g_optimizer="sgd", g_lr=1.0))
    for _ in range(20):
        lab.train(200)
        if lab.status == "diverged":
            break
    assert lab.status == "diverged" and "weight clipping" in lab.message
    assert np.all(np.isfinite(lab.fake()))  # the weights before the bad chunk


def test_diagnosis_tells_collapse_from_not_yet_there():
    lab = GanLab(GanLabConfig())
    lab.g_steps = 500  # as if trained: only the picture matters below
    snap = lab.snapshot()
    snap.fake = snap.anchors[2] + np.random.default_rng(0).normal(0, 0.02, (500, 2))
    snap.modes_covered = modes_covered(snap.fake, snap.anchors, lab.radius)
    verdict, message = lab.diagnosis(snap)
    assert verdict == "collapsed" and "cover 1 of the 8 modes" in message
    snap.fake = np.random.default_rng(0).normal(0, 0.1, (500, 2))  # a blob between the modes
    snap.modes_covered = modes_covered(snap.fake, snap.anchors, lab.radius)
    assert lab.diagnosis(snap)[0] == "ok"
