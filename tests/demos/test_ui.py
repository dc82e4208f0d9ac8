"""The shared layer demos/ui: URL parameters, lessons and locks, errors, the chapter map.

The parsers are pure and tested directly; widgets and the link tools run in tiny AppTest
scripts. The live panel has its own tests (test_live_panel.py).
"""

from __future__ import annotations

import dataclasses
import pytest
from streamlit.testing.v1 import AppTest

from demos import ui
from demos.ui.params import query_text, read_values
from toolkit.config import Config, setting
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
    query = read_values([LR, EPOCHS, OPTIMIZER, SHUFFLE],
                        {"lr": "abc", "epochs": ["3", "7"], "optimizer": "nope", "other": "x"})
    assert query.values == {"lr": 0.03, "epochs": 7, "optimizer": "adam", "shuffle": True}
    assert query.warnings == [
        "URL parameter `lr` must be a number in [1e-5, 10], received 'abc'; using 0.03.",
        "URL parameter `optimizer` must be one of 'sgd', 'momentum', 'adam', received 'nope'; using adam.",
    ]


@pytest.mark.parametrize("kwargs", [
    {"name": "lr", "kind": float, "default": 20.0, "lo": 0.0, "hi": 10.0},
    {"name": "lr", "kind": float, "default": 0.1},
    {"name": "opt", "kind": "choice", "default": "adam"},
    {"name": "opt", "kind": "choice", "default": "rmsprop", "choices": ("adam",)},
    {"name": "x", "kind": "list", "default": []},
    {"name": "few", "kind": "multi", "default": (), "choices": ("a", "b"), "min_count": 1},
])
def test_param_rejects_inconsistent_declarations(kwargs):
    with pytest.raises(ValueError):
        ui.Param(**kwargs)


def test_read_and_write_params_in_a_page():
    def page():
        import streamlit as st

        from demos import ui

        spec = [ui.Param("lr", float, 0.03, lo=1e-5, hi=10), ui.Param("epochs", int, 100, lo=1, hi=500)]
        st.write(ui.read_params(spec).values)
        ui.write_params({"lr": 0.5, "epochs": 100}, spec)

    at = AppTest.from_function(page)
    at.query_params.update({"lr": "abc", "epochs": "200"})
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "URL parameter `lr` must be a number in [1e-5, 10], received 'abc'; using 0.03."]
    assert at.query_params["lr"] == ["0.5"] or at.query_params["lr"] == "0.5"
    assert "epochs" not in at.query_params  # the default is left out of the URL


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
    pages = {"Start": [("app_pages/home.py", "Home", ":material/home:", "home")],
             "1–2 Feed-forward networks": [("app_pages/ffnn.py", "FFNN", ":material/hub:", "ffnn")]}
    assert ui.chapter_pages(pages) == {1: pages["1–2 Feed-forward networks"], 2: 1}



# ---------------------------------------------------------------- settings from a Config, lessons, locks
@dataclasses.dataclass(frozen=True)
class LabConfig(Config):
    lr: float = setting(0.03, lo=1e-5, hi=10.0, label="Learning rate η")
    epochs: int = setting(100, lo=1, hi=500)
    optimizer: str = setting("adam", choices=("sgd", "adam"))


LESSONS = [ui.Lesson("slow", "Too small a step", "With η = 1e-5 the loss barely moves.", {"lr": 1e-5}),
           ui.Lesson("long", "Long run", "Train for a while.", {"epochs": 400, "optimizer": "sgd"})]


def test_settings_come_from_the_config_with_display_overrides_only():
    specs = ui.settings(LabConfig, "epochs", "lr", epochs={"widget": "number"})
    assert [s.name for s in specs] == ["epochs", "lr"]
    assert (specs[0].lo, specs[0].hi, specs[0].widget) == (1, 500, "number")
    assert specs[1].label == "Learning rate η"
    with pytest.raises(ValueError, match="no setting 'momentum'"):
        ui.settings(LabConfig, "momentum")
    with pytest.raises(ValueError, match="can be overridden"):
        ui.settings(LabConfig, epochs={"hi": 5000})  # bounds belong to the Config


