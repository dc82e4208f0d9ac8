"""The Binding a third modality (ImageBind) page in AppTest: the formulas and the example recordings at first
render, the smallest run (CLIP, then the sound encoder) with its live loss and emergent zero-shot curve, the
tables after it, a second run that reuses the CLIP, and bad URL parameters.

The page's claim (text prompts read shapes from sounds that never met a text, and not colours, which make no
sound) is checked at the defaults in tests/multimodal/test_page_defaults.py, on the CLIP page's CLIP.
"""

import pytest

from demos.ui.live import panel_state_of
from tests.demos.conftest import (SMALLEST_RUN, assert_no_exception, chart_keys, click_and_finish, end_states,
                                  open_page, table_with)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("imagebind", timeout=TIMEOUT, **params)


def test_first_render_plays_the_scenes_and_shows_the_formulas():
    at = _page()
    assert_no_exception(at, "ImageBind page")
    assert not at.error
    assert len(at.latex) >= 3  # z, the zero-shot rule, and the formulas beside the controls
    assert any("binding factor" in m.value for m in at.markdown)
    assert "imagebind.examples" in chart_keys(at)


def test_the_smallest_run_trains_clip_then_the_sounds_and_a_second_run_reuses_clip():
    at = _page(**SMALLEST_RUN["imagebind"])
    click_and_finish(at, "Train")
    assert_no_exception(at, "ImageBind page after training")
    assert "Finished" in end_states(at) or "Did not learn" in end_states(at), end_states(at)
    assert {"imagebind.live.loss", "imagebind.live.zero_shot"} <= chart_keys(at)
    runs = [run.name for run in panel_state_of(at, "imagebind").job.frame.runs.values()]
    assert runs == ["CLIP", "sound encoder"]
    zero_shot = table_with(at, "from the sound (emergent)")
    assert list(zero_shot["prompt"]) == ["a {shape}", "a {size} shape", "a {colour} shape"]
    assert list(table_with(at, "R@5")["pair"])[1] == "sound → caption (emergent)"
    first_clip = panel_state_of(at, "imagebind").job.result.clip

    click_and_finish(at, "Train")  # the same CLIP settings: only the sound encoder trains
    job = panel_state_of(at, "imagebind").job
    assert [run.name for run in job.frame.runs.values()] == ["sound encoder"]
    assert job.result.clip is first_clip


def test_bad_url_parameters_get_one_sentence():
    at = _page(bind_noise="-1", bind_epochs="0")
    assert_no_exception(at, "ImageBind page with a malformed link")
    assert at.warning or at.error
