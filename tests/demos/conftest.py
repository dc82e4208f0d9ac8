"""Helpers of the demo tests: every page of ``demos.app.PAGES``, isolated caches, assertions.

Pages are discovered from ``PAGES``, so a page added to the router is tested by every test
here without editing them. ``SMALLEST_RUN`` gives, per url_path, the URL parameters of the
page's smallest training (used when its "Train" button is clicked in the tests).
"""

from __future__ import annotations

import pytest

from demos.app import PAGES
from tests.demos.screenshot import ROOT

DEMOS = ROOT / "demos"

# url_path -> query parameters that make the page's training as small as possible.
SMALLEST_RUN: dict[str, dict[str, str]] = {
    "regularization": {"strategies": "none,early stopping", "epochs": "3", "n_train": "20"},
    "cnn_architectures": {"archs": "lenet5", "dataset": "digits", "epochs": "1"},
    "detection": {"models": "yolo", "n": "200", "test": "20", "epochs": "1"},
    "recurrent": {"cells": "gru", "n": "200", "epochs": "1", "length": "12"},
    "sequence": {"captioners": "soft", "scenes": "500", "caption_epochs": "1", "caption_units": "16"},
    "transformers": {"models": "transformer", "n": "1000", "epochs": "1", "dim": "16", "heads": "2", "blocks": "1",
                     "ffn": "32"},
    "race": {"optimizers": "SGD,Adam", "epochs": "1", "width": "8"},
    "minibatch": {"epochs": "1", "draws": "2", "minibatch": "256", "width": "8"},
    "normalization": {"epochs": "1", "depth": "1"},
    "optimization": {"steps": "20"},
    "playground": {"points": "100", "hidden": "4", "epochs": "3"},
    "phi": {"points": "40", "epochs": "2", "features": "16"},
    "activations": {"epochs": "2", "fit_epochs": "10"},
    "backprop": {"budget": "200"},
    "gan_lab": {"steps": "20"},
    "gan_glyphs": {"epochs": "1", "n": "200", "batch": "50", "score": "false"},
    "gan_variants": {"losses": "minimax,lsgan", "epochs": "1", "n": "200", "batch": "50", "score": "false"},
    "image_to_image": {"epochs": "1", "n": "100"},
    "autoencoders": {"epochs": "1", "n": "200", "batch": "64"},
    "generative_comparison": {"epochs": "1", "n": "200", "batch": "50", "samples": "40"},
    "diffusion": {"spaces": "latent", "n": "500", "autoencoder_epochs": "1", "latent_epochs": "1"},
    "text_to_image": {"n": "500", "autoencoder_epochs": "1", "diffusion_epochs": "1"},
    "progressive_gan": {"stable_epochs": "1", "fade_epochs": "0", "n": "200", "batch": "50", "filters": "4",
                        "score": "false"},
    "style_gan": {"epochs": "1", "n": "200", "batch": "50", "channels": "8", "score": "false"},
    "drag_gan": {"epochs": "1", "n": "200", "batch": "50", "steps": "5"},
    "text_gan": {"epochs": "1", "n": "200", "batch": "50"},
    "clip": {"clip_scenes": "500", "clip_epochs": "1", "clip_batch": "64", "clip_embed": "16"},
    "filip": {"clip_scenes": "500", "clip_epochs": "1", "clip_batch": "64", "clip_embed": "16"},
    "masked_images": {"n": "200", "epochs": "1", "batch": "64", "dim": "32", "depth": "1"},
    "stair": {"n": "200", "epochs": "1", "batch": "64"},
    "interface": {"scenes": "200", "questions": "1", "epochs": "1", "batch": "64"},
    "coca": {"n": "200", "epochs": "1", "batch": "64", "dim": "32"},
    "flip": {"clip_scenes": "500", "clip_epochs": "1", "flip_epochs": "1", "clip_batch": "64"},
    "imagebind": {"clip_scenes": "500", "clip_epochs": "1", "bind_epochs": "1", "clip_batch": "64"},
}


def page_params() -> list:
    """One pytest param per page: (path relative to demos/, title, url_path), id = url_path."""
    return [pytest.param(path, title, url_path, id=url_path)
            for entries in PAGES.values() for path, title, _icon, url_path in entries]


