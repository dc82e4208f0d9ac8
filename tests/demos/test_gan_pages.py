"""The two GAN pages with bad input: malformed URLs, impossible settings, a diverging WGAN,
a batch larger than the dataset; each ends in a clear message and the page keeps working."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception

LAB, GLYPHS = str(DEMOS / "pages/gan_lab.py"), str(DEMOS / "pages/gan_glyphs.py")


def click(at, label, timeout=300):
    next(b for b in at.button if b.label == label).click()
    return at.run(timeout=timeout)


@pytest.mark.timeout(600)
def test_lab_warns_about_malformed_url_parameters_and_trains_each_network_alone():
    at = AppTest.from_file(LAB, default_timeout=120)
    at.query_params.update({"k": "0", "g_lr": "5", "steps": "many", "data": "moon"})
    at.run()
    warnings = " ".join(w.value for w in at.warning)
    for name in ("`k`", "`g_lr`", "`steps`", "`data`"):
        assert name in warnings
    at.number_input(key="gan-lab.steps").set_value(30)
    for label in ("Train", "Step", "Train D only", "Train G only"):
        click(at, label)
        assert_no_exception(at, f"gan lab after {label}")
    assert not at.error
    assert any("Modes covered" == m.label for m in at.metric)


@pytest.mark.timeout(600)
def test_lab_reports_a_diverging_wgan_and_bad_points():
    at = AppTest.from_file(LAB, default_timeout=120)
    at.query_params.update({"loss": "wgan", "clip": "0", "d_opt": "sgd", "d_lr": "1", "g_opt": "sgd",
                            "g_lr": "1", "steps": "3000"})
    at.run()
    click(at, "Train")
    assert_no_exception(at, "gan lab, diverging WGAN")
    assert any("exploded" in e.value for e in at.error)
    at.selectbox(key="gan-lab.data").select("custom").run()
    assert_no_exception(at, "gan lab, custom points")
    assert not at.error  # a new lab for new data


@pytest.mark.timeout(600)
def test_glyphs_page_explains_a_batch_larger_than_the_dataset():
    at = AppTest.from_file(GLYPHS, default_timeout=120)
    at.query_params.update({"n": "200", "batch": "500", "epochs": "1", "score": "false"})
    at.run()
    click(at, "Train")
    assert_no_exception(at, "gan glyphs, batch > n")
    assert any("larger than the 200 training glyphs" in e.value for e in at.error)


@pytest.mark.timeout(600)
def test_glyphs_page_trains_explores_and_translates():
    at = AppTest.from_file(GLYPHS, default_timeout=120)
    at.query_params.update({"model": "conditional", "n": "200", "batch": "50", "epochs": "1", "score": "false"})
    at.run()
    click(at, "Train")
    assert_no_exception(at, "gan glyphs, conditional training")
    assert not at.error
    assert len(at.radio(key="gan-glyphs.method").options) == 2  # the latent tab is open for this generator
    at.number_input(key="gan-glyphs.compare_epochs").set_value(1)
    at.multiselect(key="gan-glyphs.variants").set_value(["minimax", "lsgan"])
    click(at, "Compare")
    assert_no_exception(at, "gan glyphs, compare")
    at.number_input(key="gan-glyphs.i2i_epochs").set_value(1)
    click(at, "Train translator")
    assert_no_exception(at, "gan glyphs, pix2pix")
    assert not at.error
