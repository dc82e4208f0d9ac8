"""The projector theme: the one look of every figure, legible from the back of a classroom.

Every builder in `toolkit.viz` finishes with `apply_layout` (and builds its grids with
`subplots`), so every figure gets, at a 1400 px wide page:

- fonts of at least `SMALLEST_FONT` px: text `FONT_SIZE`, title `TITLE_SIZE`, tick labels and
  legend `TICK_SIZE`. They are set on the figure itself, not only in the template, because
  Streamlit replaces the template's fonts with its own 12 px ones;
- a title wrapped with <br> to the figure's width, at the top left, the legend in a row
  under it and above the plot area (never beside the axis titles), and a top margin that
  holds title, legend and the top row's subplot titles, so none of them overlap;
- subplot titles wrapped to the width of their own column; colour bar titles beside the bar;
  log axes without plotly's 10.5 px minor labels (x: powers of ten, y: 1, 2, 5 per decade);
- one colour per run (`run_colors`): run i of a page is RUN_COLORS[i] in every figure and
  in the live panel's run lines; ordered series (epochs) get `ordered_colors`, steps of a
  perceptual scale far enough apart to tell neighbours apart.

Widths are not known in Python (Streamlit sizes a figure to its column), so text is sized
for an assumed width: `NARROW_WIDTH` (the narrowest column that holds a figure, the default)
or `WIDE_WIDTH` (the page's whole main column, for grids of panels). Text widths are estimated as
`CHAR_WIDTH` × font size per character, on the wide side of the app's sans-serif font.
"""

import re

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

# TensorFlow Playground's two class colours and its diverging scale orange -> white -> blue.
PLAYGROUND_ORANGE = "#f59322"
PLAYGROUND_BLUE = "#0877bd"
PLAYGROUND_COLORSCALE = ((0.0, PLAYGROUND_ORANGE), (0.5, "#ffffff"), (1.0, PLAYGROUND_BLUE))

# One colour per training run (Tableau 10): run i always gets RUN_COLORS[i % 10].
RUN_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)

# One colour per class: classes 0 and 1 are Playground's orange and blue.
CLASS_COLORS = (
    PLAYGROUND_ORANGE, PLAYGROUND_BLUE, "#2ca02c", "#9467bd", "#d62728",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)

# Ordered series (epoch 1 -> last): Viridis from dark purple to green, without its pale yellow end.
ORDERED_SCALE, ORDERED_END = "Viridis", 0.85

TEMPLATE = "plotly_white"
DEFAULT_HEIGHT = 400
DEFAULT_MARGIN = {"l": 70, "r": 24, "b": 60}

# Font sizes in px; a figure is drawn 1:1 in the page, so these are the sizes on screen.
SMALLEST_FONT = 14
FONT_SIZE = 15  # axis titles, annotations, hover, colour bars
TICK_SIZE = 14  # tick labels and legend entries
TITLE_SIZE = 18
SUBPLOT_TITLE_SIZE = 16  # plotly's own size for subplot titles

# Assumed figure widths (px) at a 1400 px page: the sidebar leaves the main column ~940 px, and
# the narrowest columns that hold a figure (Playground's) are ~360 px.
NARROW_WIDTH, WIDE_WIDTH = 360, 900
CHAR_WIDTH = 0.58  # average character width / font size (bold titles included)
TITLE_TOP, TITLE_LINE = 10, 23  # the title's top (px from the figure's top) and line height
LEGEND_ROW, LEGEND_GAP, HEADER_GAP = 22, 10, 8
LEGEND_SYMBOL = 46  # px of a legend entry besides its text (line sample and gaps)
NO_LEGEND_TYPES = {"heatmap", "contour", "image", "mesh3d", "surface", "histogram2d"}
THREE_D_TYPES = {"mesh3d", "scatter3d", "surface", "cone", "volume", "isosurface"}
_TAG = re.compile(r"<[^>]+>")


