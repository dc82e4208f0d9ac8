"""The Normalization page (url ``normalization``) in AppTest: its four tabs, small runs, bad
URL values and an empty choice of normalizations."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception

TIMEOUT = 120


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "pages" / "normalization.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _table(at, column):
    return [t for t in at.dataframe if column in t.value.columns][0].value


def test_modes_and_axes_tabs_compute_without_training():
    at = _page()
    assert_no_exception(at, "normalization.py")
    assert [t.label for t in at.tabs] == ["Covariate shift", "High learning rate",
                                          "Training vs inference", "Which axes"]
    assert len(at.get("plotly_chart")) == 3  # moving averages, the two modes, the cubes
    assert list(_table(at, "averages over")["averages over"])[0] == "N, H, W"
    at.slider(key="normalization.momentum").set_value(0.999).run()
    at.select_slider(key="normalization.groups").set_value(6).run()
    assert_no_exception(at, "normalization.py after moving the sliders")
    assert not at.error


def test_covariate_shift_run_shows_histograms_and_saturation():
    at = _page(epochs="1", depth="1", norms="none,batch", lr="0")
    assert "URL parameter `lr` must be a number in [0.0001, 10], received '0'" in _texts(at.warning)
    at.button(key="normalization.submit").click().run(timeout=300)
    assert_no_exception(at, "normalization.py after Train")
    assert not at.error
    summary = _table(at, "run")
    assert list(summary["run"]) == ["no normalization", "BatchNorm"]
    assert summary["saturated at epoch 0"].iloc[0] > 0.3  # raw pixel counts: sigmoid tails
    assert summary["saturated at epoch 0"].iloc[1] < 0.05  # BatchNorm standardizes z
    assert len(at.get("plotly_chart")) >= 6  # + loss, accuracy, histograms


def test_high_learning_rate_tab_trains_with_and_without_batch_norm():
    at = _page(high_epochs="1", high_activation="softplus", high_lr="-1")
    warnings = _texts(at.warning)
    assert "URL parameter `high_activation` must be one of" in warnings
    assert "URL parameter `high_lr` must be a number" in warnings
    at.button(key="normalization_high.submit").click().run(timeout=300)
    assert_no_exception(at, "normalization.py after the high-learning-rate run")
    assert list(_table(at, "run")["run"]) == ["no normalization"] * 3 + ["BatchNorm"] * 3


def test_no_normalization_chosen_is_explained():
    at = _page(norms="", epochs="1")
    at.button(key="normalization.submit").click().run(timeout=120)
    assert_no_exception(at, "normalization.py with no normalization chosen")
    assert "`normalizations` must list distinct values" in _texts(at.error)
