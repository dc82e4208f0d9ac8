"""The Progressive GAN page in AppTest: formulas at first render, the smallest run grown through the three
resolutions live, the stage samples and table after it, and bad URL parameters.

The page's default claim (the 7×7 stage is far cheaper per epoch, the grown generator's FID falls well
below its start) is checked at the defaults in tests/generative/test_progan_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("progressive_gan", timeout=TIMEOUT, **params)


def test_first_render_shows_the_formulas_and_the_schedule_text():
    at = _page()
    assert_no_exception(at, "Progressive GAN page")
    assert not at.error
    assert len(at.latex) >= 4  # α schedule, pixel norm, equalized lr, minibatch std
    assert any("progressive growth of G and D networks" in m.value for m in at.markdown)
    assert any("13 epochs in all" in c.value for c in at.caption)


def test_the_smallest_run_grows_through_every_resolution():
    at = train_smallest_run("progressive_gan", timeout=TIMEOUT)
    assert {"progressive-gan.fig.grid", "progressive-gan.fig.schedule", "progressive-gan.fig.losses",
            "progressive-gan.fig.stages"} <= chart_keys(at)
    table = table_with(at, "s / epoch")
    assert list(table["stage"]) == ["7×7", "14×14", "28×28"]


def test_bad_url_parameters_get_one_sentence():
    at = _page(n="100", batch="500")
    assert_no_exception(at, "Progressive GAN page, batch > n")
    assert any("larger than the 100 training glyphs" in e.value for e in at.error)
    at = _page(stable_epochs="0", loss="nope")
    assert_no_exception(at, "Progressive GAN page with a malformed link")
    assert at.warning or at.error
