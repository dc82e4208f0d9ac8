"""The autoencoder figures: the loss terms per epoch, latent scatter, the 2-D VAE manifold, codebook
usage, β trade-off, interpolation strips of several models, and the few-labels classifiers' accuracy curves."""

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.curves import SPLITS, learning_curves
from toolkit.viz.images import GAP, _check_images, _mosaic_trace, tile_images
from toolkit.viz.theme import apply_layout, class_color, run_color, subplots
from toolkit.viz.validation import as_array, class_ids


# history key -> the panel's title, in the notes' words (``vae``, ``vqvae`` and ``autoencoder`` name
# their trackers so); a run shows the terms its history has, in this order.
LOSS_TERMS = {
    "loss": "total loss L",
    "reconstruction": "reconstruction −log P(x|z)",
    "kl": "KL(q(z|x) ‖ P(z))",
    "codebook": "codebook ‖sg[z_e] − e_k‖²",
    "commitment": "commitment ‖z_e − sg[e_k]‖²",
}


def loss_terms(history, *, title=None) -> go.Figure:
    """Each loss term of one autoencoder run per epoch, one panel per term: the training images
    dashed, the held-out (validation) images solid, as in ``learning_curves``.

    Args:
        history: a Keras history with "loss" and optionally the other ``LOSS_TERMS``, each with
            its "val_" twin when the run was validated.
    """
    if not isinstance(history, Mapping) or "loss" not in history:
        raise ValueError("`history` must be a Keras history dict with at least 'loss', received "
                         f"{sorted(history) if isinstance(history, Mapping) else type(history).__name__}.")
    terms = [key for key in LOSS_TERMS if key in history]
    fig = subplots(rows=1, cols=len(terms), titles=[LOSS_TERMS[key] for key in terms])
    for col, key in enumerate(terms, start=1):
        for split, (prefix, dash) in SPLITS.items():
            values = as_array(f"history[{prefix + key!r}]", history.get(prefix + key, []), ndims=(1,),
                              expected="one value per epoch")
            if len(values):
                fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                         name=split, legendgroup=split, showlegend=col == 1,
                                         marker={"size": 5}, line={"color": run_color(0), "dash": dash}),
                              row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    return apply_layout(fig, title=title or "Loss terms per epoch (training images dashed, held-out images solid)",
                        height=330, wide=True)


def latent_scatter(points, labels, *, axis_title="z₁, z₂", title=None, label_names=None) -> go.Figure:
    """Encoded images as 2-D points, one colour per class.

    Args:
        points: (N, 2) latent coordinates (z itself, or two principal components of z).
        labels: (N,) class ids.
        axis_title: what the two axes are, "first, second" (split at the comma).
    """
    points = as_array("points", points, ndims=(2,), expected="(N, 2) latent points")
    if points.shape[1] != 2 or not np.all(np.isfinite(points)):
        raise ValueError(f"`points` must be (N, 2) finite latent points, received shape {points.shape}.")
    labels = class_ids("labels", labels)
    if len(labels) != len(points):
        raise ValueError(f"`labels` must have one class per point ({len(points)}), received {len(labels)}.")
    fig = go.Figure()
    for c in np.unique(labels):
        chosen = labels == c
        name = str(label_names[c]) if label_names is not None else str(c)
        fig.add_trace(go.Scattergl(x=points[chosen, 0], y=points[chosen, 1], mode="markers", name=name,
                                   marker={"size": 5, "color": class_color(int(c)), "opacity": 0.7}))
    first, _, second = axis_title.partition(",")
    return apply_layout(fig, title=title or "Latent space, coloured by class", x_title=first.strip(),
                        y_title=(second or first).strip(), height=420, legend={"title": {"text": "class"}})


def latent_manifold(images, z_values, *, title=None) -> go.Figure:
    """A 2-D VAE's decoded grid (``vae.latent_grid``): tile (i, j) is D(z₁ = z_values[j], z₂ = z_values[-1-i]).

    Args:
        images: (S·S, H, W[, 1]) decoded images, row by row.
        z_values: (S,) the grid's coordinates on each axis.
    """
    images = _check_images(images)
    z_values = as_array("z_values", z_values, ndims=(1,), expected="(S,) grid coordinates")
    size = len(z_values)
    if len(images) != size * size:
        raise ValueError(f"`images` must hold {size}×{size} = {size * size} tiles for {size} z values, "
                         f"received {len(images)}.")
    height, width = images.shape[1:3]
    fig = go.Figure(_mosaic_trace(tile_images(images, size, size)))
    centers = np.arange(size) * (width + GAP) + (width - 1) / 2
    labels = [f"{v:.2g}" for v in z_values]
    return apply_layout(
        fig, title=title or "Decoder over the 2-D latent grid", x_title="z₁", y_title="z₂", height=450,
        margin={"l": 50, "r": 10},
        xaxis={"tickvals": centers, "ticktext": labels, "showgrid": False, "zeroline": False, "constrain": "domain"},
        yaxis={"tickvals": centers, "ticktext": labels[::-1], "showgrid": False, "zeroline": False,
               "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"})


