"""Decision boundaries and regression surfaces in TensorFlow Playground's look.

A model is evaluated on a regular grid over `extent` (`grid` builds the points); its outputs
are drawn as a heatmap under the data points. Binary classification and regression use
Playground's diverging scale orange (#f59322) -> white -> blue (#0877bd); multi-class models
colour each cell by its most probable class, faded towards white where the model is unsure:

    (1) k = argmax_j p_j                        class shown in a cell
    (2) c = (p_k - 1/K) / (1 - 1/K) in [0, 1]   confidence: 0 at uniform p, 1 at one-hot p

| symbol | variable     |
|--------|--------------|
| p_j    | probs[..., j] |
| K      | n_classes    |
| c      | confidence   |
"""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import (
    PLAYGROUND_COLORSCALE, apply_layout, class_color, mix_with_white,
)
from toolkit.viz.validation import as_array, check_extent, class_ids, positive_int

LIGHTEST = 0.08  # how much class colour an unsure (c = 0) cell keeps


def grid(extent, resolution=100):
    """A regular grid over `extent` = (x_min, x_max, y_min, y_max).

    Returns:
        xx, yy: (resolution, resolution) coordinates, rows along x2 and columns along x1.
        points: (resolution * resolution, 2) float32, the rows of `model.predict(points)`;
            reshape its output to `xx.shape` to get `predict_grid` for `decision_boundary`.
    """
    x_min, x_max, y_min, y_max = check_extent(extent)
    resolution = positive_int("resolution", resolution, minimum=2)
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )  # (ny, nx) each
    points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)  # (ny * nx, 2)
    return xx, yy, points


def decision_boundary(predict_grid, x_train, y_train, x_test=None, y_test=None, *,
                      extent=(-6, 6, -6, 6), task="classification", show_test=True,
                      discretize=False, classes=None, title=None) -> go.Figure:
    """Model outputs over the plane as a heatmap, with the data points on top.

    Args:
        predict_grid: model outputs over `grid(extent, resolution)`, row i at x2 = yy[i]:
            binary classification (ny, nx) with P(class 1) in [0, 1] or an output in [-1, 1];
            multi-class (ny, nx) class ids or (ny, nx, K) probabilities; regression (ny, nx).
            NaN cells (a diverged model) are left blank.
        x_train, y_train: (n, 2) points and (n,) labels (class ids, {-1, 1}, one-hot rows,
            or regression targets).
        x_test, y_test: optional test points, drawn as diamonds with a dark outline.
        extent: (x_min, x_max, y_min, y_max) covered by `predict_grid`.
        task: "classification" or "regression".
        show_test: draw the test points.
        discretize: threshold the heatmap (binary/regression at the scale's midpoint,
            multi-class at full confidence), like Playground's "Discretize output".
        classes: class names, indexed by class id.
        title: figure title.
    """
    extent = check_extent(extent)
    if task not in ("classification", "regression"):
        raise ValueError(f"`task` must be 'classification' or 'regression', received task={task!r}.")
    values = as_array("predict_grid", predict_grid, ndims=(2, 3),
                      expected="2-D (ny, nx) or 3-D (ny, nx, K)")
    splits = _splits(x_train, y_train, x_test, y_test, show_test)
    if task == "regression":
        fig = _regression(values, splits, extent, discretize)
    else:
        fig = _classification(values, splits, extent, discretize, classes)
    return _layout(fig, extent, title or (
        "Regression surface" if task == "regression" else "Decision boundary"))


def _splits(x_train, y_train, x_test, y_test, show_test):
    """{"train": (x, y), "test": (x, y)} with shapes checked; test only when shown."""
    if (x_test is None) != (y_test is None):
        raise ValueError("`x_test` and `y_test` must be given together, received only one of them.")
    splits = {"train": _points("train", x_train, y_train)}
    if x_test is not None and show_test:
        splits["test"] = _points("test", x_test, y_test)
    return splits


