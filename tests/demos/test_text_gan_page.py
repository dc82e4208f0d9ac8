"""The Text-to-image GAN page in AppTest: formulas at first render, its smallest GAN-CLS run trained
live (caption grid, losses, agreement table), the caption box (judge's reading, bad captions), and
malformed URL parameters.

The page's default claim (samples follow the caption: class far above chance, bold captions thicker
than thin ones) is checked at the defaults in tests/generative/test_text_gan_defaults.py.
"""

import pytest

from tests.demos.conftest import (assert_no_exception, chart_keys, click_and_finish, end_states, open_page,
                                  table_with, train_smallest_run)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("text_gan", timeout=TIMEOUT, **params)


def test_first_render_shows_the_formulas_and_asks_for_a_run():
    at = _page()
    assert_no_exception(at, "Text-to-image GAN page")
    assert not at.warning and not at.error
    latex = " ".join(block.value for block in at.latex)
    assert r"\varphi(t)" in latex and r"\hat t" in latex  # φ(t) and the GAN-CLS loss with the wrong text
    assert any("Train the GAN above first" in info.value for info in at.info)


def test_a_small_run_fills_the_table_then_draws_a_typed_caption():
    at = train_smallest_run("text_gan", timeout=TIMEOUT)
    assert "Finished" in end_states(at), end_states(at)
    table = table_with(at, "class agrees ↑")
    assert list(table["D"]) == ["GAN-CLS", "chance (random samples)"]
    assert {"text_gan.fig.grid", "text_gan.fig.losses", "text_gan.caption.fig.samples"} <= chart_keys(at)
    assert any("'a bold slanted 7'" in m.value and "the judge reads" in m.value for m in at.markdown)

    at.text_input(key="text_gan.caption.caption").set_value("a purple 7")
    click_and_finish(at, "Draw")
    assert_no_exception(at, "Text-to-image GAN page, unknown word")
    assert any("'purple'" in e.value for e in at.error)
    at.text_input(key="text_gan.caption.caption").set_value("a thin")
    click_and_finish(at, "Draw")
    assert any("exactly one digit" in e.value for e in at.error)


def test_malformed_url_parameters_get_one_sentence_each():
    at = _page(epochs="0", p_slant="2", matching_aware="maybe")
    assert_no_exception(at, "Text-to-image GAN page with a malformed link")
    warnings = " ".join(w.value for w in at.warning)
    for name in ("epochs", "p_slant", "matching_aware"):
        assert name in warnings, warnings
