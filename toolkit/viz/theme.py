"""The shared look of every figure: palettes, Playground's colour scale and the base layout.

Every builder in `toolkit.viz` finishes with `apply_layout`, so all figures use the
`plotly_white` template, a left-aligned title, small margins and a 350-450 px height that
fits a Streamlit column. Colours are fixed lists (not the template's colourway), so a run or
a class keeps its colour from one rerun of a page to the next.
"""

import plotly.graph_objects as go

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

TEMPLATE = "plotly_white"
DEFAULT_HEIGHT = 400
DEFAULT_MARGIN = {"l": 60, "r": 20, "t": 56, "b": 50}


def run_color(index):
    """Colour of the `index`-th run (cycles after 10 runs)."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def class_color(index):
    """Colour of class `index` (cycles after 10 classes)."""
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def mix_with_white(hex_color, amount):
    """`hex_color` blended with white: amount=1 gives the colour, amount=0 gives white."""
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return "rgb({}, {}, {})".format(
        *(round(255 + (channel - 255) * amount) for channel in (red, green, blue))
    )


def apply_layout(fig: go.Figure, *, title, x_title=None, y_title=None,
                 height=DEFAULT_HEIGHT, margin=None, **layout) -> go.Figure:
    """Give `fig` the common template, title, axis titles, height and margins."""
    _set_template(fig)
    fig.update_layout(
        title={"text": title, "x": 0.02, "xanchor": "left", "font": {"size": 16}},
        height=height,
        margin=dict(DEFAULT_MARGIN, **(margin or {})),
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    fig.update_layout(**layout)
    return fig


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
