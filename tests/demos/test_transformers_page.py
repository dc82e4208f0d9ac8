"""The Transformers page in AppTest: each tab's smallest run and its results, lessons, bad input.

The translation tab's smallest run (its button is the page's "Train") is trained by
tests/demos/test_pages_apptest.py too; here it is trained to open the transformer on a typed date.
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, chart_keys, click_and_finish, end_states, table_with

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300
SMALL_TRANSLATION = {"models": "transformer", "n": "1000", "epochs": "1", "units": "16", "dim": "16",
                     "heads": "2", "blocks": "1", "ffn": "32"}


def _page(**params):
    at = AppTest.from_file(str(DEMOS / "app_pages/transformers.py"), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def _train(at, label, what):
    click_and_finish(at, label)
    assert_no_exception(at, what)
    assert not [e.value for e in at.error]
    assert "Finished" in end_states(at) or "Did not learn" in end_states(at), end_states(at)


def test_first_render_draws_the_encoding_patches_and_windows_before_any_training():
    at = _page()
    assert_no_exception(at, "transformers page")
    assert not at.warning and not at.error
    assert {"transformers.translation.fig.pe", "transformers.vision.fig.patches",
            "transformers.vision.fig.windows"} <= chart_keys(at)
    assert any("R = 125" in md.value and "R = 21" in md.value for md in at.markdown)  # the TCN's receptive fields
    assert len(at.latex) >= 10  # a formula beside each control


def test_the_transformer_translates_and_opens_on_a_typed_date():
    at = _page(**SMALL_TRANSLATION)
    _train(at, "Train", "transformers page after training translators")
    table = table_with(at, "Exact match")
    assert list(table["Model"]) == ["Transformer"] and {"Exact match", "Training (s)"} <= set(table.columns)
    assert {"transformers.translation.fig.steps", "transformers.translation.fig.heads",
            "transformers.translation.fig.cross"} <= chart_keys(at)
    at.text_input(key="transformers.translation.text").set_value("1 jan 2000").run()
    at.slider(key="transformers.translation.head").set_value(2).run()
    assert_no_exception(at, "transformers page reading a typed date with head 2")
    at.text_input(key="transformers.translation.text").set_value("x" * 30).run()
    assert any("at most" in e.value for e in at.error)  # longer than S: one sentence, the page goes on


def test_the_tcn_tab_reports_receptive_fields_and_input_influence():
    at = _page(tcn_n="500", tcn_epochs="1", tcn_length="32", tcn_levels="3", tcn_filters="8")
    _train(at, "Train networks", "transformers page after training TCNs")
    table = table_with(at, "Receptive field R")
    assert list(table["Network"]) == ["TCN, dilated", "TCN, no dilation"]
    assert list(table["Receptive field R"]) == [29, 13]
    assert {"transformers.tcn.fig.influence.tcn", "transformers.tcn.fig.influence.tcn_undilated"} <= chart_keys(at)


def test_the_vision_tab_compares_models_and_shows_the_class_token():
    at = _page(vision_models="cnn,vit", vision_n="500", vision_epochs="1", vision_dim="16", vision_heads="2")
    _train(at, "Train vision models", "transformers page after training vision models")
    table = table_with(at, "test accuracy")
    assert list(table["architecture"]) == ["CNN", "ViT"]
    assert "transformers.vision.fig.attention" in chart_keys(at)


def test_lessons_of_each_tab_and_bad_settings_get_one_sentence():
    at = _page(lesson="dilation")
    assert_no_exception(at, "transformers page, TCN lesson")
    assert not at.warning and any("receptive field" in info.value for info in at.info)
    at = _page(dim="20", heads="8", tcn_levels="0", vision_patch="5", lesson="nope")
    assert_no_exception(at, "transformers page with a malformed link")
    assert at.warning or at.error
