"""The StyleGAN page in AppTest: formulas and a prompt to train first; a small run trained live, then its
styles mixed (crossover slider) and truncated (ψ slider); bad URL parameters get one sentence.

The page's default claim (coarse layers carry the class, fine layers the strokes) is checked at the
defaults in tests/generative/test_stylegan_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def test_first_render_has_the_formulas_and_asks_for_a_generator():
    at = open_page("style_gan", timeout=TIMEOUT)
    assert_no_exception(at, "StyleGAN page")
    assert not at.warning and not at.error
    formulas = " ".join(latex.value for latex in at.latex)
    for part in (r"\text{AdaIN}", r"\psi", r"B \odot n", "w = f(z)", "w_1 & l < c"):
        assert part in formulas, part
    assert any("Train the StyleGAN above first" in info.value for info in at.info)


def test_a_small_run_is_mixed_and_truncated():
    at = train_smallest_run("style_gan", timeout=TIMEOUT)
    assert {"style-gan.fig.grid", "style-gan.fig.losses", "style-gan.fig.mixing",
            "style-gan.fig.truncation"} <= chart_keys(at)
    at.slider(key="style-gan.crossover").set_value(0).run()
    at.slider(key="style-gan.psi").set_value(0.0).run()
    assert_no_exception(at, "StyleGAN page, crossover 0 and ψ = 0")
    assert {"style-gan.fig.mixing", "style-gan.fig.truncation"} <= chart_keys(at)


def test_bad_url_parameters_get_one_sentence():
    at = open_page("style_gan", timeout=TIMEOUT, channels="0", mixing="often", batch="500", n="200")
    assert_no_exception(at, "StyleGAN page with a malformed link")
    warnings = " ".join(w.value for w in at.warning)
    assert "`channels`" in warnings and "`mixing`" in warnings
    assert any("larger than the 200 training glyphs" in e.value for e in at.error)
