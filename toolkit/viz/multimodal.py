"""Figures of the CLIP page (toolkit.multimodal): the similarity matrix, zero-shot accuracy while
training, the scenes a caption retrieves, and prompt learning's base and novel accuracy.

The similarity matrix is Eq. 2 of ``toolkit.multimodal.clip``: S_ij = e^s u_i · v_j for image i
(a row, its thumbnail at the left) and caption j (a column); training pulls the diagonal up.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.captioning import _panel_grid
from toolkit.viz.detection import pixel_axes, rgba
from toolkit.viz.network import png_data_uri
from toolkit.viz.theme import SMALLEST_FONT, WIDE_WIDTH, apply_layout, run_color, run_colors, subplots
from toolkit.viz.validation import as_array

CELL_PX = 58  # one row of the similarity matrix: a thumbnail fits beside it
THUMB_MARGIN = 76  # left margin: the thumbnails
TICKS_PX = 34  # the captions' numbers under the matrix, then the captions


def similarity_matrix(similarity, images, captions, *, title=None) -> go.Figure:
    """Eq. 2's (B, B) matrix as a heatmap: rows the images (thumbnails at the left), columns their
    captions (numbered, listed under the matrix); the true pairs on the diagonal are outlined."""
    similarity = as_array("similarity", similarity, ndims=(2,), expected="a (B, B) similarity matrix")
    images = as_array("images", images, ndims=(4,), expected="a (B, H, W, C) array of images")
    count = similarity.shape[0]
    if similarity.shape[1] != count or len(images) != count or len(captions) != count:
        raise ValueError(f"`similarity` must be square with one image and one caption per row, received "
                         f"{similarity.shape}, {len(images)} images and {len(captions)} captions.")
    labels = [f"t{j + 1}" for j in range(count)]
    fig = go.Figure(go.Heatmap(
        z=similarity[::-1], x=labels, y=[f"x{i + 1}" for i in range(count)][::-1], colorscale="Viridis",
        colorbar={"title": {"text": "S<sub>ij</sub>"}}, text=np.round(similarity[::-1], 1), texttemplate="%{text}",
        textfont={"size": SMALLEST_FONT}, hovertemplate="image %{y}, caption %{x}: S = %{z:.2f}<extra></extra>"))
    for i in range(count):  # the true pairs
        row = count - 1 - i
        fig.add_shape(type="rect", x0=i - 0.5, x1=i + 0.5, y0=row - 0.5, y1=row + 0.5,
                      line={"color": "#e4572e", "width": 3})
        fig.add_layout_image(source=png_data_uri(rgba(np.clip(images[i], 0, 1))), xref="paper", yref="y",
                             x=-0.01, y=row, sizex=0.9, sizey=0.9, xanchor="right", yanchor="middle", layer="above")
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    legend = "<br>".join(f"<b>t{j + 1}</b> {html.escape(str(c))}" for j, c in enumerate(captions))
    lines = legend.count("<br>") + 1
    fig.add_annotation(text=legend, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-TICKS_PX,
                       showarrow=False, align="left", font={"size": SMALLEST_FONT})
    height = count * CELL_PX + 40 + TICKS_PX + lines * (SMALLEST_FONT + 6)
    return apply_layout(fig, title=title or "Similarity of held-out images (rows) and captions (columns)", wide=True,
                        height=height, margin={"l": THUMB_MARGIN, "b": lines * (SMALLEST_FONT + 6) + TICKS_PX + 8})


def zero_shot_curve(accuracy_by_epoch: dict, *, chance: float | None = None, title=None) -> go.Figure:
    """Zero-shot accuracy against the epoch (epoch 0: the untrained model), chance as a dashed line."""
    epochs = sorted(int(epoch) for epoch in accuracy_by_epoch)
    fig = go.Figure(go.Scatter(x=epochs, y=[accuracy_by_epoch[e] for e in epochs], mode="lines+markers",
                               name="zero-shot", line={"color": run_color(0), "width": 3}))
    if chance is not None:
        fig.add_hline(y=chance, line={"dash": "dash", "color": "#888888"}, annotation_text="chance",
                      annotation_position="bottom right")
    fig.update_yaxes(range=[0, 1.02])
    return apply_layout(fig, title=title or "Zero-shot accuracy on single shapes", x_title="epoch",
                        y_title="accuracy", showlegend=False)


def word_weights(weights, images, words, *, title=None) -> go.Figure:
    """STAIR's embeddings as a heatmap: rows the images (thumbnails at the left), columns vocabulary words, each
    cell the image's weight w_k on that word; exact zeros stay blank, so sparsity is what the eye sees."""
    weights = as_array("weights", weights, ndims=(2,), expected="an (N, V) array of word weights")
    images = as_array("images", images, ndims=(4,), expected="an (N, H, W, C) array of images")
    if len(images) != len(weights) or weights.shape[1] != len(words):
        raise ValueError(f"`weights` must have one row per image and one column per word, received {weights.shape} "
                         f"for {len(images)} images and {len(words)} words.")
    count = len(images)
    shown = np.where(weights > 0, weights, np.nan)[::-1]  # a zero weight is no word at all: blank
    text = np.where(weights > 0, np.round(weights, 1).astype(str), "")[::-1]
    fig = go.Figure(go.Heatmap(
        z=shown, x=list(words), y=[f"x{i + 1}" for i in range(count)][::-1], colorscale="Viridis", zmin=0,
        colorbar={"title": {"text": "w<sub>k</sub>"}}, text=text, texttemplate="%{text}",
        textfont={"size": SMALLEST_FONT}, hovertemplate="image %{y}, word '%{x}': w = %{z:.2f}<extra></extra>",
        xgap=1, ygap=1))
    for i in range(count):
        fig.add_layout_image(source=png_data_uri(rgba(np.clip(images[i], 0, 1))), xref="paper", yref="y",
                             x=-0.01, y=count - 1 - i, sizex=0.9, sizey=0.9, xanchor="right", yanchor="middle",
                             layer="above")
    fig.update_xaxes(showgrid=False, tickangle=-45)
    fig.update_yaxes(showticklabels=False, showgrid=False)
    return apply_layout(fig, title=title or "Each image's weight on each word (blank: exactly 0)", wide=True,
                        height=count * CELL_PX + 130, margin={"l": THUMB_MARGIN, "b": 110},
                        plot_bgcolor="#ffffff")


