"""Learning curves: one metric per epoch for several training runs on one figure.

Input is Keras' `History.history` dict per run: {"loss": [...], "val_loss": [...], ...}.
Each run gets one colour from a fixed palette (the i-th run of the mapping gets colour i,
so appending runs never recolours earlier ones); training is dashed, validation solid. The
legend lists each run once, by its name, on its solid curve (validation, or training when the
run has no validation), so it takes one short row on a projector.
A run that diverged (a NaN or infinite value) is drawn up to its last finite value,
where an "x" marks the divergence.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_colors

# split name -> (history key prefix, line dash)
SPLITS = {"train": ("", "dash"), "validation": ("val_", "solid")}
MARKERS_UP_TO = 25  # draw a marker on every epoch for short runs only


def learning_curves(histories, metric="loss", title=None, log_y=False, colors=None) -> go.Figure:
    """Curves of `metric` (train dashed, validation solid) per epoch for every run.

    Args:
        histories: mapping run name -> Keras history dict (`model.fit(...).history`),
            e.g. {"sgd": {"loss": [...], "val_loss": [...]}, "adam": {...}}. Only a mapping
            is accepted; pass `History.history`, not the `History` object. A run without
            the "val_" key is drawn with its training curve only.
        metric: the training key to plot ("loss", "accuracy", ...); "val_" + metric is the
            validation curve. A leading "val_" is ignored.
        title: figure title; defaults to "Learning curves: <metric>".
        log_y: log-scale the y axis (useful for losses spanning decades).
        colors: optional mapping run -> colour (default: `theme.run_colors`).

    Returns:
        A figure with, per run and split, one line trace legend-grouped by run: the run's
        legend entry is named "<run>" (its validation curve, or its training curve when it has
        no validation), the other "<run> · train"; plus an "x" marker where a curve diverged.
    """
    metric = metric[len("val_"):] if metric.startswith("val_") else metric
    _check_histories(histories, metric)
    fig = go.Figure()
    longest = 0
    for run, color in run_colors(histories, colors).items():
        history = histories[run]
        named = "validation" if "val_" + metric in history else "train"  # the one the legend shows
        for split, (prefix, dash) in SPLITS.items():
            if prefix + metric in history:
                values = np.asarray(history[prefix + metric], dtype=float)
                longest = max(longest, len(values))
                _add_curve(fig, str(run), split, metric, values, color, dash, split == named)
    y_title = f"{metric} (log scale)" if log_y else metric
    return apply_layout(
        fig,
        title=title or f"Learning curves: {metric} (train dashed, validation solid)",
        x_title="epoch",
        y_title=y_title,
        yaxis_type="log" if log_y else "linear",
        xaxis_dtick=1 if longest <= 10 else None,
        hovermode="closest",
    )


def _add_curve(fig, run, split, metric, values, color, dash, in_legend):
    """Add the line of one split of one run, cut at its first non-finite value; the one
    `in_legend` carries the run's name in the legend."""
    finite = np.isfinite(values)
    first_bad = len(values) if finite.all() else int(np.argmin(finite))
    kept = values[:first_bad]
    epochs = np.arange(1, first_bad + 1)  # epochs are 1-based
    fig.add_trace(go.Scatter(
        x=epochs, y=kept, name=run if in_legend else f"{run} · {split}", legendgroup=run, meta=[run, split],
        showlegend=in_legend,
        mode="lines+markers" if first_bad <= MARKERS_UP_TO else "lines",
        line={"color": color, "dash": dash, "width": 2},
        marker={"size": 5},
        hovertemplate=(
            "<b>%{meta[0]}</b><br>split: %{meta[1]}<br>epoch: %{x}<br>"
            f"{metric}: %{{y:.4g}}<extra></extra>"
        ),
    ))
    if 0 < first_bad < len(values):
        _add_divergence_marker(fig, run, split, metric, first_bad, kept[-1], color)


def _add_divergence_marker(fig, run, split, metric, last_epoch, last_value, color):
    """Mark the last finite point of a curve whose next value is NaN or infinite."""
    fig.add_trace(go.Scatter(
        x=[last_epoch], y=[last_value], name=f"{run} · {split} diverged",
        legendgroup=run, showlegend=False, meta=[run, split], mode="markers",
        marker={"symbol": "x", "size": 12, "color": color,
                "line": {"width": 1, "color": "#1a1a1a"}},
        hovertext=[f"diverged at epoch {last_epoch + 1}"],
        hovertemplate=(
            "<b>%{meta[0]}</b><br>split: %{meta[1]}<br>%{hovertext}<br>"
            f"last finite {metric}: %{{y:.4g}} (epoch %{{x}})<extra></extra>"
        ),
    ))


def _check_histories(histories, metric):
    """Raise ValueError unless `histories` maps run names to 1-D histories of `metric`."""
    if not isinstance(histories, Mapping):
        raise ValueError(
            "`histories` must be a mapping run name -> history dict, e.g. "
            f"{{'adam': model.fit(...).history}}, received {type(histories).__name__}."
        )
    if not histories:
        raise ValueError("`histories` is empty; pass at least one run name -> history dict.")
    for run, history in histories.items():
        if not isinstance(history, Mapping):
            raise ValueError(
                f"The history of run {run!r} must be a dict of metric -> values per epoch "
                f"(pass `History.history`), received {type(history).__name__}."
            )
        if metric not in history and "val_" + metric not in history:
            raise ValueError(
                f"Run {run!r} has no {metric!r} in its history; available keys: "
                f"{', '.join(map(str, history)) or 'none'}."
            )
        for key in (metric, "val_" + metric):
            if key in history and np.ndim(history[key]) != 1:
                raise ValueError(
                    f"history[{key!r}] of run {run!r} must be 1-D (one value per epoch), "
                    f"received shape {np.shape(history[key])}."
                )
