"""The Regularization lab page: bad URL values, bounds from LabConfig, and a tiny glyph run with every figure."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states
from toolkit.regularization import LabConfig

PAGE = str(DEMOS / "app_pages" / "regularization.py")


@pytest.mark.timeout(300)
def test_bad_url_values_are_named_and_the_page_keeps_working():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"l2": "-1", "dropout": "1", "ensemble": "100", "patience": "0", "strategies": "magic",
                            "task": "mnist", "epochs": "5000"})
    at.run()
    assert_no_exception(at, "regularization with bad URL values")
    warnings = " ".join(w.value for w in at.warning)
    for name in ("l2", "dropout", "ensemble", "patience", "strategies", "task", "epochs"):
        assert f"`{name}` must be" in warnings, f"no warning names {name}: {warnings}"
    assert "`epochs` must be an integer in [1, 2000]" in warnings  # the bound LabConfig declares
    assert not at.error and at.title[0].value == "Regularization lab"
    epochs = next(n for n in at.number_input if n.label == "Epochs")
    assert epochs.max == LabConfig.settings()["epochs"].hi and epochs.value == LabConfig().epochs
    assert len(at.get("latex")) >= 12  # the term of every strategy beside the controls, and Ω of L1 and L2
    at.query_params.update({"ensemble": "0"})
    at.run()
    assert "`ensemble` must be an integer in [2, 20]" in " ".join(w.value for w in at.warning)


def test_the_glyph_task_starts_from_its_own_defaults():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"task": "glyphs"})
    at.run()
    assert_no_exception(at, "regularization on glyphs")
    glyphs = LabConfig.for_task("glyphs")
    shown = {n.label: n.value for n in at.number_input}
    assert shown["Epochs"] == glyphs.epochs == 60 and shown["Training samples"] == glyphs.n_train == 300


@pytest.mark.timeout(600)
def test_a_tiny_glyph_run_shows_the_table_and_every_tab():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"task": "glyphs", "strategies": "none,augmentation,bagging", "epochs": "2",
                            "n_train": "20", "ensemble": "2"})
    at.run()
    click_and_finish(at, "Train", timeout=400)
    assert_no_exception(at, "regularization after a glyph run")
    assert not at.error, [e.value for e in at.error]
    assert "Finished" in end_states(at), end_states(at)
    table = next(d.value for d in at.dataframe if "variant" in d.value)  # after the session's runs
    assert list(table["variant"]) == ["none", "augmentation s=1", "bagging K=2"]
    assert [t.label for t in at.tabs] == ["Curves", "Generalization gap", "Weights", "Augmented samples",
                                          "Ensemble vote"]
    assert any("Members disagree on" in c.value for c in at.caption)


def test_the_capacity_sweep_draws_the_u_shaped_test_error_without_training():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert_no_exception(at, "regularization, capacity")
    keys = {chart.key for chart in at.get("plotly_chart")}
    assert {"regularization.fig.capacity", "regularization.fig.capacity_fits"} <= keys
    assert any("Best degree 5" in caption.value for caption in at.caption), [c.value for c in at.caption]
    at.number_input(key="regularization.capacity_n").set_value(5).run()
    at.slider(key="regularization.capacity_noise").set_value(0.0).run()
    assert_no_exception(at, "regularization, capacity with 5 noise-free points")
    assert any("degree 4 has training MSE" in caption.value for caption in at.caption)
