"""A feed-forward network drawn the way TensorFlow Playground draws it.

Each layer is a column of neurons; each link i -> j between consecutive layers is a line
coloured by the sign of its weight w_ij and thickened by its size:

    (1) level(w) = ceil(LEVELS · |w| / max |w|) in {1, ..., LEVELS}   (max over the drawn links)
    (2) width = 0.6 + 1.4 · (level − 1) px, opacity = 0.3 + 0.6 · level / LEVELS
    (3) colour: Playground's blue (#0877bd) for w > 0, orange (#f59322) for w < 0

A neuron is either a small picture (its activation over the input plane, values in [-1, 1]
on Playground's orange -> white -> blue scale) or, without pictures, a circle coloured by an
optional value in [-1, 1]. Geometry, in data units: layer l is the column x in
[l·(1 + gap), l·(1 + gap) + 1]; neuron j is the square whose top is y = −j·(1 + vgap).
All pictures go into ONE transparent PNG (r pixels per unit, a neuron's top rounded to the
nearest pixel) shown as a layout image, so a figure with 250 neurons still sends one small
image, which the browser draws without re-computing a heatmap on every frame:

    (4) colour of a value v: orange -> white for v in [-1, 0], white -> blue for v in [0, 1]
"""

import base64
import io
import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import (
    FONT_SIZE, NARROW_WIDTH, PLAYGROUND_BLUE, PLAYGROUND_COLORSCALE, PLAYGROUND_ORANGE, SMALLEST_FONT, apply_layout,
    text_width,
)
from toolkit.viz.validation import as_array

LEVELS = 5
HEADER_PX, FOOTER_PX = 90, 10  # px above (title, layer names) and below the diagram
MAX_HOVER_LINKS = 3000  # above this many links, links have no hover points (figure size)
# Every trace below is built here from checked arrays, so plotly's per-property validation
# (more than half of the build time of a figure the Playground redraws 4 times a second)
# is skipped; `_validate` is plotly's own switch (plotly.basedatatypes.BasePlotlyType).
UNCHECKED = {"_validate": False}


def network_diagram(kernels, pictures=None, *, layer_names=None, node_names=None,
                    node_values=None, node_text=None, link_text=None, gap=2.0, vgap=0.35,
                    title="Network", height=None) -> go.Figure:
    """The network of ``kernels``, with links coloured and thickened by weight (Eqs. 1-3).

    Args:
        kernels: L weight matrices, ``kernels[l]`` of shape (n_l, n_{l+1}) as Keras stores
            them (row i = input neuron, column j = output neuron).
        pictures: optional L + 1 arrays (n_l, r, r) with values in [-1, 1] (NaN is blank):
            each neuron's picture; row 0 of a picture is the bottom of the plane.
        layer_names: L + 1 column titles (default "layer 0", ...).
        node_names: L + 1 lists of neuron names, shown on hover; the first and last layers'
            names are also written beside their neurons.
        node_values: without pictures, L + 1 arrays of values in [-1, 1] colouring the circles.
        node_text: L + 1 lists of short texts written under each neuron.
        link_text: L arrays (n_l, n_{l+1}) of texts written on the links (near their middle).
        gap, vgap: horizontal gap between layers and vertical gap between neurons, in units
            of a neuron's size.
        title: figure title.
        height: figure height in px (default: the diagram as large as a narrow column lets it be).
    """
    kernels = _check_kernels(kernels)
    sizes = [kernels[0].shape[0]] + [k.shape[1] for k in kernels]
    geometry = _Geometry(sizes, gap, vgap)
    for name, value in (("layer_names", layer_names), ("node_names", node_names),
                        ("node_values", node_values), ("node_text", node_text),
                        ("pictures", pictures)):
        _check_per_layer(name, value, sizes)
    images = [] if pictures is None else [_picture_image(
        [as_array("pictures", p, ndims=(3,), expected="(n_l, r, r)") for p in pictures], geometry)]
    below = 1.4 if node_text is not None else 0.6
    sides = _side_margins(node_names, sizes)
    layer_names = [str(name) for name in layer_names or [f"layer {l}" for l in range(len(sizes))]]
    name_heights, top = _layer_name_rows(layer_names, geometry, sides)
    height = height or _default_height(geometry, below, top, sides)
    traces = _link_traces(kernels, geometry, node_names, pictures is not None)
    traces += _node_traces(geometry, node_names, node_values, node_text, pictures is not None,
                           circle=min(34, 0.9 * (height - HEADER_PX - FOOTER_PX) / (top - geometry.bottom + below)))
    traces.append(_layer_names_trace(geometry, layer_names, name_heights))
    fig = go.Figure(data=traces, **UNCHECKED)  # one construction: adding traces one by one costs more
    annotations = [] if link_text is None else _link_annotations(link_text, kernels, geometry)
    return _layout(fig, geometry, title, height, below=below, top=top, sides=sides, annotations=annotations,
                   images=images)


