"""The Backpropagation page in AppTest: phases, a gradient step lowers the loss, the race in its panel."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, SMALLEST_RUN, assert_no_exception, click_and_finish, end_states

TIMEOUT = 180


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / "backprop.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _loss(at) -> float:
    return float(next(m.value for m in at.metric if m.label == "Loss L"))


@pytest.mark.timeout(300)
def test_phases_gradient_check_and_a_step_downhill():
    at = _page()
    assert_no_exception(at, "backprop.py")
    assert not at.error
    table = at.dataframe[0].value
    assert len(table) == 20 and table["|difference|"].max() < 1e-9  # ours vs GradientTape
    assert any(r"\tanh(z)" in formula.value for formula in at.latex)  # h(z) of the chosen activation
    for phase in at.radio(key="backprop.phase").options:
        at.radio(key="backprop.phase").set_value(phase).run()
        assert_no_exception(at, f"backprop.py in phase {phase}")
    before = _loss(at)
    at.button(key="backprop.step").click().run()
    assert _loss(at) < before and "1 gradient steps" in at.caption[0].value
    at.selectbox(key="backprop.neuron").set_value((2, 1)).run()
    assert at.dataframe[1].value["pathway"].iloc[-1].startswith("sum = ∂L/∂a2^(2)")
    at.selectbox(key="backprop.activation").set_value("relu").run()  # a new network: the steps restart
    assert "0 gradient steps" in at.caption[0].value
    assert any(r"\mathrm{ReLU}(z)" in formula.value for formula in at.latex)


@pytest.mark.timeout(300)
def test_race_and_bad_url_values():
    at = _page(seed="x", **SMALLEST_RUN["backprop"])
    assert_no_exception(at, "backprop.py with bad URL values")
    assert "URL parameter `seed` must be an integer in [0, 9999], received 'x'; using 0." in [w.value for w in at.warning]
    click_and_finish(at, "Train")
    assert_no_exception(at, "backprop.py after the race")
    for method, updates in (("backprop", 200), ("weight_perturbation", 1), ("simultaneous_perturbation", 100),
                            ("node_perturbation", 11)):
        assert f"**{method}** · update {updates}/{updates}" in end_states(at)
    rows = at.dataframe[-1].value
    assert list(rows["method"]) == ["backprop", "weight perturbation", "simultaneous perturbation",
                                    "node perturbation"]
    assert list(rows["forward passes per update"]) == [1, 106, 2, 18] and rows["updates"].iloc[0] == 200
    assert rows["mean loss over the budget"].idxmin() == 0  # backprop holds the lowest mean loss
    assert "Loss against compute" in at.get("plotly_chart")[-1].proto.spec
