"""Figures of the recurrent-networks page: the cell folded and unfolded, the vanishing gradient
over time steps, LSTM gates over a sentence, and a generated continuation (one-to-many).

The gradient heatmap shows, for each run (row) and time step t (column),

    (1) log10( ||∂L/∂h_t|| / ||∂L/∂h_T|| )

where L is the loss at the last step T: 0 at t = T, and −k where the error reaching step t is
10^−k of the one at T. A vanilla RNN's row turns dark towards t = 1 (the vanishing gradient);
an LSTM's stays bright (the additive path c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import SMALLEST_FONT, apply_layout, run_colors, subplots
from toolkit.viz.validation import as_array

FLOOR = -8.0  # log10 ratios below this are drawn as this (float32 gradients underflow near 1e-38)
TEXT_UP_TO = 20  # steps up to which each cell's value is written in it
CELL_TEXT = {"vanilla": "tanh", "lstm": "LSTM<br>g i f o", "gru": "GRU<br>r z"}
GATE_NAMES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o", "g": "candidate g"}


def _box(fig, x, y, text, **where):
    fig.add_shape(type="rect", x0=x - 0.35, x1=x + 0.35, y0=y - 0.3, y1=y + 0.3, line={"color": "#1f2937", "width": 2},
                  fillcolor="#e0ecf8", **where)
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"size": 15}, **where)


def _arrow(fig, x0, y0, x1, y1, text="", **where):
    xref, yref = where.get("xref", "x"), where.get("yref", "y")
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref=xref, yref=yref, axref=xref, ayref=yref, showarrow=True,
                       arrowhead=2, arrowsize=1.2, arrowwidth=2, arrowcolor="#374151", text="")
    if text:
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False, font={"size": 15},
                           yshift=12 if y0 == y1 else 0, xshift=0 if y0 == y1 else 22, xref=xref, yref=yref)


def unrolled_diagram(kind: str = "vanilla", steps: int = 4, title=None) -> go.Figure:
    """The notes' two views of one RNN: folded (a cell with a loop) and unfolded over `steps` steps.

    The same weights W_x, W_h, W_y serve every step; an LSTM also passes its memory c_t along.
    """
    if kind not in CELL_TEXT:
        raise ValueError(f"`kind` must be one of {', '.join(CELL_TEXT)}, received kind={kind!r}.")
    if not 1 <= int(steps) <= 8:
        raise ValueError(f"`steps` must be in [1, 8], received steps={steps}.")
    fig = subplots(rows=1, cols=2, column_widths=[0.25, 0.75], titles=("folded", f"unfolded over {steps} steps"))
    left, right = {"xref": "x", "yref": "y"}, {"xref": "x2", "yref": "y2"}
    _box(fig, 0, 0, CELL_TEXT[kind], **left)
    _arrow(fig, 0, -1, 0, -0.32, **left)
    _arrow(fig, 0, 0.32, 0, 1, **left)
    fig.add_annotation(x=0, y=-1.25, text="x<sub>t</sub>", showarrow=False, font={"size": 16}, **left)
    fig.add_annotation(x=0, y=1.25, text="y<sub>t</sub>", showarrow=False, font={"size": 16}, **left)
    fig.add_shape(type="path", path="M 0.35,0.1 C 0.9,0.1 0.9,0.6 0.4,0.6 L 0.1,0.6 C -0.2,0.6 -0.2,0.4 -0.1,0.32",
                  line={"color": "#374151", "width": 2}, **left)
    fig.add_annotation(x=0.95, y=0.62, text="W<sub>h</sub>", showarrow=False, font={"size": 15}, **left)
    state = "h, c" if kind == "lstm" else "h"
    for t in range(steps):
        _box(fig, 1.5 * t, 0, CELL_TEXT[kind], **right)
        _arrow(fig, 1.5 * t, -1, 1.5 * t, -0.32, **right)
        _arrow(fig, 1.5 * t, 0.32, 1.5 * t, 1, **right)
        fig.add_annotation(x=1.5 * t, y=-1.25, text=f"x<sub>{t + 1}</sub>", showarrow=False, font={"size": 16}, **right)
        fig.add_annotation(x=1.5 * t, y=1.25, text=f"y<sub>{t + 1}</sub>", showarrow=False, font={"size": 16}, **right)
        _arrow(fig, 1.5 * t - 1.15, 0, 1.5 * t - 0.36, 0, f"{state}<sub>{t}</sub>", **right)
    # the cells as hover targets: what each box computes, in the notes' notation
    equation = {"vanilla": "h_t = tanh(W_x x_t + W_h h_{t−1})", "lstm": "c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t)",
                "gru": "h_t = (1 − z)⊙h_{t−1} + z⊙h′_t"}[kind]
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker={"size": 40, "opacity": 0}, hovertext=[equation],
                             hoverinfo="text"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[1.5 * t for t in range(steps)], y=[0] * steps, mode="markers",
                             marker={"size": 40, "opacity": 0}, hoverinfo="text",
                             hovertext=[f"step {t + 1}: {equation.replace('_t', f'_{t + 1}')}" for t in range(steps)]),
                  row=1, col=2)
    fig.update_xaxes(visible=False, range=[-0.8, 1.2], row=1, col=1)
    fig.update_xaxes(visible=False, range=[-1.3, 1.5 * steps - 0.8], row=1, col=2)
    fig.update_yaxes(visible=False, range=[-1.5, 1.5])
    return apply_layout(fig, title=title or "One cell with the same weights at every step: folded (a loop through "
                        "W_h) and unfolded over time", height=300, wide=True,
                        margin={"l": 10, "r": 10, "b": 10}, showlegend=False)


def gradient_heatmap(norms, title=None, epochs=None) -> go.Figure:
    """Eq. 1 per run (rows) and time step (columns). `norms`: run -> (T,) of ||∂L/∂h_t||;
    `epochs`: run -> the epoch its curve was measured at, written in the row's label."""
    if not norms:
        raise ValueError("`norms` must map at least one run to its (T,) gradient norms, received none.")
    rows = {name: as_array(f"norms[{name!r}]", values, ndims=(1,), expected="a (T,) array")
            for name, values in norms.items()}
    lengths = {len(values) for values in rows.values()}
    if len(lengths) != 1:
        raise ValueError(f"every run's norms must have the same length T, received lengths {sorted(lengths)}.")
    z = np.array([_log_ratio(values) for values in rows.values()])  # (runs, T)
    steps = np.arange(1, z.shape[1] + 1)
    text = [[f"{v:.1f}" for v in row] for row in z] if z.shape[1] <= TEXT_UP_TO else None
    labels = [f"{name} · epoch {epochs[name]}" if epochs and name in epochs else name for name in rows]
    low = max(FLOOR, min(-1.0, float(np.floor(z.min()))))  # the colours span the decades shown
    fig = go.Figure(go.Heatmap(z=z, x=steps, y=labels, zmin=low, zmax=0, colorscale="Viridis",
                               text=text, texttemplate="%{text}" if text else None, textfont={"size": SMALLEST_FONT},
                               colorbar={"title": {"text": "log₁₀ ratio"}},
                               hovertemplate="%{y}, step %{x}: ‖∂L/∂h_t‖ = 10^%{z:.1f} of ‖∂L/∂h_T‖<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return apply_layout(fig, title=title or "How much of the last step's error reaches step t: "
                        "log₁₀ ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖", x_title="time step t", height=120 + 45 * len(rows),
                        wide=True, margin={"l": 170 if epochs else 110})


def _log_ratio(values):
    values = np.abs(np.asarray(values, dtype=float))
    last = values[-1] if values[-1] > 0 else np.max(values, initial=0.0)
    if last <= 0:
        return np.full(len(values), FLOOR)
    with np.errstate(divide="ignore"):
        return np.clip(np.log10(values / last), FLOOR, None)


def gate_heatmap(gates, words, *, max_units: int = 12, title=None) -> go.Figure:
    """LSTM gates over a sentence: one heatmap per gate, units (rows) × words (columns).

    `gates`: {"i", "f", "o", "g"} -> (T, units) activations of one sentence (``lstm_gates``);
    `words`: the T tokens read (pads included, shown as "·").
    """
    missing = [name for name in GATE_NAMES if name not in gates]
    if missing:
        raise ValueError(f"`gates` must hold {', '.join(GATE_NAMES)}, missing {', '.join(missing)}.")
    arrays = {name: as_array(f"gates[{name!r}]", gates[name], ndims=(2,), expected="a (T, units) array")
              for name in GATE_NAMES}
    if any(len(a) != len(words) for a in arrays.values()):
        raise ValueError(f"`words` must name each of the {len(arrays['i'])} steps, received {len(words)} words.")
    labels = [f"{t + 1}:{w}" for t, w in enumerate(words)]  # unique labels keep repeated words apart
    fig = subplots(rows=len(GATE_NAMES), cols=1, titles=list(GATE_NAMES.values()), vertical_spacing=0.09)
    for row, (name, values) in enumerate(arrays.items(), start=1):
        shown = values[:, :max_units].T  # (units, T)
        low = -1.0 if name == "g" else 0.0
        fig.add_trace(go.Heatmap(z=shown, x=labels, y=[f"unit {u + 1}" for u in range(len(shown))], zmin=low,
                                 zmax=1.0, colorscale="RdBu" if name == "g" else "Viridis",
                                 showscale=row in (1, len(GATE_NAMES)),
                                 colorbar={"len": 0.45, "y": 0.78 if row == 1 else 0.2},
                                 hovertemplate=f"{name}, %{{y}}, word %{{x}}: %{{z:.2f}}<extra></extra>"),
                      row=row, col=1)
    fig.update_xaxes(showticklabels=False)
    fig.update_xaxes(showticklabels=True, tickangle=-45, tickvals=labels, ticktext=list(words), row=len(GATE_NAMES),
                     col=1)
    fig.update_yaxes(showticklabels=False)
    return apply_layout(fig, title=title or "LSTM gates word by word (0 = closed, 1 = open; g in [−1, 1])",
                        height=170 * len(GATE_NAMES), wide=True)


def continuation_figure(seed, truth, generated, title=None, colors=None) -> go.Figure:
    """One-to-many: the seed series, its true continuation, and each run's generated one.

    `seed`: (S, P) the first P steps of S series; `truth`: (S, Q) what follows; `generated`:
    run -> (S, Q), produced by feeding each prediction back in as the next input.
    """
    seed = as_array("seed", seed, ndims=(2,), expected="an (S, P) array")
    truth = as_array("truth", truth, ndims=(2,), expected="an (S, Q) array")
    if truth.shape[0] != seed.shape[0] or any(np.shape(g) != truth.shape for g in generated.values()):
        raise ValueError(f"`truth` and every `generated` must be {truth.shape[0]} × Q like each other, received "
                         f"{truth.shape} and {[np.shape(g) for g in generated.values()]}.")
    count, p, q = seed.shape[0], seed.shape[1], truth.shape[1]
    fig = subplots(rows=1, cols=count, titles=[f"series {i + 1}" for i in range(count)])
    colours = run_colors(generated, colors)
    past, future = np.arange(1, p + 1), np.arange(p + 1, p + q + 1)
    for i in range(count):
        first = i == 0
        fig.add_trace(go.Scatter(x=past, y=seed[i], name="seed (given)", line={"color": "#111827", "width": 2},
                                 showlegend=first, legendgroup="seed"), row=1, col=i + 1)
        fig.add_trace(go.Scatter(x=future, y=truth[i], name="true continuation",
                                 line={"color": "#9ca3af", "width": 3, "dash": "dot"}, showlegend=first,
                                 legendgroup="truth"), row=1, col=i + 1)
        for name, values in generated.items():
            fig.add_trace(go.Scatter(x=future, y=np.asarray(values)[i], name=f"{name} (generated)",
                                     line={"color": colours[name], "width": 2}, showlegend=first, legendgroup=name),
                          row=1, col=i + 1)
    fig.add_vline(x=p + 0.5, line={"color": "#6b7280", "dash": "dash"})
    return apply_layout(fig, title=title or "One-to-many: each prediction is fed back as the next input",
                        x_title="time step", height=360, wide=True)


def sequence_preview(dataset, count: int = 3, title=None) -> go.Figure:
    """The first `count` training sequences of a numeric sequence dataset ("sine", "adding", "copy").

    sine: the noisy input x_t and the target s(t + 1); adding: the values v_t with the two marked
    ones circled and y in the panel's title; copy: input and target tokens as two heatmaps.
    """
    name, x, y = dataset.name, np.asarray(dataset.x_train[:count]), np.asarray(dataset.y_train[:count])
    if name == "copy":
        fig = subplots(rows=1, cols=2, titles=("input tokens x_t", "target tokens y_t"))
        for col, values in enumerate((x, y), start=1):
            fig.add_trace(go.Heatmap(z=values, x=np.arange(1, values.shape[1] + 1), y=[f"#{i + 1}" for i in range(count)],
                                     zmin=0, zmax=dataset.num_classes - 1, colorscale="Viridis", showscale=col == 2,
                                     colorbar={"title": {"text": "token (0 blank)"}},
                                     hovertemplate="sequence %{y}, step %{x}: token %{z}<extra></extra>"), row=1, col=col)
        fig.update_yaxes(autorange="reversed")
        return apply_layout(fig, title=title or "copy: the message, blanks, \"go\", then the message again",
                            x_title="step t", height=120 + 40 * count, wide=True)
    if name not in ("sine", "adding"):
        raise ValueError(f"`dataset` must be one of sine, adding, copy, received {name!r}.")
    titles = ([f"y = {v:.2f}" for v in y] if name == "adding" else [f"series {i + 1}" for i in range(count)])
    fig = subplots(rows=1, cols=count, titles=titles)
    steps = np.arange(1, x.shape[1] + 1)
    for i in range(count):
        first = i == 0
        if name == "sine":
            fig.add_trace(go.Scatter(x=steps, y=x[i, :, 0], name="input x_t (noisy)", line={"color": "#6b7280"},
                                     showlegend=first), row=1, col=i + 1)
            fig.add_trace(go.Scatter(x=steps, y=y[i, :, 0], name="target s(t + 1)", line={"color": "#1f77b4", "width": 3},
                                     showlegend=first), row=1, col=i + 1)
        else:
            marked = x[i, :, 1] > 0
            fig.add_trace(go.Bar(x=steps, y=x[i, :, 0], name="values v_t", marker={"color": "#9ca3af"},
                                 showlegend=first), row=1, col=i + 1)
            fig.add_trace(go.Scatter(x=steps[marked], y=x[i, marked, 0], mode="markers", name="marked (summed)",
                                     marker={"color": "#d62728", "size": 12}, showlegend=first), row=1, col=i + 1)
    what = "sine: noisy input and the next clean value" if name == "sine" else "adding: y is the sum of the two marked values"
    return apply_layout(fig, title=title or what, x_title="step t", height=320, wide=True)
