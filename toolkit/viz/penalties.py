"""Why L₁ gives zeros: error contours, the L₁ diamond and the L₂ circle, and their balance point.

For two weights, the penalized minimum is where an error contour first touches a norm ball:

    (1) L₂ ball: ‖w‖₂ = r₂  (a circle)        touches the contour anywhere: both weights shrink
    (2) L₁ ball: |w₁| + |w₂| = r₁  (a diamond)  touches it at a corner for large enough λ: a zero

At that point the error's pull −∇L and the penalty's pull −λ∇Ω are equal and opposite (the
notes' balance between error reduction and model complexity); both are drawn as arrows from
each minimum. Inputs come from `toolkit.regularization.penalty_geometry`; this module only
draws arrays. `weight_magnitudes` shows what the penalties did to a trained network's weights.
"""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import FONT_SIZE, SMALLEST_FONT, apply_layout, run_color
from toolkit.viz.validation import as_array

COLORS = {"L1": "#d62728", "L2": "#1f77b4", "error": "#2ca02c", "star": "#1a1a1a"}
ARROW_SCALE = 0.5  # arrows drawn at half their length so they stay inside the picture


def penalty_balance(x1, x2, error, w_star, points, *, lam, path=None, title=None) -> go.Figure:
    """Contours of the error with the L₁ and L₂ minima, their norm balls and the pulls.

    Args:
        x1, x2: (nx,) and (ny,) grid coordinates; error: (ny, nx) error values on that grid.
        w_star: (2,) the unpenalized minimum.
        points: {"L1": {...}, "L2": {...}}, each with "w" (2,), "radius" (the ball's size),
            "error_pull" (2,) = −∇L(w), "penalty_pull" (2,) = −λ∂Ω(w) and optionally "level",
            L(w): its contour, the one that touches the ball, is drawn dashed.
        lam: λ, shown in the title.
        path: optional {"L1": (n, 2), "L2": (n, 2)} minima over a range of λ.
        title: figure title.
    """
    x1 = as_array("x1", x1, ndims=(1,), expected="a 1-D array (nx,)")
    x2 = as_array("x2", x2, ndims=(1,), expected="a 1-D array (ny,)")
    error = as_array("error", error, ndims=(2,), expected="a 2-D array (ny, nx)")
    if error.shape != (len(x2), len(x1)):
        raise ValueError(f"`error` must have shape (len(x2), len(x1)) = {(len(x2), len(x1))}, "
                         f"received shape {error.shape}.")
    w_star = _pair("w_star", w_star)
    fig = go.Figure(go.Contour(
        x=x1, y=x2, z=error, colorscale=[(0, "#1b5e20"), (1, "#a5d6a7")], showscale=False, opacity=0.9,
        contours={"coloring": "lines", "showlabels": True, "labelfont": {"size": SMALLEST_FONT}},
        ncontours=14, name="error L(w)", hovertemplate="w₁ %{x:.2f}<br>w₂ %{y:.2f}<br>L %{z:.3f}<extra></extra>",
    ))
    for kind in ("L1", "L2"):
        if kind not in points:
            raise ValueError(f"`points` must hold 'L1' and 'L2', received keys {sorted(points)}.")
        _add_penalty(fig, kind, points[kind], (path or {}).get(kind))
        if "level" in points[kind]:
            level = float(points[kind]["level"])
            fig.add_trace(go.Contour(
                x=x1, y=x2, z=error, showscale=False, hoverinfo="skip", name=f"contour through the {kind} minimum",
                contours={"coloring": "none", "start": level, "end": level, "size": 1},
                line={"color": COLORS[kind], "dash": "dash", "width": 2}, showlegend=False))
    fig.add_trace(go.Scatter(x=[w_star[0]], y=[w_star[1]], mode="markers+text", name="w* (no penalty)",
                             text=["w*"], textposition="top right",
                             marker={"symbol": "x", "size": 12, "color": COLORS["star"]}))
    fig.update_yaxes(scaleanchor="x", scaleratio=1, range=[x2[0], x2[-1]])
    fig.update_xaxes(range=[x1[0], x1[-1]], constrain="domain")  # square picture, not a wider range
    return apply_layout(fig, title=title or f"L₁ diamond and L₂ circle at λ = {lam:g}",
                        x_title="w₁", y_title="w₂", height=450, wide=True)


def _pair(name, value):
    array = as_array(name, value, ndims=(1,), expected="two numbers (w₁, w₂)")
    if array.shape != (2,):
        raise ValueError(f"`{name}` must be two numbers (w₁, w₂), received shape {array.shape}.")
    return array