def test_a_lesson_link_restores_its_preset_and_the_url_overrides_it():
    specs = ui.settings(LabConfig)
    query = read_values(specs, {"lesson": "long", "epochs": "300"}, LESSONS)
    assert query.lesson is LESSONS[1] and not query.warnings
    assert query.values == {"lr": 0.03, "epochs": 300, "optimizer": "sgd"}
    assert query_text(query.values, specs, lesson=query.lesson) == {"lesson": "long", "epochs": "300"}


def test_an_unknown_lesson_or_lock_is_one_warning_each():
    query = read_values(ui.settings(LabConfig), {"lesson": "nope", "lock": "lr,colour"}, LESSONS)
    assert query.lesson is None and query.locked == {"lr"}
    assert query.warnings[0].startswith("URL parameter `lesson` must be one of 'slow', 'long'")
    assert "colour" in query.warnings[1]


def test_a_lesson_of_another_tab_leaves_this_form_at_its_defaults_without_a_warning():
    other = [ui.Lesson("wide", "Another tab's lesson", "…", {"width": 9})]
    query = read_values(ui.settings(LabConfig), {"lesson": "wide"}, LESSONS, elsewhere=other)
    assert query.lesson is None and not query.warnings
    assert query.values == {spec.name: spec.default for spec in ui.settings(LabConfig)}
    query = read_values(ui.settings(LabConfig), {"lesson": "nope"}, LESSONS, elsewhere=other)
    assert query.warnings[0].startswith("URL parameter `lesson` must be one of 'slow', 'long', 'wide'")


def test_a_lock_of_another_tabs_lesson_is_left_to_that_tab():
    other = [ui.Lesson("wide", "Another tab's lesson", "…", {"width": 9})]
    query = read_values(ui.settings(LabConfig), {"lesson": "wide", "lock": "width"}, LESSONS, elsewhere=other)
    assert not query.warnings and query.locked == frozenset()
    query = read_values(ui.settings(LabConfig), {"lesson": "slow", "lock": "lr,widht"}, LESSONS, elsewhere=other)
    assert query.locked == {"lr"} and "widht" in query.warnings[0]  # a typo in this form's own lock is named


def lesson_page():
    import dataclasses

    import streamlit as st

    from demos import ui
    from toolkit.config import Config, setting

    @dataclasses.dataclass(frozen=True)
    class PageConfig(Config):
        lr: float = setting(0.03, lo=1e-5, hi=10.0)
        epochs: int = setting(100, lo=1, hi=500)

    lessons = [ui.Lesson("slow", "Too small a step", "With η = 1e-5 the loss barely moves.", {"lr": 1e-5})]
    form = ui.settings_form("lab", ui.settings(PageConfig), lessons=lessons)
    st.write(PageConfig(**form.values))


def test_a_lesson_link_shows_its_explanation_and_locked_controls_are_read_only():
    at = AppTest.from_function(lesson_page)
    at.query_params.update({"lesson": "slow", "lock": "lr"})
    at.run()
    assert not at.exception
    assert "Too small a step" in at.info[0].value and "barely moves" in at.info[0].value
    lr = at.number_input(key="lab.lr")
    assert lr.value == 1e-5 and lr.disabled
    assert not at.slider(key="lab.epochs").disabled
    assert [b.label for b in at.button if b.label == "Reset to defaults"]


def test_reset_to_defaults_clears_the_url_and_the_widgets():
    at = AppTest.from_function(lesson_page)
    at.query_params.update({"epochs": "7"})
    at.run()
    assert at.slider(key="lab.epochs").value == 7
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert not at.exception
    assert "epochs" not in at.query_params
    assert at.slider(key="lab.epochs").value == 100
