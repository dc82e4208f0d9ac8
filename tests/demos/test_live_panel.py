"""The one live panel (demos/ui/live.py) in AppTest: end states, Stop, reruns, many sessions.

A tiny page trains a 2-4-1 network on XOR through ``ui.live_panel``. Training runs in a
background thread, so a test clicks Train, waits for the job, and reruns, as the panel's
own refresh does in a browser.
"""

from __future__ import annotations

import gc
import resource
import threading

import pytest
from streamlit.testing.v1 import AppTest

from demos.ui import live
from tests.demos.conftest import click_and_finish, end_states
from toolkit.viz.theme import RUN_COLORS

TIMEOUT = 120


def training_page():
    import dataclasses

    import keras
    import numpy as np
    import streamlit as st

    from demos import ui
    from toolkit.config import Config, setting
    from toolkit.train import fit

    @dataclasses.dataclass(frozen=True)
    class XorConfig(Config):
        epochs: int = setting(20, lo=1, hi=100_000, widget="number")
        lr: float = setting(0.05, lo=0.0, hi=1e6, widget="number")
        loss: str = setting("binary_crossentropy", choices=("binary_crossentropy", "mse"))
        fail: bool = setting(False)  # the page's code raises after its run: the panel shows the error
        results: float = setting(0.0, lo=0.0, hi=10.0)  # seconds the page computes its results after the run

    form = ui.settings_form("xor", ui.settings(XorConfig))
    config = XorConfig(**form.values)
    st.button("Another widget")  # a rerun from elsewhere on the page

    def train(live):
        keras.utils.set_random_seed(0)
        x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        y = (x[:, 0] * x[:, 1] > 0).astype("float32")
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1, activation="sigmoid" if config.loss != "mse" else None)])
        model.compile(keras.optimizers.SGD(config.lr), config.loss, metrics=["accuracy"])
        live.watch(lambda run: {"epoch seen by the watcher": run.epochs_done})
        run = fit(model, x, y, epochs=config.epochs, batch_size=16, steps_per_callback=4,
                  callbacks=live.callbacks, stop=live.stop, config={"dataset": {"name": "xor"}})
        if config.fail:
            raise ValueError("The page could not read the trained model.")
        if config.results:
            import time

            live.finishing("the page's results")
            time.sleep(config.results)
        return run

    def draw(frame):
        st.metric("watched epoch", frame.extras["epoch seen by the watcher"])
        st.metric("frame epoch", frame.epoch)

    job = ui.live_panel("xor", start=form.submitted, train=train, draw=draw)
    if job is not None and not job.running and job.result is not None:
        st.write(f"result: {job.result.status} after {job.result.epochs_done} epochs")


