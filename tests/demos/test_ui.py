"""The shared helpers of demos/ui.py: URL parameters, run records and history, live training.

The parsers and the history are pure and tested directly; the training panel is run in a
tiny AppTest script, including a run interrupted by a rerun (what Stop does).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from demos import ui
from toolkit.data import DatasetUnavailable

LR = ui.Param("lr", float, 0.03, lo=1e-5, hi=10)
EPOCHS = ui.Param("epochs", int, 100, lo=1, hi=5000)
OPTIMIZER = ui.Param("optimizer", "choice", "adam", choices=("sgd", "momentum", "adam"))
BATCH = ui.Param("batch", "choice", 32, choices=(16, 32, 64))
SHUFFLE = ui.Param("shuffle", bool, True)
NAME = ui.Param("name", str, "run", max_length=10)


# ---------------------------------------------------------------- URL parameters
@pytest.mark.parametrize(("spec", "raw", "expected"), [
    (LR, "0.1", 0.1), (LR, "1e-3", 1e-3), (LR, " 10 ", 10.0), (LR, ".5", 0.5), (LR, "1E-5", 1e-5),
    (EPOCHS, "1", 1), (EPOCHS, "+5000", 5000), (EPOCHS, "250", 250),
    (OPTIMIZER, "momentum", "momentum"), (BATCH, "64", 64),
    (SHUFFLE, "false", False), (SHUFFLE, "TRUE", True), (SHUFFLE, "0", False), (SHUFFLE, "yes", True),
    (NAME, "spiral-2", "spiral-2"),
])
def test_parse_param_reads_good_values(spec, raw, expected):
    value = ui.parse_param(spec, raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("spec", "raw"), [
    (LR, "abc"), (LR, ""), (LR, "1.2.3"), (LR, "nan"), (LR, "inf"), (LR, "1e999"), (LR, "0x10"),
    (LR, "0"), (LR, "11"), (LR, "-0.1"),
    (EPOCHS, "0"), (EPOCHS, "5001"), (EPOCHS, "2.5"), (EPOCHS, "1e3"), (EPOCHS, "ten"), (EPOCHS, "9" * 40),
    (OPTIMIZER, "Adam"), (OPTIMIZER, "rmsprop"), (BATCH, "33"), (SHUFFLE, "maybe"), (NAME, "x" * 11),
])
def test_parse_param_rejects_bad_values_in_one_sentence(spec, raw):
    with pytest.raises(ValueError) as info:
        ui.parse_param(spec, raw)
    message = str(info.value)
    assert message.startswith(f"`{spec.name}` must be ") and "received" in message
    assert "\n" not in message and len(message) < 200


def test_parse_param_message_names_bounds_and_value():
    with pytest.raises(ValueError, match=r"^`lr` must be a number in \[1e-5, 10\], received 'abc'$"):
        ui.parse_param(LR, "abc")
    with pytest.raises(ValueError, match="one of 'sgd', 'momentum', 'adam'"):
        ui.parse_param(OPTIMIZER, "rmsprop")


@pytest.mark.parametrize("spec", [LR, EPOCHS, OPTIMIZER, BATCH, SHUFFLE, NAME])
def test_format_param_round_trips(spec):
    for value in {LR: (1e-5, 0.03, 2.5, 10.0), EPOCHS: (1, 77, 5000), OPTIMIZER: spec.choices,
                  BATCH: spec.choices, SHUFFLE: (True, False), NAME: ("", "a b")}[spec]:
        assert ui.parse_param(spec, ui.format_param(spec, value)) == value


def test_read_values_falls_back_to_defaults_with_one_warning_per_bad_value():
    values, errors = ui.read_values([LR, EPOCHS, OPTIMIZER, SHUFFLE],
                                    {"lr": "abc", "epochs": ["3", "7"], "optimizer": "nope", "other": "x"})
    assert values == {"lr": 0.03, "epochs": 7, "optimizer": "adam", "shuffle": True}
    assert errors == [
        "URL parameter `lr` must be a number in [1e-5, 10], received 'abc'; using 0.03.",
        "URL parameter `optimizer` must be one of 'sgd', 'momentum', 'adam', received 'nope'; using adam.",
    ]


@pytest.mark.parametrize("kwargs", [
    {"name": "lr", "kind": float, "default": 20.0, "lo": 0.0, "hi": 10.0},
    {"name": "lr", "kind": float, "default": 0.1},
    {"name": "opt", "kind": "choice", "default": "adam"},
    {"name": "opt", "kind": "choice", "default": "rmsprop", "choices": ("adam",)},
    {"name": "x", "kind": list, "default": []},
])
def test_param_rejects_inconsistent_declarations(kwargs):
    with pytest.raises(ValueError):
        ui.Param(**kwargs)


def test_read_and_write_params_in_a_page():
    def page():
        import streamlit as st

        from demos import ui

        spec = [ui.Param("lr", float, 0.03, lo=1e-5, hi=10), ui.Param("epochs", int, 100, lo=1, hi=500)]
        values, errors = ui.read_params(spec)
        st.write(values)
        ui.write_params({"lr": 0.5, "epochs": 100}, spec)

    at = AppTest.from_function(page)
    at.query_params.update({"lr": "abc", "epochs": "200"})
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "URL parameter `lr` must be a number in [1e-5, 10], received 'abc'; using 0.03."]
    assert at.query_params["lr"] == ["0.5"] or at.query_params["lr"] == "0.5"
    assert "epochs" not in at.query_params  # the default is left out of the URL


# ---------------------------------------------------------------- run records and history
def fake_run(name="run", status="completed", epochs_done=5, epochs=5):
    history = {"loss": np.linspace(1, 0.5, epochs_done), "val_loss": np.linspace(1.1, 0.6, epochs_done)}
    return SimpleNamespace(name=name, status=status, epochs_done=epochs_done, epochs=epochs,
                           history=history, wall_time=2.0, message="", config={}, model=object())


def test_run_record_copies_the_numbers_of_a_run():
    run = fake_run()
    record = ui.RunRecord.from_run(run)
    run.history["loss"][:] = 99  # the record keeps its own copy
    assert record.final("loss") == 0.5 and record.epochs_per_second == 2.5
    row = record.row()
    assert row["run"] == "run" and row["status"] == "completed" and row["epochs"] == "5/5"
    assert row["val_loss"] == 0.6 and row["epochs/s"] == 2.5 and row["wall time (s)"] == 2.0


def test_history_is_bounded_and_frees_old_models():
    history = ui.RunHistory(max_runs=10, keep_models=3)
    records = [ui.RunRecord.from_run(fake_run(f"run {i}")) for i in range(15)]
    for record in records:
        history.add(record)
    history.add(records[-1])  # adding the same record again does not duplicate it
    assert len(history) == 10
    assert [r["run"] for r in history.rows()] == [f"run {i}" for i in range(14, 4, -1)]
    assert [r.run is not None for r in history.records] == [False] * 7 + [True] * 3


def test_history_rejects_bad_bounds():
    with pytest.raises(ValueError):
        ui.RunHistory(max_runs=0)


@pytest.mark.parametrize(("stop_requested", "reason"), [(True, "you pressed Stop"), (False, "the page was rerun")])
def test_an_interrupted_record_is_settled_as_stopped(stop_requested, reason):
    run = fake_run(status="running", epochs_done=3, epochs=10)
    record = ui.RunRecord.from_run(run)
    record.stop_requested = stop_requested
    record.settle_interrupted()
    assert record.status == "stopped" and run.status == "stopped"
    assert record.message.startswith("Stopped after epoch 3 of 10 because ") and reason in record.message
    assert len(record.history["loss"]) == 3  # the curve recorded so far is kept


def test_a_finished_record_is_not_settled_again():
    record = ui.RunRecord.from_run(fake_run(status="diverged"))
    record.settle_interrupted()
    assert record.status == "diverged"


def test_status_line_shows_metrics_or_the_queue():
    record = ui.RunRecord.from_run(fake_run(status="running", epochs_done=4, epochs=8))
    assert record.status == "running"
    assert ui.status_line(record).startswith("epoch 4/8 · loss 0.5 · val_loss 0.6")
    record.queue_position = 2
    assert "position 2 in the queue" in ui.status_line(record)


def test_router_and_ui_import_without_tensorflow():
    """The Home page must render fast: TensorFlow loads only when training or the sidebar needs it."""
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, demos.app, demos.ui; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(ui.__file__).resolve().parents[1])
    assert result.stdout.strip() == "False False"


# ---------------------------------------------------------------- errors and chapters
def test_user_errors_are_recognised():
    assert ui.is_user_error(ValueError("bad"))
    assert ui.is_user_error(DatasetUnavailable("offline"))
    assert not ui.is_user_error(KeyError("x"))


def test_show_error_gives_user_errors_one_sentence_and_bugs_details():
    def page():
        from demos import ui

        ui.show_error(ValueError("`lr` must be positive, received lr=-1."))
        try:
            {}["missing"]
        except KeyError as error:
            ui.show_error(error, doing="building the model")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert at.error[0].value == "`lr` must be positive, received lr=-1."
    assert at.error[1].value.startswith("Something went wrong while building the model (KeyError")
    assert len(at.expander) == 1


@pytest.mark.parametrize(("section", "chapters"), [
    ("Start", []), ("1–2 Feed-forward networks", [1, 2]), ("3 Optimization", [3]),
    ("10-11 Diffusion and multimodal", [10, 11]), ("5 CNN", [5]),
])
def test_section_chapters(section, chapters):
    assert ui.section_chapters(section) == chapters


def test_chapter_pages_maps_chapters_to_their_pages():
    pages = {"Start": [("pages/home.py", "Home", ":material/home:", "home")],
             "1–2 Feed-forward networks": [("pages/ffnn.py", "FFNN", ":material/hub:", "ffnn")]}
    assert ui.chapter_pages(pages) == {1: pages["1–2 Feed-forward networks"], 2: 1}


# ---------------------------------------------------------------- live training (TensorFlow)
def training_page():
    """A minimal training page: form, panel, history; `interrupt_at` simulates Stop mid-run."""
    import keras
    import numpy as np
    import streamlit as st

    from demos import ui
    from toolkit.train import Callback, fit

    class Interrupt(Callback):
        def on_progress(self, run):
            if run.epochs_done >= 3 and st.session_state.get("interrupt"):
                st.session_state["interrupt"] = False
                if st.session_state.get("press_stop"):
                    ui._request_stop("test")  # what the Stop button's on_click does
                st.rerun()  # a click during training reruns the script like this

    def train(progress):
        keras.utils.set_random_seed(0)
        x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
        y = (x[:, 0] * x[:, 1] > 0).astype("float32")
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        return fit(model, x, y, epochs=values["epochs"], batch_size=16, steps_per_callback=4,
                   callbacks=[progress, Interrupt()], config={"dataset": {"name": "xor"}})

    values, submitted = ui.train_form("test", [ui.Param("epochs", int, 6, lo=1, hi=50)])
    ui.training_panel("test", submitted, train)
    ui.run_history("test")


@pytest.mark.timeout(300)
def test_training_panel_shows_a_completed_run_and_keeps_it_after_a_rerun():
    at = AppTest.from_function(training_page, default_timeout=120).run()
    assert not at.exception and not at.dataframe  # no runs yet, no table
    at.button(key="test.submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("**Completed** · epoch 6/6")
    assert len(at.get("plotly_chart")) == 1 and len(at.get("download_button")) == 1
    at.run()  # any rerun: the finished run is still shown, from session state
    assert at.success[0].value.startswith("**Completed** · epoch 6/6")
    assert at.dataframe[0].value["status"].tolist() == ["completed"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("press_stop", "reason"), [(True, "you pressed Stop"), (False, "the page was rerun")])
def test_a_run_interrupted_by_a_rerun_is_shown_as_stopped_with_its_curve(press_stop, reason):
    at = AppTest.from_function(training_page, default_timeout=120)
    at.session_state["interrupt"] = True
    at.session_state["press_stop"] = press_stop
    at.run()
    at.slider[0].set_value(40)
    at.button(key="test.submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stopped = at.warning[0].value
    assert stopped.startswith("**Stopped** · epoch ") and reason in stopped
    epochs_done = int(stopped.split("epoch ")[1].split("/")[0])
    assert 3 <= epochs_done < 40
    assert len(at.get("plotly_chart")) == 1  # the curve recorded before the interruption
    table = at.dataframe[0].value
    assert table["status"].tolist() == ["stopped"] and table["epochs"].tolist() == [f"{epochs_done}/40"]
    assert not math.isnan(table["loss"][0])
