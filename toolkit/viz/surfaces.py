"""Optimizer paths over the contours of a 2-D loss surface, animated, and their loss per step.

`trajectory_contour` draws f(x, y) as filled contours (on a log scale when f spans many
decades), the minima, local minima and saddle points, the shared start, and one coloured
path per optimizer. The figure carries plotly animation frames: "Play" replays the paths
growing step by step. A path that leaves the plotted domain is drawn up to the step where
it left and marked there with an "x". An optional grid of faint points makes the map
clickable (Streamlit's ``on_select``): clicking one selects its (x, y) as a new start.
The contour figure is 600 px high, taller than the others, to leave room for its controls.

    (1) f shown = log10(1 + f - min f)          when max f - min f > 100 ("auto")
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import FONT_SIZE, SMALLEST_FONT, apply_layout, run_color
from toolkit.viz.validation import as_array, positive_int

CONTOUR_SCALE = ((0.0, "#ffffff"), (0.5, "#d9dde3"), (1.0, "#8f98a3"))
LOG_RANGE = 100.0  # "auto" uses a log scale when f spans more than this
CLICK_NAME = "click to start here"


def trajectory_contour(xs, ys, zs, paths, *, colors=None, minima=(), local_minima=(),
                       saddles=(), start=None, frames=30, log_scale="auto", click_grid=0,
                       title=None) -> go.Figure:
    """Contours of f with every optimizer's path, animated with plotly frames.

    Args:
        xs, ys: (nx,), (ny,) grid coordinates; their ends are the plotted domain.
        zs: (ny, nx) f on the grid, rows along y (``toolkit.optim.surface_grid``).
        paths: mapping label -> (T, 2) points (or an object with a ``points`` attribute,
            such as ``toolkit.optim.Trajectory``).
        colors: optional mapping label -> colour; defaults to the run palette by position.
        minima, local_minima, saddles: (x, y) points to mark.
        start: the shared start point to mark (defaults to the first point of a path).
        frames: animation frames (0: no animation).
        log_scale: True, False or "auto" (Eq. 1).
        click_grid: points per side of the clickable grid (0: none).
        title: figure title.
    """
    xs, ys, zs = _grid_arrays(xs, ys, zs)
    points = _paths(paths)
    colors = {label: (colors or {}).get(label, run_color(i)) for i, label in enumerate(points)}
    domain = (xs[0], xs[-1], ys[0], ys[-1])
    drawn = {label: _inside_part(p, domain) for label, p in points.items()}
    use_log = _use_log(zs, log_scale)
    fig = go.Figure(_contour(xs, ys, zs, use_log))
    if click_grid:
        fig.add_trace(_click_grid(domain, positive_int("click_grid", click_grid, 2)))
    first_path = len(fig.data)
    for label, (path, left) in drawn.items():
        fig.add_trace(_path_trace(label, path, colors[label]))
    for label, (path, left) in drawn.items():
        fig.add_trace(_end_marker(label, path, left, colors[label]))
    _add_landmarks(fig, minima, local_minima, saddles, start, points)
    if frames and points:
        _animate(fig, drawn, first_path, positive_int("frames", frames))
    return apply_layout(
        fig, title=title or "Optimizer paths on the loss surface", x_title="x", y_title="y",
        height=600, xaxis_range=[xs[0], xs[-1]], yaxis_range=[ys[0], ys[-1]], hovermode="closest", wide=True,
        margin={"b": 130 if frames and points else 60, "r": 20},
        clickmode="event+select", dragmode="zoom",
    )


def loss_per_step(losses, *, colors=None, diverged=None, log_y="auto", title=None) -> go.Figure:
    """f along each path against the step number.

    Args:
        losses: mapping label -> (T,) f at the start and after each step (or an object
            with a ``losses`` attribute).
        colors: optional mapping label -> colour.
        diverged: optional mapping label -> bool; a diverged path ends with an "x".
        log_y: True, False or "auto" (log when every value is positive and they span more
            than two decades).
    """
    curves = _losses(losses)
    diverged = diverged or {label: bool(getattr(v, "diverged", False)) for label, v in losses.items()}
    fig = go.Figure()
    for index, (label, values) in enumerate(curves.items()):
        color = (colors or {}).get(label, run_color(index))
        fig.add_trace(go.Scatter(
            x=np.arange(len(values)), y=values, name=label, mode="lines",
            line={"color": color, "width": 2}, meta=[label],
            hovertemplate="<b>%{meta[0]}</b><br>step %{x}<br>f = %{y:.4g}<extra></extra>"))
        if diverged.get(label) and len(values):
            fig.add_trace(go.Scatter(
                x=[len(values) - 1], y=[values[-1]], mode="markers", showlegend=False,
                marker={"symbol": "x", "size": 12, "color": color}, meta=[label],
                hovertemplate="<b>%{meta[0]}</b> left the domain at step %{x}<extra></extra>"))
    every = np.concatenate([v for v in curves.values()]) if curves else np.zeros(0)
    use_log = log_y is True or (log_y == "auto" and every.size and every.min() > 0
                                and every.max() / every.min() > 100)
    return apply_layout(
        fig, title=title or "Loss along each path", x_title="step",
        y_title="f(x, y)" + (" (log scale)" if use_log else ""),
        yaxis_type="log" if use_log else "linear", hovermode="closest")


# -- input handling -------------------------------------------------------------------
def _grid_arrays(xs, ys, zs):
    xs = as_array("xs", xs, ndims=(1,), expected="a 1-D array of x coordinates (nx,)")
    ys = as_array("ys", ys, ndims=(1,), expected="a 1-D array of y coordinates (ny,)")
    zs = as_array("zs", zs, ndims=(2,), expected="a 2-D array (ny, nx)")
    if zs.shape != (len(ys), len(xs)) or len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"`zs` must have shape (len(ys), len(xs)) = ({len(ys)}, {len(xs)}) "
                         f"with at least 2 points per side, received shape {zs.shape}.")
    return xs, ys, zs


def _paths(paths) -> dict:
    if not isinstance(paths, Mapping):
        raise ValueError("`paths` must be a mapping label -> (T, 2) points, "
                         f"received {type(paths).__name__}.")
    out = {}
    for label, value in paths.items():
        array = as_array(f"paths[{label!r}]", getattr(value, "points", value), ndims=(2,),
                         expected="a (T, 2) array of points")
        if array.shape[1] != 2 or not len(array):
            raise ValueError(f"`paths[{label!r}]` must be a (T, 2) array of points with T >= 1, "
                             f"received shape {array.shape}.")
        out[str(label)] = array
    return out


def _losses(losses) -> dict:
    if not isinstance(losses, Mapping) or not losses:
        raise ValueError("`losses` must be a non-empty mapping label -> losses per step, "
                         f"received {type(losses).__name__}.")
    return {str(label): as_array(f"losses[{label!r}]", getattr(v, "losses", v), ndims=(1,),
                                 expected="a 1-D array of losses per step")
            for label, v in losses.items()}


def _inside_part(points, domain):
    """(points up to and including the first one outside the domain, whether it left)."""
    x0, x1, y0, y1 = domain
    outside = ((points[:, 0] < x0) | (points[:, 0] > x1) | (points[:, 1] < y0)
               | (points[:, 1] > y1) | ~np.isfinite(points).all(axis=1))
    if not outside.any():
        return points, False
    first = int(np.argmax(outside))
    return points[:first + 1], True


def _use_log(zs, log_scale):
    if log_scale == "auto":
        finite = zs[np.isfinite(zs)]
        return bool(finite.size and finite.max() - finite.min() > LOG_RANGE)
    if not isinstance(log_scale, bool):
        raise ValueError(f"`log_scale` must be True, False or 'auto', received log_scale={log_scale!r}.")
    return log_scale


# -- traces ---------------------------------------------------------------------------
def _contour(xs, ys, zs, use_log):
    # Eq. 1: log10(1 + f - min f) when f spans many decades
    shown = np.log10(1 + zs - np.nanmin(zs)) if use_log else zs
    return go.Contour(
        x=xs, y=ys, z=shown, customdata=zs, colorscale=[list(c) for c in CONTOUR_SCALE],
        ncontours=25, line={"width": 0.5, "color": "#7b8794"}, name="f",
        colorbar={"title": {"text": "log₁₀(1 + f − min f)" if use_log else "f"}, "thickness": 12},
        hovertemplate="x %{x:.3g}, y %{y:.3g}<br>f = %{customdata:.4g}<extra></extra>")


def _click_grid(domain, n):
    x0, x1, y0, y1 = domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n + 2)[1:-1], np.linspace(y0, y1, n + 2)[1:-1])
    return go.Scatter(
        x=gx.ravel(), y=gy.ravel(), mode="markers", name=CLICK_NAME, showlegend=False,
        marker={"size": 9, "color": "#52606d", "opacity": 0.06},
        selected={"marker": {"opacity": 0.9, "color": "#1a1a1a"}},
        unselected={"marker": {"opacity": 0.06}},
        hovertemplate="click to start at (%{x:.3g}, %{y:.3g})<extra></extra>")


def _path_trace(label, path, color):
    return go.Scatter(
        x=path[:, 0], y=path[:, 1], name=label, mode="lines+markers", meta=[label],
        line={"color": color, "width": 2.5}, marker={"size": 4, "color": color},
        unselected={"marker": {"opacity": 1}}, customdata=np.arange(len(path)),
        hovertemplate="<b>%{meta[0]}</b><br>step %{customdata}<br>(%{x:.4g}, %{y:.4g})<extra></extra>")


def _end_marker(label, path, left, color):
    return go.Scatter(
        x=path[-1:, 0], y=path[-1:, 1], mode="markers", showlegend=False, meta=[label],
        marker={"symbol": "x" if left else "circle", "size": 13 if left else 10, "color": color,
                "line": {"width": 1.5, "color": "#1a1a1a"}},
        unselected={"marker": {"opacity": 1}},
        hovertemplate=("<b>%{meta[0]}</b> " + ("left the domain here" if left else "ends here")
                       + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>"))


def _add_landmarks(fig, minima, local_minima, saddles, start, points):
    marks = (("global minimum", minima, "star", "#f5b700", 16),
             ("local minimum", local_minima, "star-open", "#1a1a1a", 15),
             ("saddle point", saddles, "x-thin-open", "#1a1a1a", 14))
    for name, where, symbol, color, size in marks:
        where = np.asarray(where, dtype=float).reshape(-1, 2)
        if len(where):
            fig.add_trace(go.Scatter(
                x=where[:, 0], y=where[:, 1], mode="markers", name=name,
                marker={"symbol": symbol, "size": size, "color": color,
                        "line": {"width": 1.5, "color": "#1a1a1a"}},
                unselected={"marker": {"opacity": 1}},
                hovertemplate=f"{name} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
    if start is None and points:
        start = next(iter(points.values()))[0]
    if start is not None:
        fig.add_trace(go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name="start",
            marker={"symbol": "circle", "size": 12, "color": "#ffffff",
                    "line": {"width": 2.5, "color": "#1a1a1a"}},
            unselected={"marker": {"opacity": 1}},
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>"))


# -- animation ------------------------------------------------------------------------
def _animate(fig, drawn, first_path, frames):
    """Frames k = 1..F show each path up to step round(k / F * longest)."""
    longest = max(len(path) for path, _ in drawn.values())
    count = min(frames, longest)
    labels = list(drawn)
    indices = list(range(first_path, first_path + 2 * len(labels)))
    steps = np.unique(np.linspace(1, longest, count).round().astype(int))
    fig.frames = [go.Frame(name=str(step - 1), traces=indices, data=_frame_data(drawn, labels, step))
                  for step in steps]
    fig.update_layout(
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0.0, "y": -0.1,
                      "xanchor": "left", "yanchor": "top", "pad": {"t": 30},
                      "buttons": [
                          {"label": "▶ Play", "method": "animate",
                           "args": [None, {"frame": {"duration": 80, "redraw": False},
                                           "transition": {"duration": 0}, "fromcurrent": False}]},
                          {"label": "❚❚ Pause", "method": "animate",
                           "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}]}]}],
        sliders=[{"active": len(steps) - 1, "x": 0.28, "len": 0.72, "y": -0.1, "yanchor": "top",
                  "pad": {"t": 30},
                  "currentvalue": {"prefix": "step ", "font": {"size": FONT_SIZE, "color": "#444444"}},
                  # a label per frame would crowd at a legible size: the current step is written above instead
                  "font": {"size": SMALLEST_FONT, "color": "rgba(0, 0, 0, 0)"},
                  "steps": [{"label": str(step - 1), "method": "animate",
                             "args": [[str(step - 1)], {"frame": {"duration": 0, "redraw": False},
                                                       "mode": "immediate"}]} for step in steps]}])


def _frame_data(drawn, labels, step):
    """The paths up to ``step`` points, then their heads (an "x" once a path has left)."""
    paths, heads = [], []
    for label in labels:
        path, left = drawn[label]
        shown = path[:step]
        paths.append(go.Scatter(x=shown[:, 0], y=shown[:, 1]))
        done = left and step >= len(path)
        heads.append(go.Scatter(x=shown[-1:, 0], y=shown[-1:, 1],
                                marker={"symbol": "x" if done else "circle",
                                        "size": 13 if done else 10}))
    return paths + heads
