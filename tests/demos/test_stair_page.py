"""The Sparse vocabulary embeddings (STAIR) page in AppTest: formulas at first render, the smallest run with its
live curves, word-weight map and reading curves, the tables and a typed caption after it, a lesson link, bad URL
parameters.

The page's claim (sparse image embeddings whose heaviest words name the crop, and only when grounded) is checked
at the defaults in tests/multimodal/test_stair_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def test_first_render_shows_the_formulas_beside_the_controls():
    at = open_page("stair", timeout=TIMEOUT)
    assert_no_exception(at, "STAIR page")
    assert not at.error
    assert len(at.latex) >= 5  # the head, the grounding, the loss; beside λ, the grounding and τ
    assert any("TOKEN PROJECTION HEAD" in m.value for m in at.markdown)


def test_the_smallest_run_shows_live_figures_tables_and_a_typed_caption():
    at = train_smallest_run("stair", timeout=TIMEOUT)
    assert {"stair.live.loss", "stair.live.zeros", "stair.live.words", "stair.live.reading",
            "stair.fig.search"} <= chart_keys(at)
    table = table_with(at, "shape read off w(x)")
    assert 0 <= table["zero weights w(x)"][0] <= 1
    assert "the image's words w(x)" in table_with(at, "the image's words w(x)").columns
    at.text_input(key="stair.query").set_value("a large blue star").run()
    assert_no_exception(at, "STAIR page with a typed caption")
    assert any("a large blue star" in m.value for m in at.markdown)


def test_a_lesson_link_sets_its_settings_and_bad_parameters_get_one_sentence():
    at = open_page("stair", timeout=TIMEOUT, lesson="ungrounded")
    assert_no_exception(at, "STAIR page, ungrounded lesson")
    assert any("own code" in m.value or "code of its own" in m.value for m in [*at.markdown, *at.info, *at.caption])
    at = open_page("stair", timeout=TIMEOUT, n="200", batch="256")
    assert any("larger than the 200 training crops" in e.value for e in at.error)
    at = open_page("stair", timeout=TIMEOUT, stair_flops="-3", epochs="many")
    assert_no_exception(at, "STAIR page with a malformed link")
    assert at.warning or at.error
