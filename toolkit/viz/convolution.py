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
from toolkit.viz.theme import FONT_SIZE, SMALLEST_FONT, WIDE_WIDTH, apply_layout, line_count, subplots, wrap
from toolkit.viz.validation import as_array

MAX_FRAMES = 400  # an animation of more output cells is refused (the browser would crawl)
TERMS_SHOWN = 9  # products written out in a caption before "…"
DYNAMIC = [1, 2, 4, 5]  # traces a frame updates: window, taps, output, current cell
ANIMATION_HEIGHT, CAPTION_LINE, CONTROLS = 600, 20, 70  # px: figure, caption line, Play and slider


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
    fig = subplots(1, 3, column_widths=[w / sum(widths) for w in widths], horizontal_spacing=0.06,
                   titles=(f"input, padded to {padded.shape[0]}×{padded.shape[1]}",
                           f"kernel {kernel.shape[0]}×{kernel.shape[1]}" + (" (flipped)" if trace.flipped else ""),
                           f"output {output.shape[0]}×{output.shape[1]}"))
    for trace_ in _static_and_first_traces(trace, padded, kernel, output):
        fig.add_trace(trace_[0], row=1, col=trace_[1])
    fig.frames = [go.Frame(data=_dynamic_traces(trace, output, step), traces=DYNAMIC, name=str(step),
                           layout={"annotations": [*_titles(fig), _caption(trace, step)]}) for step in range(steps)]
    fig.update_layout(annotations=[*_titles(fig), _caption(trace, 0)])
    _image_region_outline(fig, trace, padded)
    _square_image_axes(fig, 3)
    operation = "Convolution (kernel flipped)" if trace.flipped else "Cross-correlation (what Conv2D computes)"
    below = CAPTION_LINE * _caption_lines(trace) + CONTROLS
    return apply_layout(fig, title=title or f"{operation}: the kernel slides over the input", wide=True,
                        height=ANIMATION_HEIGHT, margin={"l": 20, "r": 20, "b": below + 20}, showlegend=False,
                        updatemenus=[_play_buttons(below - CONTROLS)], sliders=[_slider(trace, steps, below - CONTROLS)])


def cell_text(values, cell_px, number_format):
    """Heatmap arguments that write each cell's number at SMALLEST_FONT when the widest number fits
    a `cell_px` wide cell; otherwise no numbers (they stay on hover)."""
    python_format = number_format.replace("~", "")  # d3's ".2~g" drops trailing zeros, as Python's ".2g" does
    widest = max((len(f"{v:{python_format}}") for v in np.ravel(values) if np.isfinite(v)), default=1)
    if widest * SMALLEST_FONT * 0.5 + 2 > cell_px:  # digits are about half as wide as high
        return {"texttemplate": ""}
    return {"texttemplate": f"%{{z:{number_format}}}", "textfont": {"size": SMALLEST_FONT}}


def _cell_px(shapes, index):
    """Width in px of one cell of panel `index` of the animation (panels share the wide figure's
    width in proportion to their columns; each is square, so the height can limit it too)."""
    panel = (WIDE_WIDTH - 40) * (1 - 0.12) * shapes[index][1] / sum(s[1] for s in shapes)
    return min(panel / shapes[index][1], 0.55 * ANIMATION_HEIGHT / shapes[index][0])


