"""Figures of chapter 8 (toolkit.transformers): self-attention step by step, heads side by side,
the positional encoding, a TCN's receptive field, ViT's patches and Swin's windows.

Self-attention of one head, for tokens x_1 … x_T (rows of X), is drawn as the notes write it:

    (1) Q = X W^Q,  K = X W^K,  V = X W^V                         (T, d_k) each
    (2) S = Q K^T / √d_k                                          the scores (T, T)
    (3) A = softmax(S) row by row                                 the weights, Σ_j A_ij = 1
    (4) Z = A V                                                   each token's output (T, d_v)

The positional encoding is PE(pos, 2i) = sin(pos / 10000^{2i/d}), PE(pos, 2i + 1) = cos(…): one row
per position, one column per dimension. A TCN's receptive field is drawn from the measured
influence |∂y_T / ∂x_s| of each input step s on the last output: nonzero on exactly
R = 1 + n(k − 1) Σ_l d_l steps. ViT cuts an image into P × P patches, numbered row by row; Swin
partitions the patch grid into M × M windows and, in every other block, shifts the windows by M/2.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.detection import pixel_axes, rgba
from toolkit.viz.network import png_data_uri
from toolkit.viz.theme import (NARROW_WIDTH, SMALLEST_FONT, WIDE_WIDTH, apply_layout, class_color, run_color,
                               subplots)
from toolkit.viz.validation import as_array

STEP_TITLES = ("Q = X W<sup>Q</sup>", "K = X W<sup>K</sup>", "V = X W<sup>V</sup>",
               "scores Q K<sup>T</sup> / √d<sub>k</sub>", "weights softmax(scores)", "output Z = A V")
STEP_KEYS = ("query", "key", "value", "scores", "weights", "output")
WINDOW_OPACITY = 0.35
AMBER = np.array([1.0, 0.7, 0.1])  # the class token's attention, light over the dimmed glyph
MAX_TOKENS_LABELLED = 30  # more tick labels than this overlap at the projector's font size
TOKEN_PIXELS = 10  # the width an upright one-character tick label needs at the projector's font size (design width)


def attention_steps(steps: dict, tokens, head: int = 0, *, title=None) -> go.Figure:
    """Eqs. 1-4 for one head as six heatmaps: Q, K, V, the scores, the softmax weights, the output.

    `steps` maps "query", "key", "value" ((H, T, d_k) each), "scores", "weights" ((H, T, T)) and
    "output" ((H, T, d_v)) to arrays, one batch row already taken (``self_attention_steps(...)``
    of toolkit.transformers.attention, indexed [0]). `tokens`: the T tokens, drawn down each panel.
    """
    tokens = _tokens(tokens)
    arrays = {}
    for key in STEP_KEYS:
        if key not in steps:
            raise ValueError(f"`steps` must hold {', '.join(STEP_KEYS)}, received keys {sorted(steps)}.")
        arrays[key] = as_array(f"steps[{key!r}]", steps[key], ndims=(3,), expected="a (heads, T, …) array")
    heads = arrays["weights"].shape[0]
    if not isinstance(head, (int, np.integer)) or not 0 <= head < heads:
        raise ValueError(f"`head` must be in [0, {heads - 1}], received head={head!r}.")
    if any(array.shape[1] != len(tokens) for array in arrays.values()):
        raise ValueError(f"`tokens` must name the T = {arrays['weights'].shape[1]} positions of every step, "
                         f"received {len(tokens)} tokens.")
    fig = subplots(2, 3, titles=list(STEP_TITLES), horizontal_spacing=0.09, vertical_spacing=0.2)
    rows = np.arange(len(tokens))
    for index, key in enumerate(STEP_KEYS):
        values = arrays[key][head]
        square = key in ("scores", "weights")
        bound = float(np.abs(values).max()) or 1.0
        fig.add_trace(go.Heatmap(
            z=values, x=np.arange(values.shape[1]), y=rows, showscale=False,
            colorscale="Blues" if key == "weights" else "RdBu", reversescale=key != "weights",
            zmin=0 if key == "weights" else -bound, zmax=1 if key == "weights" else bound,
            hovertemplate=("query %{y} → key %{x}: %{z:.3f}" if square else "token %{y}, dim %{x}: %{z:.3f}")
            + "<extra></extra>"), row=index // 3 + 1, col=index % 3 + 1)
        axis = "" if index == 0 else str(index + 1)
        fig.layout["yaxis" + axis].update(autorange="reversed", **_token_ticks(tokens))
        if square:
            fig.layout["xaxis" + axis].update(**_token_ticks(tokens, (WIDE_WIDTH - 150) / 3))
        else:
            fig.layout["xaxis" + axis].update(title={"text": "dimension"})
    return apply_layout(fig, title=title or f"Self-attention of head {head + 1}, step by step", wide=True,
                        height=max(560, 2 * (90 + 17 * len(tokens)) + 120), showlegend=False)


def attention_heads(weights, query_tokens, key_tokens=None, *, title=None) -> go.Figure:
    """The weights A of every head side by side: (H, T, S), queries down, keys across (Eq. 3)."""
    weights = as_array("weights", weights, ndims=(3,), expected="a (heads, T, S) array of attention weights")
    queries = _tokens(query_tokens)
    keys = queries if key_tokens is None else _tokens(key_tokens)
    heads, length, width = weights.shape
    if length < len(queries) or width < len(keys):
        raise ValueError(f"`weights` must have a row per query and a column per key, received shape "
                         f"{weights.shape} for {len(queries)} queries and {len(keys)} keys.")
    shown = weights[:, :len(queries), :len(keys)]
    if not np.all(np.isfinite(shown)) or shown.min() < 0 or shown.max() > 1 + 1e-6:
        raise ValueError(f"`weights` must be attention weights in [0, 1], received values from {shown.min():.3g} "
                         f"to {shown.max():.3g}.")
    cols = min(heads, 4 if len(keys) <= 12 else 2)  # wider panels for longer sources: every key named
    rows = math.ceil(heads / cols)
    fig = subplots(rows, cols, titles=[f"head {h + 1}" for h in range(heads)], horizontal_spacing=0.06,
                   vertical_spacing=0.12 if rows > 1 else 0.0)
    for h in range(heads):
        fig.add_trace(go.Heatmap(z=shown[h], x=np.arange(len(keys)), y=np.arange(len(queries)), zmin=0, zmax=1,
                                 colorscale="Blues", showscale=h == 0, colorbar={"title": {"text": "a"}},
                                 hovertemplate=f"head {h + 1}: query %{{y}} → key %{{x}}: %{{z:.2f}}<extra></extra>"),
                      row=h // cols + 1, col=h % cols + 1)
        axis = "" if h == 0 else str(h + 1)
        fig.layout["xaxis" + axis].update(**_token_ticks(keys, (WIDE_WIDTH - 150) / cols))
        fig.layout["yaxis" + axis].update(autorange="reversed", **_token_ticks(queries if h % cols == 0 else []))
    panel = (WIDE_WIDTH - 150) / cols
    height = rows * max(220, min(panel, 60 + 17 * len(queries))) + 140
    return apply_layout(fig, title=title or "Attention weights of every head (queries down, keys across)",
                        wide=True, height=int(height), showlegend=False)


def positional_encoding(pe, *, title=None) -> go.Figure:
    """PE (positions, d) as a heatmap: each position a row, each dimension a column."""
    pe = as_array("pe", pe, ndims=(2,), expected="a (positions, d) array of encodings")
    fig = go.Figure(go.Heatmap(z=pe, x=np.arange(pe.shape[1]), y=np.arange(pe.shape[0]), zmin=-1, zmax=1,
                               colorscale="RdBu", reversescale=True, colorbar={"title": {"text": "PE"}},
                               hovertemplate="position %{y}, dimension %{x}: %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return apply_layout(fig, title=title or "Sinusoidal positional encoding: low dimensions turn fast, high "
                                            "ones slowly", x_title="dimension (2i: sin, 2i + 1: cos)",
                        y_title="position", height=380, wide=True)


def input_influence(influence, receptive_field: int, *, title=None) -> go.Figure:
    """|∂y_T / ∂x_s| against the input step s, the last R = `receptive_field` steps shaded."""
    influence = as_array("influence", influence, ndims=(1,), expected="a 1-D array, one value per input step")
    length = len(influence)
    if not isinstance(receptive_field, (int, np.integer)) or receptive_field < 1:
        raise ValueError(f"`receptive_field` must be a positive number of steps, received {receptive_field!r}.")
    steps = np.arange(1, length + 1)
    first = max(length - int(receptive_field) + 1, 1)
    fig = go.Figure(go.Bar(x=steps, y=influence, marker={"color": run_color(0)}, name="|∂y_T / ∂x_s|",
                           hovertemplate="step %{x}: %{y:.3g}<extra></extra>"))
    fig.add_vrect(x0=first - 0.5, x1=length + 0.5, fillcolor=run_color(1), opacity=0.15, line_width=0)
    reaches = "all" if receptive_field >= length else f"the last {int(receptive_field)}"
    fig.add_annotation(x=(first + length) / 2, y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"receptive field R = {int(receptive_field)}: {reaches} of {length} steps",
                       font={"size": SMALLEST_FONT})
    return apply_layout(fig, title=title or "What the last output can see: the gradient of y_T with respect to "
                                            "each input step", x_title="input step s", y_title="|∂y_T / ∂x_s|",
                        height=360, wide=True, showlegend=False)


def patch_grid(image, patch_size: int, *, title=None) -> go.Figure:
    """The image cut into `patch_size` squares, each numbered in ViT's order (row by row, from 1)."""
    image = _image(image)
    height, width = image.shape[:2]
    if not isinstance(patch_size, (int, np.integer)) or patch_size < 1 or height % patch_size or width % patch_size:
        raise ValueError(f"`patch_size` must divide the {height}×{width} image, received patch_size={patch_size!r}.")
    fig = go.Figure(go.Image(source=png_data_uri(rgba(image)), hoverinfo="skip"))
    rows, cols = height // patch_size, width // patch_size
    for k in range(1, rows):
        fig.add_hline(y=k * patch_size - 0.5, line={"color": run_color(1), "width": 2})
    for k in range(1, cols):
        fig.add_vline(x=k * patch_size - 0.5, line={"color": run_color(1), "width": 2})
    if rows * cols <= 64:
        for r in range(rows):
            for c in range(cols):
                fig.add_annotation(x=c * patch_size + 1, y=r * patch_size + 1, xanchor="left", yanchor="top",
                                   text=str(r * cols + c + 1), showarrow=False,
                                   font={"size": SMALLEST_FONT, "color": run_color(1)})
    pixel_axes(fig, "", height, width)
    return apply_layout(fig, title=title or f"{rows * cols} patches of {patch_size}×{patch_size} pixels, "
                                            "read row by row", height=NARROW_WIDTH - 60, showlegend=False,
                        margin={"l": 10, "r": 10, "b": 10})


