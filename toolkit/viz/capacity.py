"""Figures of capacity (toolkit.regularization.capacity): the U-shaped test error, and the fits themselves.

- ``capacity_curves``: train and test mean squared error against the degree d (the capacity), on
  a log scale, the best degree marked and the two regimes named.
- ``capacity_fits``: the training points, the true function and the fit of a few degrees (too
  small, the best, too large) on [−1, 1], the y range held to the data's so a wild fit stays
  readable.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color

TRAIN_COLOR, TEST_COLOR = run_color(0), run_color(1)


def capacity_curves(sweep, *, title=None) -> go.Figure:
    """Train (dashed) and test (solid) MSE of ``CapacitySweep`` `sweep` per degree, the best one marked."""
    fig = go.Figure([
        go.Scatter(x=sweep.degrees, y=sweep.train, mode="lines+markers", name="train MSE",
                   line={"color": TRAIN_COLOR, "dash": "dash", "width": 3},
                   hovertemplate="d = %{x}: train MSE %{y:.4g}<extra></extra>"),
        go.Scatter(x=sweep.degrees, y=sweep.test, mode="lines+markers", name="test MSE",
                   line={"color": TEST_COLOR, "width": 3}, hovertemplate="d = %{x}: test MSE %{y:.4g}<extra></extra>")])
    best = sweep.best
    fig.add_vline(x=best, line={"color": "#333333", "dash": "dot", "width": 2})
    fig.add_annotation(x=best, y=1, yref="paper", text=f"best d = {best}", showarrow=False, yanchor="bottom")
    fig.update_yaxes(type="log", range=_log_range(sweep), dtick=1)  # one label per power of 10
    return apply_layout(fig, title=title or "Error against capacity: underfitting on the left, overfitting on the right",
                        x_title="degree d (capacity)", y_title="mean squared error (log)")


def _log_range(sweep) -> list[float]:
    """The y range in log10 units: the smallest positive train error (at least 1e-4) up to the test errors,
    capped at 10³ so a few astronomic fits do not flatten the U."""
    positive = np.concatenate([sweep.train[sweep.train > 0], sweep.test])
    low = max(float(positive.min()), 1e-4)
    high = min(float(sweep.test.max()), 1e3)
    return [np.log10(low) - 0.2, np.log10(high) + 0.2]


def capacity_fits(sweep, degrees, target, *, title=None) -> go.Figure:
    """The training points, `target` (a function of x) and the fit of each degree in `degrees`."""
    x = np.linspace(-1, 1, 200)
    fig = go.Figure([go.Scatter(x=x, y=target(x), mode="lines", name="true sin(πx)",
                                line={"color": "#333333", "dash": "dash", "width": 2})])
    for index, degree in enumerate(degrees):
        curve_x, curve_y = sweep.curve(degree)
        fig.add_trace(go.Scatter(x=curve_x, y=curve_y, mode="lines", name=f"d = {degree}",
                                 line={"color": run_color(index + 2), "width": 3},
                                 hovertemplate=f"d = {degree}: f(%{{x:.2f}}) = %{{y:.3f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=sweep.x_train, y=sweep.y_train, mode="markers", name="training points",
                             marker={"color": "#111111", "size": 10}))
    spread = float(np.ptp(sweep.y_train)) or 1.0
    fig.update_yaxes(range=[sweep.y_train.min() - 0.3 * spread, sweep.y_train.max() + 0.3 * spread])
    return apply_layout(fig, title=title or "The fits: too little capacity, the best, too much", x_title="x",
                        y_title="f(x)")