def _side_margins(node_names, sizes):
    """Left and right margins (px) that hold the names written beside the first and last layers."""
    if node_names is None:
        return 10, 10
    return tuple(10 + int(max(text_width(str(n), SMALLEST_FONT) for n in node_names[l])) + 8
                 for l in (0, len(sizes) - 1))


def _narrow_px_per_unit(geometry, sides):
    """Pixels per data unit when the diagram fills a `NARROW_WIDTH` column."""
    return (NARROW_WIDTH - sum(sides)) / (geometry.width + 0.4)


def _default_height(geometry, below, top, sides):
    """The height at which a `NARROW_WIDTH` column shows the diagram at its full width."""
    px_per_unit = _narrow_px_per_unit(geometry, sides)
    return int(np.clip(HEADER_PX + FOOTER_PX + px_per_unit * (top - geometry.bottom + below), 300, 1000))


def _layer_name_rows(layer_names, geometry, sides):
    """(y of each layer's name, top of the y range): when a name is wider than the distance
    between two layers in a narrow column, every other name sits one line higher."""
    px_per_unit = _narrow_px_per_unit(geometry, sides)
    pitch = (1 + geometry.gap) * px_per_unit
    if max(text_width(name, FONT_SIZE) for name in layer_names) <= pitch - 6:
        return [0.45] * len(layer_names), 1.2
    line = 1.3 * FONT_SIZE / px_per_unit  # one text line, in data units
    return [0.45 + line * (l % 2) for l in range(len(layer_names))], 1.2 + line


# ---------------------------------------------------------------- checks
def _check_kernels(kernels):
    if not isinstance(kernels, (list, tuple)) or not kernels:
        raise ValueError(f"`kernels` must be a non-empty list of 2-D weight matrices, "
                         f"received {type(kernels).__name__}.")
    arrays = [as_array(f"kernels[{l}]", k, ndims=(2,), expected="a 2-D array (n_l, n_{l+1})")
              for l, k in enumerate(kernels)]
    for l in range(1, len(arrays)):
        if arrays[l].shape[0] != arrays[l - 1].shape[1]:
            raise ValueError(f"`kernels` must chain: kernels[{l}] has {arrays[l].shape[0]} rows but "
                             f"kernels[{l - 1}] has {arrays[l - 1].shape[1]} columns.")
    return arrays


def _check_per_layer(name, value, sizes):
    if value is None:
        return
    if len(value) != len(sizes):
        raise ValueError(f"`{name}` must have one entry per layer ({len(sizes)}), received {len(value)}.")
    if name == "layer_names":
        return
    for l, entry in enumerate(value):
        if len(entry) != sizes[l]:
            raise ValueError(f"`{name}[{l}]` must have one entry per neuron ({sizes[l]}), "
                             f"received {len(entry)}.")


