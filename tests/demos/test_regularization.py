"""The Regularization lab page: bad URL values, and a tiny glyph run with every result figure."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception

PAGE = str(DEMOS / "pages" / "regularization.py")


@pytest.mark.timeout(300)
def test_bad_url_values_are_named_and_the_page_keeps_working():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"l2": "-1", "dropout": "1", "ensemble": "100", "patience": "0", "strategies": "magic",
                            "task": "mnist"})
    at.run()
    assert_no_exception(at, "regularization with bad URL values")
    warnings = " ".join(w.value for w in at.warning)
    for name in ("l2", "dropout", "ensemble", "patience", "strategies", "task"):
        assert f"`{name}` must be" in warnings, f"no warning names {name}: {warnings}"
    assert not at.error and at.title[0].value == "Regularization lab"
    at.query_params.update({"ensemble": "0"})
    at.run()
    assert "`ensemble` must be an integer in [2, 20]" in " ".join(w.value for w in at.warning)


@pytest.mark.timeout(600)
def test_a_tiny_glyph_run_shows_the_table_and_every_tab():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"task": "glyphs", "strategies": "none,augmentation,bagging", "epochs": "2",
                            "n_train": "20", "ensemble": "2"})
    at.run()
    next(b for b in at.button if b.label == "Train").click()
    at.run(timeout=400)
    assert_no_exception(at, "regularization after a glyph run")
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[-1].value if len(at.dataframe) else None
    assert table is not None and list(table["variant"]) == ["none", "augmentation s=1", "bagging K=2"]
    assert [t.label for t in at.tabs] == ["Curves", "Generalization gap", "Weights", "Augmented samples",
                                          "Ensemble vote"]
    assert any("Members disagree on" in c.value for c in at.caption)
