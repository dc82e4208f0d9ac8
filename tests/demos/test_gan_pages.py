"""The GAN pages: the 2-D lab trains each network alone, continues where it stopped, stops on
Stop and reports divergence; the glyph pages train through the live panel (the main GAN with
its scores, the losses side by side, pix2pix) and explain impossible settings."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states

LAB, GLYPHS = str(DEMOS / "app_pages/gan_lab.py"), str(DEMOS / "app_pages/gan_glyphs.py")
VARIANTS, I2I = str(DEMOS / "app_pages/gan_variants.py"), str(DEMOS / "app_pages/image_to_image.py")
TINY_GLYPHS = {"n": "200", "batch": "50", "epochs": "1", "score": "false"}


def lab_of(at):
    return at.session_state["toolkit.pages"]["gan-lab"].lab


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
        click_and_finish(at, label)
        assert_no_exception(at, f"gan lab after {label}")
        assert "Finished" in end_states(at), f"no end state after {label}: {end_states(at)!r}"
    assert not at.error
    assert any("Modes covered" == m.label for m in at.metric)
    lab = lab_of(at)  # one lab, continued by every click: 30 + 10 + 0 + 30 G steps, 30 + 10 + 30 + 0 D steps
    assert (lab.g_steps, lab.d_steps_done) == (70, 70) and len(lab.history["g_loss"]) == 70


@pytest.mark.timeout(600)
def test_lab_stops_on_stop_and_train_continues_from_there():
    at = AppTest.from_file(LAB, default_timeout=120)
    at.query_params.update({"steps": "5000"})
    at.run()
    next(b for b in at.button if b.label == "Train").click().run()
    stop = next((b for b in at.button if b.label == "Stop"), None)
    assert stop is not None, "the live panel shows no Stop button while the lab trains"
    job = next(state.job for state in at.session_state["toolkit.jobs"].values() if state.job is not None)
    while job.running and not job.frame.epoch:  # Stop once the lab has taken steps
        job.wait(0.05)
    click_and_finish(at, "Stop")
    assert "Stopped" in end_states(at)
    stopped_at = lab_of(at).g_steps
    assert 0 < stopped_at < 5000
    at.number_input(key="gan-lab.steps").set_value(20)
    click_and_finish(at, "Train")
    assert lab_of(at).g_steps == stopped_at + 20  # the same lab, continued
    click_and_finish(at, "Reset")
    assert lab_of(at).g_steps == 0 and not at.error


@pytest.mark.timeout(600)
def test_lab_reports_a_diverging_wgan_and_bad_points():
    at = AppTest.from_file(LAB, default_timeout=120)
    at.query_params.update({"loss": "wgan", "clip": "0", "d_opt": "sgd", "d_lr": "1", "g_opt": "sgd",
                            "g_lr": "1", "steps": "3000"})
    at.run()
    click_and_finish(at, "Train")
    assert_no_exception(at, "gan lab, diverging WGAN")
    assert any("exploded" in e.value for e in at.error)
    assert len(at.get("plotly_chart")) >= 1  # the restored lab is still drawn
    at.selectbox(key="gan-lab.data").select("custom").run()
    assert_no_exception(at, "gan lab, custom points")
    assert not at.error  # a new lab for new data


@pytest.mark.timeout(600)
def test_glyphs_page_explains_a_batch_larger_than_the_dataset():
    at = AppTest.from_file(GLYPHS, default_timeout=120)
    at.query_params.update({**TINY_GLYPHS, "batch": "500"})
    at.run()
    assert_no_exception(at, "gan glyphs, batch > n")
    assert any("larger than the 200 training glyphs" in e.value for e in at.error)


@pytest.mark.timeout(600)
def test_glyphs_page_trains_a_scored_conditional_gan_and_explores_it():
    at = AppTest.from_file(GLYPHS, default_timeout=120)
    at.query_params.update({**TINY_GLYPHS, "model": "conditional", "score": "true"})
    at.run()
    click_and_finish(at, "Train")
    assert_no_exception(at, "gan glyphs, conditional training")
    assert not at.error and "Finished" in end_states(at)
    charts = at.get("plotly_chart")
    assert len(charts) >= 4  # grid, D and G losses, scores, interpolation
    losses = next(spec for spec in (json.loads(chart.proto.spec) for chart in charts)
                  if "D's and G's losses" in spec["layout"]["title"]["text"].replace("<br>", " "))  # final frame
    assert [trace["name"] for trace in losses["data"]] == ["D loss L_D", "G loss L_G"]
    assert any(m.label.startswith("Samples the classifier assigns") for m in at.metric)
    assert len(at.radio(key="gan-glyphs.method").options) == 2  # the latent space of this generator
    next(b for b in at.button if b.label == "Do the arithmetic").click().run()
    assert_no_exception(at, "gan glyphs, arithmetic")


@pytest.mark.timeout(600)
def test_variants_page_trains_the_losses_side_by_side():
    at = AppTest.from_file(VARIANTS, default_timeout=120)
    at.query_params.update({**TINY_GLYPHS, "losses": "minimax,lsgan"})
    at.run()
    click_and_finish(at, "Train")
    assert_no_exception(at, "gan variants")
    assert not at.error
    assert end_states(at).count("Finished") == 2
    assert len(at.get("graphviz_chart")) == 3  # the GANs beyond the CPU


@pytest.mark.timeout(600)
def test_image_to_image_page_trains_pix2pix_live():
    at = AppTest.from_file(I2I, default_timeout=120)
    at.query_params.update({"epochs": "1", "n": "100"})
    at.run()
    click_and_finish(at, "Train")
    assert_no_exception(at, "image to image, pix2pix")
    assert not at.error and any(word in end_states(at) for word in ("Finished", "Did not learn"))
    assert len(at.get("plotly_chart")) == 2  # translated held-out glyphs, D and G losses
