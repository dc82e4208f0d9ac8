"""Chapter 3's optimization pages in AppTest: Loss surfaces (url ``optimization``), Optimizer
race (``race``) and Batch size (``minibatch``): small runs, bad URL values, divergence.

Also the ``"multi"`` kind of ``demos.ui.Param`` (a multiselect in the URL as "a,b") that the
pages use to pick optimizers.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from demos import ui
from tests.demos.conftest import DEMOS, assert_no_exception

TIMEOUT = 120
OPTIMIZERS = ui.Param("optimizers", "multi", ("SGD", "Adam"), choices=("SGD", "Momentum", "Adam"))


def _page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "pages" / name), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


# ---------------------------------------------------------------- the "multi" Param kind
def test_multi_param_round_trips_through_the_url():
    assert OPTIMIZERS.default == ("SGD", "Adam")
    assert ui.format_param(OPTIMIZERS, ("Momentum", "Adam")) == "Momentum,Adam"
    assert ui.parse_param(OPTIMIZERS, " Momentum , Adam ") == ("Momentum", "Adam")
    assert ui.parse_param(OPTIMIZERS, "") == ()
    for raw in ("SGD,Adamax", "SGD,SGD"):
        with pytest.raises(ValueError, match="^`optimizers` must be a comma-separated list of distinct "
                                             "values among 'SGD', 'Momentum', 'Adam', received"):
            ui.parse_param(OPTIMIZERS, raw)


# ---------------------------------------------------------------- Loss surfaces
def test_surfaces_default_shows_the_saddle_lesson_in_numbers():
    at = _page("optimization.py")
    assert_no_exception(at, "optimization.py")
    assert not at.error
    (table,) = at.dataframe
    rows = table.value.to_dict("records")
    assert [r["optimizer"] for r in rows] == ["SGD", "Momentum", "Adam"]
    near = {r["optimizer"]: r["steps near the saddle"] for r in rows}
    assert near["SGD"] > 3 * near["Momentum"]
    assert "no minimum" in _texts(at.info)  # paths leaving an unbounded surface are explained
    at.selectbox(key="optimization.surface").select("rosenbrock").run()  # new surface, new start
    assert at.number_input(key="optimization.x0").value == -1.2
    assert at.number_input(key="optimization.y0").value == 1.0


def test_surfaces_bad_url_values_fall_back_with_one_warning_each():
    at = _page("optimization.py", lr_sgd="-1", rho="1", beta2="1.5", steps="many",
               surface="moon", optimizers="SGD,Adamax")
    assert_no_exception(at, "optimization.py with bad URL values")
    warnings = _texts(at.warning)
    for name in ("lr_sgd", "rho", "beta2", "steps", "surface", "optimizers"):
        assert f"URL parameter `{name}` must be" in warnings, name
    assert len(at.dataframe) == 1  # the defaults ran


def test_surfaces_start_outside_the_domain_is_explained_and_the_map_stays():
    at = _page("optimization.py", x0="50")
    assert_no_exception(at, "optimization.py with x0=50")
    assert "lies outside the saddle domain x ∈ [-2, 2], y ∈ [-2, 2]" in _texts(at.error)
    assert not at.dataframe  # no paths, but the surface is still drawn
    at.number_input(key="optimization.x0").set_value(1.0).run()
    assert not at.error and len(at.dataframe) == 1


def test_surfaces_divergence_preset_warns_and_no_optimizer_is_explained():
    at = _page("optimization.py")
    at.selectbox(key="optimization.preset").select("Divergence").run()
    assert_no_exception(at, "optimization.py, Divergence preset")
    assert "Diverged: SGD at step" in _texts(at.warning)
    rows = at.dataframe[0].value.to_dict("records")
    assert rows[0]["outcome"].startswith("left the domain at step")
    at.multiselect(key="optimization.optimizers").set_value([]).run()
    assert "Pick at least one optimizer" in _texts(at.error)


# ---------------------------------------------------------------- Optimizer race
def test_race_trains_keras_builtins_and_toolkit_adagrad_and_warns_on_bad_urls():
    at = _page("race.py", optimizers="SGD,Adagrad", epochs="2", width="8", lr_adam="0",
               beta1="1", keras="maybe")
    warnings = _texts(at.warning)
    for name in ("lr_adam", "beta1", "keras"):
        assert f"URL parameter `{name}` must be" in warnings, name
    at.button(key="race.submit").click().run(timeout=300)
    assert_no_exception(at, "race.py after Train")
    assert not at.error
    rows = [t for t in at.dataframe if "optimizer" in t.value.columns][0].value.to_dict("records")
    assert [r["optimizer"] for r in rows] == ["SGD", "Adagrad"]
    assert len(at.get("plotly_chart")) >= 3  # loss, accuracy, effective learning rates


def test_race_blow_up_at_a_huge_learning_rate_is_reported_and_the_page_stays_up():
    at = _page("race.py", optimizers="Adagrad", lr_adagrad="10", epochs="3", width="64")
    at.button(key="race.submit").click().run(timeout=300)
    assert_no_exception(at, "race.py at lr 10")
    assert "Adagrad did not learn" in _texts(at.warning) and "another learning rate" in _texts(at.warning)
    assert len(at.get("plotly_chart")) >= 3


# ---------------------------------------------------------------- Batch size
def test_minibatch_page_trains_the_three_kinds_of_descent():
    at = _page("minibatch.py", epochs="1", draws="2", minibatch="512", width="8", lr="-3")
    assert "URL parameter `lr` must be a number in [1e-5, 10]" in _texts(at.warning)
    at.button(key="minibatch.submit").click().run(timeout=300)
    assert_no_exception(at, "minibatch.py after Train")
    assert not at.error
    table = [t for t in at.dataframe if "batch size B" in t.value.columns][0].value
    assert list(table["batch size B"]) == [1438, 1, 512]
    assert len(at.get("plotly_chart")) >= 3  # per epoch, per second, gradient variance
