"""Confusion matrix of a classifier, computed with NumPy and drawn as an annotated heatmap.

    (1) M[i, j] = #{n : y_true[n] = i and y_pred[n] = j}     rows: true class, cols: predicted
    (2) accuracy = trace(M) / sum(M)
    (3) normalized M[i, j] = M[i, j] / sum_j M[i, j]         each row sums to 1 (recall per class)
"""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout
from toolkit.viz.validation import class_ids

MAX_ANNOTATED_CLASSES = 20  # above this, cells are too small for numbers


def confusion_counts(y_true, y_pred, n_classes):
    """Eq. 1: the (n_classes, n_classes) count matrix, true class on rows."""
    flat = np.bincount(n_classes * y_true + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def confusion_matrix(y_true, y_pred, class_names=None, normalize=False, title=None) -> go.Figure:
    """Heatmap of the confusion matrix with true class on y, predicted class on x.

    Args:
        y_true, y_pred: (n,) integer class ids, or (n, K) one-hot rows / probabilities
            (reduced with argmax).
        class_names: names indexed by class id; defaults to "0", "1", ...
        normalize: divide each row by its total (Eq. 3), so a cell reads as the fraction of
            that true class predicted as the column's class; hover still shows counts.
        title: figure title; the accuracy (Eq. 2) is appended to it.
    """
    y_true, y_pred = class_ids("y_true", y_true), class_ids("y_pred", y_pred)
    if y_true.shape != y_pred.shape or not len(y_true):
        raise ValueError(
            "`y_true` and `y_pred` must be non-empty with the same length, received shapes "
            f"{y_true.shape} and {y_pred.shape}."
        )
    n_classes = int(max(y_true.max(), y_pred.max())) + 1
    names = _class_names(class_names, n_classes)
    counts = confusion_counts(y_true, y_pred, len(names))
    correct, total = int(np.trace(counts)), int(counts.sum())
    values = _row_normalized(counts) if normalize else counts
    fig = go.Figure(go.Heatmap(
        x=names, y=names, z=values, customdata=counts, colorscale="Blues",
        zmin=0, zmax=1 if normalize else None, name="confusion matrix",
        text=_cell_texts(values, normalize), xgap=1, ygap=1,
        texttemplate="%{text}" if len(names) <= MAX_ANNOTATED_CLASSES else None,
        colorbar={"title": {"text": "fraction of row" if normalize else "count"},
                  "thickness": 12, "len": 0.75},
        hovertemplate="true: %{y}<br>predicted: %{x}<br>count: %{customdata}"
                      + ("<br>fraction of row: %{z:.3f}" if normalize else "")
                      + "<extra></extra>",
    ))
    heading = title or "Confusion matrix"
    return apply_layout(
        fig, title=f"{heading} · accuracy {correct / total:.1%} ({correct}/{total})",
        x_title="predicted class", y_title="true class", height=420,
        xaxis={"type": "category", "side": "bottom", "showgrid": False},
        yaxis={"type": "category", "autorange": "reversed", "showgrid": False},
    )


def _class_names(class_names, n_classes):
    """`class_names` as strings, checked to cover every class id present."""
    if class_names is None:
        return [str(k) for k in range(n_classes)]
    names = [str(name) for name in class_names]
    if len(names) < n_classes:
        raise ValueError(
            f"`class_names` must name every class id up to {n_classes - 1}, received "
            f"{len(names)} names."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"`class_names` must be unique, received {names}.")
    return names


def _row_normalized(counts):
    """Eq. 3, with rows of a class absent from y_true left at 0."""
    totals = counts.sum(axis=1, keepdims=True)  # (K, 1)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


def _cell_texts(values, normalize):
    """The number written in each cell."""
    return [[f"{v:.2f}" if normalize else str(int(v)) for v in row] for row in values]
