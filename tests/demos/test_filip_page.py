"""The Fine-grained alignment (FILIP) page in AppTest: formulas at first render, the smallest run with its live
loss, zero-shot curve, word-to-patch maps and similarity matrix, the recall table and a typed caption's maps
after it, and bad URL parameters.

The page's claim (token-wise similarity retrieves the held-out pairs better than CLIP's pooled cosine on the
same batches) is checked at the defaults in tests/multimodal/test_page_defaults.py, beside CLIP's run.
"""

import pytest

from tests.demos.conftest import (SMALLEST_RUN, assert_no_exception, chart_keys, click_and_finish, open_page,
                                  table_with, train_smallest_run)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("filip", timeout=TIMEOUT, **params)


def test_first_render_shows_the_token_wise_formulas():
    at = _page()
    assert_no_exception(at, "FILIP page")
    assert not at.error
    assert len(at.latex) >= 2
    assert any("TOKEN WISE SIMILARITY" in m.value for m in at.markdown)


def test_the_smallest_run_draws_every_live_figure_and_the_recalls():
    at = train_smallest_run("filip", timeout=TIMEOUT)
    assert {"filip.live.loss", "filip.live.zero_shot", "filip.live.words", "filip.live.similarity",
            "filip.fig.words"} <= chart_keys(at)
    table = table_with(at, "text→image R@1")
    assert list(table["model"]) == ["FILIP (token-wise)"] and 0 <= table["text→image R@1"][0] <= 1
    at.text_input(key="filip.caption").set_value("a red circle").run()
    assert_no_exception(at, "FILIP page with a typed caption")
    assert "filip.fig.words" in chart_keys(at)


def test_comparing_with_clip_trains_clip_first_on_the_same_batches():
    at = _page(**SMALLEST_RUN["filip"], compare_clip="true")
    click_and_finish(at, "Train")
    assert_no_exception(at, "FILIP page comparing with CLIP")
    table = table_with(at, "text→image R@5")
    assert list(table["model"]) == ["CLIP (pooled u · v)", "FILIP (token-wise)"]
    assert list(table["epochs"]) == [2, 1]  # CLIP: 1.5× the link's epochs, rounded


def test_bad_url_parameters_get_one_sentence():
    at = _page(clip_epochs="0", clip_batch="7")
    assert_no_exception(at, "FILIP page with a malformed link")
    assert at.warning or at.error
