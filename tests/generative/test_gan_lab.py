"""The 2-D GAN lab: real distributions, modes covered, validation, training modes, arrows,
and its progress reports (the toolkit's Callback protocol, Stop between chunks)."""

import threading

import numpy as np
import pytest

from toolkit.generative.gan_lab import DISTRIBUTIONS, GanLab, GanLabConfig, modes_covered, real_distribution
from toolkit.train import Callback


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
    ({"k": 0}, r"`k` must be an integer in \[1, 10\], received k=0"),
    ({"batch_size": 5000}, r"`batch_size` must be between 1 and the 1000 real points"),
    ({"g_layers": 0}, r"`g_layers` must be an integer in \[1, 6\]"),
    ({"loss": "hinge"}, r"`loss` must be one of"),
    ({"g_lr": 5}, r"`g_lr` must be a finite number in \[1e-05, 1\], received g_lr=5"),
    ({"d_lr": float("nan")}, r"`d_lr` must be a finite number"),
    ({"d_opt": "adagrad"}, r"`d_opt` must be one of 'adam', 'sgd', 'rmsprop'"),
    ({"data": "custom"}, r"`centres` must be 1 to 20 points"),
])
def test_bad_settings_are_explained(change, message):
    with pytest.raises(ValueError, match=message):
        GanLabConfig(**change)


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


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_start(self, run):
        self.calls.append(("start", run.epochs_done))

    def on_progress(self, run):
        self.calls.append(("progress", run.epochs_done))

    def on_end(self, run):
        self.calls.append(("end", run.epochs_done, run.status))


def test_play_reports_every_chunk_and_the_next_call_continues():
    lab = GanLab(GanLabConfig(steps=60))
    recorder = Recorder()
    run = lab.play(callbacks=recorder, chunk=25)  # config.steps
    assert recorder.calls == [("start", 0), ("progress", 25), ("progress", 50), ("progress", 60),
                              ("end", 60, "completed")]
    assert run.epochs == run.epochs_done == 60 and len(run.history["d_loss"]) == len(run.history["g_loss"]) == 60
    assert np.all(np.isfinite(run.history["g_loss"])) and run.wall_time > 0
    only_d = lab.play(10, "d", chunk=5)
    assert set(only_d.history) == {"d_loss"} and (lab.g_steps, lab.d_steps_done) == (60, 70)
    lab.play(5, "both")
    assert lab.history["g_step"][-1] == 65 and len(lab.history["g_loss"]) == 65  # the lab's whole history


def test_a_lab_matches_its_config_whatever_the_steps_per_click():
    lab = GanLab(GanLabConfig(steps=60))
    assert lab.matches(GanLabConfig(steps=500)) and not lab.matches(GanLabConfig(k=2))


def test_play_honours_stop_between_chunks():
    lab = GanLab(GanLabConfig())
    stop = threading.Event()
    recorder = Recorder()
    recorder.on_progress = lambda run: stop.set() if run.epochs_done >= 20 else None
    run = lab.play(500, callbacks=recorder, stop=stop, chunk=10)
    assert run.status == "stopped" and run.epochs_done == 20 and lab.g_steps == 20
    assert "Stopped after step 20" in run.message
    assert lab.play(5, stop=lambda: True).epochs_done == 0  # a callable stop works too


def test_a_diverging_lab_is_reported_and_restored():
    """WGAN without clipping or penalty: nothing bounds the critic."""
    lab = GanLab(GanLabConfig(loss="wgan", clip=0.0, d_opt="sgd", d_lr=1.0, g_opt="sgd", g_lr=1.0))
    run = lab.play(4000, chunk=200)
    assert lab.status == run.status == "diverged" and "weight clipping" in run.message
    assert run.epochs_done < 4000 and np.all(np.isfinite(run.history.get("d_loss", [])))  # bad chunks unrecorded
    assert np.all(np.isfinite(lab.fake()))  # the weights before the bad chunk
    assert lab.play(10).status == "diverged"  # nothing more to train


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
