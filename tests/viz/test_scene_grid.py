"""scene_grid: one image per panel, a rectangle and a label per box, masks, captions, legend, errors."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.data.shapes import SHAPES, scenes
from toolkit.viz import scene_grid
from toolkit.viz.theme import class_color

SCENES = scenes(6, seed=0, max_objects=3)


def boxes_drawn(fig):
    return [shape for shape in fig.layout.shapes if shape.type == "rect"]


def labels(fig):
    return [note for note in fig.layout.annotations if note.xref != "paper"]


def test_ground_truth_draws_one_rectangle_and_one_label_per_object():
    captions = [c[0] for c in SCENES.captions]
    fig = scene_grid(SCENES.images, SCENES.boxes, SCENES.classes, SHAPES, captions=captions, cols=3)
    objects = int(SCENES.counts.sum())
    images = [t for t in fig.data if isinstance(t, go.Image)]
    assert len(images) == 6 and all(t.source.startswith("data:image/png;base64,") for t in images)
    assert len(boxes_drawn(fig)) == objects and len(labels(fig)) == objects
    drawn_captions = [n.text for n in fig.layout.annotations if n.xref == "paper"]
    assert [text.replace("<br>", " ") for text in drawn_captions] == captions  # wrapped to the panel's width
    assert sorted(n.text for n in labels(fig)) == sorted(SHAPES[k] for k in SCENES.classes[SCENES.classes >= 0])
    legend = [t.name for t in fig.data if isinstance(t, go.Scatter)]
    assert legend == [SHAPES[k] for k in np.unique(SCENES.classes[SCENES.classes >= 0])]
    fig.to_json()


def test_a_box_sits_on_the_outer_edges_of_its_pixels_in_its_class_colour():
    fig = scene_grid(SCENES.images[:1], SCENES.boxes[:1], SCENES.classes[:1], SHAPES)
    rect, (x0, y0, x1, y1), k = boxes_drawn(fig)[0], SCENES.boxes[0, 0], SCENES.classes[0, 0]
    assert (rect.x0, rect.y0, rect.x1, rect.y1) == (x0 - 0.5, y0 - 0.5, x1 - 0.5, y1 - 0.5)
    assert rect.xref == "x" and rect.yref == "y" and rect.line.color == class_color(k)
    assert labels(fig)[0].bgcolor == class_color(k) and labels(fig)[0].font.size >= 14
    assert list(fig.layout.yaxis.range) == [63.5, -0.5] and fig.layout.yaxis.scaleanchor == "x"


def test_predictions_of_any_length_show_scores_and_mask_overlays():
    images = SCENES.images[:3]
    boxes = [np.array([[5, 6, 20, 30], [52, 2, 63, 12]]), np.zeros((0, 4)), np.array([[0, 0, 10, 10]])]
    classes = [np.array([0, 4]), np.zeros(0, int), np.array([5])]
    scores = [np.array([0.93, 0.512]), np.zeros(0), np.array([0.4])]
    masks = [np.zeros((2, 64, 64), bool), np.zeros((0, 64, 64), bool), np.ones((1, 64, 64), bool)]
    fig = scene_grid(images, boxes, classes, SHAPES, scores=scores, masks=masks, title="Predictions")
    assert [n.text for n in labels(fig)] == ["circle 0.93", "star 0.51", "cross 0.40"]
    assert len(boxes_drawn(fig)) == 3
    assert len([t for t in fig.data if isinstance(t, go.Image)]) == 3 + 2  # images, then overlays of images 1 and 3
    assert labels(fig)[1].xanchor == "right"  # a label that would leave the image ends at its box's right edge
    assert labels(fig)[2].yanchor == "top"  # no room above a box at the top: inside it


@pytest.mark.parametrize("kwargs, message", [
    ({"images": np.zeros((2, 8, 8, 3)) + 2}, r"`images` must hold finite values in \[0, 1\]"),
    ({"boxes": np.zeros((3, 1, 4))}, r"`boxes` must hold one entry per image \(2\), received 3\."),
    ({"classes": np.array([[7], [0]])}, r"`classes` must be ids below len\(class_names\) = 6, received 7 for image 0\."),
    ({"classes": np.array([[0, 1], [0, 1]])}, r"Image 0 has 1 boxes but 2 classes"),
    ({"scores": np.zeros((2, 2))}, r"`scores` of image 0 must have shape \(1,\), received \(2,\)\."),
    ({"captions": ["one"]}, r"`captions` must hold one entry per image \(2\), received 1\."),
    ({"cols": 0}, r"`cols` must be an integer >= 1, received cols=0\."),
])
def test_bad_input_raises_one_clear_sentence(kwargs, message):
    arguments = {"images": np.zeros((2, 8, 8, 3)), "boxes": np.zeros((2, 1, 4)), "classes": np.zeros((2, 1), int),
                 "class_names": SHAPES, **kwargs}
    with pytest.raises(ValueError, match=message):
        scene_grid(**arguments)