def _points(split, x, y):
    """(n, 2) points and (n,) or (n, K) labels of one split."""
    x = as_array(f"x_{split}", x, ndims=(2,), expected="a 2-D array (n, 2)")
    y = as_array(f"y_{split}", y, ndims=(1, 2), expected="a 1-D array (n,) or 2-D (n, K)")
    if x.shape[1] != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"`x_{split}` must be (n, 2) and `y_{split}` must have n rows, received shapes "
            f"{x.shape} and {y.shape}."
        )
    return x, y


def _axis_values(extent, shape):
    """Heatmap coordinates: nx values along x1 and ny along x2, as in `grid`."""
    ny, nx = shape
    return np.linspace(extent[0], extent[1], nx), np.linspace(extent[2], extent[3], ny)


# ---------------------------------------------------------------- classification


def _classification(values, splits, extent, discretize, classes):
    """Binary (diverging scale) or multi-class (class colours) figure."""
    if values.ndim == 3 and values.shape[-1] <= 2:
        # (ny, nx, 1) -> P(class 1); (ny, nx, 2) -> p[..., 1]
        values = values[..., -1]
    labels = {split: _flat_labels(split, y) for split, (_, y) in splits.items()}
    binary_labels = all(np.isin(y, (-1, 0, 1)).all() for y in labels.values())
    if values.ndim == 2 and (classes is None or len(classes) <= 2) and binary_labels:
        return _binary(values, splits, labels, extent, discretize, classes)
    labels = {split: class_ids(f"y_{split}", y) for split, y in labels.items()}
    return _multiclass(values, splits, labels, extent, discretize, classes)


def _flat_labels(split, y):
    """(n,) labels: one-hot rows (n, K) reduced to ids, (n, 1) flattened."""
    if np.ndim(y) == 2 and np.shape(y)[1] > 1:
        return class_ids(f"y_{split}", y)
    return np.asarray(y, dtype=float).ravel()


def _binary(values, splits, labels, extent, discretize, classes):
    """Heatmap of P(class 1) on [0, 1] or an output on [-1, 1], orange -> white -> blue."""
    finite = values[np.isfinite(values)]
    low = -1.0 if finite.size and finite.min() < 0 else 0.0
    if finite.size and (finite.min() < -1 - 1e-6 or finite.max() > 1 + 1e-6):
        raise ValueError(
            "For binary classification `predict_grid` must hold probabilities in [0, 1] or "
            f"outputs in [-1, 1], received values in [{finite.min():.3g}, {finite.max():.3g}]; "
            "use task='regression' for unbounded outputs."
        )
    middle = (low + 1.0) / 2
    if discretize:
        values = np.where(np.isnan(values), np.nan, np.where(values > middle, 1.0, low))
    z_title = "P(class 1)" if low == 0 else "output"
    x1, x2 = _axis_values(extent, values.shape)
    fig = go.Figure(go.Heatmap(
        x=x1, y=x2, z=values, zmin=low, zmax=1.0, colorscale=PLAYGROUND_COLORSCALE,
        zsmooth=False if discretize else "best", name="model output",
        colorbar={"title": {"text": z_title}, **COLORBAR_BELOW},
        hovertemplate=f"x1: %{{x:.2f}}<br>x2: %{{y:.2f}}<br>{z_title}: %{{z:.3f}}<extra></extra>",
    ))
    negative = -1 if min(y.min(initial=0) for y in labels.values()) < 0 else 0
    names = _class_names(classes, 2) if classes is not None else [f"class {negative}", "class 1"]
    for split, (x, _) in splits.items():
        positive = labels[split] > 0  # {0, 1} and {-1, 1} labels alike
        for class_id, mask in enumerate((~positive, positive)):
            _add_class_points(fig, split, x[mask], names[class_id], class_id)
    return fig


