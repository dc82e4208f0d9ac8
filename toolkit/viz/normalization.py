"""Figures of the normalization lab: pre-activations over training, batch norm's two modes,
and the (N, C, H, W) cube of which values share one mean and variance.

- `preactivation_histograms`: one panel per (run, hidden layer); in each, the histogram of
  the layer's pre-activations z on a fixed probe batch at several epochs (dark purple =
  early, green = late, `theme.ordered_colors`), with the activation's saturated region shaded.
- `moving_statistics`: batch norm's moving mean and variance against the training step,
  with each batch's own statistics and the data's true ones.
- `mode_outputs`: one feature of a probe batch before batch norm, through it in training
  mode, and in inference mode before and after the moving averages have settled.
- `normalization_cubes`: for each norm, the (N, C, H·W) cube with the values that share
  the chosen value's μ and σ² filled in blue, as in the figure of Wu & He (2018).
"""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.theme import FONT_SIZE, SMALLEST_FONT, apply_layout, ordered_colors, run_color, subplots
from toolkit.viz.validation import as_array, positive_int

HIGHLIGHT, OTHER = "#2b6cb0", "#9aa5b1"


# -- pre-activations over training -----------------------------------------------------
def preactivation_histograms(records, *, saturation=(), bins=50, clip=99.5,
                             title=None) -> go.Figure:
    """Histograms of each layer's pre-activations at several epochs, one row per run.

    Args:
        records: mapping run -> {epoch: {layer: values}} (any shapes; flattened).
        saturation: (low, high) intervals of z to shade (the activation's flat region).
        bins: bins per layer, shared by every run and epoch of that layer (one column).
        clip: the bins span the central ``clip`` percent of the layer's values (outliers
            are counted in the end bins).
    """
    bins = positive_int("bins", bins)
    runs = _check_records(records)
    layers = sorted({layer for epochs in runs.values() for e in epochs.values() for layer in e},
                    key=_layer_order)
    edges = {layer: _shared_edges(runs, layer, bins, clip) for layer in layers}
    fig = subplots(rows=len(runs), cols=len(layers), shared_xaxes="columns",
                   titles=[f"{run} · {layer}" for run in runs for layer in layers],
                   vertical_spacing=0.12 if len(runs) > 1 else 0.05, horizontal_spacing=0.05)
    all_epochs = sorted({e for epochs in runs.values() for e in epochs})
    epoch_colors = dict(zip(all_epochs, ordered_colors(len(all_epochs))))
    for row, (run, epochs) in enumerate(runs.items(), start=1):
        for col, layer in enumerate(layers, start=1):
            bounds = edges[layer]
            centres = (bounds[:-1] + bounds[1:]) / 2
            for epoch, values in sorted(epochs.items()):
                if layer not in values:
                    continue
                z = np.clip(np.ravel(values[layer]), bounds[0], bounds[-1])
                counts, _ = np.histogram(z, bins=bounds)
                fig.add_trace(go.Scatter(
                    x=centres, y=counts / max(z.size, 1), mode="lines", name=f"epoch {epoch}",
                    legendgroup=f"epoch {epoch}", showlegend=row == 1 and col == 1,
                    line={"color": epoch_colors[epoch], "width": 2, "shape": "hvh"},
                    meta=[run, layer, epoch],
                    hovertemplate="<b>%{meta[0]}</b> · %{meta[1]} · epoch %{meta[2]}<br>"
                                  "z ≈ %{x:.3g}: %{y:.1%}<extra></extra>"), row=row, col=col)
            _shade(fig, saturation, bounds, row, col)
    fig.update_xaxes(title_text="pre-activation z", row=len(runs))
    fig.update_yaxes(title_text="fraction", col=1)
    return apply_layout(
        fig, title=title or "Pre-activations of each hidden layer during training", wide=True,
        height=max(330, 250 * len(runs) + 90), hovermode="closest")


def _check_records(records):
    if not isinstance(records, Mapping) or not records or not all(
            isinstance(e, Mapping) and e and all(isinstance(v, Mapping) for v in e.values())
            for e in records.values()):
        raise ValueError("`records` must map run -> {epoch: {layer: values}} with at least one "
                         f"epoch per run, received {type(records).__name__}.")
    return {str(run): {int(e): v for e, v in epochs.items()} for run, epochs in records.items()}


def _layer_order(name):
    digits = "".join(ch for ch in str(name) if ch.isdigit())
    return (int(digits) if digits else 0, str(name))


