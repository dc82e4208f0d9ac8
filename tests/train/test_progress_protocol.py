"""The one progress protocol: Callback, Throttle, Run.snapshot and Run.learned."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.train import Callback, Run, Throttle


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_start(self, run):
        self.events.append("start")

    def on_progress(self, run):
        self.events.append(run.epochs_done)

    def on_first_step(self, run):
        self.events.append(f"step {run.steps_done} of epoch {run.epochs_done + 1}")

    def on_queue(self, position):
        self.events.append(f"queue {position}")

    def on_end(self, run):
        self.events.append("end")


def test_throttle_passes_start_end_and_the_first_progress_then_limits_the_rest(monkeypatch):
    clock = iter(np.arange(0.0, 10.0, 0.1))  # each progress call advances 0.1 s
    monkeypatch.setattr("toolkit.train.callbacks.time.monotonic", lambda: next(clock))
    recorder = Recorder()
    throttle = Throttle(recorder, seconds=0.25)
    run = Run(name="r", model=None, epochs=10)
    throttle.on_start(run)
    for epoch in range(1, 11):
        run.epochs_done = epoch
        throttle.on_progress(run)
    throttle.on_queue(2)
    throttle.on_end(run)
    assert recorder.events == ["start", 1, 4, 7, 10, "queue 2", "end"]


def test_throttle_wraps_a_plain_function_and_rejects_bad_periods():
    seen = []
    throttle = Throttle(seen.append, seconds=0)
    run = Run(name="r", model=None, epochs=2)
    throttle.on_progress(run)
    throttle.on_progress(run)
    assert seen == [run, run]
    with pytest.raises(ValueError, match="`seconds` must be a number >= 0"):
        Throttle(seen.append, seconds=-1)


def test_snapshot_copies_the_numbers_and_drops_the_model():
    run = Run(name="r", model=object(), epochs=3, config={"lr": 0.1}, initial_weights=[np.zeros(2)])
    run.append_epochs({"loss": np.array([1.0, 0.5])})
    run.epochs_done = 2
    snap = run.snapshot()
    run.append_epochs({"loss": np.array([0.25])})
    run.config["lr"] = 9
    assert snap.model is None and snap.initial_weights is None
    assert snap.history["loss"].tolist() == [1.0, 0.5] and snap.config == {"lr": 0.1}
    assert snap.epochs_done == 2 and snap.name == "r"


@pytest.mark.parametrize(("loss", "learned"), [
    ([1.0, 0.5], True), ([1.0, 0.97], False), ([1.0, 1.5], False), ([1.0], None), ([np.nan, 0.1], None),
    ([-1.0, -2.0], True),
])
def test_learned_means_the_loss_fell_clearly(loss, learned):
    run = Run(name="r", model=None, epochs=len(loss))
    run.append_epochs({"loss": np.array(loss)})
    assert run.learned() is learned


def test_the_first_step_is_reported_before_the_first_epoch_ends_and_only_once():
    """A display shows that training has begun while the chunk loop still compiles."""
    import keras

    from toolkit.train import fit

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    x = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    recorder = Recorder()
    run = fit(model, x, x[:, :1], epochs=3, batch_size=8, steps_per_callback=5,
              callbacks=Throttle(recorder, seconds=60))
    assert recorder.events == ["start", "step 1 of epoch 1", 1, "end"]  # the throttle passes it
    assert (run.steps_per_epoch, run.steps_done) == (5, 15)
