"""A grid of images (a dataset sample, generated samples, feature maps) as one figure.

The images are tiled into a single mosaic array with a one-pixel gap and drawn as ONE trace
(a gray heatmap for grayscale, an RGB image for colour), which renders 100 images much faster
than 100 subplots. Labels are small annotations in each tile's corner; hovering a tile shows
its index and label. `compact=True` sends the mosaic as one PNG instead (gaps white): a few
kB instead of a number per pixel (40 glyphs: 17 kB instead of 433 kB of JSON), for figures a
live panel redraws several times a second.
"""

import base64
import io
import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import NARROW_WIDTH, SMALLEST_FONT, apply_layout, text_width
from toolkit.viz.validation import as_array, positive_int

GAP = 1  # pixels between tiles
MAX_LABELLED_ROWS = 6  # a labelled grid shows at most this many rows (labels need wide tiles)


def image_grid(images, labels=None, *, cols=10, max_images=100, title=None,
               label_names=None, compact=False) -> go.Figure:
    """The first `max_images` images tiled `cols` per row.

    Args:
        images: (N, H, W), (N, H, W, 1) grayscale or (N, H, W, 3) RGB, values in [0, 1].
        labels: optional (N,) class ids or strings, or (N, K) one-hot rows.
        cols: tiles per row.
        max_images: at most this many images are drawn.
        title: figure title; defaults to "Images".
        label_names: names indexed by class id, used when `labels` are ids.
        compact: draw the mosaic as one PNG (module docstring).
    """
    images = _check_images(images)
    cols = positive_int("cols", cols)
    count = min(len(images), positive_int("max_images", max_images))
    texts = _label_texts(labels, len(images), label_names)
    cols = min(cols, count, _label_columns(texts[:count]) if texts else cols)
    count = min(count, cols * MAX_LABELLED_ROWS) if texts else count
    rows = math.ceil(count / cols)
    mosaic = tile_images(images[:count], rows, cols)
    fig = go.Figure(_mosaic_trace(mosaic, compact))
    height, width = images.shape[1:3]
    _add_hover_points(fig, count, cols, height, width, texts)
    if texts is not None:
        fig.update_layout(annotations=_label_annotations(texts[:count], cols, height, width))
    axis = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
    aspect = mosaic.shape[0] / mosaic.shape[1]
    return apply_layout(
        fig, title=title or "Images",
        x_title=f"{count} of {len(images)} images, {height}×{width} px",
        height=int(np.clip(90 + 380 * aspect, 200, 450)),
        margin={"l": 20, "r": 20, "b": 40},
        xaxis=dict(axis, range=[-0.5, mosaic.shape[1] - 0.5], constrain="domain"),
        yaxis=dict(axis, range=[mosaic.shape[0] - 0.5, -0.5], scaleanchor="x",
                   constrain="domain"),
        showlegend=False,
    )


def _check_images(images):
    """(N, H, W) grayscale or (N, H, W, 3) RGB floats in [0, 1]."""
    images = as_array("images", images, ndims=(3, 4),
                      expected="(N, H, W), (N, H, W, 1) or (N, H, W, 3)")
    if images.ndim == 4 and images.shape[-1] not in (1, 3):
        raise ValueError(
            f"`images` must have 1 or 3 channels, received shape {images.shape}."
        )
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (N, H, W, 1) -> (N, H, W)
    if not len(images):
        raise ValueError(f"`images` is empty, received shape {images.shape}.")
    if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() > 1:
        finite = images[np.isfinite(images)]
        low, high = (finite.min(), finite.max()) if finite.size else (np.nan, np.nan)
        raise ValueError(
            f"`images` must hold finite values in [0, 1], received values in [{low:.3g}, "
            f"{high:.3g}]{' and NaN or inf' if finite.size < images.size else ''}; divide "
            "uint8 images by 255."
        )
    return images


