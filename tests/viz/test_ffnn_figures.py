"""The chapter 1-2 lab figures: activations, dying units, robust fits, approximation, the race."""

import json

import numpy as np
import plotly.io as pio
import pytest

from toolkit import viz

Z = np.linspace(-3, 3, 7)
X = np.linspace(-1, 1, 10)
MASK = X > 0.7


def _figures():
    return {
        "activation_plot": viz.activation_plot(Z, {"relu": (np.maximum(Z, 0), (Z > 0) * 1.0),
                                                   "tanh": (np.tanh(Z), 1 - np.tanh(Z) ** 2)}),
        "dead_units_plot": viz.dead_units_plot({"relu": ([0, 1, 2], [0, 0.2, 0.4], [np.nan, 0.7, 0.6])}),
        "line_fits_plot": viz.line_fits_plot(X, 2 * X, MASK, {"MSE": (2.0, 0.0), "MAE": (1.9, 0.1)}),
        "residual_plots": viz.residual_plots(X, {"MSE": X * 0, "MAE": X * 0.1, "Huber": X}, MASK),
        "approximation_plot": viz.approximation_plot(X, X**2, {"w = 2": X**2 + 0.1}),
        "error_vs_width_plot": viz.error_vs_width_plot([1, 2, 4], [0.1, 0.01, 0.001], [0.5, 0.2, 0.1]),
        "depth_vs_width_plot": viz.depth_vs_width_plot([1, 2], [100, 15], [301, 286], [0.01, 0.002]),
        "loss_vs_forward_passes": viz.loss_vs_forward_passes(
            {"backprop": {"forward_passes": np.arange(4), "loss": [0.7, 0.5, 0.4, 0.3]},
             "weight_perturbation": {"forward_passes": np.array([0, 21]), "loss": [0.7, 0.69]}}),
    }


FIGURES = _figures()


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_has_the_common_look_and_serialises(name):
    fig = FIGURES[name]
    assert fig.layout.template == pio.templates["plotly_white"] and fig.layout.title.text
    assert 300 <= fig.layout.height <= 650
    assert json.loads(fig.to_json())["data"]


def test_contents():
    assert len(FIGURES["activation_plot"].data) == 4  # h and h' per activation
    assert [t.showlegend for t in FIGURES["activation_plot"].data] == [True, False, True, False]
    assert list(FIGURES["dead_units_plot"].data[0].y) == [0, 20, 40]  # percent
    names = [t.name for t in FIGURES["line_fits_plot"].data]
    assert names[:2] == ["data", "outliers"] and names[2].startswith("MSE: ŷ = 2.00x + 0.00")
    assert [a.text for a in FIGURES["residual_plots"].layout.annotations][:3] == ["MSE", "MAE", "Huber"]
    race = FIGURES["loss_vs_forward_passes"]
    assert race.layout.xaxis.type == "log" and race.data[0].x[0] == 1  # 0 passes drawn at 1
    assert race.data[1].name == "weight perturbation (1 updates)"
    assert FIGURES["depth_vs_width_plot"].data[0].x[0] == "1 × 100<br>301 params"


@pytest.mark.parametrize("call, message", [
    (lambda: viz.activation_plot(Z, {}), "`curves` must be a non-empty mapping"),
    (lambda: viz.activation_plot(Z, {"relu": (Z[:3], Z)}), "must hold arrays shaped like z"),
    (lambda: viz.dead_units_plot({"relu": ([0, 1], [0.1], [0.5, 0.4])}), "must hold arrays of the same length"),
    (lambda: viz.line_fits_plot(X, X[:5], MASK, {"MSE": (1, 0)}), "must have the same shape"),
    (lambda: viz.approximation_plot(X, X, {"w": X[:3]}), "must have the shape of x"),
    (lambda: viz.error_vs_width_plot([1, 2], [0.1]), "must have one value per width"),
    (lambda: viz.depth_vs_width_plot([1], [2, 3], [4], [5]), "must have the same length"),
    (lambda: viz.loss_vs_forward_passes({"backprop": {"loss": [1]}}), "must hold 'forward_passes' and 'loss'"),
])
def test_invalid_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=__import__("re").escape(message)):
        call()