def _static_and_first_traces(trace, padded, kernel, output):
    """(trace, column) pairs in the order DYNAMIC refers to: 0 input, 1-2 window, 3 kernel, 4-5 output."""
    first = _dynamic_traces(trace, output, 0)
    shapes = [padded.shape, kernel.shape, output.shape]
    limit = float(np.abs(kernel).max()) or 1.0
    return [
        (go.Heatmap(z=padded, colorscale="Blues", showscale=False, **cell_text(padded, _cell_px(shapes, 0), ".2~g"),
                    hovertemplate="input row %{y}, col %{x}: %{z}<extra></extra>", xgap=1, ygap=1), 1),
        (first[0], 1), (first[1], 1),
        (go.Heatmap(z=kernel, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=False,
                    **cell_text(kernel, _cell_px(shapes, 1), ".2~g"),
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
    shapes = [trace.padded.shape, trace.kernel.shape, output.shape]
    partial = go.Heatmap(z=shown, colorscale="Viridis", zmin=low, zmax=high if high > low else low + 1,
                         showscale=False, **cell_text(output, _cell_px(shapes, 2), ".2~g"),
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
    text = f"<b>S({i}, {j})</b> = Σ I·K = {written} = <b>{trace.output[i, j]:.4g}</b>"
    return {"text": wrap(text, WIDE_WIDTH - 40, FONT_SIZE), "x": 0.0, "y": 0.0, "yshift": -8, "xref": "paper",
            "yref": "paper", "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
            "font": {"size": FONT_SIZE}}


def _caption_lines(trace):
    """Lines of the longest caption."""
    return max(line_count(_caption(trace, step)["text"]) for step in range(len(trace.products)))


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


def _play_buttons(below):
    """Play and Pause, `below` px under the plot area (under the caption)."""
    frame = {"frame": {"duration": 500, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    return {"type": "buttons", "direction": "left", "x": 0.0, "y": 0.0, "xanchor": "left", "yanchor": "top",
            "pad": {"t": below + 22}, "showactive": False, "font": {"size": SMALLEST_FONT}, "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, frame]},
                                             {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]}]}


def _slider(trace, steps, below):
    """One step per output cell. Its tick labels would crowd at a legible size, so they are
    transparent; the current cell is written above the slider."""
    labels = [f"({i},{j})" for i, j in (divmod(s, trace.output.shape[1]) for s in range(steps))]
    return {"active": 0, "x": 0.2, "y": 0.0, "len": 0.8, "xanchor": "left", "yanchor": "top",
            "currentvalue": {"prefix": "output cell ", "font": {"size": FONT_SIZE, "color": "#444444"}}, "pad": {"t": below},
            "font": {"size": SMALLEST_FONT, "color": "rgba(0, 0, 0, 0)"}, "ticklen": 4,
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
    fig = subplots(2, cols, row_heights=[0.45, 0.55], vertical_spacing=0.1, horizontal_spacing=0.01,
                   titles=["", *(n.replace(" (", "<br>(") for n in names), "input", *["" for _ in names]])
    cell_px = (WIDE_WIDTH - 40) * (1 - 0.01 * (cols - 1)) / cols / max(np.shape(k)[1] for k, _ in results.values())
    fig.add_trace(_grey(image, "input"), row=2, col=1)
    for index, name in enumerate(names, start=2):
        kernel, output = (np.asarray(v, float) for v in results[name])
        limit = float(np.abs(kernel).max()) or 1.0
        fig.add_trace(go.Heatmap(z=kernel, colorscale="RdBu", zmid=0, zmin=-limit, zmax=limit, showscale=False,
                                 **cell_text(kernel, cell_px, ".2~g"), xgap=1, ygap=1,
                                 hovertemplate=f"{name}: K(%{{y}}, %{{x}}) = %{{z}}<extra></extra>"), row=1, col=index)
        fig.add_trace(_grey(output, name), row=2, col=index)
    _square_image_axes(fig, 2 * cols)
    return apply_layout(fig, title=title or "Classic kernels on one image (cross-correlation, 'same' padding)",
                        wide=True, height=520, margin={"l": 20, "r": 20, "b": 20}, showlegend=False)


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
    fig = subplots(1, len(panels), titles=titles, horizontal_spacing=0.04)
    for index, (name, z) in enumerate(panels.items(), start=1):
        fig.add_trace(go.Heatmap(z=z, colorscale="gray", zmin=0, zmax=max(1.0, float(np.max(z))), showscale=False,
                                 zsmooth=False, name=name,
                                 hovertemplate=f"{name}: row %{{y}}, col %{{x}}: %{{z:.3f}}<extra></extra>"),
                      row=1, col=index)
    _square_image_axes(fig, len(panels))
    return apply_layout(fig, title=title or "Pooling: fewer pixels, the strongest (max) or mean (average) per window",
                        wide=True, height=330, margin={"l": 20, "r": 20, "b": 20}, showlegend=False)
