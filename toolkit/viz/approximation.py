"""Figures of universal approximation (Cybenko) and of depth against width.

- `approximation_plot`: the target f(x) and the networks' approximations f_w(x).
- `error_vs_width_plot`: MSE and max error against the width w, log-log (Cybenko: the
  error can be made as small as we like with enough units; the figure shows how many).
- `depth_vs_width_plot`: the MSE of networks with about the same number of parameters and
  different depths, one bar per architecture.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color
from toolkit.viz.validation import as_array


def approximation_plot(x, y, fits, title="Target f(x) and one-hidden-layer approximations") -> go.Figure:
    """The target (thick grey) and every approximation (``fits``: label -> ŷ of shape (n,))."""
    x = as_array("x", x, ndims=(1,), expected="a 1-D array (n,)")
    y = as_array("y", y, ndims=(1,), expected="a 1-D array (n,)")
    if not isinstance(fits, Mapping):
        raise ValueError(f"`fits` must be a mapping label -> predictions, received {type(fits).__name__}.")
    fig = go.Figure(go.Scatter(x=x, y=y, name="target f(x)", mode="lines",
                               line={"color": "#999999", "width": 6}))
    for index, (label, y_hat) in enumerate(fits.items()):
        y_hat = as_array(f"fits[{label!r}]", y_hat, ndims=(1,), expected="a 1-D array (n,)")
        if y_hat.shape != x.shape:
            raise ValueError(f"`fits[{label!r}]` must have the shape of x {x.shape}, received {y_hat.shape}.")
        fig.add_trace(go.Scatter(x=x, y=y_hat, name=str(label), mode="lines",
                                 line={"color": run_color(index), "width": 2}))
    return apply_layout(fig, title=title, x_title="x", y_title="f(x)", height=400)


def error_vs_width_plot(widths, mse, max_error=None, title="Error against width (one hidden layer)") -> go.Figure:
    """MSE (and optionally the max error) against width on log-log axes."""
    widths = as_array("widths", widths, ndims=(1,), expected="a 1-D array")
    series = {"MSE": mse} if max_error is None else {"MSE": mse, "max |error|": max_error}
    fig = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        values = as_array(name, values, ndims=(1,), expected="a 1-D array")
        if values.shape != widths.shape:
            raise ValueError(f"`{name}` must have one value per width {widths.shape}, received {values.shape}.")
        fig.add_trace(go.Scatter(x=widths, y=values, name=name, mode="lines+markers",
                                 line={"color": run_color(index), "width": 2.5}, marker={"size": 8}))
    return apply_layout(fig, title=title, x_title="hidden units w (log scale)",
                        y_title="error (log scale)", height=380, xaxis_type="log", yaxis_type="log")


def depth_vs_width_plot(depths, widths, params, mse, title="Same parameter budget: depth against width") -> go.Figure:
    """One bar per architecture (D layers of w units, P parameters), height = MSE (log)."""
    depths, widths, params, mse = (as_array(name, v, ndims=(1,), expected="a 1-D array")
                                   for name, v in (("depths", depths), ("widths", widths),
                                                   ("params", params), ("mse", mse)))
    if not (depths.shape == widths.shape == params.shape == mse.shape):
        raise ValueError("`depths`, `widths`, `params` and `mse` must have the same length, received "
                         f"{depths.shape}, {widths.shape}, {params.shape} and {mse.shape}.")
    labels = [f"{int(d)} × {int(w)}<br>{int(p)} params" for d, w, p in zip(depths, widths, params)]
    fig = go.Figure(go.Bar(x=labels, y=mse, marker={"color": [run_color(i) for i in range(len(mse))]},
                           text=[f"{v:.2g}" for v in mse], textposition="outside", name="MSE"))
    return apply_layout(fig, title=title, x_title="hidden layers × units", y_title="MSE (log scale)",
                        height=380, yaxis_type="log", showlegend=False,
                        yaxis_range=[np.log10(max(mse.min(), 1e-12)) - 0.5, np.log10(max(mse.max(), 1e-12)) + 0.7])
