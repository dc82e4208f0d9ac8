"""What a CNN sees: feature maps per convolution layer, and its learned filters.

- `feature_map_grid`: one row per layer, the first `max_maps` maps of the layer side by side
  (each scaled to its own range, bright = strong response); the label left of each row gives
  the layer's name and its (H, W, F) shape, so the maps visibly shrink and multiply with depth.
- `filter_grid`: the kernels of one layer as small diverging heatmaps (red negative, blue
  positive, white zero), one per output channel, for one input channel.

Pure functions: arrays in, `go.Figure` out.
"""

import numpy as np
import plotly.graph_objects as go
from toolkit.validation import check_positive_int
from toolkit.viz.theme import FONT_SIZE, SMALLEST_FONT, apply_layout, subplots, text_width
from toolkit.viz.validation import as_array


def feature_map_grid(maps, max_maps=8, title=None) -> go.Figure:
    """Feature maps of several layers, one row per layer.

    Args:
        maps: {layer name: (H, W, F) activations}, e.g. ``toolkit.cnn.feature_maps(model, image)``.
        max_maps: at most this many maps (channels) per layer.
        title: figure title.
    """
    if not maps:
        raise ValueError("`maps` must hold at least one layer's feature maps, received none.")
    max_maps = check_positive_int("max_maps", max_maps)
    arrays = {name: as_array(f"maps[{name!r}]", value, ndims=(3,), expected="(H, W, F)")
              for name, value in maps.items()}
    cols = min(max_maps, max(a.shape[2] for a in arrays.values()))
    fig = subplots(len(arrays), cols, titles=[f"map {c}" for c in range(cols)], horizontal_spacing=0.01,
                   vertical_spacing=min(0.06, 0.3 / len(arrays)))
    for row, (name, array) in enumerate(arrays.items(), start=1):
        for channel in range(min(cols, array.shape[2])):
            fig.add_trace(_map_trace(array[..., channel], f"{name} · map {channel}"), row=row, col=channel + 1)
    _image_axes(fig, len(arrays) * cols)
    labels = [_row_label(fig, row, cols, name, array.shape) for row, (name, array) in enumerate(arrays.items())]
    for label in labels:
        fig.add_annotation(label)
    left = int(max(text_width(label["text"], FONT_SIZE) for label in labels)) + 16
    return apply_layout(fig, title=title or "Feature maps: what each convolution responds to (bright = strong)",
                        wide=True, height=int(np.clip(60 + 110 * len(arrays), 250, 1400)),
                        margin={"l": left, "r": 10, "b": 10}, showlegend=False)


def _row_label(fig, row, cols, name, shape):
    """The layer's name and (H, W, F) shape, left of its row (in the left margin)."""
    axis = fig.layout["yaxis" if row == 0 else f"yaxis{row * cols + 1}"]
    return {"text": f"<b>{name}</b><br>{shape[0]}×{shape[1]}×{shape[2]}", "x": 0, "xref": "paper", "xanchor": "right",
            "xshift": -8, "y": sum(axis.domain) / 2, "yref": "paper", "yanchor": "middle", "align": "right",
            "showarrow": False, "font": {"size": FONT_SIZE}}


def _map_trace(z, name):
    low, high = float(np.min(z)), float(np.max(z))
    return go.Heatmap(z=z, colorscale="gray", zmin=low, zmax=high if high > low else low + 1, showscale=False,
                      zsmooth=False, name=name,
                      hovertemplate=f"{name}<br>row %{{y}}, col %{{x}}: %{{z:.3f}}<extra></extra>")


def _image_axes(fig, count):
    for index in range(1, count + 1):
        suffix = "" if index == 1 else str(index)
        if f"xaxis{suffix}" not in fig.layout:
            continue
        fig.layout[f"xaxis{suffix}"].update(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
        fig.layout[f"yaxis{suffix}"].update(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                                             scaleanchor=f"x{suffix}", constrain="domain")


def filter_grid(kernel, input_channel=0, max_filters=32, cols=8, title=None) -> go.Figure:
    """The learned kernels of one layer for one input channel.

    Args:
        kernel: (K_h, K_w, C, F) weights (a depthwise kernel (K_h, K_w, C, 1) shows one filter per channel).
        input_channel: which of the C input channels to show (for depthwise kernels: ignored).
        max_filters: at most this many filters.
        cols: filters per row.
        title: figure title.
    """
    kernel = as_array("kernel", kernel, ndims=(4,), expected="(K_h, K_w, C, F)")
    depthwise = kernel.shape[3] == 1 and kernel.shape[2] > 1
    if not depthwise and not 0 <= input_channel < kernel.shape[2]:
        raise ValueError(f"`input_channel` must be in [0, {kernel.shape[2]}), "
                         f"received input_channel={input_channel!r}.")
    filters = kernel[:, :, :, 0] if depthwise else kernel[:, :, input_channel, :]  # (K_h, K_w, F)
    count = min(filters.shape[2], check_positive_int("max_filters", max_filters))
    cols = min(check_positive_int("cols", cols), count)
    rows = int(np.ceil(count / cols))
    limit = float(np.abs(filters[..., :count]).max()) or 1.0
    fig = subplots(rows, cols, titles=[f"filter {f}" for f in range(count)],
                   horizontal_spacing=0.02, vertical_spacing=min(0.12, 0.7 / rows))
    for f in range(count):
        fig.add_trace(go.Heatmap(z=filters[..., f], colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit,
                                 showscale=f == 0, colorbar={"thickness": 14, "len": 0.8, "title": {"text": "weight"}},
                                 xgap=1, ygap=1, name=f"filter {f}",
                                 hovertemplate=f"filter {f}: K(%{{y}}, %{{x}}) = %{{z:.3f}}<extra></extra>"),
                      row=f // cols + 1, col=f % cols + 1)
    _image_axes(fig, rows * cols)
    fig.update_annotations(font_size=SMALLEST_FONT)
    channel = "one filter per input channel (depthwise)" if depthwise else f"input channel {input_channel}"
    return apply_layout(fig, title=title or f"Learned {kernel.shape[0]}×{kernel.shape[1]} kernels, {channel}",
                        wide=True, height=int(np.clip(80 + 120 * rows, 200, 900)),
                        margin={"l": 10, "r": 10, "b": 10}, showlegend=False)
