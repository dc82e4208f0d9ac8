"""The Choosing φ page in AppTest: formulas beside the controls, a small race through the live panel with
its table and boundaries, lessons and bad input."""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)


def test_first_render_shows_every_formula_and_no_error():
    at = open_page("phi")
    assert_no_exception(at, "Choosing φ page")
    assert not at.warning and not at.error
    assert len(at.latex) >= 4  # ŷ, the chosen φ (one formula each), D and the kernel


def test_a_small_race_shows_the_table_and_a_boundary_per_phi():
    at = train_smallest_run("phi")
    table = table_with(at, "test accuracy")
    assert list(table["φ"]) == ["no φ: x itself", "engineered φ", "generic φ (RBF)", "learned φ"]
    assert {"phi.live.loss", "phi.fig.boundary.0", "phi.fig.boundary.3"} <= chart_keys(at)


def test_lessons_and_bad_settings_get_one_sentence():
    at = open_page("phi", lesson="memorize")
    assert_no_exception(at, "Choosing φ page, lesson")
    assert any("ℓ = 0.05" in info.value for info in at.info)
    at = open_page("phi", representations="", lengthscale="0", points="nope", lesson="nope")
    assert_no_exception(at, "Choosing φ page with a malformed link")
    assert at.warning
