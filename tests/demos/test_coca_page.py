"""The Contrastive captioners (CoCa) page in AppTest: formulas at first render, the smallest run with its live
curves, crops and captions, the table after it, a lesson link, bad URL parameters.

The page's default claim (one model both captions and classifies zero-shot, each branch only by its own loss)
is checked at the defaults in tests/multimodal/test_coca_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def test_first_render_shows_the_formulas_beside_the_controls():
    at = open_page("coca", timeout=TIMEOUT)
    assert_no_exception(at, "CoCa page")
    assert not at.error
    assert len(at.latex) >= 5  # both decoders, L_cap, the loss (λ_con), L_con (λ_cap), the pooling (q)
    assert any("captioning loss" in m.value for m in at.markdown)


def test_the_smallest_run_shows_live_curves_captions_and_the_table():
    at = train_smallest_run("coca", timeout=TIMEOUT)
    assert {"coca.live.caption", "coca.live.contrastive", "coca.live.crops"} <= chart_keys(at)
    assert "names the right shape" in table_with(at, "names the right shape").columns
    ways = table_with(at, "shape accuracy")
    assert list(ways["classified"]) == ["by the contrastive embeddings (CLIP's way)",
                                        "by the caption likelihood (a captioner's way)"]


def test_a_lesson_link_sets_its_weights_and_bad_parameters_get_one_sentence():
    at = open_page("coca", timeout=TIMEOUT, lesson="captioner")
    assert_no_exception(at, "CoCa page, captioner lesson")
    assert any("SimVLM" in m.value for m in [*at.markdown, *at.info, *at.caption])
    at = open_page("coca", timeout=TIMEOUT, contrastive_weight="0", caption_weight="0")
    assert_no_exception(at, "CoCa page, both weights 0")
    assert any("At least one of" in e.value for e in at.error)
    at = open_page("coca", timeout=TIMEOUT, n="200", batch="256")
    assert any("larger than the 200 training crops" in e.value for e in at.error)
    at = open_page("coca", timeout=TIMEOUT, caption_queries="-3", dim="7")
    assert_no_exception(at, "CoCa page with a malformed link")
    assert at.warning or at.error
