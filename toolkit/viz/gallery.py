"""Every dataset at a glance: one small panel per dataset in a single figure.

2-D sets are drawn as their training points (classes in Playground's colours, regression
targets on Playground's orange -> white -> blue scale); image sets as a 4 x 4 mosaic of their
first training images (of their first scenes for a detection set, ``toolkit.data.shapes.Scenes``).
Used by the Datasets page; pure: datasets in, ``go.Figure`` out.
"""

import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.images import tile_images
from toolkit.viz.theme import PLAYGROUND_COLORSCALE, apply_layout, class_color, subplots

MOSAIC_SIDE = 4  # images per row and column of an image panel
PANEL_HEIGHT = 210  # px per row of panels


def dataset_gallery(datasets, *, cols=5, title="Every built-in dataset") -> go.Figure:
    """One panel per dataset.

    Args:
        datasets: objects with ``name``, ``x_train``, ``y_train`` and ``task`` (a
            ``toolkit.data.Dataset``), or ``Scenes`` (task "detection", ``images``); 2-D
            inputs become scatter panels, images mosaics.
        cols: panels per row, in [1, 8].
        title: figure title.
    """
    datasets = list(datasets)
    if not datasets:
        raise ValueError("`datasets` must hold at least one dataset, received none.")
    if not (isinstance(cols, int) and 1 <= cols <= 8):
        raise ValueError(f"`cols` must be an integer in [1, 8], received cols={cols!r}.")
    rows = math.ceil(len(datasets) / cols)
    fig = subplots(rows=rows, cols=cols, titles=[d.name for d in datasets],
                   horizontal_spacing=0.03, vertical_spacing=0.12 / rows)
    for index, dataset in enumerate(datasets):
        row, col = index // cols + 1, index % cols + 1
        for trace in _panel_traces(dataset):
            fig.add_trace(trace, row=row, col=col)
        _style_axes(fig, row, col, images=np.ndim(_inputs(dataset)) > 2)
    return apply_layout(fig, title=title, height=rows * PANEL_HEIGHT + 60, showlegend=False, wide=True)


def _inputs(dataset):
    """The training inputs of a dataset, the images of a detection set."""
    return dataset.images if dataset.task == "detection" else dataset.x_train


def _panel_traces(dataset):
    x = np.asarray(_inputs(dataset))
    if x.ndim == 2 and x.shape[1] == 2:
        return [_points(dataset.name, x, np.asarray(dataset.y_train), dataset.task)]
    if x.ndim in (3, 4):
        return [_mosaic(x)]
    raise ValueError(f"Dataset {dataset.name!r} has inputs of shape {x.shape}: expected (n, 2) "
                     "points or (n, H, W[, C]) images.")


def _points(name, x, y, task):
    if task == "regression":
        marker = dict(color=y, colorscale=PLAYGROUND_COLORSCALE, cmin=-1, cmax=1, size=4)
    else:
        marker = dict(color=[class_color(int(k)) for k in y], size=4)
    return go.Scattergl(x=x[:, 0], y=x[:, 1], mode="markers", marker=marker, name=name,
                        hovertemplate=f"{name}<br>x1 %{{x:.2f}}<br>x2 %{{y:.2f}}<extra></extra>")


def _mosaic(images):
    count = MOSAIC_SIDE * MOSAIC_SIDE
    images = images[:count]
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (N, H, W)
    mosaic = tile_images(images, math.ceil(len(images) / MOSAIC_SIDE), MOSAIC_SIDE)
    if mosaic.ndim == 2:
        return go.Heatmap(z=mosaic[::-1], zmin=0, zmax=1, colorscale="gray", showscale=False,
                          hoverinfo="skip")
    return go.Image(z=np.round(mosaic * 255).astype(np.uint8), hoverinfo="skip")


def _style_axes(fig, row, col, *, images):
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    fig.update_xaxes(hidden, row=row, col=col)
    fig.update_yaxes(hidden, row=row, col=col)
    if not images:
        fig.update_xaxes(range=[-6.5, 6.5], row=row, col=col)
        fig.update_yaxes(range=[-6.5, 6.5], row=row, col=col)