def _ball(kind, radius):
    t = np.linspace(0, 2 * np.pi, 181)
    if kind == "L2":
        return radius * np.cos(t), radius * np.sin(t)
    return radius * np.array([1, 0, -1, 0, 1.0]), radius * np.array([0, 1, 0, -1, 0.0])  # the diamond


def _add_penalty(fig, kind, point, path):
    color, w = COLORS[kind], _pair(f"points['{kind}']['w']", point["w"])
    bx, by = _ball(kind, float(point["radius"]))
    norm = "|w₁| + |w₂|" if kind == "L1" else "√(w₁² + w₂²)"
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", name=f"{kind} ball {norm} = {point['radius']:.2f}",
                             line={"color": color, "width": 2}, hoverinfo="skip"))
    if path is not None:
        p = as_array(f"path['{kind}']", path, ndims=(2,), expected="an (n, 2) array of minima")
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines", name=f"{kind} minima as λ grows",
                                 line={"color": color, "dash": "dot", "width": 1}, hoverinfo="skip"))
    zeros = int(np.sum(w == 0))
    fig.add_trace(go.Scatter(
        x=[w[0]], y=[w[1]], mode="markers", name=f"{kind} minimum ({zeros} weight{'s' * (zeros != 1)} = 0)",
        marker={"size": 11, "color": color, "line": {"width": 1, "color": "#1a1a1a"}},
        hovertemplate=f"<b>{kind} minimum</b><br>w₁ %{{x:.3f}}<br>w₂ %{{y:.3f}}<extra></extra>"))
    for pull, arrow_color, label in ((point["error_pull"], COLORS["error"], "−∇L"),
                                      (point["penalty_pull"], color, "−λ∂Ω")):
        step = ARROW_SCALE * _pair(f"points['{kind}'] pull", pull)
        end = w + step
        fig.add_annotation(x=end[0], y=end[1], ax=w[0], ay=w[1], xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowwidth=2, arrowcolor=arrow_color, text="")
        # the label beyond the head (both arrows start at w: labels at their tails would overlap)
        direction = step / (np.linalg.norm(step) or 1.0)
        fig.add_annotation(x=end[0], y=end[1], xref="x", yref="y", showarrow=False, text=label,
                           xshift=16 * direction[0], yshift=16 * direction[1],
                           font={"color": arrow_color, "size": FONT_SIZE})


def weight_magnitudes(weights, *, threshold=1e-2, floor=1e-8, bins=60, title=None) -> go.Figure:
    """Histograms of log₁₀|w| per variant: where the penalties put the weights' sizes.

    A linear histogram hides the difference between a weight of 1e-3 and one of 1e-7; on a
    log scale L₂'s shrinkage (the bulk moves left) and L₁'s pile of near-zero weights separate.

    Args:
        weights: mapping variant name -> array of weights (any shape, flattened).
        threshold: drawn as a dashed line: the "sparse" cut-off of the lab's table.
        floor: magnitudes below it are counted in the first bin ("≤ floor").
        bins: number of shared bins between log₁₀(floor) and the largest magnitude.
        title: figure title.
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError(f"`weights` must be a non-empty mapping name -> array, received {type(weights).__name__}.")
    logs = {}
    for name, values in weights.items():
        flat = np.abs(np.ravel(np.asarray(values, dtype=float)))
        flat = flat[np.isfinite(flat)]
        if not flat.size:
            raise ValueError(f"The weights of {name!r} must hold at least one finite number.")
        logs[str(name)] = np.log10(np.maximum(flat, floor))
    high = max(1.0, max(float(v.max()) for v in logs.values()) + 0.05)
    edges = np.linspace(np.log10(floor), high, bins + 1)
    fig = go.Figure()
    for index, (name, values) in enumerate(logs.items()):
        counts, _ = np.histogram(values, bins=edges)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts / values.size, width=np.diff(edges),
                             name=f"{name} ({np.mean(values < np.log10(threshold)):.0%} below {threshold:g})",
                             marker={"color": run_color(index), "line": {"width": 0}}, opacity=0.55,
                             hovertemplate="|w| ≈ 10^%{x:.1f}<br>fraction %{y:.3f}<extra></extra>"))
    fig.add_vline(x=np.log10(threshold), line={"dash": "dash", "color": "#555"})
    return apply_layout(fig, title=title or "Size of the weights, log scale", barmode="overlay", bargap=0,
                        x_title=f"log₁₀ |w|   (first bin: |w| ≤ {floor:g})", y_title="fraction of the weights")