def page(**query) -> AppTest:
    at = AppTest.from_function(training_page, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def texts(at) -> str:
    return " ".join(str(m.value) for m in at.markdown)


@pytest.mark.timeout(300)
def test_a_finished_run_says_finished_and_every_figure_shows_one_epoch():
    at = page(epochs="20", lr="0.5")
    click_and_finish(at, "Train")
    assert not at.exception, [e.value for e in at.exception]
    # the run's line starts with a swatch of its colour in the figures (the first run's)
    assert f'**Finished** · :color[━━]{{foreground="{RUN_COLORS[0]}"}} **sequential' in end_states(at)
    assert "result: completed after 20 epochs" in texts(at)
    assert {m.value for m in at.metric} == {"20"}  # the watcher and the frame agree on the epoch
    at.run()  # any later rerun still shows the finished run
    assert "**Finished**" in end_states(at)


@pytest.mark.timeout(300)
def test_an_error_after_the_run_is_shown_below_the_figures_of_its_last_frame():
    at = page(epochs="3", fail="true")
    click_and_finish(at, "Train")
    assert not at.exception, [e.value for e in at.exception]
    assert any("could not read the trained model" in e.value for e in at.error)
    assert {m.value for m in at.metric} == {"3"}  # the last frame's figures are still drawn
    panel = next(block for block in at.main if "live-done" in str(getattr(block, "key", "") or ""))
    kinds = [child.type for child in panel.children.values()]
    assert kinds.index("error") > max(i for i, kind in enumerate(kinds) if kind == "metric"), kinds


@pytest.mark.timeout(300)
def test_the_seconds_after_the_last_epoch_say_what_the_page_computes():
    at = page(epochs="20", lr="0.5", results="3")
    next(b for b in at.button if b.label == "Train").click().run()
    job = live.panel_state_of(at, "xor").job
    while not job.frame.finishing:
        job.wait(0.05)
    at.run()
    assert job.running  # still computing the results
    bars = [bar.proto.text for bar in at.get("progress")]
    assert bars == ["Training done · now computing the page's results…"], bars
    assert "**Finished**" in end_states(at)  # the run itself has ended and says so
    assert job.wait(TIMEOUT)
    at.run()
    assert "result: completed after 20 epochs" in texts(at)
    bars = [bar.proto.text for bar in at.get("progress")]
    assert len(bars) == 1 and bars[0].endswith(": epoch 20 of 20"), bars  # the run's own bar again


@pytest.mark.timeout(300)
def test_a_run_whose_loss_does_not_fall_says_did_not_learn():
    at = page(epochs="5", lr="0")
    click_and_finish(at, "Train")
    states = end_states(at)
    assert "**Did not learn**" in states and "Finished" not in states
    assert "hardly moved" in states and "η = 0" in states and "10 times larger" in states  # why, in words


@pytest.mark.timeout(300)
def test_a_run_whose_loss_explodes_says_diverged():
    at = page(epochs="50", lr="1e6", loss="mse")
    click_and_finish(at, "Train")
    assert "**Diverged**" in end_states(at) and "smaller learning rate" in end_states(at)


@pytest.mark.timeout(300)
def test_stop_ends_the_run_and_says_so_with_the_epochs_kept():
    at = page(epochs="100000", lr="0.5")
    next(b for b in at.button if b.label == "Train").click().run()
    job = live.panel_state_of(at, "xor").job
    while not job.frame.epoch:  # wait for the first frame
        job.wait(0.05)
    at.button(key="xor.stop").click().run()
    assert job.wait(TIMEOUT)
    at.run()
    states = end_states(at)
    assert "**Stopped**" in states and "because you pressed Stop" in states
    done = job.result.epochs_done
    assert 0 < done < 100_000 and f"epoch {done}/100000" in states


@pytest.mark.timeout(300)
def test_a_rerun_from_another_widget_does_not_end_the_run():
    at = page(epochs="400", lr="0.5")
    next(b for b in at.button if b.label == "Train").click().run()
    for _ in range(3):
        next(b for b in at.button if b.label == "Another widget").click().run()
    assert live.wait_all(TIMEOUT)
    at.run()
    assert "result: completed after 400 epochs" in texts(at)


@pytest.mark.timeout(600)
def test_several_sessions_at_once_each_finish_their_epochs():
    sessions = [page(epochs=str(150 + 10 * i), lr="0.5") for i in range(4)]
    for at in sessions:  # every session clicks Train before any run ends
        next(b for b in at.button if b.label == "Train").click().run()
    assert live.wait_all(300)
    for i, at in enumerate(sessions):
        at.run()
        assert f"result: completed after {150 + 10 * i} epochs" in texts(at), end_states(at)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


# Growth allowed per run of the 2-4-1 network. TensorFlow kept 5-6 MB of every run (each traced
# step registered its graph-mode gradient functions in a process-wide registry that is never
# emptied) until toolkit.train.graph_memory; now a run leaves nothing: models, frames, compiled
# loops and their registrations are freed. The allowance is for the allocator's noise.
MEMORY_PER_RUN_MB = 1
RUNS = 15


def tiny_training(live):
    import keras
    import numpy as np

    from toolkit.train import fit

    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy")
    return fit(model, x, y, epochs=2, batch_size=16, callbacks=live.callbacks, stop=live.stop)


@pytest.mark.timeout(600)
def test_memory_after_many_runs_stays_within_the_stated_bound():
    """RUNS runs through the panel's Job, each one replacing the last as a new click does (a leak
    of MEMORY_PER_RUN_MB per run already shows after RUNS; each run costs about 1.5 s of tracing)."""
    from toolkit.train.graph_memory import custom_gradient_names

    state = live.PanelState()
    for index in range(5 + RUNS):
        if index == 5:  # the first runs warm TensorFlow's caches
            gc.collect()
            before, registered = rss_mb(), set(custom_gradient_names())
        live._release(state)
        state.job = live.Job("memory", tiny_training, metric="loss", refresh=0.3)
        assert state.job.wait(TIMEOUT) and state.job.result.status == "completed"
    live._release(state)
    gc.collect()
    growth = rss_mb() - before
    assert growth < RUNS * MEMORY_PER_RUN_MB, f"RSS grew {growth:.0f} MB over {RUNS} runs"
    assert set(custom_gradient_names()) <= registered, "a run left its traced gradients registered"
    assert threading.active_count() < 20, "threads of ended runs are still alive"


class _Live:
    running = True


@pytest.mark.parametrize(("panels", "draw_seconds", "pause"), [
    (1, 0.05, 0.0),  # one student: the page's own refresh
    (3, 0.05, 0.0),  # 3 × 0.05 s of drawing per 0.3 s period is half of the Python time
    (8, 0.1, 1.3),  # 8 × 0.1 s / 0.5 = 1.6 s period = 0.3 s refresh + 1.3 s pause
    (30, 0.2, 5.0),  # 12 s: capped at 5 s
])
def test_under_a_class_each_panel_waits_its_share_of_half_the_python_time(monkeypatch, panels, draw_seconds, pause):
    monkeypatch.setattr(live, "all_jobs", lambda: [_Live() for _ in range(panels)])
    state = live.PanelState(draw_seconds=draw_seconds)
    assert live._share_pause(state, refresh=0.3) == pytest.approx(pause)
