"""The Sequence models page in AppTest: the translation tab's results, typed sources, bad input.

The captioning tab's smallest run is trained by tests/demos/test_pages_apptest.py (its button is
the page's "Train"); here it is trained once more to read its decoding controls and attention maps.
"""

from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states

TIMEOUT = 300
TRANSLATE = "Train translators"


def _page(**params):
    at = AppTest.from_file(str(DEMOS / "app_pages/sequence.py"), default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def _table(at, column, last=False):
    """The first (or last) table of the page with `column` (the panels' run histories come first)."""
    tables = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert tables, f"no table with a {column!r} column"
    return tables[-1 if last else 0]


def _train(at, label, what):
    click_and_finish(at, label)
    assert_no_exception(at, what)
    assert not [e.value for e in at.error]
    assert "Finished" in end_states(at) or "Did not learn" in end_states(at), end_states(at)


def test_translators_report_exact_match_by_length_and_read_a_typed_date():
    at = _page(models="seq2seq,bahdanau", n="1000", epochs="1", units="16")
    _train(at, TRANSLATE, "sequence page after training translators")
    table = _table(at, "Exact match")
    assert list(table["Model"]) == ["Seq2seq (fixed context)", "Bahdanau attention"]
    assert {"Exact match", "Exact, ≤ 10 characters", "Training (s)"} <= set(table.columns)
    charts = {chart.key for chart in at.get("plotly_chart") if chart.key}
    assert "sequence.translation.fig.length" in charts
    assert "sequence.translation.fig.attention.Bahdanau attention" in charts  # only the attention model has one
    at.text_input(key="sequence.translation.text").set_value("WED 27 MAR 19").run()
    assert_no_exception(at, "sequence page translating a typed date")
    reading = _table(at, "Translation")
    assert list(reading.columns) == ["Model", "Translation"] and all(len(t) == 10 for t in reading["Translation"])


def test_the_bottleneck_lesson_reverses_typed_digits_and_refuses_letters():
    at = _page(lesson="bottleneck", models="bahdanau", n="1000", epochs="1", units="16", digits="8")
    assert any("bottleneck" in info.value for info in at.info)  # the lesson's explanation
    _train(at, TRANSLATE, "sequence page after the bottleneck lesson")
    at.text_input(key="sequence.translation.text").set_value("12ab").run()
    assert_no_exception(at, "sequence page with letters to reverse")
    assert any("digits only" in e.value for e in at.error)


def test_bad_settings_get_one_sentence_and_the_page_keeps_working():
    at = _page(models="seq2seq,unknown", units="0", digits="900")
    assert_no_exception(at, "sequence page with a malformed link")
    assert at.warning or at.error
    at = _page(captioners="nothing", caption_epochs="-3")
    assert_no_exception(at, "sequence page with malformed captioning settings")
    assert at.warning or at.error


def test_captioners_rewrite_with_the_beam_width_chosen_and_show_where_they_look():
    at = _page(captioners="show_and_tell,soft", scenes="500", caption_epochs="1", caption_units="16")
    _train(at, "Train", "sequence page after training captioners")
    table = _table(at, "BLEU-4 greedy")
    assert list(table["Model"])[:2] == ["Show and Tell", "Show, Attend and Tell (soft)"]
    assert table["Model"].iloc[-1].startswith("Baseline")
    at.slider(key="sequence.captioning.width").set_value(1).run()  # K = 1 is greedy decoding
    assert_no_exception(at, "sequence page re-decoding with K = 1")
    table = _table(at, "BLEU-4 beam K=1")
    assert list(table["BLEU-4 beam K=1"])[:2] == list(table["BLEU-4 greedy"])[:2]
    charts = {chart.key for chart in at.get("plotly_chart") if chart.key}
    assert {"sequence.captioning.fig.gallery", "sequence.captioning.fig.attention"} <= charts
    at.slider(key="sequence.captioning.scene").set_value(3).run()
    assert_no_exception(at, "sequence page showing another scene's attention")