def swin_windows(image, regular, shifted, *, title=None) -> go.Figure:
    """Swin's two partitions over the image: block l's M × M windows, block l + 1's shifted ones.

    `regular`, `shifted`: (h, w) integer window ids of every patch (h, w divide the image); in the
    shifted partition the cyclic shift makes some windows hold patches from opposite edges: equal
    ids, one colour, wherever they lie.
    """
    image = _image(image)
    panels = []
    for name, ids in (("regular", regular), ("shifted", shifted)):
        ids = as_array(name, ids, ndims=(2,), expected="a 2-D array of window ids (h, w)")
        if image.shape[0] % ids.shape[0] or image.shape[1] % ids.shape[1]:
            raise ValueError(f"`{name}` must be a grid that divides the image, received {ids.shape[0]}×"
                             f"{ids.shape[1]} for a {image.shape[0]}×{image.shape[1]} image.")
        panels.append(_windows_panel(image, ids.astype(int)))
    fig = subplots(1, 2, titles=[f"block l: {len(np.unique(regular))} windows",
                                 f"block l + 1: shifted by M/2, {len(np.unique(shifted))} windows"],
                   horizontal_spacing=0.04)
    for index, panel in enumerate(panels):
        fig.add_trace(go.Image(source=png_data_uri(rgba(panel)), hoverinfo="skip"), row=1, col=index + 1)
        pixel_axes(fig, "" if index == 0 else "2", *panel.shape[:2])
    return apply_layout(fig, title=title or "Swin: attention inside windows, windows shifted every other block",
                        wide=True, height=int((WIDE_WIDTH - 40) / 2) + 20, showlegend=False,
                        margin={"l": 10, "r": 10, "b": 10})


