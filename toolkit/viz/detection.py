"""Scenes with their objects drawn: boxes labelled by class (and score), instance masks, captions.

One panel per image, each image one PNG (a few kB instead of a number per pixel). A box is a
rectangle in its class's colour (`theme.class_color`) with the class name at its top-left
corner, "circle 0.93" when scores are given (a detector's predictions); masks are the class
colour at `MASK_ALPHA` over the image; a caption sits under its panel. Boxes are xyxy in
pixels with half-open extents, so a box [10, 20) covers pixels 10..19 and is drawn from
x = 9.5 to 19.5, the outer edges of those pixels. The legend names the classes drawn.
"""

import math

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.network import png_data_uri
from toolkit.viz.theme import (
    HEADER_GAP, SMALLEST_FONT, TITLE_LINE, TITLE_TOP, WIDE_WIDTH, apply_layout, class_color, subplots, text_width,
    wrap,
)
from toolkit.viz.validation import as_array, positive_int

MASK_ALPHA = 0.45
SPACING = 0.02  # horizontal gap between panels, as a fraction of the figure's width
MARGIN = 10  # px left and right of the panels
LINE_PX = 19  # height of one caption line at SMALLEST_FONT
LABEL_PX = 20  # height of a box label on screen: a label goes above its box where the image has room
ROW_GAP = 12  # px between a caption and the next row


def scene_grid(images, boxes, classes, class_names, scores=None, masks=None, captions=None, *,
               cols=4, title="Scenes") -> go.Figure:
    """One panel per image with its objects drawn.

    Args:
        images: (N, H, W, 3), (N, H, W, 1) or (N, H, W) values in [0, 1].
        boxes: per image, (K_i, 4) xyxy boxes in pixels; a padded (N, M, 4) array works too.
        classes: per image, (K_i,) class ids indexing `class_names`; ids < 0 are padding, not drawn.
        class_names: the name of each class id.
        scores: optional per image (K_i,) scores in [0, 1], shown in the labels.
        masks: optional per image (K_i, H, W) bool instance masks.
        captions: optional one text per image, under its panel (<br> allowed).
        cols: panels per row.
        title: the figure's title.
    """
    images = _check_images(images)
    count, height, width = images.shape[:3]
    for name, value in (("boxes", boxes), ("classes", classes), ("scores", scores), ("masks", masks),
                        ("captions", captions)):
        if value is not None and len(value) != count:
            raise ValueError(f"`{name}` must hold one entry per image ({count}), received {len(value)}.")
    objects = [_objects(i, boxes, classes, scores, masks, (height, width), len(class_names)) for i in range(count)]
    cols = min(positive_int("cols", cols), count)
    rows = math.ceil(count / cols)
    panel_w = (WIDE_WIDTH - 2 * MARGIN) * (1 - SPACING * (cols - 1)) / cols
    captions = None if captions is None else [wrap(str(text), panel_w, SMALLEST_FONT) for text in captions]
    caption_px = max(text.count("<br>") + 1 for text in captions) * LINE_PX + 6 if captions else 0
    plot_h = rows * panel_w * height / width + (rows - 1) * (caption_px + ROW_GAP)
    fig = subplots(rows, cols, horizontal_spacing=SPACING,
                   vertical_spacing=(caption_px + ROW_GAP) / plot_h if rows > 1 else 0.0)
    shapes, notes = [], []
    for index, (image, found) in enumerate(zip(images, objects)):
        drawn = _draw_panel(fig, index, cols, image, found, class_names, pixels_per_px=width / panel_w)
        shapes, notes = shapes + drawn[0], notes + drawn[1]
    if captions:
        notes += _caption_notes(fig, captions)
    classes_drawn = sorted({k for found in objects for k in found["classes"].tolist()})
    _add_legend(fig, classes_drawn, class_names)
    fig.update_layout(shapes=shapes, annotations=notes)
    bottom = caption_px + MARGIN
    return apply_layout(fig, title=title, wide=True, showlegend=bool(classes_drawn),
                        height=int(plot_h + bottom + TITLE_TOP + TITLE_LINE + HEADER_GAP),
                        margin={"l": MARGIN, "r": MARGIN, "b": bottom})


def _draw_panel(fig, index, cols, image, found, class_names, pixels_per_px):
    """Adds image `index` (and its mask overlay) to its panel; returns its box shapes and labels."""
    row, col = index // cols + 1, index % cols + 1
    fig.add_trace(go.Image(source=png_data_uri(rgba(image)), hoverinfo="skip"), row=row, col=col)
    if found["masks"] is not None and len(found["masks"]):
        fig.add_trace(go.Image(source=png_data_uri(_mask_rgba(found["masks"], found["classes"])),
                               hoverinfo="skip"), row=row, col=col)
    axis = "" if index == 0 else str(index + 1)
    height, width = image.shape[:2]
    pixel_axes(fig, axis, height, width)
    return _box_shapes(found, axis), _box_labels(found, class_names, axis, pixels_per_px, width)


def _add_legend(fig, classes, class_names):
    """One legend entry per class drawn, a square in its colour."""
    for k in classes:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=str(class_names[k]),
                                 marker={"symbol": "square", "size": 12, "color": class_color(k)}), row=1, col=1)