# ---------------------------------------------------------------- geometry
class _Geometry:
    """Where layer l and neuron j sit (module docstring)."""

    def __init__(self, sizes, gap, vgap):
        if not (gap > 0 and vgap >= 0):
            raise ValueError(f"`gap` must be > 0 and `vgap` >= 0, received gap={gap}, vgap={vgap}.")
        self.sizes, self.gap, self.vgap = sizes, float(gap), float(vgap)
        self.max_neurons = max(sizes)

    def left(self, l):
        return l * (1.0 + self.gap)

    def top(self, j):
        return -j * (1.0 + self.vgap)

    def center(self, l, j):
        return self.left(l) + 0.5, self.top(j) - 0.5

    @property
    def width(self):
        return self.left(len(self.sizes) - 1) + 1.0

    @property
    def bottom(self):
        return self.top(self.max_neurons - 1) - 1.0


def _picture_image(pictures, geometry):
    """Every neuron's picture in one transparent PNG, placed over the diagram as a layout image."""
    r = pictures[0].shape[-1]
    if any(p.shape[1:] != (r, r) for p in pictures):
        raise ValueError(f"`pictures` must all be square with the same size, received shapes "
                         f"{[p.shape for p in pictures]}.")
    rows = [round(-geometry.top(j) * r) for j in range(geometry.max_neurons)]  # each neuron's top pixel
    width, height = round(geometry.width * r), rows[-1] + r
    values = np.full((height, width), np.nan, dtype=np.float32)  # (rows from the top, columns)
    for l, layer in enumerate(pictures):
        column = round(geometry.left(l) * r)
        for j, picture in enumerate(layer):
            values[rows[j]:rows[j] + r, column:column + r] = picture[::-1]  # picture row 0 is the bottom
    return {"source": png_data_uri(playground_rgba(values)), "xref": "x", "yref": "y", "x": 0.0, "y": 0.0,
            "sizex": width / r, "sizey": height / r, "xanchor": "left", "yanchor": "top",
            "sizing": "stretch", "layer": "below", "name": "neuron pictures"}


def playground_rgba(values):
    """Eq. 4: (H, W) values in [-1, 1] -> (H, W, 4) uint8 colours; NaN is transparent."""
    scaled = np.round((np.clip(values, -1.0, 1.0) + 1.0) * 127.5)  # 0 .. 255, NaN stays NaN
    index = np.where(np.isnan(scaled), -1, scaled).astype(np.int16)
    return _PALETTE[index]  # index -1 (NaN) is the palette's last, transparent row


def _palette():
    """257 RGBA rows: v = -1 .. 1 in 256 steps (Eq. 4), then a transparent row for NaN."""
    t = np.linspace(0.0, 1.0, 256)[:, None]
    orange, white, blue = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], np.float64)
                           for c in (PLAYGROUND_ORANGE, "#ffffff", PLAYGROUND_BLUE))
    rgb = np.where(t < 0.5, orange + (white - orange) * 2 * t, white + (blue - white) * (2 * t - 1))
    rows = np.concatenate([np.round(rgb), np.full((256, 1), 255.0)], axis=1)
    return np.concatenate([rows, np.zeros((1, 4))]).astype(np.uint8)


_PALETTE = _palette()


