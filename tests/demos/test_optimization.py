"""Chapter 3's optimization pages in AppTest: Loss surfaces (url ``optimization``), Optimizer
race (``race``) and Batch size (``minibatch``): lesson links, small runs through the live panel,
bad URL values, divergence.

Also the ``"multi"`` kind of ``demos.ui.Param`` (a multiselect in the URL as "a,b") that the
pages use to pick optimizers.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from demos import ui
from tests.demos.conftest import DEMOS, assert_no_exception, click_and_finish, end_states
from toolkit.optim import PRESETS

TIMEOUT = 120
OPTIMIZER_PARAM = ui.Param("optimizers", "multi", ("SGD", "Adam"), choices=("SGD", "Momentum", "Adam"))


def _page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / name), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


# ---------------------------------------------------------------- the "multi" Param kind
def test_multi_param_round_trips_through_the_url():
    assert OPTIMIZER_PARAM.default == ("SGD", "Adam")
    assert ui.format_param(OPTIMIZER_PARAM, ("Momentum", "Adam")) == "Momentum,Adam"
    assert ui.parse_param(OPTIMIZER_PARAM, " Momentum , Adam ") == ("Momentum", "Adam")
    assert ui.parse_param(OPTIMIZER_PARAM, "") == ()
    for raw in ("SGD,Adamax", "SGD,SGD"):
        with pytest.raises(ValueError, match="^`optimizers` must be a comma-separated list of distinct "
                                             "values among 'SGD', 'Momentum', 'Adam', received"):
            ui.parse_param(OPTIMIZER_PARAM, raw)


# ---------------------------------------------------------------- Loss surfaces
def _rows(at, column):
    return [t for t in at.dataframe if column in t.value.columns][0].value.to_dict("records")


def test_surfaces_first_render_shows_the_map_the_rules_and_the_lesson_links():
    at = _page("optimization.py")
    assert_no_exception(at, "optimization.py")
    assert not at.error and not at.dataframe  # nothing descends before Train (or a map click)
    assert len(at.get("plotly_chart")) == 1  # the clickable map of the saddle
    links = _texts(at.markdown)
    for name in PRESETS:
        assert f"(?lesson={name})" in links, name
    rules = _texts(at.latex)
    assert r"\text{SGD: }" in rules and r"\text{Adam: }" in rules and r"\text{RMSProp: }" not in rules
    assert len(at.latex) == 4  # f(x, y) and the rules of the three chosen optimizers


def test_surfaces_default_shows_the_saddle_lesson_in_numbers():
    at = click_and_finish(_page("optimization.py"), "Train")
    assert_no_exception(at, "optimization.py after Train")
    assert not at.error and end_states(at).count("Finished") == 3  # one Run per optimizer
    rows = _rows(at, "optimizer")
    assert [r["optimizer"] for r in rows] == ["SGD", "Momentum", "Adam"]
    near = {r["optimizer"]: r["steps near the saddle"] for r in rows}
    assert near["SGD"] > 3 * near["Momentum"]
    assert "no minimum" in _texts(at.info)  # paths leaving an unbounded surface are explained
    assert len(at.get("plotly_chart")) == 2  # f along each path (live panel), the animated map


def test_surfaces_lesson_link_restores_the_preset_and_its_explanation():
    at = _page("optimization.py", lesson="local_minimum")
    assert_no_exception(at, "optimization.py?lesson=local_minimum")
    info = _texts(at.info)
    assert "Lesson: Local minimum." in info and PRESETS["local_minimum"].lesson in info
    assert at.selectbox(key="optimization.surface").value == "double_well"
    assert at.multiselect(key="optimization.optimizers").value == ["SGD", "Momentum", "Adam"]
    assert at.number_input(key="optimization.lr_sgd").value == 0.02
    assert at.number_input(key="optimization.lr_adam").value == 0.1
    assert (at.number_input(key="optimization.x0").value, at.number_input(key="optimization.y0").value) == (1.8, 1.2)
    assert at.number_input(key="optimization.steps").value == 300
    at = click_and_finish(at, "Train")
    outcomes = {r["optimizer"]: r["outcome"] for r in _rows(at, "outcome")}
    assert outcomes["SGD"].startswith("stuck in the local minimum")
    assert outcomes["Momentum"].startswith("reached the global minimum")
    assert "Lesson: Local minimum." in _texts(at.info)  # the lesson stays while its values do


def test_every_lesson_link_opens_with_its_explanation_and_no_warning():
    for name, preset in PRESETS.items():
        at = _page("optimization.py", lesson=name)
        assert_no_exception(at, f"optimization.py?lesson={name}")
        assert f"Lesson: {preset.title}." in _texts(at.info) and not at.warning and not at.error, name
        assert at.selectbox(key="optimization.surface").value == preset.surface, name


def test_surfaces_bad_url_values_fall_back_with_one_warning_each():
    at = _page("optimization.py", lr_sgd="-1", rho="1", beta2="1.5", steps="many",
               surface="moon", optimizers="SGD,Adamax", lesson="nowhere")
    assert_no_exception(at, "optimization.py with bad URL values")
    warnings = _texts(at.warning)
    for name in ("lr_sgd", "rho", "beta2", "steps", "surface", "optimizers", "lesson"):
        assert f"URL parameter `{name}` must be" in warnings, name
    assert not at.error and at.selectbox(key="optimization.surface").value == "saddle"  # the defaults


def test_surfaces_start_outside_the_domain_is_explained_and_the_map_stays():
    at = _page("optimization.py", x0="50")
    assert_no_exception(at, "optimization.py with x0=50")
    assert "lies outside the saddle domain x ∈ [-2, 2], y ∈ [-2, 2]" in _texts(at.error)
    assert len(at.get("plotly_chart")) == 1  # the surface is still drawn, to click a start on
    at.number_input(key="optimization.x0").set_value(1.0)
    at = click_and_finish(at, "Train")
    assert not at.error and len(_rows(at, "outcome")) == 3


def test_surfaces_divergence_lesson_reports_the_diverged_run_and_no_optimizer_is_explained():
    at = click_and_finish(_page("optimization.py", lesson="divergence"), "Train")
    assert_no_exception(at, "optimization.py, divergence lesson")
    assert "Diverged" in end_states(at) and "smaller learning rate" in _texts(at.error)
    assert "Diverged: SGD at step" in _texts(at.warning)
    assert _rows(at, "outcome")[0]["outcome"].startswith("left the domain at step")
    at.multiselect(key="optimization.optimizers").set_value([])
    at = click_and_finish(at, "Train")
    assert "`optimizers` must be at least one value" in _texts(at.error)


# ---------------------------------------------------------------- Optimizer race
def test_race_trains_keras_builtins_and_toolkit_adagrad_and_warns_on_bad_urls():
    at = _page("race.py", optimizers="SGD,Adagrad", epochs="2", width="8", lr_adam="0",
               beta1="1", keras="maybe")
    warnings = _texts(at.warning)
    for name in ("lr_adam", "beta1", "keras"):
        assert f"URL parameter `{name}` must be" in warnings, name
    at = click_and_finish(at, "Train")
    assert_no_exception(at, "race.py after Train")
    assert not at.error
    rows = [t for t in at.dataframe if "optimizer" in t.value.columns][0].value.to_dict("records")
    assert [r["optimizer"] for r in rows] == ["SGD", "Adagrad"]
    assert len(at.get("plotly_chart")) >= 3  # loss, accuracy, effective learning rates


def test_race_blow_up_at_a_huge_learning_rate_is_reported_and_the_page_stays_up():
    at = _page("race.py", optimizers="Adagrad", lr_adagrad="10", epochs="3", width="64")
    at = click_and_finish(at, "Train")
    assert_no_exception(at, "race.py at lr 10")
    assert "Adagrad did not learn" in _texts(at.warning) and "another learning rate" in _texts(at.warning)
    assert len(at.get("plotly_chart")) >= 3


# ---------------------------------------------------------------- Batch size
def test_minibatch_page_trains_the_three_kinds_of_descent():
    at = _page("minibatch.py", epochs="1", draws="2", minibatch="512", width="8", lr="-3")
    assert "URL parameter `lr` must be a number in [1e-5, 10]" in _texts(at.warning)
    assert len(at.latex) == 3  # the update rule, the three batch sizes, the variance of ĝ
    at = click_and_finish(at, "Train")
    assert_no_exception(at, "minibatch.py after Train")
    assert not at.error and end_states(at).count("Finished") + end_states(at).count("Did not learn") == 3
    table = [t for t in at.dataframe if "batch size B" in t.value.columns][0].value
    assert list(table["batch size B"]) == [1438, 1, 512]
    assert len(at.get("plotly_chart")) == 3  # per epoch (live panel), per second, gradient variance
