"""The load of a classroom server over the last minutes (the app's Instructor page)."""

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color, subplots


def server_load(minutes_ago, counts, memory_gb, limit_gb=None, title="Server load") -> go.Figure:
    """Counts (left) and memory (right) against time, now at 0.

    Args:
        minutes_ago: sample times as minutes before now (negative or zero), oldest first.
        counts: series name -> one count per sample, e.g. {"sessions": [...], "training": [...],
            "queued": [...]}; each series keeps its colour (`run_color` of its place).
        memory_gb: the server's memory per sample, in GB (None where it was unknown).
        limit_gb: the memory the server may use, drawn as a dashed line (None: not drawn).
    """
    x = np.asarray(minutes_ago, dtype=float)
    for name, values in counts.items():
        if len(values) != len(x):
            raise ValueError(f"`counts[{name!r}]` has {len(values)} values for {len(x)} sample times.")
    if len(memory_gb) != len(x):
        raise ValueError(f"`memory_gb` has {len(memory_gb)} values for {len(x)} sample times.")
    fig = subplots(1, 2, titles=["Sessions and runs", "Memory of the server process (GB)"])
    for index, (name, values) in enumerate(counts.items()):
        fig.add_trace(go.Scatter(x=x, y=np.asarray(values, dtype=float), name=name, mode="lines",
                                 line={"color": run_color(index), "width": 3, "shape": "hv"}), 1, 1)
    memory = np.array([np.nan if v is None else v for v in memory_gb], dtype=float)
    fig.add_trace(go.Scatter(x=x, y=memory, name="memory", mode="lines",
                             line={"color": run_color(len(counts)), "width": 3}), 1, 2)
    if limit_gb:
        fig.add_trace(go.Scatter(x=[x.min(initial=0.0), 0.0], y=[limit_gb, limit_gb], name="memory limit",
                                 mode="lines", line={"color": run_color(len(counts)), "width": 2, "dash": "dash"}),
                      1, 2)
    fig.update_xaxes(title_text="minutes ago", range=[min(x.min(initial=0.0), -1.0), 0])
    fig.update_yaxes(rangemode="tozero", row=1, col=1, title_text="count")
    fig.update_yaxes(rangemode="tozero", row=1, col=2, title_text="GB")
    return apply_layout(fig, title=title, wide=True, height=340)
