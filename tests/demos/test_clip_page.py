"""The CLIP page in AppTest: train a small CLIP, then zero-shot with edited prompts, K-LITE's knowledge
(toolkit.multimodal.knowledge), retrieval, CoOp and CoCoOp on it; lessons and bad input.

The page's default claims (zero-shot ≥ 0.9, CoOp's and CoCoOp's base / novel trade-off) are checked at
the defaults in tests/multimodal/test_page_defaults.py; here the runs are as small as they go.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, click_and_finish, end_states, open_page, table_with

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300
SMALL_CLIP = {"clip_scenes": "500", "clip_epochs": "1", "clip_batch": "64", "clip_embed": "16"}
SMALL_PROMPTS = {"prompt_shots": "2", "prompt_epochs": "2"}


def _page(**params):
    return open_page("clip", timeout=TIMEOUT, **params)


def test_first_render_asks_for_a_trained_clip_in_the_other_tabs():
    at = _page()
    assert_no_exception(at, "CLIP page")
    assert not at.warning and not at.error
    assert sum("Train CLIP in the first tab" in info.value for info in at.info) == 4
    assert len(at.latex) >= 5  # a formula beside the controls


def test_a_trained_clip_classifies_zero_shot_retrieves_and_learns_prompts():
    at = _page(**SMALL_CLIP, **SMALL_PROMPTS)
    click_and_finish(at, "Train")
    assert_no_exception(at, "CLIP page after training")
    assert "Finished" in end_states(at) or "Did not learn" in end_states(at), end_states(at)
    table = table_with(at, "zero-shot 'a {}'")
    assert {"image→text R@1", "text→image R@5", "e^s = 1/τ"} <= set(table.columns)
    assert {"clip.train.live.loss", "clip.train.live.zero_shot", "clip.train.live.similarity",
            "clip.fig.confusion", "clip.fig.retrieved"} <= chart_keys(at)
    prompts = table_with(at, "prompt")
    assert list(prompts["prompt"])[-1] == "ensemble of the 6" and prompts["accuracy"].between(0, 1).all()
    assert any("photo" in w.value for w in at.warning)  # "a photo of a {}": a word CLIP never read

    at.toggle(key="clip.ensemble").set_value(False).run()
    assert "ensemble of the 6" not in list(table_with(at, "prompt")["prompt"])
    at.text_area(key="clip.templates").set_value("a {}\na picture").run()
    assert any("'{}'" in e.value for e in at.error)  # one sentence, the page goes on
    at.text_area(key="clip.templates").set_value("a {}").run()
    assert not at.error

    knowledge = table_with(at, "probe shapes")  # K-LITE's tab: the same probe, names alone and with their glosses
    assert list(knowledge["prompts"]) == ["names only", "names + knowledge (K-LITE)",
                                          "names + knowledge in the dictionary's words"]
    assert knowledge["example"][1] == "a tomato, a red circle" and "clip.fig.knowledge" in chart_keys(at)
    at.multiselect(key="clip.concepts").set_value(["ruby"]).run()
    assert any("at least two concepts" in w.value for w in at.warning)
    at.multiselect(key="clip.concepts").set_value(["ruby", "sapphire"]).run()
    assert_no_exception(at, "CLIP page with two concepts")

    at.text_input(key="clip.query").set_value("a large green square").run()
    assert_no_exception(at, "CLIP page retrieving a typed caption")
    assert set(table_with(at, "direction")["direction"]) == {"image → text", "text → image"}

    click_and_finish(at, "Learn the prompts")
    assert_no_exception(at, "CLIP page after prompt learning")
    rows = table_with(at, "novel")
    assert list(rows["prompt"]) == ["hand-written 'a {}'", "ensemble of 5 prompts", "CoOp", "CoCoOp"]
    assert {"base", "novel", "H"} <= set(rows.columns)
    assert "clip.prompts.fig.bars" in chart_keys(at)


def test_lessons_and_bad_settings_get_one_sentence():
    at = _page(lesson="long")
    assert_no_exception(at, "CLIP page, lesson")
    assert any("shortcut" in info.value for info in at.info)
    at = _page(clip_batch="7", clip_lr="nope", lesson="nope")
    assert_no_exception(at, "CLIP page with a malformed link")
    assert at.warning
