"""The Text-to-image page in AppTest: a small caption-conditioned DDPM trained live and scored, then prompted;
unknown words, a too long prompt, lessons and bad input.

The page's default claims (the prompt's shape and colour drawn far above chance, guidance, a word no
caption names) are checked at the defaults in tests/diffusion/test_text_defaults.py.
"""

import pytest

from tests.demos.conftest import (assert_no_exception, chart_keys, click_and_finish, open_page, table_with,
                                  train_smallest_run)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("text_to_image", timeout=TIMEOUT, **params)


def test_first_render_has_formulas_and_asks_for_a_model():
    at = _page()
    assert_no_exception(at, "Text-to-image page")
    assert not at.warning and not at.error
    assert any("Train the text-to-image DDPM" in info.value for info in at.info)
    assert len(at.latex) >= 5  # a formula beside the controls


def test_a_small_run_is_scored_then_prompted():
    at = train_smallest_run("text_to_image", timeout=TIMEOUT)
    table = table_with(at, "shape as asked ↑")
    assert list(table["prompt"])[-2:] == ["the empty prompt ∅ (chance)", "real crops (the reader's accuracy)"]
    assert {"text_to_image.train.live.loss", "text_to_image.train.live.samples",
            "text_to_image.train.fig.gallery", "text_to_image.prompt.fig.samples"} <= chart_keys(at)
    assert any("'a large red star'" in m.value and "shape asked for" in m.value for m in at.markdown)

    at.text_input(key="text_to_image.prompt.prompt").set_value("a purple hexagon")
    at.number_input(key="text_to_image.prompt.count").set_value(5)
    click_and_finish(at, "Draw")
    assert_no_exception(at, "Text-to-image page, unknown words")
    assert any("'hexagon', 'purple'" in w.value for w in at.warning)
    assert any("names no shape, colour or size" in m.value for m in at.markdown)

    at.text_input(key="text_to_image.prompt.prompt").set_value("a b c d e f g h i")
    click_and_finish(at, "Draw")
    assert any("at most 8 words" in e.value for e in at.error)


def test_lessons_and_bad_settings_get_one_sentence():
    at = _page(lesson="colour-never-named")
    assert_no_exception(at, "Text-to-image page, lesson")
    assert any("never in a caption" in info.value for info in at.info)
    at = _page(n="0", latent="3", lr="nope", lesson="nope")
    assert_no_exception(at, "Text-to-image page with a malformed link")
    assert at.warning
