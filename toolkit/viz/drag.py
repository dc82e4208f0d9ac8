"""DragGAN figures: a glyph with its handle p, target t and the handle's path, clickable pixel by pixel.

- `drag_figure`   the image as a grey heatmap (white on black as ``image_grid``, y downwards),
                  p (red circle), t (blue cross), the handle's path p_0 -> p, and optionally an
                  invisible marker on every pixel so that a click (Streamlit's ``on_select``)
                  returns that pixel's (x, y).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import RUN_COLORS, apply_layout
from toolkit.viz.validation import as_array

HANDLE_COLOR, TARGET_COLOR = "#d62728", RUN_COLORS[0]


def _point(name, value):
    point = as_array(name, value, ndims=(1,), expected="an (x, y) pair")
    if point.shape != (2,):
        raise ValueError(f"`{name}` must be an (x, y) pair, received shape {point.shape}.")
    return point


def drag_figure(image, handle=None, target=None, *, path=None, clickable=False, title=None,
                height=420) -> go.Figure:
    """One glyph with the drag's points.

    Args:
        image: (H, W) or (H, W, 1) values in [0, 1].
        handle, target: (x, y) pixels of p and t (None: not drawn).
        path: (S, 2) handle positions p_0, p_1, ... drawn as a line ending at p.
        clickable: add one invisible marker per pixel (customdata (x, y)), for point selection.
    """
    image = as_array("image", image, ndims=(2, 3), expected="an (H, W) or (H, W, 1) image")
    image = image[..., 0] if image.ndim == 3 else image
    height_px, width_px = image.shape
    fig = go.Figure(go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate="x %{x}, y %{y}: %{z:.2f}<extra></extra>"))
    if clickable:
        ys, xs = np.mgrid[0:height_px, 0:width_px]
        fig.add_trace(go.Scatter(x=xs.ravel(), y=ys.ravel(), mode="markers", name="pixels", showlegend=False,
                                 marker={"size": 9, "opacity": 0.01, "color": "#888"},
                                 hovertemplate="click: (%{x}, %{y})<extra></extra>"))
    if path is not None:
        path = as_array("path", path, ndims=(2,), expected="an (S, 2) array of (x, y)")
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name="path of p",
                                 line={"color": HANDLE_COLOR, "width": 2, "dash": "dot"}))
    for name, point, symbol, color in (("handle p", handle, "circle", HANDLE_COLOR),
                                       ("target t", target, "x", TARGET_COLOR)):
        if point is not None:
            point = _point(name.split()[0], point)
            fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=name,
                                     marker={"size": 16, "symbol": symbol, "color": color,
                                             "line": {"width": 2, "color": "white"}}))
    fig.update_xaxes(range=[-0.5, width_px - 0.5], constrain="domain", showgrid=False)
    fig.update_yaxes(range=[height_px - 0.5, -0.5], scaleanchor="x", showgrid=False)
    return apply_layout(fig, title=title or "The glyph, p and t", x_title="x (column)", y_title="y (row)",
                        height=height, clickmode="event+select", dragmode=False)