@pytest.fixture(scope="session", autouse=True)
def isolated_caches(tmp_path_factory):
    """Generated datasets go to a temporary folder, never to the user's ~/.cache/toolkit."""
    patch = pytest.MonkeyPatch()
    patch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path_factory.mktemp("toolkit-cache")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def no_training_left_behind():
    """Each test ends with no run or background tracing thread still inside TensorFlow:
    the next test starts from a quiet process, and the process never exits under one."""
    yield
    import threading

    from demos.ui import live

    live.stop_all(timeout=120)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.startswith(("train-", "playground-")):
            thread.join(120)


def assert_no_exception(at, what: str) -> None:
    """Fails with the exception texts if the AppTest run showed any."""
    problems = [e.value for e in at.exception]
    assert not problems, f"{what} raised: {problems}"


def page_script(url_path: str) -> str:
    """The page's script name in demos/app_pages/ ("flip" for app_pages/flip.py), from ``PAGES``."""
    path = next(path for entries in PAGES.values() for path, _title, _icon, page in entries if page == url_path)
    return path.removeprefix("app_pages/").removesuffix(".py")


def open_page(script: str, *, timeout: float = 300, **params):
    """The page ``demos/app_pages/<script>.py`` in AppTest, run once with the URL parameters `params`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(DEMOS / f"app_pages/{script}.py"), default_timeout=timeout)
    at.query_params.update(params)
    return at.run()


def click_and_finish(at, label: str = "Train", *, timeout: float = 300):
    """Clicks the button `label`, waits until every background run has ended, then reruns.

    Training runs in a background thread (``demos.ui.live``): the click's own rerun returns
    at once with the live panel; the second rerun shows the end state and the results,
    as the panel's own refresh does in a browser.
    """
    from demos.ui import live

    button = next((b for b in at.button if b.label == label), None)
    assert button is not None, f"no button labelled {label!r}: {[b.label for b in at.button]}"
    button.click().run(timeout=timeout)
    assert live.wait_all(timeout), f"a run started by {label!r} did not end within {timeout} s"
    return at.run(timeout=timeout)


def train_smallest_run(url_path: str, *, timeout: float = 300, **params):
    """Opens the page `url_path` with its smallest run's settings (``SMALLEST_RUN``, then `params`), clicks Train,
    waits for the end and checks what every page's smallest run must show: no exception, no error box, the end
    state "Finished" or "Did not learn". Returns the AppTest for the page's own checks.

    A page test that calls this with the url_path written out (``train_smallest_run("flip")``) stands in for
    the generic run of that page in test_pages_apptest.py, which trains only the pages nobody else trains."""
    script = page_script(url_path)
    at = open_page(script, timeout=timeout, **{**SMALLEST_RUN[url_path], **params})
    click_and_finish(at, "Train", timeout=timeout)  # fails if the page has no Train button
    assert_no_exception(at, f"{script} after clicking Train")
    assert not [e.value for e in at.error], f"{script} shows an error after its smallest training"
    assert any(word in end_states(at) for word in ("Finished", "Did not learn")), \
        f"{script} shows no end state after its smallest training: {end_states(at)!r}"
    return at


def chart_keys(at) -> set:
    """The keys of the page's plotly charts."""
    return {chart.key for chart in at.get("plotly_chart") if chart.key}


def table_with(at, column: str):
    """The first table (a DataFrame) of the page that has `column`."""
    tables = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert tables, f"no table with a {column!r} column"
    return tables[0]


def end_states(at) -> str:
    """The texts of the live panels' end-state boxes (Finished / Stopped / Diverged / Did not learn)."""
    return " ".join(str(box.value) for kind in (at.success, at.warning, at.error) for box in kind)


def change_first_widget(at) -> str | None:
    """Changes the first selectbox, slider or number input; returns which, or None if none."""
    if len(at.selectbox) and len(at.selectbox[0].options) > 1:
        box = at.selectbox[0]
        box.select_index(((box.index or 0) + 1) % len(box.options))
        return f"selectbox {box.label!r}"
    if len(at.slider):
        slider = at.slider[0]
        value = slider.value
        slider.set_value(slider.max if value != slider.max else slider.min)
        return f"slider {slider.label!r}"
    if len(at.number_input):
        at.number_input[0].increment()
        return f"number input {at.number_input[0].label!r}"
    return None
