"""Overfitting over time: the generalization gap per epoch, and where early stopping stopped.

The gap is the distance between the held-out curve and the training curve of a run,

    (1) loss gap     = val_loss − loss                 (grows when the network overfits)
    (2) accuracy gap = accuracy − val_accuracy

one line per run in the run's colour (the i-th run of the mapping gets colour i, as in
`learning_curves`). Early stopping is marked on either figure by `mark_early_stopping`:
a dotted vertical line at the epoch where it stopped and a star on the held-out curve at
the epoch whose weights it restored.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import SMALLEST_FONT, apply_layout, run_color

GAPS = {"loss": ("val_loss", "loss"), "accuracy": ("accuracy", "val_accuracy")}


def generalization_gap(histories, metric="loss", stops=None, title=None) -> go.Figure:
    """Eq. 1 or 2 per epoch for every run, with early stopping marked.

    Args:
        histories: mapping run name -> Keras history dict holding `metric` and "val_" + metric.
        metric: "loss" (Eq. 1) or "accuracy" (Eq. 2).
        stops: optional mapping run name -> {"stopped_at": epoch, "restored": epoch}, epochs
            counted from 1 (`toolkit.regularization.EarlyStopping` writes this).
        title: figure title.
    """
    if metric not in GAPS:
        raise ValueError(f"`metric` must be 'loss' or 'accuracy', received metric={metric!r}.")
    _check(histories, GAPS[metric])
    high, low = GAPS[metric]
    fig = go.Figure()
    gaps = {}
    for index, (run, history) in enumerate(histories.items()):
        gap = np.asarray(history[high], float) - np.asarray(history[low], float)
        gaps[run] = gap
        fig.add_trace(go.Scatter(
            x=np.arange(1, len(gap) + 1), y=gap, name=str(run), mode="lines", meta=[str(run)],
            line={"color": run_color(index), "width": 2},
            hovertemplate=f"<b>%{{meta[0]}}</b><br>epoch %{{x}}<br>{metric} gap: %{{y:.4g}}<extra></extra>",
        ))
    fig.add_hline(y=0, line={"color": "#888", "width": 1})
    _add_stop_marks(fig, gaps, list(histories), stops or {})
    return apply_layout(
        fig, title=title or f"Generalization gap: {high} − {low}", x_title="epoch",
        y_title=f"{metric} gap", hovermode="closest")


def mark_early_stopping(fig, histories, stops, metric="loss") -> go.Figure:
    """Adds early stopping's marks to a `learning_curves` figure of the same `histories`.

    Args:
        fig: the figure (modified and returned).
        histories: the mapping the figure was drawn from (it fixes each run's colour).
        stops: mapping run name -> {"stopped_at": epoch, "restored": epoch} (from 1).
        metric: the curve the star sits on ("val_" + metric at the restored epoch).
    """
    if not isinstance(stops, Mapping):
        raise ValueError(f"`stops` must be a mapping run name -> epochs, received {type(stops).__name__}.")
    curves = {run: np.asarray(history.get("val_" + metric, history.get(metric, [])), float)
              for run, history in histories.items()}
    _add_stop_marks(fig, curves, list(histories), stops)
    return fig


def _add_stop_marks(fig, curves, order, stops):
    for run, info in stops.items():
        if run not in curves:
            raise ValueError(f"`stops` names run {run!r}, which is not among the runs {order}.")
        color = run_color(order.index(run))
        stopped, restored = info.get("stopped_at"), info.get("restored")
        if stopped:
            fig.add_vline(x=stopped, line={"color": color, "dash": "dot", "width": 2},
                          annotation={"text": f"{run}: stopped", "font": {"color": color, "size": SMALLEST_FONT}},
                          annotation_position="top right")
        values = curves[run]
        if restored and 1 <= restored <= len(values):
            fig.add_trace(go.Scatter(
                x=[restored], y=[values[restored - 1]], mode="markers", showlegend=False,
                name=f"{run} · restored", marker={"symbol": "star", "size": 14, "color": color,
                                                  "line": {"width": 1, "color": "#1a1a1a"}},
                hovertemplate=f"<b>{run}</b><br>weights restored from epoch %{{x}}<extra></extra>",
            ))


def _check(histories, keys):
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("`histories` must be a non-empty mapping run name -> history dict, "
                         f"received {type(histories).__name__}.")
    for run, history in histories.items():
        missing = [key for key in keys if key not in history]
        if missing:
            raise ValueError(f"Run {run!r} has no {', '.join(map(repr, missing))} in its history; the gap "
                             f"needs both {keys[0]!r} and {keys[1]!r} (train with validation data).")
        if len(history[keys[0]]) != len(history[keys[1]]):
            raise ValueError(f"Run {run!r} has {len(history[keys[0]])} values of {keys[0]!r} but "
                             f"{len(history[keys[1]])} of {keys[1]!r}; they must have one per epoch.")