def _check_images(images):
    images = as_array("images", images, ndims=(3, 4), expected="(N, H, W), (N, H, W, 1) or (N, H, W, 3)")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] not in (1, 3) or not len(images):
        raise ValueError(f"`images` must be a non-empty (N, H, W, 3) or (N, H, W, 1) array, "
                         f"received shape {images.shape}.")
    if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() > 1:
        raise ValueError("`images` must hold finite values in [0, 1]; divide uint8 images by 255.")
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def _objects(index, boxes, classes, scores, masks, image_shape, num_classes) -> dict:
    """Image `index`'s boxes (K, 4), classes (K,), scores (K,) or None, masks (K, H, W) or None; padding dropped."""
    box = np.asarray(boxes[index], float).reshape(-1, 4) if np.size(boxes[index]) else np.zeros((0, 4))
    ids = np.asarray(classes[index]).reshape(-1).astype(int)
    if len(box) != len(ids):
        raise ValueError(f"Image {index} has {len(box)} boxes but {len(ids)} classes; give one class per box.")
    if ids.size and ids.max() >= num_classes:
        raise ValueError(f"`classes` must be ids below len(class_names) = {num_classes}, "
                         f"received {ids.max()} for image {index}.")
    keep = ids >= 0
    found = {"boxes": box[keep], "classes": ids[keep], "scores": None, "masks": None}
    for name, value, shape in (("scores", scores, (len(ids),)), ("masks", masks, (len(ids), *image_shape))):
        if value is not None:
            item = np.asarray(value[index])
            if item.shape != shape:
                raise ValueError(f"`{name}` of image {index} must have shape {shape}, received {item.shape}.")
            found[name] = item[keep]
    return found


def pixel_axes(fig, axis, height, width):
    """Panel `axis`'s axes span the image's pixels, row 0 at the top, one pixel as wide as high; no ticks."""
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": "", "constrain": "domain"}
    fig.update_layout({f"xaxis{axis}": {**hidden, "range": [-0.5, width - 0.5]},
                       f"yaxis{axis}": {**hidden, "range": [height - 0.5, -0.5], "scaleanchor": f"x{axis}"}})


def rgba(image):
    """(H, W, 3) floats in [0, 1] -> (H, W, 4) opaque uint8."""
    rgb = np.round(image * 255).astype(np.uint8)
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=-1)


def _mask_rgba(masks, classes):
    """(K, H, W) masks -> (H, W, 4) uint8: each mask in its class colour at MASK_ALPHA, elsewhere transparent."""
    overlay = np.zeros(masks.shape[1:] + (4,), np.uint8)
    for mask, k in zip(masks.astype(bool), classes):
        colour = [int(class_color(k)[i:i + 2], 16) for i in (1, 3, 5)]
        overlay[mask] = colour + [round(255 * MASK_ALPHA)]
    return overlay


def _box_shapes(found, axis):
    """One rectangle per box on the pixels' outer edges (module docstring)."""
    return [{"type": "rect", "xref": f"x{axis}", "yref": f"y{axis}",
             "x0": x0 - 0.5, "y0": y0 - 0.5, "x1": x1 - 0.5, "y1": y1 - 0.5,
             "line": {"color": class_color(k), "width": 2}}
            for (x0, y0, x1, y1), k in zip(found["boxes"], found["classes"])]


def _box_labels(found, class_names, axis, pixels_per_px, width):
    """The class name (and score) at each box's top-left corner: above the box where the image has
    room, else inside it; at its top-right corner where the label would leave the image."""
    notes = []
    for i, ((x0, y0, x1, y1), k) in enumerate(zip(found["boxes"], found["classes"])):
        text = str(class_names[k]) + (f" {found['scores'][i]:.2f}" if found["scores"] is not None else "")
        left = x0 + (text_width(text, SMALLEST_FONT) + 4) * pixels_per_px <= width
        notes.append({"xref": f"x{axis}", "yref": f"y{axis}", "x": (x0 if left else x1) - 0.5, "y": y0 - 0.5,
                      "text": text, "showarrow": False, "xanchor": "left" if left else "right",
                      "yanchor": "bottom" if y0 >= LABEL_PX * pixels_per_px else "top",
                      "font": {"size": SMALLEST_FONT, "color": "#ffffff"}, "bgcolor": class_color(k),
                      "borderpad": 1, "hovertext": f"{text} · box [{x0:g}, {y0:g}, {x1:g}, {y1:g}]"})
    return notes


def _caption_notes(fig, captions):
    """Each caption centred under its panel."""
    notes = []
    for index, text in enumerate(captions):
        axis = "" if index == 0 else str(index + 1)
        x_domain, y_domain = fig.layout[f"xaxis{axis}"].domain, fig.layout[f"yaxis{axis}"].domain
        notes.append({"xref": "paper", "yref": "paper", "x": sum(x_domain) / 2, "y": y_domain[0], "text": text,
                      "showarrow": False, "xanchor": "center", "yanchor": "top", "yshift": -4,
                      "font": {"size": SMALLEST_FONT}})
    return notes
