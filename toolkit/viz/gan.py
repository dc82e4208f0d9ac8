"""Figures of the GAN pages: the 2-D GAN lab picture, per-step curves, image columns, scores.

- `gan_lab_figure`    D's decision heatmap over the plane, real and fake points, and arrows
                      showing where the generator's loss pushes each fake point (GAN Lab)
- `step_curves`       several series against a step counter (D and G losses per step)
- `adversarial_losses` D's and G's losses per epoch of one or several runs (D dashed, G solid)
- `image_columns`     one row per example, one column per stage ("input", "output", "target")
- `evaluation_curves` FID, Inception Score and classes covered per epoch for several runs
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.images import _check_images, _mosaic_trace, tile_images
from toolkit.viz.theme import (
    FONT_SIZE, PLAYGROUND_BLUE, PLAYGROUND_ORANGE, apply_layout, run_color, subplots, text_width,
)
from toolkit.viz.validation import as_array, check_extent

REAL_COLOR, FAKE_COLOR = "#2ca02c", "#9467bd"
ARROW_FRACTION = 0.08  # the longest arrow is this fraction of the plot's width


def _points(name, value):
    points = as_array(name, value, ndims=(2,), expected="(N, 2) points")
    if points.shape[1] != 2:
        raise ValueError(f"`{name}` must be (N, 2) points, received shape {points.shape}.")
    return points


def gan_lab_figure(real, fake, grid_x, grid_y, d_values, *, arrows=None, probability=True,
                   anchors=None, extent=(-2, 2, -2, 2), title=None) -> go.Figure:
    """Real (green) and fake (purple) points on D's heatmap, with G's gradient arrows.

    Args:
        real, fake: (N, 2) points.
        grid_x, grid_y: the heatmap's axis values (R,) and (R,).
        d_values: (R, R) D(x) on the grid (row = y); probabilities in [0, 1] when
            `probability`, else raw scores (LSGAN, WGAN critic), coloured around their median.
        arrows: optional (N_fake, 2) directions -∂L_G/∂x, drawn from each fake point,
            scaled so the longest is ARROW_FRACTION of the width.
        anchors: optional (M, 2) mode anchors, drawn as rings.
    """
    real, fake = _points("real", real), _points("fake", fake)
    extent = check_extent(extent)
    d_values = as_array("d_values", d_values, ndims=(2,), expected="(R, R) values on the grid")
    fig = go.Figure(_heatmap(grid_x, grid_y, d_values, probability))
    if arrows is not None:
        fig.add_trace(_arrow_trace(fake, _points("arrows", arrows), extent))
    fig.add_trace(go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="real data",
                             marker={"size": 5, "color": REAL_COLOR, "opacity": 0.7}))
    fig.add_trace(go.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="fake G(z)",
                             marker={"size": 5, "color": FAKE_COLOR, "line": {"width": 0.5, "color": "white"}}))
    if anchors is not None:
        anchors = _points("anchors", anchors)
        fig.add_trace(go.Scatter(x=anchors[:, 0], y=anchors[:, 1], mode="markers", name="modes",
                                 marker={"size": 18, "symbol": "circle-open", "color": "#444",
                                         "line": {"width": 1.5}}))
    return apply_layout(
        fig, title=title or "Real vs fake points on D's decision map", x_title="x₁", y_title="x₂",
        height=450, xaxis={"range": extent[:2], "constrain": "domain"},
        yaxis={"range": extent[2:], "scaleanchor": "x", "constrain": "domain"})


def _heatmap(grid_x, grid_y, d_values, probability):
    if probability:
        low, high, label = 0.0, 1.0, "D(x)"
    else:
        finite = d_values[np.isfinite(d_values)]
        centre = float(np.median(finite)) if finite.size else 0.0
        spread = float(np.max(np.abs(finite - centre))) if finite.size else 1.0
        low, high, label = centre - max(spread, 1e-6), centre + max(spread, 1e-6), "D score"
    return go.Heatmap(
        x=np.asarray(grid_x, float), y=np.asarray(grid_y, float), z=d_values, zmin=low, zmax=high,
        colorscale=((0.0, PLAYGROUND_ORANGE), (0.5, "#ffffff"), (1.0, PLAYGROUND_BLUE)),
        opacity=0.6, colorbar={"title": {"text": label}, "thickness": 12}, name="D",
        hovertemplate="x₁ %{x:.2f}<br>x₂ %{y:.2f}<br>" + label + " %{z:.3f}<extra></extra>")


def _arrow_trace(start, directions, extent):
    """Line segments start -> start + scaled direction, one trace (None separates segments)."""
    if directions.shape != start.shape:
        raise ValueError(f"`arrows` must match the fake points' shape {start.shape}, received {directions.shape}.")
    lengths = np.linalg.norm(directions, axis=1)
    finite = np.isfinite(lengths)
    scale = ARROW_FRACTION * (extent[1] - extent[0]) / max(float(lengths[finite].max()) if finite.any() else 0, 1e-12)
    end = start + np.where(finite[:, None], directions, 0) * scale
    xs = np.column_stack([start[:, 0], end[:, 0], np.full(len(start), np.nan)]).ravel()
    ys = np.column_stack([start[:, 1], end[:, 1], np.full(len(start), np.nan)]).ravel()
    return go.Scatter(x=xs, y=ys, mode="lines", name="G's push −∂L_G/∂x", hoverinfo="skip",
                      line={"color": "rgba(60, 60, 60, 0.55)", "width": 1}, connectgaps=False)


def step_curves(series, *, steps=None, x_title="step", y_title="loss", title=None) -> go.Figure:
    """One line per named series against `steps` (default 1, 2, ...); NaNs leave gaps.

    Args:
        series: mapping name -> (S,) values, e.g. {"D loss": [...], "G loss": [...]}.
        steps: optional (S,) x values shared by every series.
    """
    if not isinstance(series, Mapping) or not series:
        raise ValueError("`series` must be a non-empty mapping name -> values per step.")
    fig = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        values = as_array(f"series[{name!r}]", values, ndims=(1,), expected="a 1-D array")
        x = np.arange(1, len(values) + 1) if steps is None else np.asarray(steps, float)
        if len(x) != len(values):
            raise ValueError(f"`steps` has {len(x)} values but series {name!r} has {len(values)}.")
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines", name=str(name),
                                 line={"color": run_color(index), "width": 1.5}))
    return apply_layout(fig, title=title or "Losses per step", x_title=x_title, y_title=y_title,
                        height=350)


def adversarial_losses(histories, *, title=None, x_title="epoch") -> go.Figure:
    """D's loss L_D (dashed) and G's loss L_G (solid) of every run.

    One run: D and G in two colours (D first, as ``step_curves`` colours "D loss", "G loss" on
    the GAN lab). Several runs: one colour per run.

    Args:
        histories: mapping run name -> history with "d_loss" and "g_loss" (one value per epoch).
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("`histories` must be a non-empty mapping run name -> history with d_loss and g_loss.")
    fig = go.Figure()
    for index, (run, history) in enumerate(histories.items()):
        for network, (key, dash) in enumerate((("d_loss", "dash"), ("g_loss", "solid"))):
            if key not in history:
                raise ValueError(f"Run {run!r} has no {key!r}; available keys: {', '.join(history) or 'none'}.")
            values = as_array(f"{run}[{key!r}]", history[key], ndims=(1,), expected="a 1-D array")
            who = f"{key[0].upper()} loss L_{key[0].upper()}"
            fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                     name=f"{run}: {who}" if len(histories) > 1 else who, marker={"size": 5},
                                     line={"color": run_color(index if len(histories) > 1 else network),
                                           "dash": dash, "width": 2}))
    return apply_layout(fig, title=title or "D's and G's losses per epoch (D dashed, G solid)", x_title=x_title,
                        y_title="loss", height=330)