def _shared_edges(runs, layer, bins, clip):
    """Bins for one layer (one column), shared by every run and epoch."""
    values = np.concatenate([np.ravel(e[layer]) for epochs in runs.values()
                             for e in epochs.values() if layer in e] or [np.zeros(1)]).astype(float)
    values = values[np.isfinite(values)]
    if not values.size:
        return np.linspace(-1, 1, bins + 1)
    low, high = np.percentile(values, [100 - clip, clip])
    if high - low < 1e-6:
        low, high = low - 1, high + 1
    return np.linspace(low, high, bins + 1)


def _shade(fig, saturation, edges, row, col):
    for low, high in saturation:
        x0, x1 = max(low, edges[0]), min(high, edges[-1])
        if x1 > x0:
            fig.add_vrect(x0=x0, x1=x1, fillcolor="#f59322", opacity=0.12, line_width=0,
                          row=row, col=col)


# -- batch norm in training and inference mode ------------------------------------------
def moving_statistics(moving_mean, moving_variance, batch_mean, batch_variance, mean, std, *,
                      title=None) -> go.Figure:
    """Moving mean and variance per feature against the step, beside each batch's own.

    Args:
        moving_mean, moving_variance: (steps + 1, C), before the first step and after each.
        batch_mean, batch_variance: (steps, C), the statistics of each training batch.
        mean, std: (C,) the data's true mean and standard deviation.
    """
    mm = as_array("moving_mean", moving_mean, ndims=(2,), expected="a (steps + 1, C) array")
    mv = as_array("moving_variance", moving_variance, ndims=(2,), expected="a (steps + 1, C) array")
    bm = as_array("batch_mean", batch_mean, ndims=(2,), expected="a (steps, C) array")
    bv = as_array("batch_variance", batch_variance, ndims=(2,), expected="a (steps, C) array")
    mean, std = np.ravel(mean).astype(float), np.ravel(std).astype(float)
    if not (mm.shape == mv.shape and bm.shape == bv.shape and len(mm) == len(bm) + 1
            and mm.shape[1] == bm.shape[1] == len(mean) == len(std)):
        raise ValueError("`moving_*` must be (steps + 1, C), `batch_*` (steps, C) and `mean`, "
                         f"`std` (C,), received {mm.shape}, {bm.shape} and {mean.shape}.")
    fig = subplots(rows=1, cols=2, titles=["mean μ", "variance σ²"],
                   horizontal_spacing=0.1)
    steps = np.arange(len(mm))
    for c in range(mm.shape[1]):
        color = run_color(c)
        for col, (moving, batch, truth) in enumerate(((mm, bm, mean), (mv, bv, std ** 2)), start=1):
            fig.add_trace(go.Scatter(
                x=steps[1:], y=batch[:, c], mode="markers", marker={"size": 4, "color": color,
                                                                    "opacity": 0.3},
                name=f"feature {c}: each batch", legendgroup=f"batch {c}", showlegend=col == 1,
                hovertemplate="step %{x}: batch value %{y:.3g}<extra></extra>"), row=1, col=col)
            fig.add_trace(go.Scatter(
                x=steps, y=moving[:, c], mode="lines", line={"color": color, "width": 2.5},
                name=f"feature {c}: moving average", legendgroup=f"moving {c}",
                showlegend=col == 1,
                hovertemplate="after step %{x}: moving %{y:.3g}<extra></extra>"), row=1, col=col)
            fig.add_hline(y=float(truth[c]), line={"color": color, "dash": "dash", "width": 1},
                          row=1, col=col)
    fig.update_xaxes(title_text="training step")
    return apply_layout(
        fig, title=title or "Moving averages approach the data's statistics (dashed)", wide=True,
        hovermode="closest")


