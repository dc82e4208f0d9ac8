"""The two chapter-5 pages: bad input ends in one clear message and the rest of the page keeps working."""

from __future__ import annotations

import io

import keras
import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from demos.ui.live import panel_state_of
from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states
from toolkit.cnn import TrainingConfig

TIMEOUT = 180


def run_page(name: str, **query) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / name), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def charts(at) -> int:
    return len(at.get("plotly_chart"))


def test_convolutions_page_fills_in_the_formula_and_animates():
    at = run_page("convolutions.py")
    assert_no_exception(at, "convolutions")
    assert not at.error and charts(at) == 3  # animation, kernels, pooling
    formulas = [formula.value for formula in at.get("latex")]
    assert any(r"\right\rfloor + 1 = 7" in formula for formula in formulas)  # N = 7, K = 3, P = 1, S = 1
    assert any("D(K - 1) + 1" in formula for formula in formulas)  # what dilation changes, beside its control
    assert any("I(m, n) K(i - m, j - n)" in formula for formula in formulas)  # and the flip


@pytest.mark.parametrize(("query", "message"), [
    ({"n": "3", "k": "7", "padding": "valid"},
     "The kernel (size 7) is larger than the padded input (N + 2P = 3 + 2·0 = 3)"),
    ({"n": "4", "k": "5", "dilation": "3", "padding": "2"}, "size 5 with dilation 3, spanning 13 pixels"),
])
def test_a_kernel_larger_than_the_input_is_an_error_and_the_page_goes_on(query, message):
    at = run_page("convolutions.py", **query)
    assert_no_exception(at, "convolutions")
    assert [e.value for e in at.error] and message in at.error[0].value
    assert charts(at) == 2  # the kernels and the pooling still render


def test_stride_0_and_negative_padding_in_the_url_are_reported():
    at = run_page("convolutions.py", stride="0", padding="-1", n="99")
    warnings = " ".join(w.value for w in at.warning)
    assert "`stride` must be an integer in [1, 4], received '0'; using 1." in warnings
    assert "`padding` must be one of 'valid', 'same', '1', '2', '3', received '-1'; using 1." in warnings
    assert "`n` must be an integer in [3, 12], received '99'" in warnings
    assert not at.error and charts(at) == 3


def png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.timeout(600)
def test_architectures_page_trains_inspects_and_validates_uploads():
    at = run_page("cnn_architectures.py", archs="lenet5", dataset="digits", epochs="1", cutout="0.3", cutmix="1")
    assert_no_exception(at, "cnn-architectures")
    assert charts(at) == 2  # the Cutout and CutMix previews
    assert len(at.get("latex")) == 4  # each regularizer's formula beside the controls
    click_and_finish(at, "Train", timeout=300)
    assert_no_exception(at, "cnn-architectures after training")
    assert not at.error and "Finished" in end_states(at), end_states(at)
    table = next(d.value for d in at.dataframe if "test accuracy" in d.value)
    assert list(table["architecture"]) == ["LeNet-5"] and table["epochs"][0] == "1/1"
    assert any("predicts" in c.value for c in at.caption)
    at.radio(key="cnn-architectures.source").set_value("my own image (upload)").run()
    for content, message in ((b"%PDF-1.4 not an image", "is not an image that can be read"),
                             (b"x" * (2 * 2**20 + 10), "more than the 2 MB limit")):
        at.file_uploader[0].set_value(("upload.png", content, "image/png"))
        at.run()
        assert_no_exception(at, "cnn-architectures after a bad upload")
        assert any(message in e.value for e in at.error), [e.value for e in at.error]
    stroke = np.full((40, 30), 255, np.uint8)
    stroke[5:35, 12:18] = 0
    at.file_uploader[0].set_value(("one.png", png(stroke), "image/png"))
    at.run()
    assert not at.error and any("predicts" in c.value for c in at.caption)


def test_the_form_reads_its_bounds_from_the_config_and_refuses_no_architecture():
    at = run_page("cnn_architectures.py", archs="", dataset="digits", epochs="99")
    assert_no_exception(at, "cnn-architectures")
    warnings = " ".join(w.value for w in at.warning)
    assert "`archs` must be a comma-separated list" in warnings and "`epochs` must be an integer in [1, 30]" in warnings
    epochs = next(n for n in at.number_input if n.label == "Epochs")
    assert epochs.max == TrainingConfig.settings()["epochs"].hi and epochs.value == TrainingConfig().epochs
    at.multiselect(key="cnn-architectures.archs").set_value([])
    next(b for b in at.button if b.label == "Train").click().run()
    assert_no_exception(at, "cnn-architectures")
    assert any("`archs` must be at least one value among" in e.value for e in at.error)
    assert not at.success and not any("Training slots" in c.value for c in at.caption)  # nothing trained


def test_a_students_own_model_is_inspected_and_a_model_with_code_refused(tmp_path):
    at = run_page("cnn_architectures.py", archs="lenet5", dataset="digits", epochs="1")
    click_and_finish(at, "Train", timeout=300)
    trained = panel_state_of(at, "cnn-architectures").job.result.runs["LeNet-5"].model
    at.selectbox(key="cnn-architectures.inspect").set_value("your own model (.keras upload)").run()
    assert_no_exception(at, "cnn-architectures asking for a model")
    assert not any("predicts" in c.value for c in at.caption)  # nothing to inspect before a file comes

    shape = trained.inputs[0].shape[1:]
    evil = keras.Sequential([keras.Input(shape), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])
    for model, file_name, message in ((evil, "evil.keras", "holds a Lambda layer"),
                                      (None, "notes.keras", "is not a .keras file")):
        content = b"not a zip" if model is None else _saved(model, tmp_path / file_name)
        at.file_uploader(key="cnn-architectures.model_upload").set_value((file_name, content, "application/zip"))
        at.run()
        assert_no_exception(at, f"cnn-architectures after uploading {file_name}")
        assert any(message in e.value for e in at.error), [e.value for e in at.error]

    at.file_uploader(key="cnn-architectures.model_upload").set_value(
        ("mine.keras", _saved(trained, tmp_path / "mine.keras"), "application/zip"))
    at.run()
    assert_no_exception(at, "cnn-architectures inspecting an uploaded model")
    assert not at.error and any("your model predicts" in c.value for c in at.caption)


def _saved(model, path) -> bytes:
    model.save(path)
    return path.read_bytes()
