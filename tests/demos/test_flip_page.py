"""The Patch dropping (FLIP) page in AppTest: the formulas at first render, the smallest run (the ViT CLIP, then FLIP)
with its live loss and matching-against-time figures, the table with the patches each read, and bad URL parameters.

The page's claim at its defaults is checked in tests/multimodal/test_flip_defaults.py."""

import pytest

from demos.ui.live import panel_state_of
from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("flip", timeout=TIMEOUT, **params)


def test_first_render_shows_the_patch_drop_formulas():
    at = _page()
    assert_no_exception(at, "FLIP page")
    assert not at.error
    assert len(at.latex) >= 3
    assert any("masking out image patches" in m.value for m in at.markdown)


def test_the_smallest_run_trains_both_and_tables_their_patches_and_recalls():
    at = train_smallest_run("flip", timeout=TIMEOUT)
    assert {"flip.live.loss", "flip.live.time"} <= chart_keys(at)
    assert [run.name for run in panel_state_of(at, "flip").job.frame.runs.values()] == ["ViT CLIP", "FLIP r = 0.5"]
    table = table_with(at, "patches read")
    assert list(table["patches read"]) == ["64 of 64", "32 of 64"] and list(table["epochs"]) == [1, 1]


def test_a_lesson_link_sets_the_ratio():
    at = _page(lesson="high-ratio")
    assert_no_exception(at, "FLIP page with a lesson")
    assert any("r = 0.75" in info.value for info in at.info)


def test_bad_url_parameters_get_one_sentence():
    at = _page(flip_ratio="2", flip_epochs="-3")
    assert_no_exception(at, "FLIP page with a malformed link")
    assert at.warning or at.error
