"""Distribution of the weights of each layer, as overlaid semi-transparent histograms.

All layers share the same bins, and each histogram shows the fraction of that layer's
weights per bin, so a layer with 100 weights and one with 100 000 are comparable.
Histograms are computed with NumPy, so the figure carries `bins` numbers per layer rather
than every weight. Non-finite weights (a diverged model) are left out and counted in the
trace name.
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import apply_layout, run_color
from toolkit.viz.validation import positive_int


def weight_histogram(weights, bins=40, title=None) -> go.Figure:
    """Overlaid histograms, one per layer.

    Args:
        weights: mapping layer name -> array of any shape (flattened), or a list of arrays
            such as `layer.get_weights()` (kernel and bias, concatenated).
        bins: number of shared bins across the range of all finite weights.
        title: figure title; defaults to "Weight distribution per layer".
    """
    bins = positive_int("bins", bins)
    layers = _flat_weights(weights)
    edges = _shared_edges(layers.values(), bins)
    centres, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    fig = go.Figure()
    for index, (layer, values) in enumerate(layers.items()):
        finite = values[np.isfinite(values)]
        counts, _ = np.histogram(finite, bins=edges)
        dropped = values.size - finite.size
        fig.add_trace(go.Bar(
            x=centres, y=counts / max(finite.size, 1), width=widths, customdata=counts,
            name=f"{layer} ({finite.size:,} weights"
                 + (f", {dropped:,} non-finite left out)" if dropped else ")"),
            meta=[layer], marker={"color": run_color(index), "line": {"width": 0}},
            opacity=0.55,
            hovertemplate="<b>%{meta[0]}</b><br>weight: %{x:.3g}<br>count: %{customdata}<br>"
                          "fraction: %{y:.3f}<extra></extra>",
        ))
    return apply_layout(
        fig, title=title or "Weight distribution per layer",
        x_title="weight value", y_title="fraction of the layer's weights",
        barmode="overlay", bargap=0,
    )


def _flat_weights(weights):
    """{layer: 1-D float array}, from arrays of any shape or lists of arrays."""
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError(
            "`weights` must be a non-empty mapping layer name -> array, received "
            f"{type(weights).__name__}{' (empty)' if isinstance(weights, Mapping) else ''}."
        )
    layers = {}
    for layer, value in weights.items():
        parts = value if isinstance(value, (list, tuple)) else [value]
        try:
            flat = np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])
        except ValueError:
            raise ValueError(
                f"The weights of layer {layer!r} must be an array or a list of arrays of "
                f"numbers, received {type(value).__name__}."
            ) from None
        if not flat.size:
            raise ValueError(f"Layer {layer!r} has no weights, received an empty array.")
        layers[str(layer)] = flat
    return layers


def _shared_edges(layers, bins):
    """`bins` + 1 equal-width edges spanning the finite weights of all layers."""
    finite = np.concatenate([values[np.isfinite(values)] for values in layers])
    low, high = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)
