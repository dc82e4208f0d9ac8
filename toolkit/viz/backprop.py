"""Backpropagation against the perturbation methods: the loss against the compute spent.

- `loss_vs_forward_passes`: training loss against forward passes (log x axis), one line per
  method, all from the same initial weights. Backprop needs 1 forward pass per update
  (plus a backward pass); perturbing one weight at a time needs 1 + N.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color
from toolkit.viz.validation import as_array


def loss_vs_forward_passes(results, title="Loss against compute: forward passes spent") -> go.Figure:
    """One line per method: ``results[method]`` = {"forward_passes": (U+1,), "loss": (U+1,)}.

    Entry 0 (the untrained network, 0 passes) is drawn at 1 pass so the log axis keeps it.
    A run's history (``toolkit.backprop.race`` reports one per method) has no entry 0 and
    is drawn as it is: the updates are counted as the entries with at least one pass.
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("`results` must be a non-empty mapping method -> {'forward_passes', 'loss'} "
                         f"(toolkit.backprop.race), received {type(results).__name__}.")
    fig = go.Figure()
    for index, (method, result) in enumerate(results.items()):
        if not isinstance(result, Mapping) or not {"forward_passes", "loss"} <= set(result):
            raise ValueError(f"`results[{method!r}]` must hold 'forward_passes' and 'loss' arrays.")
        passes = as_array(f"results[{method!r}]['forward_passes']", result["forward_passes"],
                          ndims=(1,), expected="a 1-D array")
        loss = as_array(f"results[{method!r}]['loss']", result["loss"], ndims=(1,), expected="a 1-D array")
        if passes.shape != loss.shape:
            raise ValueError(f"`results[{method!r}]` must hold arrays of one length, received "
                             f"{passes.shape} and {loss.shape}.")
        fig.add_trace(go.Scatter(
            x=np.maximum(passes, 1), y=loss, name=f"{method.replace('_', ' ')} ({int(np.sum(passes > 0))} updates)",
            mode="lines+markers" if len(loss) <= 60 else "lines", marker={"size": 5},
            line={"color": run_color(index), "width": 2.5},
            hovertemplate="%{x} forward passes<br>loss %{y:.4f}<extra></extra>"))
    return apply_layout(fig, title=title, x_title="forward passes (log scale)",
                        y_title="training loss (log scale)", height=420, xaxis_type="log", yaxis_type="log")
