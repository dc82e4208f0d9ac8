"""The autoencoder page with bad input (latent size 0, β < 0, codebook size 1, a dense VQ-VAE),
a VQ-VAE run whose encoder then initializes a classifier trained on few labels, and the
"compare generative models" tab: each bad value ends in one clear st.error, the page keeps working.

The comparison's samples are scored by the glyph classifier; the page trains the full one
once (about 30 s), so these tests hand it a small one (500 glyphs, 1 epoch) instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception

PAGE = str(DEMOS / "pages/autoencoders.py")
SMALL = {"epochs": "1", "n": "200", "batch": "64"}
NOTES_PROPERTIES = {"high-quality sampling", "coverage", "well-behaved latent space", "interpretable latent space",
                    "efficient likelihood computation"}


def click(at, label, timeout=300):
    next(b for b in at.button if b.label == label).click()
    return at.run(timeout=timeout)


def train(params):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({**SMALL, **params})
    at.run()
    return click(at, "Train")


@pytest.fixture(scope="module")
def small_judge():
    """The page's `glyph_judge()` replaced by a classifier trained on 500 glyphs for 1 epoch."""
    import streamlit as st

    from toolkit.generative import metrics

    judge = metrics.glyph_judge(n=500, seed=1, epochs=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "glyph_judge", lambda *args, **kwargs: judge)
        st.cache_resource.clear()
        yield judge
    st.cache_resource.clear()  # no other page gets the small judge


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("params", "message"), [
    ({"latent": "0"}, "`latent_dim` must be an integer >= 1"),
    ({"beta": "-1"}, "`beta` (the weight of the KL term) must be a number >= 0"),
    ({"model": "vqvae", "codes": "1"}, "with a codebook of size 1"),
    ({"model": "vqvae", "architecture": "dense"}, "choose architecture='conv'"),
], ids=["latent0", "negative-beta", "one-code", "dense-vqvae"])
def test_bad_settings_end_in_one_clear_error(params, message):
    at = train(params)
    assert_no_exception(at, f"autoencoders with {params}")
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


@pytest.mark.timeout(600)
def test_vqvae_run_shows_codebook_usage_and_its_encoder_initializes_a_classifier():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({**SMALL, "model": "vqvae", "codes": "8", "labels": "2", "label_epochs": "2"})
    at.run()
    click(at, "Train both classifiers")  # before any model is trained
    assert_no_exception(at, "autoencoders, few labels without a model")
    assert any("no trained autoencoder to take the encoder from" in e.value for e in at.error)
    click(at, "Train")
    assert_no_exception(at, "autoencoders, VQ-VAE run")
    assert not at.error
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Codebook usage" in spec for spec in titles)
    assert not any("β trades" in spec for spec in titles)
    click(at, "Train both classifiers")
    assert_no_exception(at, "autoencoders, few labels")
    assert not at.error
    table = next(d.value for d in at.dataframe if "test accuracy" in d.value.columns)
    assert list(table["classifier"]) == ["pretrained encoder", "from scratch"]
    assert list(table["labelled images"]) == [20, 20]  # 2 per class × 10 classes
    assert table["test accuracy"].between(0, 1).all()
    assert any("20 labelled images" in c.proto.spec for c in at.get("plotly_chart"))


@pytest.mark.timeout(600)
def test_compare_tab_fills_the_notes_table_with_measurements(small_judge):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"c_epochs": "1", "c_n": "200", "c_batch": "50", "c_samples": "40"})
    at.run()
    click(at, "Compare")
    assert_no_exception(at, "autoencoders, compare generative models")
    assert not at.error
    table = next(d.value for d in at.dataframe if "GAN" in d.value.columns)
    assert {"GAN", "VAE", "VQ-VAE"} <= set(table.columns)
    assert NOTES_PROPERTIES <= set(table["property"])
    values = table[["GAN", "VAE", "VQ-VAE"]].astype(float)
    likelihood = table["property"] == "efficient likelihood computation"
    assert np.isfinite(values[~likelihood].to_numpy()).all(), table
    assert values[likelihood]["GAN"].isna().all()  # the GAN defines no likelihood
    assert (values[likelihood][["VAE", "VQ-VAE"]] < 0).all().all()  # nats per image
    titles = " ".join(c.proto.spec for c in at.get("plotly_chart"))
    assert all(f"{m} samples" in titles for m in ("GAN", "VAE", "VQ-VAE")) and "Interpolation" in titles
    assert any("Completed" in s.value for s in at.success), "the live progress panel reports the last run"


def test_compare_tab_refuses_a_batch_larger_than_the_glyphs(small_judge):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"c_epochs": "1", "c_n": "200", "c_batch": "500"})
    at.run()
    click(at, "Compare")
    assert_no_exception(at, "autoencoders, compare with batch > glyphs")
    assert any("larger than the 200 training glyphs" in e.value for e in at.error), [e.value for e in at.error]
    assert not any("GAN" in d.value.columns for d in at.dataframe)
