"""Figures of the Progressive GAN page (its samples per stage use ``gan.image_columns``).

- `growth_schedule`  resolution (top) and fade-in α (bottom) against the epoch, the run's
                     current position marked
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color, subplots
from toolkit.viz.validation import as_array

MARK_COLOR = "#d62728"


def growth_schedule(plan: Mapping, epochs_done: float | None = None, *, title=None) -> go.Figure:
    """The resolution and α of `plan` against the epoch, with a marker at `epochs_done`.

    Args:
        plan: {"epoch", "resolution", "alpha"} arrays of the same length (``progan.schedule``).
        epochs_done: the run's position now (None: no marker).
    """
    if not isinstance(plan, Mapping) or not {"epoch", "resolution", "alpha"} <= set(plan):
        raise ValueError("`plan` must be a mapping with 'epoch', 'resolution' and 'alpha' arrays.")
    epoch, resolution, alpha = (as_array(f"plan[{k!r}]", plan[k], ndims=(1,), expected="a 1-D array")
                                for k in ("epoch", "resolution", "alpha"))
    if not len(epoch) == len(resolution) == len(alpha):
        raise ValueError(f"`plan`'s arrays must have one length, received {len(epoch)}, {len(resolution)}, "
                         f"{len(alpha)}.")
    fig = subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                   titles=["resolution (pixels per side)", "fade-in α"])
    fig.add_trace(go.Scatter(x=epoch, y=resolution, mode="lines", line={"color": run_color(0), "width": 3},
                             name="resolution", showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=epoch, y=alpha, mode="lines", line={"color": run_color(1), "width": 3},
                             name="α", showlegend=False), row=2, col=1)
    if epochs_done is not None:
        at = int(np.searchsorted(epoch, epochs_done, side="right")) - 1
        at = min(max(at, 0), len(epoch) - 1)
        for row, values in ((1, resolution), (2, alpha)):
            fig.add_trace(go.Scatter(x=[epochs_done], y=[values[at]], mode="markers", name="now",
                                     marker={"color": MARK_COLOR, "size": 13, "symbol": "diamond"},
                                     showlegend=row == 1), row=row, col=1)
    fig.update_yaxes(tickvals=sorted(set(resolution.tolist())), row=1, col=1)
    fig.update_yaxes(range=[-0.05, 1.05], row=2, col=1)
    fig.update_xaxes(title_text="epoch", row=2, col=1)
    return apply_layout(fig, title=title or "Growth schedule: 7×7 → 14×14 → 28×28, each new block faded in",
                        height=380)
