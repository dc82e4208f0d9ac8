"""The Diffusion page in AppTest: the forward process at any t, a small latent DDPM trained live and scored,
sampling with snapshots, the steps sweep; lessons and bad input.

The page's default claims (latent beats pixel diffusion, guidance, few DDIM steps) are checked at the
defaults in tests/diffusion/test_page_defaults.py; here the run is as small as it goes.
"""

import pytest

from tests.demos.conftest import (assert_no_exception, chart_keys, click_and_finish, open_page, table_with,
                                  train_smallest_run)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("diffusion", timeout=TIMEOUT, **params)


def test_first_render_shows_the_forward_process_and_asks_for_a_model():
    at = _page()
    assert_no_exception(at, "Diffusion page")
    assert not at.warning and not at.error
    assert {"diffusion.fig.noised", "diffusion.fig.histogram", "diffusion.fig.schedules",
            "diffusion.fig.paths"} <= chart_keys(at)
    assert any("Train a diffusion model" in info.value for info in at.info)
    assert len(at.latex) >= 6  # a formula beside the controls
    at.slider(key="diffusion.forward_t").set_value(1000).run()
    assert_no_exception(at, "Diffusion page at t = T")
    at.number_input(key="diffusion.forward_steps").set_value(100).run()
    assert any("at most T = 100" in e.value for e in at.error)  # t = 1000 > T: one sentence


def test_a_small_latent_run_is_scored_sampled_and_swept():
    at = train_smallest_run("diffusion", timeout=TIMEOUT, steps="50")
    table = table_with(at, "recognized ↑")
    assert list(table["model"]) == ["latent DDPM"]
    assert {"diffusion.train.live.loss", "diffusion.train.live.latent DDPM",
            "diffusion.train.fig.latent DDPM"} <= chart_keys(at)
    at.number_input(key="diffusion.sample.count").set_value(10)
    click_and_finish(at, "Sample")
    assert_no_exception(at, "Diffusion page after sampling")
    assert {"diffusion.sample.fig.grid", "diffusion.sample.fig.chain"} <= chart_keys(at)
    assert any("10 samples in" in m.value for m in at.markdown)
    click_and_finish(at, "Steps vs quality vs time")
    assert_no_exception(at, "Diffusion page after the sweep")
    assert list(table_with(at, "sampler")["sampler"])[-1] == "DDPM"


def test_lessons_and_bad_settings_get_one_sentence():
    at = _page(lesson="trilemma")
    assert_no_exception(at, "Diffusion page, lesson")
    assert any("trilemma" in info.value for info in at.info)
    at = _page(spaces="", lr="nope", latent="3", lesson="nope")
    assert_no_exception(at, "Diffusion page with a malformed link")
    assert at.warning
