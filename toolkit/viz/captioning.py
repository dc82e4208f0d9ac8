"""Figures of image captioning (toolkit.sequence.captioning): where the captioner looked for each
word, and what each captioner wrote.

The attention grid draws, for one image and its generated words y_1 … y_n, the weights

    (1) α_t = softmax_i(f_att(a_i, h_{t−1})),   Σ_i α_ti = 1   over the L = h·w grid cells

of Eq. 4 of toolkit.sequence.captioning (hard attention: the one-hot of Eq. 6), one panel per word.
Each map is scaled up to the image (each cell a block of S/h × S/w pixels) and shown as Xu et al.
do: the image at full brightness where α_t is largest, darkened where the model did not look,

    (2) shown = image · (DIM + (1 − DIM) · α_t / max_i α_ti)

The gallery puts a few test images in a row with each captioner's caption under them (in its run
colour) and one reference phrasing, so the captions read from the back of a classroom.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.detection import _check_images, pixel_axes, rgba
from toolkit.viz.network import png_data_uri
from toolkit.viz.theme import (HEADER_GAP, SMALLEST_FONT, TITLE_LINE, TITLE_TOP, WIDE_WIDTH, apply_layout,
                               run_colors, subplots, wrap)
from toolkit.viz.validation import as_array, positive_int

DIM = 0.25  # Eq. 2: the brightness of a cell the model did not look at
MARGIN = 10  # px left and right of the panels
LINE_PX = 19  # one caption line at SMALLEST_FONT
SPACING = 0.02


def attention_grid(image, words, maps, *, cols=6, title=None) -> go.Figure:
    """The image, then one panel per word with Eq. 2's overlay, the word as the panel's title.

    Args:
        image: (H, W, 3) values in [0, 1].
        words: the generated words, n of them.
        maps: (T, h, w) attention weights, T ≥ n (step t's map wrote words[t]); h and w divide H and W.
        cols: panels per row.
    """
    image = _check_images(np.asarray(image)[None])[0] if np.ndim(image) == 3 else _check_images(image)
    words = [str(word) for word in words]
    maps = as_array("maps", maps, ndims=(3,), expected="a 3-D array of attention maps (T, h, w)")
    height, width = image.shape[:2]
    if not words:
        raise ValueError("`words` must hold at least one generated word, received words=[].")
    if len(maps) < len(words):
        raise ValueError(f"`maps` must hold one map per word, received {len(maps)} maps for {len(words)} words.")
    if height % maps.shape[1] or width % maps.shape[2]:
        raise ValueError(f"`maps` must be a grid that divides the image, received maps of {maps.shape[1]}×"
                         f"{maps.shape[2]} cells for a {height}×{width} image.")
    if not np.all(np.isfinite(maps)) or maps.min() < 0 or maps.max() > 1 + 1e-6:
        raise ValueError(f"`maps` must be attention weights in [0, 1], received values from {maps.min():.3g} to "
                         f"{maps.max():.3g}.")
    panels = [image] + [overlay(image, maps[t]) for t in range(len(words))]
    titles = ["image"] + [html.escape(word) for word in words]
    cols = min(positive_int("cols", cols), len(panels))
    fig = _panel_grid(panels, titles, cols)
    rows = math.ceil(len(panels) / cols)
    panel_px = (WIDE_WIDTH - 2 * MARGIN) * (1 - SPACING * (cols - 1)) / cols
    return apply_layout(fig, title=title or "Where the captioner looked for each word (bright: high attention)",
                        wide=True, showlegend=False, height=int(rows * (panel_px + 40) + TITLE_TOP + TITLE_LINE),
                        margin={"l": MARGIN, "r": MARGIN, "b": MARGIN})


def caption_gallery(images, captions_by_model, references=None, *, colors=None, title=None) -> go.Figure:
    """A row of images, each with every captioner's caption under it (in the run's colour) and a reference.

    Args:
        images: (N, H, W, 3) values in [0, 1] (N ≤ 6 reads best on a projector).
        captions_by_model: run label -> N captions.
        references: optional N reference captions (one phrasing each, or a tuple of phrasings: the first is shown).
        colors: run label -> colour; the others get the theme's run colours in order.
    """
    images = _check_images(images)
    count = len(images)
    if not isinstance(captions_by_model, dict) or not captions_by_model:
        raise ValueError(f"`captions_by_model` must map at least one run label to its captions, received "
                         f"{type(captions_by_model).__name__}.")
    for label, captions in captions_by_model.items():
        if isinstance(captions, str) or len(captions) != count:
            raise ValueError(f"`captions_by_model[{label!r}]` must hold one caption per image ({count}), received "
                             f"{1 if isinstance(captions, str) else len(captions)}.")
    if references is not None and len(references) != count:
        raise ValueError(f"`references` must hold one entry per image ({count}), received {len(references)}.")
    palette = run_colors(list(captions_by_model), colors)
    panel_px = (WIDE_WIDTH - 2 * MARGIN) * (1 - SPACING * (count - 1)) / count
    texts = [_caption_text(i, captions_by_model, references, palette, panel_px) for i in range(count)]
    caption_px = max(text.count("<br>") + 1 for text in texts) * LINE_PX + 6
    fig = _panel_grid(list(images), [""] * count, count)
    fig.update_layout(annotations=[
        {"xref": "paper", "yref": "paper", "x": sum(fig.layout["xaxis" + ("" if i == 0 else str(i + 1))].domain) / 2,
         "y": 0, "text": text, "showarrow": False, "xanchor": "center", "yanchor": "top", "yshift": -4,
         "align": "left", "font": {"size": SMALLEST_FONT}} for i, text in enumerate(texts)])
    for label, color in palette.items():  # the legend names the captioners in their colours
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                 marker={"symbol": "square", "size": 12, "color": color}), row=1, col=1)
    return apply_layout(fig, title=title or "Captions of held-out scenes", wide=True, showlegend=True,
                        height=int(panel_px * images.shape[1] / images.shape[2] + caption_px + MARGIN
                                   + TITLE_TOP + TITLE_LINE + HEADER_GAP),
                        margin={"l": MARGIN, "r": MARGIN, "b": caption_px + MARGIN})


def _caption_text(index, captions_by_model, references, palette, panel_px):
    """The lines under image `index`: each captioner's caption in its colour, then the reference in grey."""
    lines = [f'<span style="color:{palette[label]}">{wrap(html.escape(str(captions[index])), panel_px, SMALLEST_FONT)}'
             f'</span>' for label, captions in captions_by_model.items()]
    if references is not None:
        reference = references[index]
        reference = reference if isinstance(reference, str) else reference[0]
        shown = wrap("ref: " + html.escape(str(reference)), panel_px, SMALLEST_FONT)
        lines.append(f'<span style="color:#7f7f7f"><i>{shown}</i></span>')
    return "<br>".join(lines)


def overlay(image, weights) -> np.ndarray:
    """Eq. 2: (H, W, 3) image darkened where the (h, w) `weights` are low, the map scaled up by blocks."""
    height, width = image.shape[:2]
    h, w = weights.shape
    cells = np.kron(weights, np.ones((height // h, width // w)))  # (H, W)
    peak = cells.max()
    level = cells / peak if peak > 0 else np.zeros_like(cells)
    return image * (DIM + (1 - DIM) * level)[..., None]


def _panel_grid(panels, titles, cols):
    """One image panel per entry of `panels` ((H, W, 3) each), `cols` per row, titled by `titles`."""
    rows = math.ceil(len(panels) / cols)
    fig = subplots(rows, cols, titles=titles + [""] * (rows * cols - len(titles)), horizontal_spacing=SPACING,
                   vertical_spacing=0.08 if rows > 1 else 0.0)
    for index, panel in enumerate(panels):
        fig.add_trace(go.Image(source=png_data_uri(rgba(np.clip(panel, 0, 1))), hoverinfo="skip"),
                      row=index // cols + 1, col=index % cols + 1)
        pixel_axes(fig, "" if index == 0 else str(index + 1), *panel.shape[:2])
    return fig
