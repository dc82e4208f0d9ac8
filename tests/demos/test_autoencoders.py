"""The autoencoder pages in AppTest: bad settings (one clear sentence, the page keeps working), a
VAE run drawn live and measured, a VQ-VAE run whose encoder then initializes classifiers
trained on few labels, and the GAN vs VAE vs VQ-VAE comparison page.

The comparison scores its samples with the glyph classifier; these tests hand it a small one
(500 glyphs, 1 epoch) instead of the page's.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states

PAGE = str(DEMOS / "app_pages/autoencoders.py")
COMPARISON = str(DEMOS / "app_pages/generative_comparison.py")
SMALL = {"epochs": "1", "n": "200", "batch": "64"}
SMALL_COMPARISON = {"epochs": "1", "n": "200", "batch": "50", "samples": "40"}
NOTES_PROPERTIES = {"high-quality sampling", "coverage", "well-behaved latent space", "interpretable latent space",
                    "efficient likelihood computation"}


def opened(page, params):
    at = AppTest.from_file(page, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def unwrapped(text) -> str:
    """A figure text as one line (the projector theme wraps long titles with <br>)."""
    return (text or "").replace("<br>", " ")


def figure_titled(at, words: str) -> dict:
    """The plotly spec of the page's figure whose title contains `words`."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(spec for spec in specs if words in unwrapped((spec["layout"].get("title") or {}).get("text")))


def subplot_titles(spec) -> set:
    return {unwrapped(a["text"]) for a in spec["layout"].get("annotations", ())}


def chart_specs(at) -> str:
    """Every figure's title (and axis titles) on the page, in one string."""
    texts = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        texts += [(layout.get(part) or {}).get("title", {}).get("text") or "" for part in ("xaxis", "yaxis")]
        texts.append(layout.get("title", {}).get("text") or "")
    return unwrapped(" | ".join(texts))


@pytest.fixture(scope="module")
def small_judge():
    """The comparison's `metrics.glyph_judge()` replaced by a classifier trained on 500 glyphs for 1 epoch."""
    from toolkit.generative import metrics

    judge = metrics.glyph_judge(n=500, seed=1, epochs=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "glyph_judge", lambda *args, **kwargs: judge)
        yield judge


def test_a_url_value_out_of_bounds_falls_back_to_the_default_with_one_warning():
    at = opened(PAGE, {**SMALL, "latent": "0", "beta": "-1"})
    assert_no_exception(at, "autoencoders with latent=0, beta=-1")
    warnings = " ".join(w.value for w in at.warning)
    assert "`latent` must be an integer in [1, 64], received '0'; using 16" in warnings
    assert "`beta` must be a number in [0, 20], received '-1'; using 1" in warnings
    assert not at.error


def test_a_dense_vqvae_is_explained_and_nothing_trains():
    at = opened(PAGE, {**SMALL, "model": "vqvae", "architecture": "dense"})
    assert any("choose architecture='conv'" in e.value for e in at.error), [e.value for e in at.error]
    click_and_finish(at, "Train")
    assert_no_exception(at, "autoencoders, dense VQ-VAE")
    assert not at.get("progress") and not at.get("plotly_chart")  # no live panel, no results


@pytest.mark.timeout(600)
def test_a_2d_vae_run_shows_its_pictures_latent_grid_and_beta_point():
    at = opened(PAGE, {**SMALL, "latent": "2", "epochs": "2"})
    click_and_finish(at, "Train")
    assert_no_exception(at, "autoencoders, 2-D VAE")
    assert not at.error and any(word in end_states(at) for word in ("Finished", "Did not learn"))
    specs = chart_specs(at)
    assert "Test images → reconstructions · epoch 2" in specs and "Decoded latent samples · epoch 2" in specs
    assert "Decoder over the 2-D latent grid" in specs and "Test images in the latent space" in specs
    assert "β trades reconstruction" in specs
    losses = figure_titled(at, "loss terms per epoch")  # issue 14: the ELBO's two terms, on held-out images too
    assert {"reconstruction −log P(x|z)", "KL(q(z|x) ‖ P(z))"} <= subplot_titles(losses)
    assert {trace["name"] for trace in losses["data"]} == {"train", "validation"}


@pytest.mark.timeout(600)
def test_vqvae_run_shows_codebook_usage_and_its_encoder_initializes_classifiers():
    at = opened(PAGE, {**SMALL, "model": "vqvae", "codes": "8", "labels": "2", "label_epochs": "2"})
    next(b for b in at.button if b.label == "Train both classifiers").click().run()  # before any model is trained
    assert_no_exception(at, "autoencoders, few labels without a model")
    assert any("no trained autoencoder to take the encoder from" in e.value for e in at.error)
    click_and_finish(at, "Train")
    assert_no_exception(at, "autoencoders, VQ-VAE run")
    assert not at.error
    specs = chart_specs(at)
    assert "Codebook usage" in specs and "β trades" not in specs
    titles = subplot_titles(figure_titled(at, "loss terms per epoch"))
    assert "codebook ‖sg[z_e] − e_k‖²" in titles and "commitment ‖z_e − sg[e_k]‖²" in titles
    click_and_finish(at, "Train both classifiers")
    assert_no_exception(at, "autoencoders, few labels")
    assert not at.error
    assert "pretrained encoder" in end_states(at) and "from scratch" in end_states(at)
    table = next(d.value for d in at.dataframe if "test accuracy" in d.value.columns)
    assert list(table["classifier"]) == ["pretrained encoder", "from scratch"]
    assert list(table["labelled images"]) == [20, 20]  # 2 per class × 10 classes
    assert table["test accuracy"].between(0, 1).all()
    assert "20 labelled images" in chart_specs(at)
    assert any("the encoder of VQ-VAE · d=16" in c.value for c in at.caption)


@pytest.mark.timeout(600)
def test_comparison_page_fills_the_notes_table_with_measurements(small_judge):
    at = opened(COMPARISON, SMALL_COMPARISON)
    click_and_finish(at, "Train")
    assert_no_exception(at, "compare generative models")
    assert not at.error
    assert all(f"**{name}**" in end_states(at) for name in ("GAN", "VAE", "VQ-VAE")), end_states(at)
    table = next(d.value for d in at.dataframe if "GAN" in d.value.columns)
    assert {"GAN", "VAE", "VQ-VAE"} <= set(table.columns)
    assert NOTES_PROPERTIES <= set(table["property"])
    values = table[["GAN", "VAE", "VQ-VAE"]].astype(float)
    likelihood = table["property"] == "efficient likelihood computation"
    assert np.isfinite(values[~likelihood].to_numpy()).all(), table
    assert values[likelihood]["GAN"].isna().all()  # the GAN defines no likelihood
    assert (values[likelihood][["VAE", "VQ-VAE"]] < 0).all().all()  # nats per image
    specs = chart_specs(at)
    assert all(f"{m} samples" in specs for m in ("GAN", "VAE", "VQ-VAE")) and "Interpolation" in specs


def test_comparison_page_refuses_a_batch_larger_than_the_glyphs():
    at = opened(COMPARISON, {"epochs": "1", "n": "200", "batch": "500"})
    assert_no_exception(at, "compare with batch > glyphs")
    assert any("larger than the 200 training glyphs" in e.value for e in at.error), [e.value for e in at.error]
    assert not any(b.label == "Stop" for b in at.button) and not at.dataframe
