"""Convolution figures: the kernel sliding over the input (animated), classic kernels, pooling.

- `convolution_animation`: in the spirit of CNN Explainer. Three panels: the zero-padded
  input with the kernel's window (and, with dilation, the exact cells it reads), the kernel,
  and the output filling in cell by cell. One Plotly frame per output cell; its caption
  writes the cell's sum out, S(i, j) = Σ I·K = a·b + c·d + ... = value. Play, pause and a
  slider step through the frames in the browser (no server round trip).
- `kernel_gallery`: each kernel (top row, numbers shown) above the image it produces.
- `pooling_comparison`: an image and its pooled versions side by side, sizes in the titles.

Pure functions: arrays in, `go.Figure` out.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from toolkit.viz.theme import apply_layout
from toolkit.viz.validation import as_array

MAX_FRAMES = 400  # an animation of more output cells is refused (the browser would crawl)
TERMS_SHOWN = 9  # products written out in a caption before "…"
DYNAMIC = [1, 2, 4, 5]  # traces a frame updates: window, taps, output, current cell


def convolution_animation(trace, title=None) -> go.Figure:
    """The sliding kernel of ``toolkit.cnn.convolution_steps`` as an animated three-panel figure.

    Args:
        trace: a ``toolkit.cnn.ConvolutionTrace`` (or any object with its attributes
            ``padded, kernel, output, rows, cols, products, padding, flipped, image_shape``).
        title: figure title; defaults to one naming the operation and the shapes.
    """
    padded, kernel, output = (np.asarray(getattr(trace, a), float) for a in ("padded", "kernel", "output"))
    steps = len(trace.products)
    if steps > MAX_FRAMES:
        raise ValueError(f"The output has {steps} cells, more than the {MAX_FRAMES} an animation can show; "
                         "use a smaller input or a larger stride.")
    widths = [padded.shape[1], kernel.shape[1], output.shape[1]]
    fig = make_subplots(1, 3, column_widths=[w / sum(widths) for w in widths], horizontal_spacing=0.06,
                        subplot_titles=(f"input, padded to {padded.shape[0]}×{padded.shape[1]}",
                                        f"kernel {kernel.shape[0]}×{kernel.shape[1]}"
                                        + (" (flipped)" if trace.flipped else ""),
                                        f"output {output.shape[0]}×{output.shape[1]}"))
    for trace_ in _static_and_first_traces(trace, padded, kernel, output):
        fig.add_trace(trace_[0], row=1, col=trace_[1])
    fig.frames = [go.Frame(data=_dynamic_traces(trace, output, step), traces=DYNAMIC, name=str(step),
                           layout={"annotations": [*_titles(fig), _caption(trace, step)]}) for step in range(steps)]
    fig.update_layout(annotations=[*_titles(fig), _caption(trace, 0)])
    _image_region_outline(fig, trace, padded)
    _square_image_axes(fig, 3)
    operation = "Convolution (kernel flipped)" if trace.flipped else "Cross-correlation (what Conv2D computes)"
    return apply_layout(fig, title=title or f"{operation}: the kernel slides over the input", height=600,
                        margin={"l": 20, "r": 20, "b": 130, "t": 80}, showlegend=False,
                        updatemenus=[_play_buttons()], sliders=[_slider(trace, steps)])


def _cell_font_size(cells: int) -> int:
    return int(np.clip(150 / max(cells, 1), 8, 15))


def _static_and_first_traces(trace, padded, kernel, output):
    """(trace, column) pairs in the order DYNAMIC refers to: 0 input, 1-2 window, 3 kernel, 4-5 output."""
    first = _dynamic_traces(trace, output, 0)
    font = {"size": _cell_font_size(max(padded.shape))}
    limit = float(np.abs(kernel).max()) or 1.0
    return [
        (go.Heatmap(z=padded, colorscale="Blues", showscale=False, texttemplate="%{z:.2~g}", textfont=font,
                    hovertemplate="input row %{y}, col %{x}: %{z}<extra></extra>", xgap=1, ygap=1), 1),
        (first[0], 1), (first[1], 1),
        (go.Heatmap(z=kernel, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=False,
                    texttemplate="%{z:.2~g}", textfont={"size": _cell_font_size(max(kernel.shape))},
                    hovertemplate="kernel K(%{y}, %{x}) = %{z}<extra></extra>", xgap=1, ygap=1), 2),
        (first[2], 3), (first[3], 3),
    ]


def _dynamic_traces(trace, output, step):
    """Window outline, tapped cells, output so far and the current output cell at `step`."""
    rows, cols = trace.rows[step], trace.cols[step]
    top, bottom, left, right = rows[0] - 0.5, rows[-1] + 0.5, cols[0] - 0.5, cols[-1] + 0.5
    window = go.Scatter(x=[left, right, right, left, left], y=[top, top, bottom, bottom, top], mode="lines",
                        line={"color": "#d62728", "width": 3}, hoverinfo="skip", name="window")
    tap_x, tap_y = np.meshgrid(cols, rows)
    taps = go.Scatter(**_squares(tap_x.ravel(), tap_y.ravel(), 0.42), mode="lines", hoverinfo="skip", name="taps",
                      line={"color": "#d62728", "width": 1.5})
    i, j = divmod(step, output.shape[1])
    shown = np.full(output.shape, np.nan)
    shown.ravel()[:step + 1] = output.ravel()[:step + 1]  # the cells computed so far
    low, high = float(np.nanmin(output)), float(np.nanmax(output))
    partial = go.Heatmap(z=shown, colorscale="Viridis", zmin=low, zmax=high if high > low else low + 1,
                         showscale=False, texttemplate="%{z:.3~g}",
                         textfont={"size": _cell_font_size(max(output.shape))},
                         hovertemplate="output S(%{y}, %{x}) = %{z}<extra></extra>", xgap=1, ygap=1)
    current = go.Scatter(**_squares([j], [i], 0.5), mode="lines", hoverinfo="skip", name="current cell",
                         line={"color": "#d62728", "width": 3})
    return [window, taps, partial, current]


def _squares(xs, ys, half):
    """Outlines of squares of side 2·`half` centred at (x, y), as one line path with gaps."""
    x, y = [], []
    for cx, cy in zip(xs, ys):
        x += [cx - half, cx + half, cx + half, cx - half, cx - half, None]
        y += [cy - half, cy - half, cy + half, cy + half, cy - half, None]
    return {"x": x, "y": y}


def _caption(trace, step):
    """S(i, j) = a·b + ... = value, below the panels."""
    i, j = divmod(step, trace.output.shape[1])
    inputs = trace.padded[trace.rows[step][:, None], trace.cols[step][None, :]].ravel()
    weights = np.asarray(trace.kernel).ravel()
    terms = [f"{_number(a)}×{_number(w)}" for a, w in zip(inputs, weights)]
    hidden = len(terms) - TERMS_SHOWN
    written = " + ".join(terms[:TERMS_SHOWN]) + (f" + … ({hidden} more)" if hidden > 0 else "")
    return {"text": f"<b>S({i}, {j})</b> = Σ I·K = {written} = <b>{trace.output[i, j]:.4g}</b>",
            "x": 0.0, "y": -0.09, "xref": "paper", "yref": "paper", "xanchor": "left", "yanchor": "top",
            "showarrow": False, "font": {"size": 13}}


def _number(value) -> str:
    """Short text of a number, negative ones in parentheses: 0.5, (−1)."""
    text = f"{abs(value):.2g}"
    return f"(−{text})" if value < 0 else text


def _titles(fig):
    """The subplot titles (frames replace the annotations, so they are repeated in each frame)."""
    return [a for a in fig.layout.annotations if a.text and not a.text.startswith("<b>S(")]


def _image_region_outline(fig, trace, padded):
    """A dashed box around the real image inside the zero padding."""
    (top, left), (height, width) = trace.padding, trace.image_shape
    if (height, width) == padded.shape:
        return
    fig.add_shape(type="rect", x0=left - 0.5, x1=left + width - 0.5, y0=top - 0.5, y1=top + height - 0.5,
                  line={"color": "#7f7f7f", "dash": "dash", "width": 2}, row=1, col=1)


def _play_buttons():
    frame = {"frame": {"duration": 500, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    return {"type": "buttons", "direction": "left", "x": 0.0, "y": -0.2, "xanchor": "left", "yanchor": "top",
            "showactive": False, "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, frame]},
                                             {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]}]}


def _slider(trace, steps):
    labels = [f"({i},{j})" for i, j in (divmod(s, trace.output.shape[1]) for s in range(steps))]
    return {"active": 0, "x": 0.18, "y": -0.17, "len": 0.82, "xanchor": "left", "yanchor": "top",
            "currentvalue": {"prefix": "output cell ", "font": {"size": 12}}, "pad": {"t": 0},
            "steps": [{"label": label, "method": "animate",
                       "args": [[str(s)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                           "transition": {"duration": 0}}]} for s, label in enumerate(labels)]}


def kernel_gallery(image, results, title=None) -> go.Figure:
    """Each kernel (top row) above the image it gives (bottom row); the input image first.

    Args:
        image: (H, W) or (H, W, 1) input, values in [0, 1].
        results: {kernel name: (kernel (K, K), output (H', W'))}.
        title: figure title.
    """
    image = as_array("image", image, ndims=(2, 3), expected="(H, W) or (H, W, 1)")
    image = image[..., 0] if image.ndim == 3 else image
    if not results:
        raise ValueError("`results` must hold at least one (kernel, output) pair, received none.")
    names = list(results)
    cols = len(names) + 1
    fig = make_subplots(2, cols, row_heights=[0.3, 0.7], vertical_spacing=0.08, horizontal_spacing=0.015,
                        subplot_titles=["", *(n.replace(" (", "<br>(") for n in names), "input", *["" for _ in names]])
    fig.add_trace(_grey(image, "input"), row=2, col=1)
    for index, name in enumerate(names, start=2):
        kernel, output = (np.asarray(v, float) for v in results[name])
        limit = float(np.abs(kernel).max()) or 1.0
        fig.add_trace(go.Heatmap(z=kernel, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=False,
                                 texttemplate="%{z:.2~g}", textfont={"size": 9}, xgap=1, ygap=1,
                                 hovertemplate=f"{name}: K(%{{y}}, %{{x}}) = %{{z}}<extra></extra>"), row=1, col=index)
        fig.add_trace(_grey(output, name), row=2, col=index)
    _square_image_axes(fig, 2 * cols)
    return apply_layout(fig, title=title or "Classic kernels on one image (cross-correlation, 'same' padding)",
                        height=410, margin={"l": 20, "r": 20, "t": 110, "b": 20}, showlegend=False)


def _grey(z, name):
    """A grey heatmap scaled to its own range, so signed edge maps are visible too."""
    return go.Heatmap(z=z, colorscale="gray", showscale=False, zsmooth=False, name=name,
                      hovertemplate=f"{name}: row %{{y}}, col %{{x}}: %{{z:.3f}}<extra></extra>")


def _square_image_axes(fig, count):
    for index in range(1, count + 1):
        suffix = "" if index == 1 else str(index)
        fig.layout[f"xaxis{suffix}"].update(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
        fig.layout[f"yaxis{suffix}"].update(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                                             scaleanchor=f"x{suffix}", constrain="domain")


def pooling_comparison(image, pooled, title=None) -> go.Figure:
    """An image and its pooled versions side by side, each titled with its size.

    Args:
        image: (H, W) or (H, W, 1).
        pooled: {name: (H', W') pooled map}, e.g. {"max 2×2": ..., "average 2×2": ...}.
    """
    image = as_array("image", image, ndims=(2, 3), expected="(H, W) or (H, W, 1)")
    image = image[..., 0] if image.ndim == 3 else image
    if not pooled:
        raise ValueError("`pooled` must hold at least one pooled map, received none.")
    panels = {"input": image, **{k: np.asarray(v, float) for k, v in pooled.items()}}
    titles = [f"{name} · {z.shape[0]}×{z.shape[1]}" for name, z in panels.items()]
    fig = make_subplots(1, len(panels), subplot_titles=titles, horizontal_spacing=0.04)
    for index, (name, z) in enumerate(panels.items(), start=1):
        fig.add_trace(go.Heatmap(z=z, colorscale="gray", zmin=0, zmax=max(1.0, float(np.max(z))), showscale=False,
                                 zsmooth=False, name=name,
                                 hovertemplate=f"{name}: row %{{y}}, col %{{x}}: %{{z:.3f}}<extra></extra>"),
                      row=1, col=index)
    _square_image_axes(fig, len(panels))
    return apply_layout(fig, title=title or "Pooling: fewer pixels, the strongest (max) or mean (average) per window",
                        height=330, margin={"l": 20, "r": 20, "t": 80, "b": 20}, showlegend=False)