def codebook_usage(counts, *, title=None) -> go.Figure:
    """How often each VQ-VAE code is used; dead codes (never used) are marked in red.

    Args:
        counts: (K,) positions assigned to each code (``vqvae.code_usage``).
    """
    counts = as_array("counts", counts, ndims=(1,), expected="(K,) code counts")
    if len(counts) < 1 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError(f"`counts` must be (K,) non-negative counts with K >= 1, received {counts[:5]}…")
    dead = counts == 0
    share = counts / max(counts.sum(), 1)
    fig = go.Figure(go.Bar(x=np.arange(len(counts)), y=share, name="share of positions",
                           marker={"color": [run_color(0) if not d else "#d62728" for d in dead]},
                           hovertemplate="code %{x}: %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=np.flatnonzero(dead), y=np.zeros(dead.sum()), mode="markers", name="dead code",
                             marker={"color": "#d62728", "symbol": "x", "size": 8}))
    return apply_layout(fig, title=title or f"Codebook usage: {int(dead.sum())} of {len(counts)} codes dead",
                        x_title="code k", y_title="share of positions", height=350)


def beta_tradeoff(points, *, title=None) -> go.Figure:
    """VAE runs as (KL, reconstruction) points labelled with β: the rate-distortion trade-off.

    Args:
        points: a list of {"beta", "kl", "reconstruction"} (nats per image), one per run.
    """
    if not points or not all(isinstance(p, Mapping) and {"beta", "kl", "reconstruction"} <= set(p) for p in points):
        raise ValueError("`points` must be a non-empty list of {'beta', 'kl', 'reconstruction'} dicts, one per VAE run.")
    ordered = sorted(points, key=lambda p: p["kl"])
    fig = go.Figure(go.Scatter(
        x=[p["kl"] for p in ordered], y=[p["reconstruction"] for p in ordered], mode="lines+markers+text",
        text=[f"β={p['beta']:g}" for p in ordered], textposition="top right", name="VAE runs",
        marker={"size": 9, "color": run_color(0)}, line={"dash": "dot", "color": "#999"}))
    return apply_layout(fig, title=title or "β trades reconstruction for a latent space close to the prior",
                        x_title="KL(q(z|x) ‖ p(z)), nats", y_title="−log p(x|z), nats", height=380)


def interpolation_strips(strips, *, title=None) -> go.Figure:
    """One row of frames per model: the decoded path z(t), t = 0 … 1.

    Args:
        strips: mapping model name -> (T, H, W[, 1]) frames, the same T and shape for all.
    """
    if not isinstance(strips, Mapping) or not strips:
        raise ValueError("`strips` must be a non-empty mapping model name -> (T, H, W) frames.")
    arrays = [_check_images(frames) for frames in strips.values()]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"Every strip must have the same frames shape, received {sorted({a.shape for a in arrays})}.")
    steps, height, width = arrays[0].shape[:3]
    fig = go.Figure(_mosaic_trace(tile_images(np.concatenate(arrays), len(arrays), steps)))
    rows = np.arange(len(arrays)) * (height + GAP) + (height - 1) / 2
    axis = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    return apply_layout(
        fig, title=title or "Interpolation z(t) = (1 − t) z₀ + t z₁", x_title="t = 0 → 1", height=int(np.clip(110 + 60 * len(arrays), 200, 450)),
        margin={"l": 70, "r": 10},
        xaxis=dict(axis, showticklabels=False), yaxis=dict(axis, tickvals=rows, ticktext=list(strips), autorange="reversed",
                                                           scaleanchor="x"))


def few_labels_curves(histories, labelled_images: int, *, title=None) -> go.Figure:
    """Accuracy per epoch of the classifiers of ``few_labels_comparison``, renamed so the legend
    says what each split is: the few labelled training images (dashed) and the test images (solid).

    Args:
        histories: mapping classifier name -> Keras history with "accuracy" and "val_accuracy".
        labelled_images: how many labelled images the classifiers saw (for the title).
    """
    fig = learning_curves(histories, metric="accuracy", title=title or (
        f"Classifiers trained on {labelled_images} labelled images: pretrained encoder vs from scratch"))
    for trace in fig.data:
        if trace.meta is not None:
            trace.name = f"{trace.meta[0]} · {'labelled (train)' if trace.meta[1] == 'train' else 'test'}"
    fig.update_yaxes(title_text="accuracy", range=[0, 1.02], tickformat=".0%")
    return fig
