"""An ensemble's vote: each member's error against the ensemble's, and where the members differ.

Left, the test error of every member, of the averaged probabilities and of the majority
vote. Right, a grid of test samples (columns) by member (rows), green where the member is
right and red where it is wrong, with the vote as the last row: only samples that at least
one member gets wrong are shown, because those are where voting can help (a column with a
minority of red cells is fixed by the vote; an all-red column cannot be).
"""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, subplots
from toolkit.viz.validation import as_array

RIGHT, WRONG = "#2ca02c", "#d62728"


def ensemble_votes(member_correct, vote_correct, *, average_error=None, max_samples=60,
                   title=None) -> go.Figure:
    """Bars of error per member and for the ensemble, and the right/wrong grid.

    Args:
        member_correct: (K, N) booleans, member k right on test sample i.
        vote_correct: (N,) booleans, the majority vote right on sample i.
        average_error: optional error of the averaged probabilities, drawn as its own bar.
        max_samples: at most this many samples (with a member wrong) in the grid.
        title: figure title.
    """
    correct = as_array("member_correct", member_correct, ndims=(2,), expected="a (K, N) boolean array").astype(bool)
    vote = as_array("vote_correct", vote_correct, ndims=(1,), expected="an (N,) boolean array").astype(bool)
    if len(vote) != correct.shape[1] or correct.shape[0] < 2:
        raise ValueError(f"`member_correct` must be (K >= 2, N) and `vote_correct` (N,), received shapes "
                         f"{correct.shape} and {vote.shape}.")
    k = correct.shape[0]
    fig = subplots(rows=1, cols=2, column_widths=[0.35, 0.65], horizontal_spacing=0.1,
                   titles=("test error", "samples some member gets wrong"))
    names = [f"member {i + 1}" for i in range(k)]
    errors = list(1 - correct.mean(axis=1))
    bars = names + ["vote"] + (["average"] if average_error is not None else [])
    values = errors + [1 - vote.mean()] + ([float(average_error)] if average_error is not None else [])
    fig.add_trace(go.Bar(x=bars, y=values, marker={"color": ["#9ca3af"] * k + ["#1f77b4", "#ff7f0e"][:len(bars) - k]},
                         text=[f"{v:.3f}" for v in values], textposition="outside", showlegend=False,
                         hovertemplate="%{x}: error %{y:.3f}<extra></extra>"), row=1, col=1)
    shown = np.flatnonzero(~correct.all(axis=0))[:max_samples]
    grid = np.vstack([correct[:, shown], vote[shown]]).astype(float)  # (K + 1, shown)
    fig.add_trace(go.Heatmap(z=grid, x=[str(i) for i in shown], y=names + ["vote"], zmin=0, zmax=1,
                             colorscale=[(0, WRONG), (0.5, WRONG), (0.5, RIGHT), (1, RIGHT)], showscale=False,
                             xgap=1, ygap=1, hovertemplate="sample %{x}<br>%{y}: %{z}<extra>1 = right</extra>"),
                  row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_xaxes(showticklabels=False, title_text=f"{len(shown)} test samples", row=1, col=2)
    return apply_layout(fig, title=title or "Individual models vs the ensemble", y_title="error rate", wide=True)
