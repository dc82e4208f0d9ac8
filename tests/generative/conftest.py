"""Generative tests share one temporary cache folder and the glyph classifiers.

`judge` is the classifier shipped with the toolkit (the stand-in for InceptionV3 in IS and
FID), loaded in a fraction of a second. `tiny_judge` is one trained once per session on
2,000 glyphs for 2 epochs (about 5 s), never under the user's ~/.cache/toolkit.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path_factory.mktemp("toolkit-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def judge():
    from toolkit.generative.metrics import glyph_judge

    return glyph_judge()


@pytest.fixture(scope="session")
def tiny_judge(isolated_cache):
    from toolkit.generative.metrics import glyph_judge

    return glyph_judge(n=2000, seed=1, epochs=2)


@pytest.fixture(scope="session")
def glyphs_small():
    """200 glyphs (train split of glyphs(n=250)), for the autoencoder tests."""
    from toolkit.data import glyphs

    return glyphs(n=250, seed=0).x_train
