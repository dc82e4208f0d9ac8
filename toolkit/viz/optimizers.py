"""Figures of the real-network optimization experiments: loss against wall time, the noise of
the minibatch gradient against the batch size, and the adaptive methods' step sizes.

- `loss_vs_time`: one metric against training seconds (train dashed, validation solid), for
  runs whose epochs cost different amounts of time (batch vs stochastic descent).
- `gradient_variance_plot`: E ||g^_B - g||^2 against B on log-log axes, with the
  1/B-shaped reference of Eq. 1 and the batch sizes of the runs marked.

      (1) E ||g^_B - g||^2 = (tr Sigma / B) * (N - B) / (N - 1)

- `learning_rate_histogram`: per-parameter effective learning rates eta_i of Adagrad,
  RMSProp and Adam, on a log axis (shared log-spaced bins, fraction of parameters per bin).
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import SMALLEST_FONT, apply_layout, run_color, run_colors
from toolkit.viz.validation import as_array, positive_int

SPLITS = {"train": ("", "dash"), "validation": ("val_", "solid")}


def loss_vs_time(histories, seconds, *, metric="loss", colors=None, log_y=False,
                 title=None) -> go.Figure:
    """`metric` of each run against the training seconds at the end of each epoch.

    Args:
        histories: mapping run -> Keras-style history dict ({"loss": [...], "val_loss": ...}).
        seconds: mapping run -> cumulative training seconds at the end of each epoch.
        metric: the training key; "val_" + metric is drawn solid when present.
        colors: optional mapping run -> colour.
        log_y: log-scale the y axis.
    """
    if not isinstance(histories, Mapping) or not histories or not isinstance(seconds, Mapping):
        raise ValueError("`histories` and `seconds` must be non-empty mappings run -> values, "
                         f"received {type(histories).__name__} and {type(seconds).__name__}.")
    fig = go.Figure()
    for run, color in run_colors(histories, colors).items():
        history = histories[run]
        if run not in seconds:
            raise ValueError(f"`seconds` has no entry for run {run!r}; it has {list(seconds)}.")
        times = as_array(f"seconds[{run!r}]", seconds[run], ndims=(1,), expected="a 1-D array")
        named = "validation" if "val_" + metric in history else "train"  # the run's legend entry, as in learning_curves
        for split, (prefix, dash) in SPLITS.items():
            if prefix + metric not in history:
                continue
            values = as_array(f"{prefix}{metric} of {run!r}", history[prefix + metric], ndims=(1,),
                              expected="a 1-D array")
            n = min(len(values), len(times))
            fig.add_trace(go.Scatter(
                x=times[:n], y=values[:n], name=str(run) if split == named else f"{run} · {split}",
                legendgroup=str(run), showlegend=split == named,
                mode="lines+markers" if n <= 25 else "lines", meta=[str(run), split],
                line={"color": color, "dash": dash, "width": 2}, marker={"size": 5},
                customdata=np.arange(1, n + 1),
                hovertemplate=("<b>%{meta[0]}</b> · %{meta[1]}<br>epoch %{customdata} at "
                               f"%{{x:.2f}} s<br>{metric}: %{{y:.4g}}<extra></extra>")))
    return apply_layout(
        fig, title=title or f"{metric} against training time", x_title="training time (s)",
        y_title=metric + (" (log scale)" if log_y else ""), yaxis_type="log" if log_y else "linear",
        hovermode="closest")


def gradient_variance_plot(batch_sizes, variances, reference=None, *, marks=None,
                           title=None) -> go.Figure:
    """E ||g^_B - g||^2 against the batch size B, log-log, with the Eq. 1 reference.

    Args:
        batch_sizes: (k,) batch sizes.
        variances: (k,) measured mean squared deviations of g^_B from g.
        reference: optional (k,) Eq. 1 curve drawn dashed.
        marks: optional mapping label -> batch size to mark with a vertical line.
    Non-positive values (B = N gives 0) cannot sit on a log axis and are left out.
    """
    sizes = as_array("batch_sizes", batch_sizes, ndims=(1,), expected="a 1-D array of batch sizes")
    values = as_array("variances", variances, ndims=(1,), expected="a 1-D array")
    if sizes.shape != values.shape or not len(sizes):
        raise ValueError(f"`batch_sizes` and `variances` must have the same non-zero length, "
                         f"received {len(sizes)} and {len(values)}.")
    fig = go.Figure()
    keep = values > 0
    fig.add_trace(go.Scatter(
        x=sizes[keep], y=values[keep], mode="lines+markers", name="measured",
        line={"color": run_color(0), "width": 2.5}, marker={"size": 8},
        hovertemplate="B = %{x}<br>E‖ĝ − g‖² = %{y:.3g}<extra></extra>"))
    if reference is not None:
        ref = as_array("reference", reference, ndims=(1,), expected="a 1-D array")
        if ref.shape != sizes.shape:
            raise ValueError(f"`reference` must have the length of `batch_sizes` ({len(sizes)}), "
                             f"received {len(ref)}.")
        fig.add_trace(go.Scatter(
            x=sizes[ref > 0], y=ref[ref > 0], mode="lines", name="∝ (N − B) / (B (N − 1))",
            line={"color": "#7f7f7f", "dash": "dash"},
            hovertemplate="B = %{x}<br>1/B law: %{y:.3g}<extra></extra>"))
    for index, (label, size) in enumerate((marks or {}).items()):
        # plotly.js places shapes on a log axis by data value, annotations by log10 of it
        fig.add_vline(x=float(size), line={"color": run_color(index), "dash": "dot"})
        fig.add_annotation(x=float(np.log10(size)), y=1, xref="x", yref="y domain",
                           text=str(label), textangle=-90, showarrow=False, xanchor="left",
                           yanchor="top", font={"size": SMALLEST_FONT, "color": run_color(index)})
    return apply_layout(
        fig, title=title or "Noise of the gradient estimate against batch size",
        x_title="batch size B (log scale)", y_title="E‖ĝ_B − g‖² (log scale)",
        xaxis_type="log", yaxis_type="log", yaxis_exponentformat="power", hovermode="closest")


def learning_rate_histogram(rates, *, bins=40, colors=None, title=None) -> go.Figure:
    """Histograms of per-parameter effective learning rates on a log axis.

    Args:
        rates: mapping run -> array of eta_i (any shape; non-positive and non-finite
            values are left out).
        bins: shared log-spaced bins across all runs.
        colors: optional mapping run -> colour.
    """
    bins = positive_int("bins", bins)
    if not isinstance(rates, Mapping) or not rates:
        raise ValueError("`rates` must be a non-empty mapping run -> effective learning rates, "
                         f"received {type(rates).__name__}.")
    flat = {str(run): np.ravel(as_array(f"rates[{run!r}]", v, ndims=(0, 1, 2, 3, 4),
                                        expected="an array")) for run, v in rates.items()}
    flat = {run: v[np.isfinite(v) & (v > 0)] for run, v in flat.items()}
    every = np.concatenate(list(flat.values()))
    low, high = (np.log10(every.min()), np.log10(every.max())) if every.size else (-4.0, -2.0)
    if high - low < 1e-6:
        low, high = low - 0.5, high + 0.5
    edges = np.logspace(low, high, bins + 1)
    centres = np.sqrt(edges[:-1] * edges[1:])
    fig = go.Figure()
    for run, color in run_colors(flat, colors).items():
        values = flat[run]
        counts, _ = np.histogram(values, bins=edges)
        fraction = counts / max(values.size, 1)
        fig.add_trace(go.Scatter(
            x=centres, y=fraction, name=f"{run} ({values.size:,} parameters)", meta=[run],
            mode="lines", line={"shape": "hvh", "color": color, "width": 2},
            fill="tozeroy", opacity=0.6, customdata=counts,
            hovertemplate="<b>%{meta[0]}</b><br>η_i ≈ %{x:.3g}<br>%{customdata} parameters "
                          "(%{y:.1%})<extra></extra>"))
    return apply_layout(
        fig, title=title or "Per-parameter effective learning rates after training",
        x_title="effective learning rate η_i (log scale)", y_title="fraction of parameters",
        xaxis_type="log", xaxis_dtick=1, xaxis_exponentformat="power", hovermode="closest")
