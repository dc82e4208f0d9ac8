"""Figures of machine translation (toolkit.sequence.seq2seq): where the decoder looks, and how
exact match changes with the source's length.

The attention matrix draws, for one source x_1 … x_S and its output y_1 … y_T, the weights

    (1) a_tj,   Σ_j a_tj = 1 (Bahdanau, GNMT) or ≤ 1 (Luong local)

of Eq. 5 of toolkit.sequence.seq2seq: row t is output character t, column j source character j,
padding left out. A translator that reverses digits draws the anti-diagonal; one that reads a
date looks at the year's digits while writing the year.

The length curve draws, for each model and each source length L,

    (2) exact(L) = mean over the held-out sources of length L of Π_t [ŷ_t = y_t]

(Eq. 7 of toolkit.data.dates per length, ``TranslationResult.by_length``). The notes' claim, "quality
of output depends on sequence length", is the plain seq2seq's falling curve; attention keeps it flat.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_colors
from toolkit.viz.validation import as_array


def attention_matrix(weights, source_chars, target_chars, title=None) -> go.Figure:
    """Eq. 1 as a heatmap: output characters down (rows t), source characters across (columns j).

    `weights` (T, S) may be padded beyond the characters: only the first len(target_chars) rows
    and len(source_chars) columns are drawn. Characters are strings of one character (or tokens);
    a character that repeats keeps its own column.
    """
    weights = as_array("weights", weights, ndims=(2,), expected="a 2-D array of attention weights (T, S)")
    source, target = _characters("source_chars", source_chars), _characters("target_chars", target_chars)
    if len(source) > weights.shape[1] or len(target) > weights.shape[0]:
        raise ValueError(f"`weights` must have a row per target character and a column per source character, "
                         f"received shape {weights.shape} for {len(target)} target and {len(source)} source "
                         f"characters.")
    shown = weights[:len(target), :len(source)]  # (T, S) without the padding
    if not np.all(np.isfinite(shown)) or shown.min() < 0 or shown.max() > 1 + 1e-6:
        raise ValueError(f"`weights` must be attention weights in [0, 1], received values from {shown.min():.3g} to "
                         f"{shown.max():.3g}.")
    # positions, not the characters themselves, on the axes: a repeated character keeps its own cell
    columns, rows = np.arange(len(source)), np.arange(len(target))
    fig = go.Figure(go.Heatmap(
        z=shown, x=columns, y=rows, zmin=0, zmax=1, colorscale="Blues",
        colorbar={"title": {"text": "a<sub>tj</sub>"}},
        customdata=np.array([[[s, t] for s in source] for t in target], dtype=object),
        hovertemplate="output %{customdata[1]} (t = %{y}) ← source %{customdata[0]} (j = %{x}): "
                      "a = %{z:.2f}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=columns, ticktext=source)  # below: the title keeps the top
    fig.update_yaxes(tickmode="array", tickvals=rows, ticktext=target, autorange="reversed")
    height = max(300, 120 + 28 * len(target))
    return apply_layout(fig, title=title or "Attention a_tj: where each output character looked",
                        x_title="source character j", y_title="output character t", height=height,
                        wide=len(source) > 12)


def accuracy_by_length(curves, colors=None, title=None) -> go.Figure:
    """Eq. 2: exact match against the source's length, one line per model.

    `curves` maps a run label to [(length, exact match, count), ...] (``TranslationResult.by_length``);
    an exact match of None (no source of that length) is left out. `colors` maps labels to colours;
    the others get the projector theme's run colours in the order of `curves`, as in the learning curves.
    """
    checked = _curves(curves)
    palette = run_colors(list(checked), colors)
    fig = go.Figure()
    for label, points in checked.items():
        lengths, exact, counts = (list(values) for values in zip(*points)) if points else ([], [], [])
        fig.add_trace(go.Scatter(x=lengths, y=exact, customdata=counts, mode="lines+markers", name=label,
                                 line={"color": palette[label], "width": 3}, marker={"size": 8},
                                 hovertemplate=f"{label}<br>length %{{x}}: exact match %{{y:.3f}} "
                                               f"(%{{customdata}} sources)<extra></extra>"))
    fig.update_yaxes(range=[-0.03, 1.03])
    return apply_layout(fig, title=title or "Exact match against the source's length", x_title="source length L "
                                                                                           "(characters)",
                        y_title="exact match", height=380)


def _characters(name, characters) -> list[str]:
    if isinstance(characters, str):
        characters = list(characters)
    try:
        characters = [str(character) for character in characters]
    except TypeError:
        raise ValueError(f"`{name}` must be a string or a list of characters, received "
                         f"{type(characters).__name__}.") from None
    if not characters:
        raise ValueError(f"`{name}` must hold at least one character, received an empty {name}.")
    return characters


def _curves(curves) -> dict[str, list[tuple]]:
    """`curves` checked: {label: [(length, exact, count), ...]} with None exact matches left out."""
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"`curves` must map each model's label to its [(length, exact match, count), ...], "
                         f"received {type(curves).__name__} {curves!r:.60}.")
    checked = {}
    for label, points in curves.items():
        try:
            points = [tuple(point) for point in points]
        except TypeError:
            raise ValueError(f"`curves[{label!r}]` must be a list of (length, exact match, count) triples, "
                             f"received {points!r:.60}.") from None
        bad = [point for point in points if len(point) != 3 or not _valid_point(*point)]
        if bad:
            raise ValueError(f"`curves[{label!r}]` must hold (length, exact match in [0, 1] or None, count >= 0) "
                             f"triples, received {bad[0]!r}.")
        checked[str(label)] = [point for point in points if point[1] is not None]
    return checked


def _valid_point(length, exact, count) -> bool:
    numbers = (int, float, np.integer, np.floating)
    if not isinstance(length, numbers) or not math.isfinite(length):
        return False
    if exact is not None and (not isinstance(exact, numbers) or not 0 <= exact <= 1):
        return False
    return isinstance(count, (int, np.integer)) and not isinstance(count, bool) and count >= 0