def class_token_maps(images, maps, captions=None, *, title=None) -> go.Figure:
    """Each image, and under it the class token's attention as amber light over the dimmed image
    (each map stretched from its least to its most attended patch: glyphs lie on black, where
    darkening would hide where the token looks).

    `images`: (N, H, W, C); `maps`: (N, h, w) attention of the class token (or rollout) over the patch
    grid; `captions`: N panel titles ("true → predicted").
    """
    images = _images(images)
    maps = as_array("maps", maps, ndims=(3,), expected="a (N, h, w) array of attention over the patches")
    if len(maps) != len(images):
        raise ValueError(f"`maps` must hold one map per image, received {len(maps)} maps for {len(images)} images.")
    height, width = images.shape[1:3]
    if height % maps.shape[1] or width % maps.shape[2]:
        raise ValueError(f"`maps` must be a grid that divides the images, received {maps.shape[1]}×{maps.shape[2]} "
                         f"for {height}×{width} images.")
    if not np.all(np.isfinite(maps)) or maps.min() < 0:
        raise ValueError(f"`maps` must be non-negative attention, received values from {maps.min():.3g}.")
    captions = [""] * len(images) if captions is None else [html.escape(str(c)) for c in captions]
    cols = len(images)
    fig = subplots(2, cols, titles=captions + [""] * cols, horizontal_spacing=0.02, vertical_spacing=0.04)
    for index, (image, weights) in enumerate(zip(images, maps)):
        for row, panel in ((1, image), (2, attention_light(image, weights))):
            fig.add_trace(go.Image(source=png_data_uri(rgba(panel)), hoverinfo="skip"), row=row, col=index + 1)
            number = (row - 1) * cols + index + 1
            pixel_axes(fig, "" if number == 1 else str(number), height, width)
    panel = (WIDE_WIDTH - 20) / cols
    return apply_layout(fig, title=title or "Where the class token looks (bright: attended patches)", wide=True,
                        height=int(2 * panel + 80), showlegend=False, margin={"l": 10, "r": 10, "b": 10})


