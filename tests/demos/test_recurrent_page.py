"""The Recurrent networks page in AppTest: the sentiment lesson's gates and the sine lesson's continuation.

The adding problem, the smallest run, is trained by tests/demos/test_pages_apptest.py."""

from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states

TIMEOUT = 300


def _page(**params):
    at = AppTest.from_file(str(DEMOS / "app_pages/recurrent.py"), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def _train(at, what):
    click_and_finish(at, "Train")
    assert_no_exception(at, what)
    assert not [e.value for e in at.error]
    assert all(state in ("Finished", "Did not learn") for state in end_states(at).split()
               if state in ("Finished", "Did not learn", "Stopped", "Diverged")), end_states(at)


def test_a_trained_lstm_reads_a_typed_review_and_shows_its_gates():
    at = _page(lesson="gates", cells="lstm", n="300", epochs="1", length="20")
    assert_no_exception(at, "recurrent page, gates lesson")
    assert any("An LSTM reads reviews" in info.value for info in at.info)  # the lesson's explanation
    _train(at, "recurrent page after training on reviews")
    probabilities = at.dataframe[-1].value
    assert list(probabilities.columns) == ["Network", "negative", "neutral", "positive"]
    assert abs(probabilities.iloc[0, 1:].sum() - 1) < 0.01
    charts = len(at.get("plotly_chart"))
    at.text_input(key="recurrent.sentence").set_value("the camera is never bad").run()
    assert_no_exception(at, "recurrent page reading a typed review")
    assert len(at.get("plotly_chart")) == charts  # the gate heatmap is redrawn for the new review


def test_a_sine_forecaster_generates_a_continuation():
    at = _page(lesson="generate", cells="gru", n="200", epochs="1", length="20")
    _train(at, "recurrent page after forecasting sines")
    table = at.dataframe[-1].value
    assert list(table["Network"]) == ["GRU"] and list(table["Backprop steps per sequence"]) == [20]


def test_bad_settings_get_one_sentence_and_the_page_keeps_working():
    at = _page(task="sentiment", bptt="full,truncated")
    assert_no_exception(at, "recurrent page with truncated BPTT on sentiment")
    assert any("full BPTT" in e.value for e in at.error)
    at = _page(k1="5", k2="9", bptt="truncated")
    assert any("k2 ≤ k1" in e.value for e in at.error)
    at = _page(units="0", cells="lstm,unknown")
    assert_no_exception(at, "recurrent page with a malformed link")
    assert at.error or at.warning