def image_columns(columns, *, title=None, max_rows=8, compact=False) -> go.Figure:
    """Examples as rows and stages as columns, e.g. {"input": a, "output": b, "target": c}.

    Args:
        columns: mapping column name -> (N, H, W[, 1]) images in [0, 1], the same N and H, W.
        max_rows: at most this many examples are shown.
        compact: draw the mosaic as one PNG (``images`` module docstring), for live panels.
    """
    if not isinstance(columns, Mapping) or not columns:
        raise ValueError("`columns` must be a non-empty mapping name -> images.")
    arrays = [_check_images(images) for images in columns.values()]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"Every column must hold images of the same shape, received shapes {sorted(shapes)}.")
    rows, cols = min(len(arrays[0]), max_rows), len(arrays)
    interleaved = np.stack([a[:rows] for a in arrays], axis=1).reshape((rows * cols,) + arrays[0].shape[1:])
    mosaic = tile_images(interleaved, rows, cols)
    height, width = arrays[0].shape[1:3]
    fig = go.Figure(_mosaic_trace(mosaic, compact))
    figure_height = int(np.clip(120 + 60 * rows, 250, 600))
    headers = _column_headers(list(columns), width, tile_px=(figure_height - 60) / rows)
    axis = {"showticklabels": False, "showgrid": False, "zeroline": False}
    return apply_layout(
        fig, title=title or " → ".join(map(str, columns)), height=figure_height,
        annotations=headers, margin={"l": 10, "r": 10, "b": 10},
        xaxis=dict(axis, range=[-0.5, mosaic.shape[1] - 0.5], constrain="domain"),
        yaxis=dict(axis, range=[mosaic.shape[0] - 0.5, -0.5], scaleanchor="x", constrain="domain"),
        showlegend=False)


def _column_headers(names, width, tile_px):
    """Each column's name above it (x in data units, y on top of the plot area). When a name is
    wider than a tile (about `tile_px`), every other name sits one line higher, so neighbours
    never overlap."""
    stagger = max(text_width(f"<b>{name}</b>", FONT_SIZE) for name in names) > tile_px
    return [{"x": c * (width + 1) + (width - 1) / 2, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
             "text": f"<b>{name}</b>" + ("<br>\u00a0" if stagger and c % 2 else ""), "showarrow": False,
             "font": {"size": FONT_SIZE}} for c, name in enumerate(names)]


EVALUATION_METRICS = {"fid": "FID (lower is better)", "inception_score": "Inception Score",
                      "classes_covered": "classes covered"}


def evaluation_curves(histories, *, metrics=tuple(EVALUATION_METRICS), title=None) -> go.Figure:
    """FID, IS and classes covered per epoch, one panel each, one colour per run.

    Args:
        histories: mapping run name -> {"fid": [...], "inception_score": [...],
            "classes_covered": [...]} (one value per evaluated epoch; optional "epoch" key).
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("`histories` must be a non-empty mapping run name -> evaluation history.")
    fig = subplots(rows=1, cols=len(metrics), titles=[EVALUATION_METRICS.get(m, m) for m in metrics])
    for index, (run, history) in enumerate(histories.items()):
        for col, metric in enumerate(metrics, start=1):
            if metric not in history:
                raise ValueError(f"Run {run!r} has no {metric!r}; available keys: {', '.join(history) or 'none'}.")
            values = np.asarray(history[metric], float)
            epochs = np.asarray(history.get("epoch", np.arange(1, len(values) + 1)), float)
            fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=str(run), legendgroup=str(run),
                                     showlegend=col == 1, line={"color": run_color(index)}), row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    return apply_layout(fig, title=title or "Sample quality per epoch", height=330, wide=True)