def mode_outputs(probe, training_output, inference_before, inference_after, *, feature=0,
                 title=None) -> go.Figure:
    """One feature of a probe batch, one row of points per mode: the input, the layer in
    training mode, and in inference mode before any step and after the last one."""
    arrays = {name: as_array(name, value, ndims=(2,), expected="a (B, C) array")
              for name, value in (("probe", probe), ("training_output", training_output),
                                  ("inference_before", inference_before),
                                  ("inference_after", inference_after))}
    if len({a.shape for a in arrays.values()}) != 1:
        raise ValueError("`probe` and the three outputs must have the same (B, C) shape, received "
                         + ", ".join(str(a.shape) for a in arrays.values()) + ".")
    if not (isinstance(feature, (int, np.integer)) and 0 <= feature < arrays["probe"].shape[1]):
        raise ValueError(f"`feature` must be in [0, {arrays['probe'].shape[1] - 1}], "
                         f"received feature={feature!r}.")
    names = {"probe": "input x", "training_output": "training mode",
             "inference_before": "inference, step 0", "inference_after": "inference, last step"}
    help_text = {"probe": "before the layer", "training_output": "batch statistics",
                 "inference_before": "moving μ = 0, σ² = 1", "inference_after": "moving averages"}
    fig = go.Figure()
    colors = ["#7f7f7f", run_color(0), run_color(3), run_color(2)]
    for index, (key, array) in enumerate(reversed(list(arrays.items()))):
        column = array[:, feature]
        fig.add_trace(go.Box(
            x=column, name=names[key], boxpoints="all", jitter=0.6, pointpos=0,
            marker={"color": colors[3 - index], "size": 5, "opacity": 0.7},
            line={"color": colors[3 - index]}, fillcolor="rgba(0,0,0,0)",
            hovertemplate=f"{names[key]} ({help_text[key]})<br>value %{{x:.3g}}<extra></extra>"))
        fig.add_annotation(x=1.0, xref="paper", xanchor="right", y=names[key], yshift=14,
                           showarrow=False, font={"size": SMALLEST_FONT, "color": "#52606d"},
                           text=f"{help_text[key]}: mean {column.mean():.2f}, std {column.std():.2f}")
    return apply_layout(
        fig, title=title or f"Feature {feature} of one batch, in each mode", x_title="value",
        y_title=None, showlegend=False, hovermode="closest", margin={"l": 170}, wide=True)


# -- the (N, C, H, W) cube ----------------------------------------------------------------
def normalization_cubes(masks, *, title=None) -> go.Figure:
    """One 3-D cube per norm: axes N, C and H·W; the True cells share one μ and σ².

    Args:
        masks: mapping title -> (N, C, H·W) booleans (``toolkit.optim.shared_statistics``).
    """
    if not isinstance(masks, Mapping) or not masks:
        raise ValueError("`masks` must be a non-empty mapping title -> (N, C, H·W) booleans, "
                         f"received {type(masks).__name__}.")
    cubes = {}
    for name, mask in masks.items():
        array = np.asarray(mask)
        if array.ndim != 3 or array.dtype != bool:
            raise ValueError(f"`masks[{name!r}]` must be a 3-D boolean array (N, C, H·W), "
                             f"received {array.dtype} of shape {array.shape}.")
        cubes[str(name)] = array
    fig = subplots(rows=1, cols=len(cubes), specs=[[{"type": "scene"}] * len(cubes)],
                   titles=list(cubes), horizontal_spacing=0.01)
    for col, (name, mask) in enumerate(cubes.items(), start=1):
        for selected, color, opacity in ((True, HIGHLIGHT, 1.0), (False, OTHER, 0.1)):
            fig.add_trace(_voxels(mask == selected, color, opacity,
                                  "shares μ, σ²" if selected else "other values"), row=1, col=col)
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False,
              "showbackground": False, "title": {"font": {"size": FONT_SIZE}}}
    axes = {"xaxis": {**hidden, "title_text": "H·W"}, "yaxis": {**hidden, "title_text": "C"},
            "zaxis": {**hidden, "title_text": "N"}, "aspectmode": "data",
            "camera": {"eye": {"x": 1.45, "y": -1.8, "z": 1.25}}}
    fig.update_scenes(**axes)
    return apply_layout(fig, title=title or "Which values share one mean and variance", wide=True,
                        height=360, showlegend=False, margin={"l": 0, "r": 0, "b": 0})


def _voxels(cells, color, opacity, name):
    """One Mesh3d of unit cubes at the True cells of ``cells`` (N, C, HW) -> axes (HW, C, N),
    with sample 0 on top and channel 0 in front, where the camera sees them."""
    n_idx, c_idx, s_idx = np.nonzero(cells)
    n_idx = cells.shape[0] - 1 - n_idx
    corners = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0],
                        [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float) * 0.9
    faces = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
                      [2, 3, 7], [2, 7, 6], [1, 2, 6], [1, 6, 5], [0, 3, 7], [0, 7, 4]])
    origins = np.stack([s_idx, c_idx, n_idx], axis=1).astype(float)  # (cells, 3) as (x, y, z)
    vertices = (origins[:, None, :] + corners[None]).reshape(-1, 3)
    triangles = (faces[None] + 8 * np.arange(len(origins))[:, None, None]).reshape(-1, 3)
    return go.Mesh3d(x=vertices[:, 0], y=vertices[:, 1], z=vertices[:, 2], i=triangles[:, 0],
                     j=triangles[:, 1], k=triangles[:, 2], color=color, opacity=opacity,
                     flatshading=True, name=name, hoverinfo="name",
                     lighting={"ambient": 0.6, "diffuse": 0.6})