def _multiclass(values, splits, labels, extent, discretize, classes):
    """Heatmap coloured by the argmax class, faded towards white by low confidence."""
    if values.ndim == 3:
        class_map, confidence = _argmax_confidence(values)
        n_classes = values.shape[-1]
    else:
        class_map, confidence = _class_id_map(values), None
        n_classes = int(class_map[np.isfinite(class_map)].max(initial=-1)) + 1
    n_classes = max([n_classes, 2] + [int(y.max(initial=-1)) + 1 for y in labels.values()])
    names = _class_names(classes, n_classes)
    n_classes = len(names)
    intensity = np.ones_like(class_map) if confidence is None or discretize else confidence
    # class k occupies [k, k + 1) of the colour axis, from almost white to its full colour
    z = class_map + 0.999 * intensity
    x1, x2 = _axis_values(extent, class_map.shape)
    names_map = np.where(np.isnan(class_map), "",
                         np.asarray(names, dtype=object)[np.nan_to_num(class_map).astype(int)])
    heatmap = go.Heatmap(
        x=x1, y=x2, z=z, zmin=0, zmax=n_classes, colorscale=_class_colorscale(n_classes),
        zsmooth=False, name="model output", text=names_map,
        colorbar={"title": {"text": "class"}, **COLORBAR_BELOW,
                  "tickvals": np.arange(n_classes) + 0.5, "ticktext": names},
    )
    if confidence is None:
        heatmap.hovertemplate = "x1: %{x:.2f}<br>x2: %{y:.2f}<br>class: %{text}<extra></extra>"
    else:
        heatmap.customdata = confidence
        heatmap.hovertemplate = ("x1: %{x:.2f}<br>x2: %{y:.2f}<br>class: %{text}<br>"
                                 "confidence: %{customdata:.2f}<extra></extra>")
    fig = go.Figure(heatmap)
    for split, (x, _) in splits.items():
        for class_id, name in enumerate(names):
            _add_class_points(fig, split, x[labels[split] == class_id], name, class_id)
    return fig


def _argmax_confidence(probs):
    """Eqs. 1-2: the argmax class and its confidence per cell; NaN where p is not finite."""
    n_classes = probs.shape[-1]
    invalid = ~np.isfinite(probs).all(axis=-1)  # (ny, nx)
    safe = np.where(invalid[..., None], 0.0, probs)  # (ny, nx, K)
    class_map = safe.argmax(axis=-1).astype(float)  # Eq. 1
    confidence = np.clip((safe.max(axis=-1) - 1 / n_classes) / (1 - 1 / n_classes), 0, 1)  # Eq. 2
    class_map[invalid] = np.nan
    confidence[invalid] = np.nan
    return class_map, confidence


def _class_id_map(values):
    """A (ny, nx) grid of class ids, checked to be non-negative integers (NaN allowed)."""
    finite = values[np.isfinite(values)]
    if finite.size and (np.any(finite != np.round(finite)) or finite.min() < 0):
        raise ValueError(
            "For multi-class data a 2-D `predict_grid` must hold integer class ids; pass "
            "(ny, nx, K) probabilities to show confidence, received non-integer values."
        )
    return np.where(np.isfinite(values), values, np.nan)


def _class_names(classes, n_classes):
    """`classes` as strings, checked to name every class id seen; default "class k"."""
    if classes is None:
        return [f"class {k}" for k in range(n_classes)]
    if len(classes) < n_classes:
        raise ValueError(
            f"`classes` must name all {n_classes} classes in the grid and labels, received "
            f"{len(classes)} names."
        )
    return [str(name) for name in classes]


def _class_colorscale(n_classes):
    """Piecewise scale: [k/K, (k+1)/K] goes from almost white to the colour of class k."""
    scale = []
    for k in range(n_classes):
        color = class_color(k)
        scale += [(k / n_classes, mix_with_white(color, LIGHTEST)),
                  ((k + 1) / n_classes, mix_with_white(color, 1.0))]
    return scale


