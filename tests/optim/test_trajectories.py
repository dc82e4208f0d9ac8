"""The optimizers on the 2-D surfaces: the paths follow the same update rules, escape
saddles as expected, reach minima, stop (truncated, flagged) when they diverge, and report
through the toolkit's callbacks as one Run per optimizer."""

import threading

import keras
import numpy as np
import pytest

from toolkit.optim import SGD, SURFACES, Adam, Momentum, Nesterov, path_points, trajectories
from toolkit.train import Callback


def test_path_follows_the_notes_and_the_keras_builtin():
    paths = trajectories("ravine", {"ours": Momentum(0.05, momentum=0.8),
                                    "keras": keras.optimizers.SGD(0.05, momentum=0.8)},
                         steps=100)
    w, v, expected = np.array(SURFACES["ravine"].start), np.zeros(2), []
    for _ in range(100):
        v = 0.8 * v - 0.05 * np.array([0.1 * w[0], 10 * w[1]])   # Eq. 2, ravine gradient
        w = w + v                                                # Eq. 3
        expected.append(w)
    ours = paths["ours"]
    np.testing.assert_allclose(ours.points[1:], expected, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(ours.points, paths["keras"].points, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(ours.losses, 0.05 * ours.points[:, 0] ** 2
                               + 5 * ours.points[:, 1] ** 2, rtol=1e-5)
    assert ours.points.shape == (101, 2) and ours.losses.shape == (101,)
    assert not ours.diverged and ours.steps_done == 100


def test_momentum_escapes_the_saddle_much_sooner_than_sgd():
    paths = trajectories("saddle", {"sgd": SGD(0.01), "momentum": Momentum(0.01, 0.9)},
                         start=(1.5, 0.01), steps=500)
    sgd, momentum = paths["sgd"], paths["momentum"]
    # SGD first slides down the stable direction x toward the saddle, barely moving in y
    assert np.all(np.diff(sgd.points[:100, 0]) < 0) and abs(sgd.points[100, 1]) < 0.1
    leaves = {k: int(np.argmax(np.abs(p.points[:, 1]) > 2)) for k, p in paths.items()}
    assert 0 < leaves["momentum"] < leaves["sgd"] / 3  # measured: 56 vs 268 steps
    assert sgd.losses[-1] < 0 and momentum.losses[-1] < 0  # both went downhill past f = 0
    assert sgd.diverged and momentum.diverged  # x^2 - y^2 is unbounded below


@pytest.mark.parametrize("name, lr, steps, minimum", [
    ("himmelblau", 0.05, 150, (3.0, 2.0)),
    ("rosenbrock", 0.1, 1000, (1.0, 1.0)),
])
def test_adam_reaches_the_minimum_from_the_default_start(name, lr, steps, minimum):
    path = trajectories(name, {"adam": Adam(lr)}, steps=steps)["adam"]
    assert np.linalg.norm(path.points[-1] - minimum) < 0.01
    assert path.losses[-1] < 1e-3


def test_divergence_is_flagged_and_the_path_truncated():
    surface = SURFACES["rosenbrock"]
    paths = trajectories("rosenbrock", {"sgd": SGD(0.01), "overflow": SGD(1e30)}, steps=200)
    for path in paths.values():
        assert path.diverged and path.steps_done < 200
        assert np.isfinite(path.points).all() and np.isfinite(path.losses).all()
        assert all(surface.contains(point) for point in path.points[:-1])  # Eq. 3: inside until the exit
    sgd = paths["sgd"]
    assert not surface.contains(sgd.points[-1]) and sgd.exit_step == sgd.steps_done  # kept: finite
    overflow = paths["overflow"]  # the very first step went to infinity: dropped
    assert overflow.steps_done == 0 and overflow.exit_step == 1


def test_noisy_gradients_are_seeded():
    optimizers = {"nesterov": Nesterov(0.02)}
    first = trajectories("noisy_bowl", optimizers, steps=50, seed=1)["nesterov"]
    again = trajectories("noisy_bowl", optimizers, steps=50, seed=1)["nesterov"]
    other = trajectories("noisy_bowl", optimizers, steps=50, seed=2)["nesterov"]
    np.testing.assert_array_equal(first.points, again.points)
    assert not np.allclose(first.points, other.points)
    x, y = first.points.T
    np.testing.assert_allclose(first.losses, 0.5 * x ** 2 + 2 * y ** 2, rtol=1e-5)  # noiseless f


def test_optimizers_passed_in_are_templates_left_untouched():
    adam = Adam(0.05)
    first = trajectories("beale", {"adam": adam}, steps=30)["adam"]
    second = trajectories("beale", {"adam": adam}, steps=30)["adam"]  # state starts afresh
    np.testing.assert_array_equal(first.points, second.points)
    assert not adam.built and int(adam.iterations) == 0


@pytest.mark.parametrize("kwargs, error, message", [
    ({"start": (7.0, 0.0)}, ValueError,
     "`start` (7.0, 0.0) lies outside the Rosenbrock domain x ∈ [-2, 2], y ∈ [-1, 3]: pick a "
     "start inside it (the surface's own start is (-1.2, 1))."),
    ({"start": "origin"}, ValueError, "`start` must be a pair (x, y) of numbers"),
    ({"steps": 0}, ValueError, "`steps` must be an integer in [1, 100000], received steps=0."),
    ({"optimizers": {}}, ValueError, "`optimizers` must be a non-empty dict"),
    ({"optimizers": {"a": "adam"}}, TypeError,
     "`optimizers['a']` must be a keras.optimizers.Optimizer, received str."),
])
def test_bad_arguments_are_named(kwargs, error, message):
    arguments = {"optimizers": {"sgd": SGD(0.001)}, **kwargs}
    with pytest.raises(error) as info:
        trajectories("rosenbrock", **arguments)
    assert message in str(info.value)


class Recorder(Callback):
    """Every hook call: (hook, run name, steps done, status)."""

    def __init__(self):
        self.calls = []

    def on_start(self, run):
        self.calls.append(("start", run.name, run.epochs_done, run.status))

    def on_progress(self, run):
        self.calls.append(("progress", run.name, run.epochs_done, run.status))

    def on_end(self, run):
        self.calls.append(("end", run.name, run.epochs_done, run.status))
        self.last = run


def test_each_path_reports_as_a_run_after_every_chunk():
    recorder = Recorder()
    paths = trajectories("ravine", {"sgd": SGD(0.1), "adam": Adam(0.5)}, steps=60,
                         callbacks=[recorder], steps_per_callback=25)
    assert recorder.calls == [
        ("start", "sgd", 0, "running"), ("progress", "sgd", 25, "running"),
        ("progress", "sgd", 50, "running"), ("progress", "sgd", 60, "running"),
        ("end", "sgd", 60, "completed"),
        ("start", "adam", 0, "running"), ("progress", "adam", 25, "running"),
        ("progress", "adam", 50, "running"), ("progress", "adam", 60, "running"),
        ("end", "adam", 60, "completed")]
    run, path = recorder.last, paths["adam"]
    assert run.epochs == 60 and run.model is None and run.config["surface"] == "ravine"
    np.testing.assert_array_equal(run.history["loss"], path.losses[1:])  # f after each step
    np.testing.assert_array_equal(path_points(run), path.points)
    assert run.learned() is True


def test_chunks_do_not_change_the_path():
    one = trajectories("noisy_bowl", {"n": Nesterov(0.02)}, steps=40, seed=3, steps_per_callback=1)["n"]
    all_ = trajectories("noisy_bowl", {"n": Nesterov(0.02)}, steps=40, seed=3, steps_per_callback=1000)["n"]
    np.testing.assert_array_equal(one.points, all_.points)


def test_stop_ends_the_current_path_and_skips_the_rest():
    event = threading.Event()
    recorder = Recorder()
    stop_after_first_chunk = Callback()
    stop_after_first_chunk.on_progress = lambda run: event.set()
    paths = trajectories("ravine", {"sgd": SGD(0.1), "adam": Adam(0.5)}, steps=100,
                         callbacks=[recorder, stop_after_first_chunk], stop=event, steps_per_callback=10)
    assert list(paths) == ["sgd"] and paths["sgd"].stopped and paths["sgd"].steps_done == 10
    assert recorder.calls[-1] == ("end", "sgd", 10, "stopped")


def test_run_status_divergence_on_a_bounded_surface_only():
    recorder = Recorder()
    trajectories("ravine", {"sgd": SGD(0.25)}, steps=150, callbacks=[recorder])
    assert recorder.last.status == "diverged" and "smaller learning rate" in recorder.last.message
    trajectories("saddle", {"sgd": SGD(0.05)}, steps=500, callbacks=[recorder])
    assert recorder.last.status == "completed" and "unbounded below" in recorder.last.message
