"""Where detectors look: selective-search proposals, RPN anchors, proposal recall, ROI bins.

Four figures of the Detection & segmentation page, all on images of 64 × 64 pixels drawn as
PNGs (`scene_grid`'s pixel axes: a box [x0, x1) covers pixels x0..x1−1):

- ``proposal_grid``: the first k proposals of a few scenes over their ground truth;
- ``recall_curve``: recall of the ground truth at IoU ≥ 0.5 against proposals kept;
- ``anchor_figure``: the anchors of one cell and the anchors an image's objects match;
- ``roi_bins``: ROI pooling's quantized bins next to ROI Align's exact ones on a feature map,
  with the two pooled outputs.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.detection import pixel_axes, rgba
from toolkit.viz.network import png_data_uri
from toolkit.viz.theme import apply_layout, run_color, subplots

TRUTH_COLOR = "#111111"
PROPOSAL_COLOR = run_color(0)
POSITIVE_COLOR = run_color(2)
EXACT_COLOR, QUANTIZED_COLOR = run_color(0), run_color(1)


def _rect(box, axis, color, width=1.5, dash=None, opacity=1.0) -> dict:
    x0, y0, x1, y1 = (float(v) for v in box)
    return {"type": "rect", "xref": f"x{axis}", "yref": f"y{axis}", "x0": x0 - 0.5, "y0": y0 - 0.5,
            "x1": x1 - 0.5, "y1": y1 - 0.5, "opacity": opacity,
            "line": {"color": color, "width": width, **({"dash": dash} if dash else {})}}


def _legend_line(fig, name, color, dash=None):
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=name,
                             line={"color": color, "width": 3, **({"dash": dash} if dash else {})}), row=1, col=1)


def _image_panels(fig, images, titles=None):
    for index, image in enumerate(images):
        fig.add_trace(go.Image(source=png_data_uri(rgba(np.clip(image, 0, 1))), hoverinfo="skip"),
                      row=1, col=index + 1)
        pixel_axes(fig, "" if index == 0 else str(index + 1), *image.shape[:2])


def proposal_grid(images, proposals, truth, *, shown: int = 20, title=None) -> go.Figure:
    """The first `shown` proposals of each image (thin) over its ground-truth boxes (thick, dashed).

    `proposals`: per image (P, 4) xyxy best-ranked first (−1 rows are padding); `truth`: per
    image (M, 4) ground-truth boxes (−1 padding).
    """
    images = np.asarray(images, np.float32)
    fig = subplots(1, len(images), horizontal_spacing=0.02)
    _image_panels(fig, images)
    shapes = []
    for index, (found, boxes) in enumerate(zip(proposals, truth)):
        axis = "" if index == 0 else str(index + 1)
        found = np.asarray(found).reshape(-1, 4)
        found = found[found[:, 2] > found[:, 0]][:shown]
        shapes += [_rect(box, axis, PROPOSAL_COLOR, width=1.2, opacity=0.8) for box in found]
        boxes = np.asarray(boxes).reshape(-1, 4)
        shapes += [_rect(box, axis, TRUTH_COLOR, width=3, dash="dash") for box in boxes[boxes[:, 2] > boxes[:, 0]]]
    _legend_line(fig, f"the first {shown} proposals", PROPOSAL_COLOR)
    _legend_line(fig, "ground truth", TRUTH_COLOR, dash="dash")
    fig.update_layout(shapes=shapes)
    return apply_layout(fig, title=title or f"Selective search: the first {shown} proposals of each scene",
                        wide=True, height=320, margin={"l": 10, "r": 10, "b": 10})


def recall_curve(recalls: dict, *, title="Recall of the objects (IoU ≥ 0.5) against proposals kept") -> go.Figure:
    """`recalls`: method name -> {proposals kept: recall}; one line per method, log x axis."""
    fig = go.Figure()
    for index, (name, curve) in enumerate(recalls.items()):
        counts = sorted(curve)
        fig.add_trace(go.Scatter(x=counts, y=[curve[c] for c in counts], mode="lines+markers", name=name,
                                 line={"color": run_color(index), "width": 3}))
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0, 1.02])
    return apply_layout(fig, title=title, x_title="proposals kept per image", y_title="recall", wide=True, height=340)


def anchor_figure(image, cell_anchors, positives, truth, *, title) -> go.Figure:
    """Left: the anchors of one cell (every scale × ratio); right: the anchors that match the
    image's objects (IoU ≥ the positive threshold) over the ground truth."""
    image = np.asarray(image, np.float32)
    fig = subplots(1, 2, horizontal_spacing=0.04, titles=[f"{len(cell_anchors)} anchors of the centre cell",
                                                         f"{len(positives)} positive anchors"])
    _image_panels(fig, [image, image])
    truth = np.asarray(truth).reshape(-1, 4)
    truth = truth[truth[:, 2] > truth[:, 0]]
    shapes = [_rect(box, "", PROPOSAL_COLOR, width=1.5) for box in cell_anchors]
    shapes += [_rect(box, "2", POSITIVE_COLOR, width=1.5) for box in positives]
    shapes += [_rect(box, "2", TRUTH_COLOR, width=3, dash="dash") for box in truth]
    _legend_line(fig, "anchors", PROPOSAL_COLOR)
    _legend_line(fig, "positive anchors", POSITIVE_COLOR)
    _legend_line(fig, "ground truth", TRUTH_COLOR, dash="dash")
    fig.update_layout(shapes=shapes)
    for axis in ("xaxis", "xaxis2"):  # anchors reach past the image: show them whole
        fig.layout[axis].range = (-24, image.shape[1] + 24)
    for axis in ("yaxis", "yaxis2"):
        fig.layout[axis].range = (image.shape[0] + 24, -24)
    return apply_layout(fig, title=title, wide=True, height=460, margin={"l": 10, "r": 10, "b": 10})


