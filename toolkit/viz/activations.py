"""Figures of the activations and losses lab (chapter 1): shapes, dying units, robust fits.

- `activation_plot`: h(z) and h'(z) side by side, one colour per activation. The notes:
  "what matters most is the shape of the derivatives" (where h' vanishes, learning stops).
- `dead_units_plot`: the fraction of dead hidden units and the training loss per epoch,
  one colour per activation (a dead ReLU unit's own weights get no gradient any more).
- `line_fits_plot`: data with outliers and the line each loss fits.
- `residual_plots`: residuals e = ŷ − y against x, one panel per loss, outliers marked.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color, subplots
from toolkit.viz.validation import as_array


def _check_mapping(name, value, example):
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"`{name}` must be a non-empty mapping like {example}, "
                         f"received {type(value).__name__}.")


def activation_plot(z, curves, title="Activation functions h(z) and their derivatives h'(z)") -> go.Figure:
    """h(z) (left) and h'(z) (right) for every activation in ``curves``.

    Args:
        z: (n,) input values.
        curves: mapping name -> (h(z), h'(z)) arrays of shape (n,)
            (``toolkit.ffnn.activations.activation_values``).
    """
    z = as_array("z", z, ndims=(1,), expected="a 1-D array (n,)")
    _check_mapping("curves", curves, "{'relu': (h, dh)}")
    fig = subplots(rows=1, cols=2, titles=("h(z)", "h'(z): what backpropagation multiplies by"),
                   horizontal_spacing=0.08)
    for index, (name, (h, dh)) in enumerate(curves.items()):
        for col, values in ((1, h), (2, dh)):
            values = as_array(f"curves[{name!r}]", values, ndims=(1,), expected="arrays of shape (n,)")
            if values.shape != z.shape:
                raise ValueError(f"`curves[{name!r}]` must hold arrays shaped like z {z.shape}, "
                                 f"received {values.shape}.")
            fig.add_trace(go.Scatter(x=z, y=values, name=name, legendgroup=name, showlegend=col == 1,
                                     line={"color": run_color(index), "width": 2.5}, mode="lines",
                                     hovertemplate=f"{name}<br>z %{{x:.2f}}<br>%{{y:.3f}}<extra></extra>"),
                          row=1, col=col)
    fig.update_xaxes(title_text="z", zeroline=True)
    return apply_layout(fig, title=title, height=400, wide=True)


def dead_units_plot(records, title="Dying ReLU: dead units while training") -> go.Figure:
    """Dead fraction (left, %) and training loss (right) per epoch, one colour per network.

    Args:
        records: mapping name -> (epochs (E,), dead fraction in [0, 1] (E,), loss (E,)).
    """
    _check_mapping("records", records, "{'relu': (epochs, dead, loss)}")
    fig = subplots(rows=1, cols=2, titles=("units with z ≤ 0 on every example (%)", "training loss"),
                   horizontal_spacing=0.1)
    for index, (name, (epochs, dead, loss)) in enumerate(records.items()):
        epochs = as_array(f"records[{name!r}] epochs", epochs, ndims=(1,), expected="a 1-D array")
        for col, values in ((1, 100 * np.asarray(dead, float)), (2, np.asarray(loss, float))):
            if values.shape != epochs.shape:
                raise ValueError(f"`records[{name!r}]` must hold arrays of the same length, "
                                 f"received {epochs.shape} and {values.shape}.")
            fig.add_trace(go.Scatter(x=epochs, y=values, name=name, legendgroup=name,
                                     showlegend=col == 1, mode="lines+markers",
                                     marker={"size": 4}, line={"color": run_color(index), "width": 2.5}),
                          row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(range=[-3, 103], row=1, col=1)
    return apply_layout(fig, title=title, height=380, wide=True)


def _points(x, y, is_outlier):
    x = as_array("x", x, ndims=(1,), expected="a 1-D array (n,)")
    y = as_array("y", y, ndims=(1,), expected="a 1-D array (n,)")
    mask = np.asarray(is_outlier, dtype=bool)
    if not (x.shape == y.shape == mask.shape):
        raise ValueError(f"`x`, `y` and `is_outlier` must have the same shape, received "
                         f"{x.shape}, {y.shape} and {mask.shape}.")
    return x, y, mask


def line_fits_plot(x, y, is_outlier, lines, title="The line each loss fits") -> go.Figure:
    """The data (outliers as red crosses) and each loss's line ŷ = w x + b.

    Args:
        x, y, is_outlier: (n,) data and a mask of the outliers.
        lines: mapping loss name -> (slope w, intercept b).
    """
    x, y, mask = _points(x, y, is_outlier)
    _check_mapping("lines", lines, "{'MSE': (w, b)}")
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x[~mask], y=y[~mask], mode="markers", name="data",
                             marker={"color": "#555555", "size": 7, "opacity": 0.7}))
    fig.add_trace(go.Scatter(x=x[mask], y=y[mask], mode="markers", name="outliers",
                             marker={"color": "#d62728", "size": 10, "symbol": "x"}))
    ends = np.array([x.min(), x.max()])
    for index, (name, (slope, intercept)) in enumerate(lines.items()):
        fig.add_trace(go.Scatter(x=ends, y=slope * ends + intercept, mode="lines",
                                 name=f"{name}: ŷ = {slope:.2f}x + {intercept:.2f}",
                                 line={"color": run_color(index), "width": 3}))
    return apply_layout(fig, title=title, x_title="x", y_title="y", height=420)


def residual_plots(x, residuals, is_outlier, title="Residuals e = ŷ − y of each fit") -> go.Figure:
    """One panel per loss: residuals against x, outliers as red crosses, a zero line.

    Args:
        x, is_outlier: (n,) inputs and the outlier mask.
        residuals: mapping loss name -> (n,) residuals.
    """
    _check_mapping("residuals", residuals, "{'MSE': e}")
    names = list(residuals)
    fig = subplots(rows=1, cols=len(names), titles=names, shared_yaxes=True,
                   horizontal_spacing=0.04)
    for col, name in enumerate(names, start=1):
        x_, e, mask = _points(x, residuals[name], is_outlier)
        fig.add_trace(go.Scatter(x=x_[~mask], y=e[~mask], mode="markers", name="data",
                                 legendgroup="data", showlegend=col == 1,
                                 marker={"color": run_color(col - 1), "size": 6}), row=1, col=col)
        fig.add_trace(go.Scatter(x=x_[mask], y=e[mask], mode="markers", name="outliers",
                                 legendgroup="outliers", showlegend=col == 1,
                                 marker={"color": "#d62728", "size": 9, "symbol": "x"}), row=1, col=col)
        fig.add_hline(y=0, line={"color": "#333333", "width": 1}, row=1, col=col)
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="residual e", row=1, col=1)
    return apply_layout(fig, title=title, height=360, wide=True)
