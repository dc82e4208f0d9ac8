"""The Activations & losses page in AppTest: every experiment at its smallest, in its live panel."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, SMALLEST_RUN, assert_no_exception, click_and_finish, end_states

TIMEOUT = 180


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / "activations.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _chart_specs(at) -> str:
    """Every chart's JSON, with the theme's title line breaks (<br>) read as spaces."""
    return " ".join(c.proto.spec for c in at.get("plotly_chart")).replace("\\u003cbr\\u003e", " ")


@pytest.mark.timeout(600)
def test_every_experiment_trains_in_its_own_panel():
    at = _page(**SMALLEST_RUN["activations"])
    assert_no_exception(at, "activations.py")
    assert len(at.get("plotly_chart")) == 2  # h / h' and the outlier data
    assert len(at.latex) >= 4  # h(z) of the chosen activations, dead units, the losses, Cybenko
    click_and_finish(at, "Train")  # the dying-ReLU run
    assert_no_exception(at, "activations.py after Train")
    captions = " ".join(caption.value for caption in at.caption)
    assert "relu: " in captions and "of the hidden units dead after 2 epochs" in captions
    assert "**relu** · epoch 2/2" in end_states(at) and "**leaky_relu** · epoch 2/2" in end_states(at)
    assert "Dying ReLU" in _chart_specs(at)  # drawn by the panel from the watched dead-unit counts
    click_and_finish(at, "Fit the three lines")
    assert "**lines** · epoch 300/300" in end_states(at) and "Residuals" in _chart_specs(at)
    click_and_finish(at, "Fit the networks")
    assert_no_exception(at, "activations.py after fitting")
    assert not at.error
    assert "**widths** · epoch 10/10" in end_states(at) and "**depths** · epoch 10/10" in end_states(at)
    specs = _chart_specs(at)
    for title in ("one-hidden-layer networks", "Error against width", "Same parameter budget"):
        assert title in specs
    assert len(at.get("plotly_chart")) == 1 + 1 + 2 + 4  # shapes, dead units, fits + residuals, J + 3 results


@pytest.mark.timeout(300)
def test_bad_url_values_and_an_empty_selection():
    at = _page(lr="0", fn="cos", outliers="90", alpha="2")
    assert_no_exception(at, "activations.py with bad URL values")
    warnings = " ".join(w.value for w in at.warning)
    assert "`lr` must be a number in [0.001, 10], received '0'; using 1." in warnings
    assert "`fn` must be one of 'sin'" in warnings and "`outliers` must be an integer in [0, 40]" in warnings
    assert "`alpha` must be a number in [0, 1], received '2'; using 0.2." in warnings
    at.multiselect(key="activations.names").set_value([]).run()
    assert "Pick at least one activation" in " ".join(i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the outlier data only