def reading_curves(accuracy_by_epoch: dict, *, chance: dict, title=None) -> go.Figure:
    """Accuracies against the epoch, one line per name ({epoch: {name: accuracy}}), each name's chance dashed in its
    colour (STAIR's shape and colour read off the image embedding)."""
    epochs = sorted(int(epoch) for epoch in accuracy_by_epoch)
    names = list(accuracy_by_epoch[epochs[0]]) if epochs else list(chance)
    fig = go.Figure()
    for index, name in enumerate(names):
        fig.add_trace(go.Scatter(x=epochs, y=[accuracy_by_epoch[e][name] for e in epochs], mode="lines+markers",
                                 name=name, line={"color": run_color(index), "width": 3}))
        if name in chance:
            fig.add_hline(y=chance[name], line={"dash": "dash", "color": run_color(index), "width": 1.5})
    fig.update_yaxes(range=[0, 1.02])
    return apply_layout(fig, title=title or "Accuracy against the epoch (dashed: chance)", x_title="epoch",
                        y_title="accuracy")


def retrieved_scenes(images, scores, *, query: str, title=None) -> go.Figure:
    """The scenes a caption retrieves, best first, each titled with its cosine similarity u · v."""
    images = as_array("images", images, ndims=(4,), expected="a (k, H, W, C) array of images")
    scores = as_array("scores", scores, ndims=(1,), expected="one similarity per image")
    if len(scores) != len(images) or not len(images):
        raise ValueError(f"`scores` must hold one value per image, received {len(scores)} for {len(images)} images.")
    titles = [f"#{rank + 1}: {score:.2f}" for rank, score in enumerate(scores)]
    return scene_row(images, titles, title=title or f"Held-out scenes closest to “{query}” (cosine u·v)")


def scene_row(images, titles, *, title: str, panel: int | None = None) -> go.Figure:
    """Scenes side by side across the page's width (or `panel` pixels each), each with a short title above it."""
    images = as_array("images", images, ndims=(4,), expected="a (k, H, W, C) array of images")
    if len(titles) != len(images) or not len(images):
        raise ValueError(f"`titles` must hold one title per image, received {len(titles)} for {len(images)} images.")
    fig = _panel_grid(list(images), list(titles), len(images))
    wide = panel is None
    panel = (WIDE_WIDTH - 20) / len(images) if wide else panel
    return apply_layout(fig, title=title, wide=wide, height=int(panel + 90), showlegend=False,
                        margin={"l": 10, "r": 10, "b": 10})


