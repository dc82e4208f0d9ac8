"""The DragGAN page in AppTest: the formulas and the "train first" note, a small generator trained
live, a click on the sample read as the handle, a drag whose points are typed into the form, and
bad input in one sentence.

The page's default claim (the handle reaches the target and the glyph stays the same glyph) is
checked at the defaults in tests/generative/test_drag.py.
"""

import pytest

from tests.demos.conftest import (assert_no_exception, chart_keys, click_and_finish, end_states, open_page,
                                  train_smallest_run)

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("drag_gan", timeout=TIMEOUT, **params)


def test_first_render_has_formulas_and_asks_for_a_generator():
    at = _page()
    assert_no_exception(at, "DragGAN page")
    assert not at.warning and not at.error
    assert any("Train the generator in step 1" in info.value for info in at.info)
    assert len(at.latex) >= 3 and any(r"\operatorname{sg}" in f.value for f in at.latex)


def test_a_small_generator_then_a_drag_of_typed_points():
    at = train_smallest_run("drag_gan", timeout=TIMEOUT)
    assert {"drag_gan.train.fig.grid", "drag_gan.drag.fig.pick"} <= chart_keys(at)
    at.session_state["drag_gan.drag.fig.pick"] = {"selection": {"points": [{"x": 9, "y": 7}]}}  # a click
    at.run(timeout=TIMEOUT)
    assert_no_exception(at, "DragGAN page after a click on the sample")
    assert (at.number_input(key="drag_gan.drag.handle_x").value, at.number_input(key="drag_gan.drag.handle_y").value) \
        == (9, 7)
    assert any("next click sets the **target**" in m.value for m in at.markdown)
    at.number_input(key="drag_gan.drag.handle_x").set_value(13)
    at.number_input(key="drag_gan.drag.handle_y").set_value(5)
    at.number_input(key="drag_gan.drag.target_x").set_value(17)
    click_and_finish(at, "Drag")
    assert_no_exception(at, "DragGAN page after a drag")
    assert {"drag_gan.drag.fig.now", "drag_gan.drag.fig.distance", "drag_gan.drag.fig.strip"} <= chart_keys(at)
    assert any("pixels from the target" in box.value and "classifier reads" in box.value
               for box in [*at.success, *at.warning])
    assert "step 5/5" in end_states(at) or "Finished" in end_states(at), end_states(at)


def test_bad_points_and_settings_get_one_sentence():
    at = _page(epochs="0", steps="nope", handle_x="40")
    assert_no_exception(at, "DragGAN page with a malformed link")
    assert at.warning