def _label_texts(labels, count, label_names):
    """One display string per image, or None without labels."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)  # (N, K) one-hot -> (N,)
    if labels.ndim != 1 or len(labels) != count:
        raise ValueError(
            f"`labels` must be (N,) with N = {count} images, received shape {labels.shape}."
        )
    if label_names is None or labels.dtype.kind not in "iuf":
        return [str(label) for label in labels]
    ids = labels.astype(int)
    if ids.min() < 0 or ids.max() >= len(label_names):
        raise ValueError(
            f"`labels` must be ids in [0, {len(label_names)}) to index `label_names`, "
            f"received ids in [{ids.min()}, {ids.max()}]."
        )
    return [str(label_names[i]) for i in ids]


def tile_images(images, rows, cols):
    """(N, H, W[, 3]) -> one (rows*(H+GAP)-GAP, cols*(W+GAP)-GAP[, 3]) mosaic."""
    count, height, width = images.shape[:3]
    # gaps are NaN (transparent) in grayscale and white in RGB
    fill = np.nan if images.ndim == 3 else 1.0
    mosaic = np.full((rows * (height + GAP) - GAP, cols * (width + GAP) - GAP)
                     + images.shape[3:], fill)
    for index in range(count):
        top, left = (index // cols) * (height + GAP), (index % cols) * (width + GAP)
        mosaic[top:top + height, left:left + width] = images[index]
    return mosaic


def _mosaic_trace(mosaic, compact=False):
    """A gray heatmap (2-D mosaic) or an RGB image (3-D mosaic), without hover; one PNG if `compact`."""
    if compact:
        return _png_trace(mosaic)
    if mosaic.ndim == 2:
        return go.Heatmap(z=mosaic, zmin=0, zmax=1, colorscale="gray", showscale=False,
                          zsmooth=False, hoverinfo="skip", name="images")
    rgb = np.round(mosaic * 255).astype(np.uint8)  # (H_mosaic, W_mosaic, 3)
    return go.Image(z=rgb, colormodel="rgb", hoverinfo="skip", name="images")


def _png_trace(mosaic):
    """The mosaic as one PNG image trace, pixel (i, j) at x = j, y = i as in the heatmap; gaps white."""
    from PIL import Image

    pixels = np.round(np.clip(np.nan_to_num(mosaic, nan=1.0), 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    source = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return go.Image(source=source, hoverinfo="skip", name="images")


def _add_hover_points(fig, count, cols, height, width, texts):
    """Invisible markers at tile centres that show "#index · label" on hover."""
    index = np.arange(count)
    fig.add_trace(go.Scatter(
        x=(index % cols) * (width + GAP) + (width - 1) / 2,
        y=(index // cols) * (height + GAP) + (height - 1) / 2,
        mode="markers", marker={"size": 24, "opacity": 0}, name="image labels",
        hovertext=[f"#{i}" + (f" · {texts[i]}" if texts else "") for i in index],
        hovertemplate="%{hovertext}<extra></extra>",
    ))


def _label_columns(texts):
    """Tiles per row for which the longest label, at a legible size, fits its tile (half a page wide)."""
    label_px = max(text_width(text, SMALLEST_FONT) for text in texts) + 8
    return max(1, int((NARROW_WIDTH + 100) // label_px))


def _label_annotations(texts, cols, height, width):
    """A small label in the top-left corner of each tile."""
    return [
        {"x": (i % cols) * (width + GAP) - 0.5, "y": (i // cols) * (height + GAP) - 0.5,
         "text": text, "showarrow": False, "xanchor": "left", "yanchor": "top",
         "font": {"size": SMALLEST_FONT, "color": "#1a1a1a"}, "bgcolor": "rgba(255, 255, 255, 0.75)",
         "borderpad": 1}
        for i, text in enumerate(texts)
    ]


def labelled_grid(images, row_labels, column_labels, *, title=None) -> go.Figure:
    """R × C images ((R·C, H, W[, 3]), row-major) with each row's and each column's label as tick
    labels: samples of the prompts "{row} {column}", or inputs and their normalized maps."""
    rows, cols = len(row_labels), len(column_labels)
    if not rows or not cols or len(images) != rows * cols:
        raise ValueError(f"`images` must hold one image per row and column, {rows} × {cols} = {rows * cols}, "
                         f"received {len(images)}.")
    fig = image_grid(images, cols=cols, max_images=rows * cols, title=title or "Images")
    height, width = np.shape(images)[1:3]
    centres = lambda count, size: [i * (size + GAP) + (size - 1) / 2 for i in range(count)]  # noqa: E731
    fig.update_xaxes(showticklabels=True, tickvals=centres(cols, width), ticktext=list(column_labels), side="top",
                     title_text=None)  # the labels say what the tiles are
    fig.update_yaxes(showticklabels=True, tickvals=centres(rows, height), ticktext=list(row_labels))
    fig.update_layout(margin={"l": 20 + 9 * max(len(str(label)) for label in row_labels), "t": 120})
    return fig
