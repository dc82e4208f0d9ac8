"""The notes' claim of the StyleGAN page, measured at its default config: "Style GAN: G can capture and
manipulate style attributes of images".

One default run (``StyleGanConfig()``, all 8 of its epochs: 41 s of training on 2 idle cores), then a 20 x 20
style-mixing grid at the page's crossover: the shipped glyph judge reads the class of the COARSE source
(rows, layers < c) in most mixed glyphs and rarely that of the fine source, while the stroke thickness of
a mixed glyph follows its FINE source (columns, layers >= c) more than its coarse one. Measured
(``benchmarks/stylegan.py``): 84 % vs 3 % of 338 pairs, thickness correlation 0.43 vs 0.14. Slow: the
page's real networks on their real glyphs.
"""

import numpy as np
import pytest

from toolkit.generative import stylegan as sg

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def trained(judge):
    return sg.run_stylegan(sg.StyleGanConfig(), judge=judge)


def test_the_default_stylegan_learns_recognizable_glyphs(trained):
    fid, recognized = trained.evaluations["fid"], trained.evaluations["recognized"]
    assert trained.evaluations["epoch"][-1] == sg.StyleGanConfig().epochs
    assert fid[-1] < 0.3 * fid[0], fid  # the untrained generator's blobs are far from the glyphs
    assert recognized[-1] >= 0.3, recognized
    assert np.all(np.isfinite(trained.run.history["g_loss"]))


def test_coarse_styles_carry_the_class_and_fine_styles_the_strokes(trained, judge):
    stats = sg.mixing_statistics(trained.generator, judge, sg.DEFAULT_CROSSOVER)
    assert stats["pairs"] >= 50, stats  # sources of different classes to tell apart
    assert stats["class_of_coarse"] >= 0.5 and stats["class_of_coarse"] > 2 * stats["class_of_fine"], stats
    assert stats["thickness_vs_fine"] > max(0.2, stats["thickness_vs_coarse"]), stats
    # w alone (one noise map for every glyph): not asserted. Which of w and the 7x7 noise picks the character
    # depends on the run: 63 % vs 32 % coarse vs fine on one machine, 30 % vs 60 % on another (same seed, other
    # float rounding). The page says so: in this small model each source's noise also helps choose the character.
    # the end points of Eq. 5: all styles from one source
    assert sg.mixing_statistics(trained.generator, judge, 0, n=6)["class_of_fine"] == 1.0