def png_data_uri(rgba):
    """A ``data:image/png;base64,...`` address of an (H, W, 4) uint8 array."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------- links
def _link_level(weights, largest):
    """Eq. 1 for an array of weights."""
    scaled = np.abs(weights) / largest if largest > 0 else np.zeros_like(weights)
    return np.clip(np.ceil(LEVELS * scaled), 1, LEVELS).astype(int)


def _endpoints(geometry, l, i, j, pictures):
    """Start and end (x0, y0, x1, y1) of links i -> j from layer l; i, j may be arrays."""
    (x0, y0), (x1, y1) = geometry.center(l, i), geometry.center(l + 1, j)
    return (x0 + 0.5, y0, x1 - 0.5, y1) if pictures else (x0, y0, x1, y1)


def _segments(x0, y0, x1, y1):
    """Coordinates of separate segments for one line trace: x0, x1, NaN (a break), ..."""
    count = np.size(y0)
    xs = np.stack([np.broadcast_to(v, count) for v in (x0, x1, np.nan)], axis=1)  # (links, 3)
    ys = np.stack([np.broadcast_to(v, count) for v in (y0, y1, np.nan)], axis=1)
    return xs.ravel().astype(np.float32), ys.ravel().astype(np.float32)


def _link_traces(kernels, geometry, node_names, pictures):
    """One line trace per (sign, level) with NaN breaks, plus invisible hover points."""
    largest = max(float(np.nanmax(np.abs(k))) if k.size else 0.0 for k in kernels)
    buckets = {}
    for l, kernel in enumerate(kernels):
        weights = np.nan_to_num(kernel)
        i, j = np.indices(kernel.shape)  # (n_l, n_{l+1}) each
        x0, y0, x1, y1 = _endpoints(geometry, l, i, j, pictures)
        levels = _link_level(weights, largest)
        for positive in (True, False):
            for level in range(1, LEVELS + 1):
                mask = (weights >= 0) == positive
                mask &= levels == level
                if mask.any():
                    buckets.setdefault((positive, level), []).append(
                        _segments(x0, y0[mask], x1, y1[mask]))
    traces = []
    for (positive, level), parts in sorted(buckets.items(), key=lambda item: item[0][1]):
        traces.append(go.Scatter(**UNCHECKED,
            x=np.concatenate([p[0] for p in parts]), y=np.concatenate([p[1] for p in parts]),
            mode="lines", hoverinfo="skip", showlegend=False, connectgaps=False,
            name=f"{'positive' if positive else 'negative'} weights, level {level}",
            line={"color": PLAYGROUND_BLUE if positive else PLAYGROUND_ORANGE,
                  "width": 0.6 + 1.4 * (level - 1)},  # Eq. 2
            opacity=0.3 + 0.6 * level / LEVELS))
    if sum(k.size for k in kernels) <= MAX_HOVER_LINKS:
        traces.append(_link_hover(kernels, geometry, node_names, pictures))
    return traces


def _link_hover(kernels, geometry, node_names, pictures):
    """Invisible points 60% along each link that show its weight on hover."""
    xs, ys, texts = [], [], []
    for l, kernel in enumerate(kernels):
        for (i, j), w in np.ndenumerate(kernel):
            x0, y0, x1, y1 = _endpoints(geometry, l, i, j, pictures)
            xs.append(x0 + 0.6 * (x1 - x0))
            ys.append(y0 + 0.6 * (y1 - y0))
            texts.append(f"w = {w:.3g}<br>{_name(node_names, l, i)} → {_name(node_names, l + 1, j)}")
    return go.Scatter(**UNCHECKED, x=np.array(xs, np.float32), y=np.array(ys, np.float32), mode="markers",
                      hovertext=texts, hoverinfo="text", showlegend=False, name="weights",
                      marker={"size": 8, "opacity": 0})


def _name(node_names, l, j):
    return str(node_names[l][j]) if node_names is not None else f"layer {l} neuron {j + 1}"


def _link_annotations(link_text, kernels, geometry):
    """Each link's text in a small white box (annotations), staggered along the links."""
    annotations = []
    for l, kernel in enumerate(kernels):
        labels = np.asarray(link_text[l], dtype=object)
        if labels.shape != kernel.shape:
            raise ValueError(f"`link_text[{l}]` must have the shape of kernels[{l}] {kernel.shape}, "
                             f"received {labels.shape}.")
        for (i, j), text in np.ndenumerate(labels):
            x0, y0, x1, y1 = _endpoints(geometry, l, i, j, False)
            t = 0.2 + 0.45 * (j + 0.5) / kernel.shape[1]  # labels of one source staggered along x
            annotations.append({"x": x0 + t * (x1 - x0), "y": y0 + t * (y1 - y0), "text": str(text),
                                "showarrow": False, "font": {"size": SMALLEST_FONT, "color": "#1a1a1a"},
                                "bgcolor": "rgba(255, 255, 255, 0.85)", "borderpad": 1})
    return annotations


