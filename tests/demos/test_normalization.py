"""The Normalization page (url ``normalization``) in AppTest: its five tabs, its two trainings
through two live panels, bad URL values and an empty choice of normalizations."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from demos.ui import live
from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states

TIMEOUT = 120


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / "normalization.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _table(at, column):
    return [t for t in at.dataframe if column in t.value.columns][0].value


def _train_high(at) -> AppTest:
    """Clicks the second form's Train (the high-learning-rate tab) and waits for its run."""
    at.button(key="normalization_high.submit").click().run(timeout=300)
    assert live.wait_all(300)
    return at.run(timeout=300)


def test_modes_and_axes_tabs_compute_without_training():
    at = _page()
    assert_no_exception(at, "normalization.py")
    assert [t.label for t in at.tabs] == ["Covariate shift", "High learning rate",
                                          "Training vs inference", "Which axes", "Contrast"]
    assert len(at.get("plotly_chart")) == 4  # moving averages, the two modes, the cubes, the contrast grid
    assert [b.label for b in at.button if b.label == "Train"] == ["Train", "Train"]  # two trainings
    assert at.slider(key="normalization.momentum").value == 0.9  # the NormalizationConfig defaults
    assert at.select_slider(key="normalization.batch").value == 32
    assert list(_table(at, "averages over")["averages over"])[0] == "N, H, W"
    at.slider(key="normalization.momentum").set_value(0.999).run()
    at.select_slider(key="normalization.groups").set_value(6).run()
    assert_no_exception(at, "normalization.py after moving the sliders")
    assert not at.error


def test_covariate_shift_run_shows_histograms_and_saturation():
    at = _page(epochs="1", depth="1", norms="none,batch", lr="0")
    assert "URL parameter `lr` must be a number in [0.0001, 10], received '0'" in _texts(at.warning)
    at = click_and_finish(at, "Train")
    assert_no_exception(at, "normalization.py after Train")
    assert not at.error and end_states(at).count("Finished") == 2
    summary = _table(at, "layer")  # the saturation summary (not the panel's table of runs)
    assert list(summary["run"]) == ["no normalization", "BatchNorm"]
    assert summary["saturated at epoch 0"].iloc[0] > 0.3  # raw pixel counts: sigmoid tails
    assert summary["saturated at epoch 0"].iloc[1] < 0.05  # BatchNorm standardizes z
    assert len(at.get("plotly_chart")) == 7  # + test accuracy (live panel), loss, histograms


def test_high_learning_rate_tab_trains_with_and_without_batch_norm():
    at = _page(high_epochs="1", high_activation="softplus", high_lr="-1")
    warnings = _texts(at.warning)
    assert "URL parameter `high_activation` must be one of" in warnings
    assert "URL parameter `high_lr` must be a number" in warnings
    at = _train_high(at)
    assert_no_exception(at, "normalization.py after the high-learning-rate run")
    assert list(_table(at, "layer")["run"]) == ["no normalization"] * 3 + ["BatchNorm"] * 3
    ends = end_states(at)
    assert ends.count("Finished") + ends.count("Did not learn") == 2  # the second panel's two runs
    assert not [t for t in at.dataframe if "saturated at epoch 0" in t.value.columns]  # shift tab idle


def test_no_normalization_chosen_is_explained():
    at = _page(epochs="1")
    at.multiselect(key="normalization.norms").set_value([])
    at.button(key="normalization.submit").click().run()
    assert_no_exception(at, "normalization.py with no normalization chosen")
    assert "`norms` must be at least one value among 'none', 'batch', 'layer'" in _texts(at.error)
    assert len(at.get("plotly_chart")) == 4  # the other tabs still work


def test_the_contrast_tab_shows_that_only_instance_norm_removes_contrast():
    at = _page()
    rows = {row["norm"]: row for row in _table(at, "c = 0.25").to_dict("records")}
    assert rows["instance norm"]["c = 0.25"] < 0.01 and rows["instance norm"]["c = 2"] < 0.01, rows
    assert rows["batch norm"]["c = 0.25"] > 0.2 and rows["layer norm"]["c = 0.25"] > 0.2, rows
    at.slider(key="normalization.contrast_glyph").set_value(11).run()
    at.slider(key="normalization.contrast_filter").set_value(3).run()
    assert_no_exception(at, "normalization.py, contrast of glyph 11")
    assert "normalization.fig.contrast" in {chart.key for chart in at.get("plotly_chart")}
    assert not at.error