def run_color(index):
    """Colour of the `index`-th run (cycles after 10 runs)."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def run_colors(runs, colors=None):
    """Run name -> colour: the i-th run of `runs` gets `run_color(i)`, unless `colors` names it.

    Pages pass the same runs, in the order they started, to every figure, so a run keeps
    its colour from figure to figure (and in the live panel's run lines).
    """
    chosen = colors or {}
    return {run: chosen.get(run, run_color(index)) for index, run in enumerate(runs)}


def class_color(index):
    """Colour of class `index` (cycles after 10 classes)."""
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def ordered_colors(count):
    """`count` colours for an ordered series (early -> late), evenly spaced on Viridis."""
    return sample_colorscale(ORDERED_SCALE, list(np.linspace(0.0, ORDERED_END, max(count, 1))))[:count]


def mix_with_white(hex_color, amount):
    """`hex_color` blended with white: amount=1 gives the colour, amount=0 gives white."""
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return "rgb({}, {}, {})".format(
        *(round(255 + (channel - 255) * amount) for channel in (red, green, blue))
    )


# ---------------------------------------------------------------- text sizes
def text_width(text, size):
    """Estimated width in px of the longest line of `text` (HTML tags ignored) at `size` px."""
    return max(len(_TAG.sub("", line)) for line in str(text).split("<br>")) * CHAR_WIDTH * size


def line_count(text):
    """Lines of `text` (its <br> plus one)."""
    return str(text).count("<br>") + 1


def wrap(text, width_px, size):
    """`text` with <br> between words so that each line fits `width_px` at `size` px.

    Existing <br> are kept. A word never starts a line when it begins with a digit or one of
    = ≈ × − -, so "epoch 3" or "λ = 0.1" stay on one line; a word longer than a line stays whole.
    """
    chars = max(1, int(width_px / (CHAR_WIDTH * size)))
    return "<br>".join(line for part in str(text).split("<br>") for line in _wrap_line(part, chars))


def _wrap_line(text, chars):
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(_TAG.sub("", candidate)) > chars and not word[:1].isdigit() and word[:1] not in "=≈×−-":
            lines.append(current)
            candidate = word
        current = candidate
    return lines + [current]


# ---------------------------------------------------------------- subplots
def subplots(rows, cols, *, titles=None, wide=True, column_widths=None, horizontal_spacing=None, **kwargs):
    """`plotly.subplots.make_subplots` with each subplot title wrapped to its column's width.

    `titles` are row-major like plotly's `subplot_titles`; `wide`: the figure fills the
    page's main column (else a narrow column, `NARROW_WIDTH`). Other keyword arguments go to
    make_subplots.
    """
    spacing = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    shares = np.asarray(column_widths if column_widths is not None else [1.0] * cols, float)
    panel = (WIDE_WIDTH if wide else NARROW_WIDTH) - DEFAULT_MARGIN["l"] - DEFAULT_MARGIN["r"]
    column_px = panel * (1 - spacing * (cols - 1)) * shares / shares.sum()
    wrapped = None if titles is None else [
        wrap(title, column_px[index % cols], SUBPLOT_TITLE_SIZE) if title else title
        for index, title in enumerate(titles)]
    return make_subplots(rows=rows, cols=cols, subplot_titles=wrapped, column_widths=column_widths,
                         horizontal_spacing=spacing, **kwargs)


# ---------------------------------------------------------------- the layout
def apply_layout(fig: go.Figure, *, title, x_title=None, y_title=None, height=DEFAULT_HEIGHT,
                 margin=None, wide=False, **layout) -> go.Figure:
    """Give `fig` the projector theme: fonts, wrapped title, legend above the plot, margins.

    `height` is the figure's height with a one-line title and no legend; each further title
    line, legend row and subplot-title line above the plot adds its own height, so the plot
    area keeps its size. `margin` may set l, r and b; the top margin is always computed.
    `wide`: the figure fills the page's main column (titles wrap later, legends take fewer
    rows). Other keyword arguments go to `fig.update_layout` first; of a `legend` the theme
    keeps everything but its place.
    """
    fig.update_layout(**layout)
    _colorbar_titles(fig)
    width = WIDE_WIDTH if wide else NARROW_WIDTH
    title = wrap(title, width - 20, TITLE_SIZE) if title else title
    title_bottom = TITLE_TOP + TITLE_LINE * line_count(title or "")
    legend_px = _legend_height(legend_entries(fig), width)
    top = title_bottom + (HEADER_GAP + legend_px if legend_px else 0) + _headroom(fig) + HEADER_GAP
    total = int(height + top - (TITLE_TOP + TITLE_LINE + HEADER_GAP))
    current = fig.layout.to_plotly_json()
    current.pop("template", None)
    theme = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "xref": "container", "yref": "container",
                  # plotly lifts a title of several lines by about 0.7 em above its anchor
                  "y": 1 - (TITLE_TOP + (0.7 * TITLE_SIZE if line_count(title or "") > 1 else 0)) / total,
                  "yanchor": "top",
                  "font": {"size": TITLE_SIZE}},
        "height": total,
        "margin": {**DEFAULT_MARGIN, **(margin or {}), "t": top},
        "font": {"size": FONT_SIZE},
        "colorway": list(RUN_COLORS),
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container",
                   "y": 1 - (title_bottom + HEADER_GAP) / total, "yanchor": "top",
                   "font": {"size": TICK_SIZE}, "title": {"font": {"size": TICK_SIZE}}},
        "hoverlabel": {"font": {"size": TICK_SIZE}},
        **_axis_fonts(fig, current),
    }
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            theme[axis]["title"]["text"] = text
    # One new Layout costs a few ms; update_layout with the same values costs ~40 ms (live
    # pages redraw several figures a few times a second).
    fig.layout = go.Layout(_merged(current, theme))
    _set_template(fig)
    return fig


def _merged(layout, theme):
    """`layout` (nested dicts) with the `theme`'s values put in; the theme wins."""
    merged = dict(layout)
    for key, value in theme.items():
        before = merged.get(key)
        merged[key] = _merged(before, value) if isinstance(before, dict) and isinstance(value, dict) else value
    return merged