# ---------------------------------------------------------------- neurons
def _node_traces(geometry, node_names, node_values, node_text, pictures, circle):
    """Hover points (on pictures) or coloured circles `circle` px wide, names beside the outer layers."""
    cx, cy, hover, colors = [], [], [], []
    for l, n in enumerate(geometry.sizes):
        for j in range(n):
            x, y = geometry.center(l, j)
            cx.append(x)
            cy.append(y)
            value = None if node_values is None else float(node_values[l][j])
            colors.append(0.0 if value is None or not math.isfinite(value) else value)
            hover.append(_name(node_names, l, j) + ("" if value is None else f"<br>value {value:.3g}"))
    marker = ({"size": 14, "opacity": 0} if pictures else
              {"size": circle, "color": colors, "cmin": -1, "cmax": 1, "colorscale": PLAYGROUND_COLORSCALE,
               "line": {"color": "#444444", "width": 1.2}})
    traces = [go.Scatter(**UNCHECKED, x=np.array(cx), y=np.array(cy), mode="markers", marker=marker,
                         hovertext=hover, hoverinfo="text", showlegend=False, name="neurons")]
    if node_names is not None:
        traces += _side_names(geometry, node_names)
    if node_text is not None:
        traces.append(go.Scatter(**UNCHECKED,
            x=[geometry.center(l, j)[0] for l, n in enumerate(geometry.sizes) for j in range(n)],
            y=[geometry.top(j) - 1.0 - 0.05 for n in geometry.sizes for j in range(n)],
            text=[str(t) for layer in node_text for t in layer], mode="text",
            textposition="bottom center", hoverinfo="skip", showlegend=False, name="neuron labels", cliponaxis=False,
            textfont={"size": SMALLEST_FONT, "color": "#1a1a1a"}))
    return traces


def _side_names(geometry, node_names):
    """The names of the first and last layers' neurons, written beside them in the side margins."""
    last, traces = len(geometry.sizes) - 1, []
    for l, side, offset in ((0, "middle left", -0.55), (last, "middle right", 0.55)):
        xs = [geometry.center(l, j)[0] + offset for j in range(geometry.sizes[l])]
        ys = [geometry.center(l, j)[1] for j in range(geometry.sizes[l])]
        traces.append(go.Scatter(**UNCHECKED, x=xs, y=ys, mode="text", text=[str(n) for n in node_names[l]],
                                 textposition=side, hoverinfo="skip", showlegend=False,
                                 name="input names" if l == 0 else "output names", cliponaxis=False,
                                 textfont={"size": SMALLEST_FONT}))
    return traces


# ---------------------------------------------------------------- layout
def _layer_names_trace(geometry, layer_names, heights):
    """Column titles above the layers at `heights` (one text trace: cheaper than one annotation each)."""
    return go.Scatter(**UNCHECKED, x=[geometry.left(l) + 0.5 for l in range(len(layer_names))],
                      y=heights, text=layer_names,
                      mode="text", textposition="top center", hoverinfo="skip", showlegend=False,
                      name="layer names", cliponaxis=False, textfont={"size": FONT_SIZE})


def _layout(fig, geometry, title, height, below, top, sides, annotations, images):
    return apply_layout(
        fig, title=title, height=height, margin={"l": sides[0], "r": sides[1], "b": FOOTER_PX},
        xaxis={"visible": False, "range": [-0.2, geometry.width + 0.2], "fixedrange": True,
               "constrain": "domain"},
        yaxis={"visible": False, "range": [geometry.bottom - below, top], "fixedrange": True,
               "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        hovermode="closest", annotations=annotations, images=images,
    )
