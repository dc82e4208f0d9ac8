"""The LLMs-as-interface page in AppTest: formulas at first render, the smallest run (both adapters) with its live
curves, answered scenes and gates, the table and a question about a chosen held-out scene after it, a lesson
link, bad URL parameters.

The page's claim (both adapters make the frozen language model answer from the image, Flamingo-mini best) is
checked at the defaults in tests/multimodal/test_interface_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def test_first_render_shows_the_formulas_beside_the_controls():
    at = open_page("interface", timeout=TIMEOUT)
    assert_no_exception(at, "LLMs-as-interface page")
    assert not at.error
    assert len(at.latex) >= 6  # the language model, the loss; beside the adapters, k, R, the gates and η
    assert any("soft prompts for the LLM" in m.value for m in at.markdown)


def test_the_smallest_run_shows_live_figures_the_table_and_answers_to_a_chosen_question():
    at = train_smallest_run("interface", timeout=TIMEOUT)
    assert {"interface.live.loss", "interface.live.accuracy", "interface.live.scenes", "interface.live.gates",
            "interface.fig.scene"} <= chart_keys(at)
    table = table_with(at, "count (all)")
    assert list(table["model"]) == ["language model alone (no image)", "Frozen (visual prefix)",
                                    "Flamingo-mini (resampler + gated cross-attention)",
                                    "language model reading the true caption"]
    at.number_input(key="interface.scene").set_value(7).run()
    question = at.selectbox(key="interface.question")
    question.set_value(question.options[-1]).run()
    assert_no_exception(at, "LLMs-as-interface page with a chosen question")
    answers = table_with(at, "right")
    assert len(answers) == 3 and set(answers["right"]) <= {"yes", "no"}
    at.text_input(key="interface.typed").set_value("What colour is the star?").run()
    assert_no_exception(at, "LLMs-as-interface page with a typed question")
    assert len(table_with(at, "answer")) == 3
    at.text_input(key="interface.typed").set_value("what colour is the dog").run()
    assert any("never read 'dog'" in e.value for e in at.error)


def test_a_lesson_link_sets_its_settings_and_bad_parameters_get_one_sentence():
    at = open_page("interface", timeout=TIMEOUT, lesson="gates_shut")
    assert_no_exception(at, "LLMs-as-interface page, gates-shut lesson")
    assert any("exactly" in m.value for m in [*at.markdown, *at.info, *at.caption])
    at = open_page("interface", timeout=TIMEOUT, scenes="200", questions="1", batch="256")
    assert any("larger than the 200 training pairs" in e.value for e in at.error)
    at = open_page("interface", timeout=TIMEOUT, latents="-3", epochs="many", adapters="gpt")
    assert_no_exception(at, "LLMs-as-interface page with a malformed link")
    assert at.warning or at.error
