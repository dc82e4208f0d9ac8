"""A 2-D dataset on its own: the points of both splits, in TensorFlow Playground's colours.

The same look as `decision_boundary` without a model: classification points take their class
colour (class 0 orange, class 1 blue, then the class palette), regression points are coloured
by their target on Playground's orange -> white -> blue scale, centred on 0. Training points
are circles with a white outline, test points diamonds with a grey outline.
"""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import PLAYGROUND_COLORSCALE, apply_layout, class_color
from toolkit.viz.validation import as_array, check_extent, class_ids

MARKERS = {  # split -> (symbol, size, outline colour, outline width)
    "train": ("circle", 7, "#ffffff", 1),
    "test": ("diamond", 7, "#555555", 1),
}


def dataset_scatter(x_train, y_train, x_test=None, y_test=None, *, task="classification",
                    classes=None, extent=(-6, 6, -6, 6), title=None) -> go.Figure:
    """Scatter plot of a 2-D dataset's train (and test) points.

    Args:
        x_train, y_train: (n, 2) points and (n,) class ids or regression targets.
        x_test, y_test: optional test split, drawn as diamonds.
        task: "classification" or "regression".
        classes: class names indexed by class id (default "class k").
        extent: (x_min, x_max, y_min, y_max) of the axes.
        title: figure title; defaults to "Dataset".
    """
    extent = check_extent(extent)
    if task not in ("classification", "regression"):
        raise ValueError(f"`task` must be 'classification' or 'regression', received task={task!r}.")
    if (x_test is None) != (y_test is None):
        raise ValueError("`x_test` and `y_test` must be given together, received only one of them.")
    splits = {"train": _split("train", x_train, y_train)}
    if x_test is not None:
        splits["test"] = _split("test", x_test, y_test)
    fig = go.Figure()
    if task == "regression":
        _add_regression_points(fig, splits)
    else:
        _add_class_points(fig, splits, classes)
    return apply_layout(
        fig, title=title or "Dataset", x_title="x1", y_title="x2", height=440,
        xaxis={"range": extent[:2], "constrain": "domain", "zeroline": False},
        yaxis={"range": extent[2:], "scaleanchor": "x", "scaleratio": 1, "constrain": "domain",
               "zeroline": False},
    )


def _split(name, x, y):
    x = as_array(f"x_{name}", x, ndims=(2,), expected="a 2-D array (n, 2)")
    y = as_array(f"y_{name}", y, ndims=(1,), expected="a 1-D array (n,)")
    if x.shape[1] != 2 or len(x) != len(y):
        raise ValueError(f"`x_{name}` must be (n, 2) and `y_{name}` must have n values, "
                         f"received shapes {x.shape} and {y.shape}.")
    return x, y


def _marker(split, color, **extra):
    symbol, size, outline, width = MARKERS[split]
    return dict(color=color, symbol=symbol, size=size, line={"color": outline, "width": width}, **extra)


def _add_class_points(fig, splits, classes):
    splits = {split: (x, class_ids(f"y_{split}", y)) for split, (x, y) in splits.items()}
    n_classes = max(int(y.max(initial=0)) + 1 for _, y in splits.values())
    names = [str(c) for c in classes] if classes is not None else [f"class {k}" for k in range(n_classes)]
    if len(names) < n_classes:
        raise ValueError(f"`classes` must name all {n_classes} classes, received {len(names)} names.")
    for split, (x, y) in splits.items():
        for k, name in enumerate(names):
            points = x[y == k]
            if len(points):
                fig.add_trace(go.Scatter(
                    x=points[:, 0], y=points[:, 1], mode="markers", name=f"{name} ({split})",
                    marker=_marker(split, class_color(k)),
                    hovertemplate=f"{split} point<br>class: {name}<br>x1: %{{x:.2f}}<br>x2: %{{y:.2f}}<extra></extra>",
                ))


def _add_regression_points(fig, splits):
    targets = np.concatenate([y for _, y in splits.values()])
    finite = targets[np.isfinite(targets)]
    bound = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
    for split, (x, y) in splits.items():
        fig.add_trace(go.Scatter(
            x=x[:, 0], y=x[:, 1], mode="markers", name=split,
            marker=_marker(split, y, coloraxis="coloraxis"),
            hovertemplate=f"{split} point<br>target: %{{marker.color:.3f}}<br>x1: %{{x:.2f}}<br>x2: %{{y:.2f}}<extra></extra>",
        ))
    fig.update_layout(coloraxis={"colorscale": PLAYGROUND_COLORSCALE, "cmin": -bound, "cmax": bound,
                                 "colorbar": {"title": {"text": "target"}, "thickness": 12, "len": 0.75}})