def gate_curves(gates_by_epoch: dict, *, title=None) -> go.Figure:
    """Flamingo's gates against the epoch ({epoch: [(tanh α_xattn, tanh α_dense) per gated layer]}): 0 at the
    start, the frozen language model alone; how far each opens is how much the image changes its states."""
    epochs = sorted(int(epoch) for epoch in gates_by_epoch)
    layers = len(gates_by_epoch[epochs[0]]) if epochs else 0
    fig = go.Figure()
    for layer in range(layers):
        for which, name in enumerate(("xattn", "dense")):
            fig.add_trace(go.Scatter(x=epochs, y=[gates_by_epoch[e][layer][which] for e in epochs],
                                     mode="lines+markers", name=f"tanh α_{name}, layer {layer + 1}",
                                     line={"color": run_color(2 * layer + which), "width": 3,
                                           "dash": "solid" if which == 0 else "dot"}))
    fig.add_hline(y=0, line={"dash": "dash", "color": "#888888"})
    widest = max((abs(value) for gates in gates_by_epoch.values() for pair in gates for value in pair), default=0.0)
    reach = min(1.02, max(0.1, 1.2 * widest))  # small gates stay visible; never past tanh's ±1
    fig.update_yaxes(range=[-reach, reach])
    return apply_layout(fig, title=title or "Flamingo's gates tanh α (0: the frozen model alone)", x_title="epoch",
                        y_title="tanh α")


def base_novel_bars(rows: list[dict], *, colors: dict | None = None, title=None) -> go.Figure:
    """Base and novel accuracy of each prompt (rows of ``lab.PromptResult.table()``), grouped by split."""
    if not rows:
        raise ValueError("`rows` must hold at least one prompt's accuracies.")
    palette = run_colors([row["prompt"] for row in rows], colors)
    fig = go.Figure()
    for row in rows:
        fig.add_trace(go.Bar(x=["base classes", "novel classes", "harmonic mean H"],
                             y=[row["base"], row["novel"], row["H"]], name=row["prompt"],
                             marker_color=palette[row["prompt"]], text=[f"{row[k]:.2f}" for k in ("base", "novel", "H")],
                             textposition="outside", textfont={"size": SMALLEST_FONT}))
    fig.update_yaxes(range=[0, 1.12])
    return apply_layout(fig, title=title or "Prompt accuracy on the base classes and on the novel ones",
                        y_title="accuracy", barmode="group", wide=True)



def scene_sounds(images, spectrograms, *, titles=None, frame_seconds: float, bin_hz: float, title=None) -> go.Figure:
    """Each scene (top row) above the spectrogram of its recording (bottom row: time across, frequency up), so a
    student can see which note belongs to which shape (``toolkit.multimodal.imagebind``)."""
    images = as_array("images", images, ndims=(4,), expected="a (n, H, W, C) array of scenes")
    spectrograms = as_array("spectrograms", spectrograms, ndims=(3, 4), expected="an (n, frames, bins) array")
    if len(spectrograms) != len(images) or not len(images):
        raise ValueError(f"`spectrograms` must hold one recording per scene, received {len(spectrograms)} for "
                         f"{len(images)} scenes.")
    count, frames, bins = len(images), spectrograms.shape[1], spectrograms.shape[2]
    titles = list(titles) if titles is not None else [f"scene {i + 1}" for i in range(count)]
    fig = subplots(2, count, titles=titles + [""] * count, horizontal_spacing=0.03, vertical_spacing=0.04,
                   row_heights=[0.55, 0.45])
    seconds = np.arange(frames) * frame_seconds
    hertz = np.arange(bins) * bin_hz
    top = float(np.max(spectrograms)) or 1.0
    for index in range(count):
        fig.add_trace(go.Image(source=png_data_uri(rgba(np.clip(images[index], 0, 1))), hoverinfo="skip"),
                      row=1, col=index + 1)
        pixel_axes(fig, "" if index == 0 else str(index + 1), *images.shape[1:3])
        fig.add_trace(go.Heatmap(z=np.reshape(spectrograms[index], (frames, bins)).T, x=seconds, y=hertz,
                                 colorscale="Magma", zmin=0, zmax=top, showscale=index == count - 1,
                                 colorbar={"title": {"text": "log(1+|A|)"}, "len": 0.45, "y": 0.2},
                                 hovertemplate="%{x:.2f} s, %{y:.0f} Hz: %{z:.2f}<extra></extra>"),
                      row=2, col=index + 1)
        fig.update_xaxes(title_text="s" if index == 0 else None, row=2, col=index + 1)
        fig.update_yaxes(title_text="Hz" if index == 0 else None, showticklabels=index == 0, row=2, col=index + 1)
    panel = (WIDE_WIDTH - 80) / count
    return apply_layout(fig, title=title or "Each scene and the spectrogram of its recording", wide=True,
                        height=int(1.9 * panel + 60), showlegend=False, margin={"l": 70, "r": 10, "b": 50})