def _add_class_points(fig, split, x, name, class_id):
    """Points of one class: circles with a white outline (train), diamonds with a dark one (test)."""
    if not len(x):
        return
    test = split == "test"
    fig.add_trace(go.Scatter(
        x=x[:, 0], y=x[:, 1], mode="markers", name=f"{name} ({split})",
        legendgroup=split, meta=[name, split],
        marker={"color": class_color(class_id), "size": 8 if test else 7,
                "symbol": "diamond" if test else "circle",
                "line": {"color": "#1a1a1a" if test else "#ffffff", "width": 1.5 if test else 1}},
        hovertemplate="%{meta[1]} point<br>class: %{meta[0]}<br>x1: %{x:.2f}<br>"
                      "x2: %{y:.2f}<extra></extra>",
    ))


# ---------------------------------------------------------------- regression


def _regression(values, splits, extent, discretize):
    """Heatmap of predictions and points coloured by target on one shared diverging scale."""
    if values.ndim == 3:
        if values.shape[-1] != 1:
            raise ValueError(
                "For regression `predict_grid` must be (ny, nx) or (ny, nx, 1), received "
                f"shape {values.shape}."
            )
        values = values[..., 0]
    targets = {split: np.asarray(y, dtype=float).reshape(len(x), -1) for split, (x, y) in splits.items()}
    if any(y.shape[1] != 1 for y in targets.values()):
        raise ValueError("For regression each label must be one number, received "
                         f"label shapes {[y.shape for y in targets.values()]}.")
    low, high = _color_range(values, np.concatenate([y.ravel() for y in targets.values()]))
    if discretize:
        values = np.where(np.isnan(values), np.nan,
                          np.where(values > (low + high) / 2, high, low))
    x1, x2 = _axis_values(extent, values.shape)
    fig = go.Figure(go.Heatmap(
        x=x1, y=x2, z=values, coloraxis="coloraxis", name="prediction",
        zsmooth=False if discretize else "best",
        hovertemplate="x1: %{x:.2f}<br>x2: %{y:.2f}<br>prediction: %{z:.3f}<extra></extra>",
    ))
    for split, (x, _) in splits.items():
        test = split == "test"
        fig.add_trace(go.Scatter(
            x=x[:, 0], y=x[:, 1], mode="markers", name=split,
            marker={"color": targets[split].ravel(), "coloraxis": "coloraxis",
                    "size": 8 if test else 7, "symbol": "diamond" if test else "circle",
                    "line": {"color": "#1a1a1a" if test else "#ffffff",
                             "width": 1.5 if test else 1}},
            hovertemplate=f"{split} point<br>target: %{{marker.color:.3f}}<br>"
                          "x1: %{x:.2f}<br>x2: %{y:.2f}<extra></extra>",
        ))
    fig.update_layout(coloraxis={
        "colorscale": PLAYGROUND_COLORSCALE, "cmin": low, "cmax": high,
        "colorbar": {"title": {"text": "target"}, **COLORBAR_BELOW}})
    return fig


def _color_range(values, targets):
    """Colour axis limits: symmetric around 0 (white = 0) when the data cross 0."""
    finite = np.concatenate([values[np.isfinite(values)], targets[np.isfinite(targets)]])
    if not finite.size:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low < 0 < high:
        low, high = -max(-low, high), max(-low, high)
    if low == high:
        low, high = low - 1, high + 1
    return low, high


# The colour bar lies under the plot: beside it, it would take a third of a narrow column's width.
COLORBAR_BELOW = {"orientation": "h", "thickness": 12, "len": 0.9, "x": 0.5, "xanchor": "center",
                  "yref": "container", "y": 0.01, "yanchor": "bottom"}


def _layout(fig, extent, title):
    """Square plot area over `extent`, axes x1 and x2 (the theme puts the legend above the plot)."""
    return apply_layout(
        fig, title=title, x_title="x1", y_title="x2", height=420, margin={"b": 120},
        xaxis={"range": extent[:2], "constrain": "domain", "showgrid": False, "zeroline": False},
        yaxis={"range": extent[2:], "scaleanchor": "x", "scaleratio": 1, "constrain": "domain",
               "showgrid": False, "zeroline": False},
    )