def _bin_edges(low, high, bins):
    return low + (high - low) * np.arange(bins + 1) / bins


def roi_bins(feature_map, roi, quantized, pooled, aligned, *, spatial_scale, title) -> go.Figure:
    """The feature map (H, W) with the ROI in feature cells: exact box and ROI Align's bins
    (solid), the quantized box and ROI pooling's bins (dashed); then the two (ph, pw) outputs.

    `roi` and `quantized` are xyxy in image pixels; `pooled`, `aligned`: (ph, pw) outputs.
    """
    feature_map = np.asarray(feature_map, np.float32)
    bins = np.asarray(pooled).shape
    fig = subplots(1, 3, column_widths=[0.5, 0.25, 0.25], horizontal_spacing=0.06,
                   titles=["feature map, ROI in cells", "ROI pooling (max)", "ROI Align (bilinear)"])
    scale = dict(zmin=float(feature_map.min()), zmax=float(feature_map.max()), colorscale=[[0, "#000000"], [1, "#ffffff"]], showscale=False)
    fig.add_trace(go.Heatmap(z=feature_map, **scale, hovertemplate="cell (%{y}, %{x}): %{z:.2f}<extra></extra>"),
                  row=1, col=1)
    for col, values in ((2, pooled), (3, aligned)):
        fig.add_trace(go.Heatmap(z=np.asarray(values), **scale, hovertemplate="bin (%{y}, %{x}): %{z:.2f}<extra></extra>"),
                      row=1, col=col)
    shapes = []
    # image point x is at x·s − ½ in cell indices (cell h is drawn centred on h)
    for box, color, dash in ((roi, EXACT_COLOR, None), (quantized, QUANTIZED_COLOR, "dash")):
        x0, y0, x1, y1 = np.asarray(box, float) * spatial_scale - 0.5
        for x in _bin_edges(x0, x1, bins[1]):
            shapes.append({"type": "line", "xref": "x", "yref": "y", "x0": x, "x1": x, "y0": y0, "y1": y1,
                           "line": {"color": color, "width": 2, **({"dash": dash} if dash else {})}})
        for y in _bin_edges(y0, y1, bins[0]):
            shapes.append({"type": "line", "xref": "x", "yref": "y", "x0": x0, "x1": x1, "y0": y, "y1": y,
                           "line": {"color": color, "width": 2, **({"dash": dash} if dash else {})}})
    _legend_line(fig, "exact ROI and its bins (ROI Align)", EXACT_COLOR)
    _legend_line(fig, "quantized ROI and its bins (ROI pooling)", QUANTIZED_COLOR, dash="dash")
    fig.update_layout(shapes=shapes)
    for index in range(3):
        axis = "" if index == 0 else str(index + 1)
        fig.layout[f"yaxis{axis}"].update(autorange="reversed", scaleanchor=f"x{axis}", showticklabels=index == 0)
        fig.layout[f"xaxis{axis}"].update(showticklabels=index == 0, constrain="domain")
    return apply_layout(fig, title=title, wide=True, height=380, margin={"l": 40, "r": 10, "b": 30})
