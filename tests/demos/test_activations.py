"""The Activations & losses page in AppTest: every experiment at its smallest, bad URL values."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, SMALLEST_RUN, assert_no_exception

TIMEOUT = 180


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "pages" / "activations.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


@pytest.mark.timeout(600)
def test_every_experiment_runs_and_stays_on_the_page():
    at = _page(**SMALLEST_RUN["activations"])
    assert_no_exception(at, "activations.py")
    assert len(at.get("plotly_chart")) == 2  # h / h' and the outlier data
    at.button(key="activations.train").click().run()
    assert_no_exception(at, "activations.py after Train")
    assert "relu: " in at.caption[-1].value and "after 2 epochs" in at.caption[-1].value
    at.button(key="activations.fit").click().run()
    at.button(key="activations.approximate").click().run()
    assert_no_exception(at, "activations.py after fitting")
    assert not at.error
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(titles) == 1 + 1 + 2 + 3  # shapes, dying units, fits + residuals, three approximation figures
    assert any("Dying ReLU" in t for t in titles) and any("Residuals" in t for t in titles)


@pytest.mark.timeout(300)
def test_bad_url_values_and_an_empty_selection():
    at = _page(lr="0", fn="cos", outliers="90")
    assert_no_exception(at, "activations.py with bad URL values")
    warnings = " ".join(w.value for w in at.warning)
    assert "`lr` must be a number in [0.001, 10], received '0'; using 1." in warnings
    assert "`fn` must be one of 'sin'" in warnings and "`outliers` must be an integer in [0, 40]" in warnings
    at.multiselect(key="activations.names").set_value([]).run()
    assert "Pick at least one activation" in " ".join(i.value for i in at.info)