def attention_light(image, weights) -> np.ndarray:
    """(H, W, 3): the image at a third of its brightness plus amber where the (h, w) `weights` are high,
    the map scaled up by blocks and stretched to [0, 1]."""
    height, width = image.shape[:2]
    cells = np.kron(weights, np.ones((height // weights.shape[0], width // weights.shape[1])))  # (H, W)
    spread = cells.max() - cells.min()
    level = (cells - cells.min()) / spread if spread > 0 else np.zeros_like(cells)
    return np.clip(image / 3 + level[..., None] * AMBER, 0, 1)


def _windows_panel(image, ids):
    """The image with each window tinted its own colour and window borders drawn darker."""
    height, width = image.shape[:2]
    cells = np.kron(ids, np.ones((height // ids.shape[0], width // ids.shape[1]), int))  # (H, W) window id per pixel
    colors = np.array([_rgb(class_color(k)) for k in range(int(cells.max()) + 1)])  # (windows, 3)
    tinted = (1 - WINDOW_OPACITY) * image + WINDOW_OPACITY * colors[cells]
    edge = np.zeros((height, width), bool)
    edge[:-1] |= cells[:-1] != cells[1:]
    edge[:, :-1] |= cells[:, :-1] != cells[:, 1:]
    tinted[edge] = 0.15
    return tinted


def _rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def _image(image) -> np.ndarray:
    image = as_array("image", image, ndims=(2, 3), expected="an (H, W) or (H, W, C) image")
    return _images(image[None])[0]


def _images(images) -> np.ndarray:
    images = as_array("images", images, ndims=(3, 4), expected="(N, H, W) or (N, H, W, C) images")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    if images.shape[-1] != 3 or not np.all(np.isfinite(images)):
        raise ValueError(f"`images` must be grey or RGB with finite values, received shape {images.shape}.")
    low, high = float(images.min()), float(images.max())
    return (images - low) / (high - low) if high > 1 or low < 0 else images


def _tokens(tokens) -> list[str]:
    if isinstance(tokens, str):
        tokens = list(tokens)
    tokens = [str(token) for token in tokens]
    if not tokens:
        raise ValueError("`tokens` must hold at least one token, received an empty list.")
    return tokens


def _token_ticks(tokens, room: float | None = None) -> dict:
    """Tick labels naming the tokens, upright; across `room` pixels, every k-th token where all of
    them would overlap (positions when there are too many to name)."""
    if not tokens:
        return {"showticklabels": False}
    if len(tokens) > MAX_TOKENS_LABELLED:
        return {"tickmode": "auto"}
    every = 1 if room is None else max(1, math.ceil(len(tokens) * TOKEN_PIXELS / room))
    shown = range(0, len(tokens), every)
    return {"tickmode": "array", "tickvals": list(shown), "tickangle": 0,
            "ticktext": [html.escape(tokens[i]) if tokens[i].strip() else "␣" for i in shown]}
