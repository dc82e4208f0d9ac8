"""learning_curves: traces per run and split, dash styles, colours, divergence marker."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.viz import learning_curves
from toolkit.viz.theme import RUN_COLORS

HISTORIES = {
    "sgd": {"loss": [1.0, 0.8, 0.6], "val_loss": [1.1, 0.9, 0.75],
            "accuracy": [0.5, 0.6, 0.7], "val_accuracy": [0.45, 0.55, 0.65]},
    "adam": {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.4],
             "accuracy": [0.6, 0.8, 0.9], "val_accuracy": [0.55, 0.75, 0.85]},
}


def _by_name(fig):
    return {trace.name: trace for trace in fig.data}


def test_one_dashed_train_and_one_solid_validation_trace_per_run():
    fig = learning_curves(HISTORIES)
    assert isinstance(fig, go.Figure)
    traces = _by_name(fig)
    assert list(traces) == ["sgd · train", "sgd", "adam · train", "adam"]
    assert traces["sgd · train"].line.dash == "dash"
    assert traces["sgd"].line.dash == "solid"
    assert {trace.legendgroup for trace in fig.data} == {"sgd", "adam"}
    assert [trace.showlegend for trace in fig.data] == [False, True, False, True]  # one legend entry per run


def test_values_and_epochs_equal_the_history():
    traces = _by_name(learning_curves(HISTORIES, metric="accuracy"))
    np.testing.assert_array_equal(traces["adam"].y, [0.55, 0.75, 0.85])
    np.testing.assert_array_equal(traces["adam"].x, [1, 2, 3])  # 1-based epochs


def test_each_run_keeps_its_palette_colour_and_both_splits_share_it():
    traces = _by_name(learning_curves(HISTORIES))
    assert traces["sgd · train"].line.color == traces["sgd"].line.color == RUN_COLORS[0]
    assert traces["adam · train"].line.color == RUN_COLORS[1]
    # appending a run does not recolour the earlier ones
    more = dict(HISTORIES, rmsprop=HISTORIES["sgd"])
    assert _by_name(learning_curves(more))["adam · train"].line.color == RUN_COLORS[1]


def test_hover_names_run_split_epoch_and_value():
    trace = _by_name(learning_curves(HISTORIES))["sgd"]
    assert list(trace.meta) == ["sgd", "validation"]
    for part in ("%{meta[0]}", "%{meta[1]}", "epoch: %{x}", "loss: %{y"):
        assert part in trace.hovertemplate


def test_missing_validation_key_draws_train_only():
    fig = learning_curves({"run": {"loss": [3.0, 2.0]}})
    assert [trace.name for trace in fig.data] == ["run"]


def test_val_prefix_in_metric_is_ignored():
    assert len(learning_curves(HISTORIES, metric="val_loss").data) == 4


def test_nan_history_is_cut_and_the_last_finite_point_marked():
    history = {"diverged": {"loss": [1.0, 2.0, 40.0, np.nan, np.nan],
                            "val_loss": [1.0, np.inf, np.nan, np.nan, np.nan]}}
    traces = _by_name(learning_curves(history))
    np.testing.assert_array_equal(traces["diverged · train"].y, [1.0, 2.0, 40.0])
    marker = traces["diverged · train diverged"]
    assert marker.marker.symbol == "x"
    assert list(marker.x) == [3] and list(marker.y) == [40.0]
    assert "diverged" in marker.hovertext[0]
    assert marker.showlegend is False and marker.legendgroup == "diverged"
    assert list(traces["diverged · validation diverged"].x) == [1]
    json.loads(learning_curves(history).to_json())


def test_run_that_is_nan_from_the_first_epoch_does_not_crash():
    fig = learning_curves({"bad": {"loss": [np.nan, np.nan]}})
    assert len(fig.data[0].y) == 0
    fig.to_json()


def test_layout_axes_title_and_log_scale():
    fig = learning_curves(HISTORIES, title="Optimizers", log_y=True)
    assert fig.layout.title.text == "Optimizers"
    assert fig.layout.xaxis.title.text == "epoch"
    assert fig.layout.yaxis.title.text == "loss (log scale)"
    assert fig.layout.yaxis.type == "log"
    assert learning_curves(HISTORIES).layout.title.text.startswith("Learning curves: loss (train")


@pytest.mark.parametrize("histories, message", [
    ([{"loss": [1.0]}], "must be a mapping run name -> history dict"),
    ({}, "`histories` is empty"),
    ({"a": [1.0, 2.0]}, "The history of run 'a' must be a dict"),
    ({"a": {"accuracy": [0.5]}}, "Run 'a' has no 'loss' in its history; available keys: accuracy"),
    ({"a": {"loss": [[1.0, 2.0]]}}, r"history\['loss'\] of run 'a' must be 1-D .* shape \(1, 2\)"),
])
def test_bad_input_raises_one_clear_sentence(histories, message):
    with pytest.raises(ValueError, match=message):
        learning_curves(histories)