def _axis_fonts(fig, layout):
    """Font sizes of every 2-D axis, 3-D scene and colour axis of `layout` (a plotly JSON dict)."""
    def axis():
        return {"tickfont": {"size": TICK_SIZE}, "title": {"font": {"size": FONT_SIZE}}}

    update = {name: axis() for name in {"xaxis", "yaxis", *(k for k in layout if re.fullmatch(r"[xy]axis\d*", k))}}
    for name, values in update.items():
        values.update(_log_ticks(name, layout.get(name, {})))
    if any(trace.type in THREE_D_TYPES for trace in fig.data):
        for scene in {"scene", *(k for k in layout if re.fullmatch(r"scene\d*", k))}:
            update[scene] = {"xaxis": axis(), "yaxis": axis(), "zaxis": axis()}
    if "colorscale" in layout.get("coloraxis", {}):
        update["coloraxis"] = {"colorbar": {**axis(), "title": {"font": {"size": FONT_SIZE}, "side": "right"}}}
    return update


def _log_ticks(name, axis):
    """Plotly writes the 2s and 5s of a log axis at 0.75 of the tick size (10.5 px): an x axis
    gets powers of ten only, a y axis (room for more labels) 1, 2 and 5 of each decade, full size."""
    if axis.get("type") != "log" or {"dtick", "tickvals", "tickformat"} & set(axis):
        return {}
    return {"dtick": 1} if name.startswith("x") else {"dtick": "D2", "tickformat": "~g"}


def _colorbar_titles(fig):
    """Colour bar titles beside the bar: on top of it they collide with its highest tick label."""
    for trace in fig.data:
        if trace.type in ("heatmap", "contour") and trace.showscale is not False:
            trace.colorbar.title.side = "right"


def legend_entries(fig):
    """(legend group, entry text) of every trace plotly lists in the legend."""
    shown = fig.layout.showlegend
    if shown is False:
        return []
    flags = [getattr(trace, "showlegend", None) for trace in fig.data]  # image traces have none
    entries = [(getattr(trace, "legendgroup", None) or f"#{index}", str(trace.name))
               for index, (trace, flag) in enumerate(zip(fig.data, flags))
               if trace.name and (flag or (flag is None and trace.type not in NO_LEGEND_TYPES))]
    explicit = any(flags)
    return entries if shown or explicit or len(entries) >= 2 else []


def _legend_height(entries, width):
    """Height of the horizontal legend: groups side by side, a group's entries stacked."""
    groups = {}
    for group, text in entries:
        groups.setdefault(group, []).append(LEGEND_SYMBOL + text_width(text, TICK_SIZE))
    used, row_height, total = 0.0, 0, 0
    for entries in groups.values():
        group_width = max(entries)
        if used and used + group_width > width:
            total += row_height + LEGEND_GAP
            used, row_height = 0.0, 0
        used += group_width
        row_height = max(row_height, LEGEND_ROW * len(entries))
    return total + row_height


def _headroom(fig):
    """Height of the texts set on top of the plot area (the top row's subplot titles)."""
    heights = [line_count(note.text) * int(1.3 * (note.font.size or FONT_SIZE)) + 4
               for note in fig.layout.annotations
               if note.yref == "paper" and note.yanchor == "bottom" and note.y is not None and note.y >= 0.98
               and note.text]
    return max(heights, default=0)


def _set_template(fig: go.Figure) -> None:
    """Sets the registered (already valid) TEMPLATE without re-validating it.

    `update_layout(template=...)` validates and deep-copies the whole template, about 7 ms
    per figure; live pages rebuild several figures 4 times a second. Plotly applies its own
    default template the same way (`BaseFigure._initialize_layout_template`).
    """
    import plotly.io as pio

    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = pio.templates[TEMPLATE]
    finally:
        layout._validate = validate
