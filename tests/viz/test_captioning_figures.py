"""The captioning figures (toolkit.viz.captioning): one panel per generated word with its attention
map, the gallery's captions in run colours, the projector theme, and bad input named in one sentence."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.viz import theme
from toolkit.viz.captioning import DIM, attention_grid, caption_gallery, overlay

RNG = np.random.default_rng(0)
IMAGE = RNG.uniform(size=(32, 32, 3))
WORDS = ["a", "small", "red", "circle", "<end>"]


def maps(steps=len(WORDS), cells=4):
    weights = RNG.uniform(size=(steps, cells * cells))
    return (weights / weights.sum(axis=1, keepdims=True)).reshape(steps, cells, cells)


def test_attention_grid_has_the_image_then_one_titled_panel_per_word():
    fig = attention_grid(IMAGE, WORDS, maps(steps=7), cols=3)
    assert isinstance(fig, go.Figure)
    assert [trace.type for trace in fig.data] == ["image"] * (1 + len(WORDS))
    titles = [note.text for note in fig.layout.annotations]
    assert titles == ["image", "a", "small", "red", "circle", "&lt;end&gt;"]
    assert fig.layout.font.size >= theme.SMALLEST_FONT and fig.layout.title.text


def test_overlay_keeps_the_attended_cell_and_dims_the_others():
    weights = np.zeros((4, 4))
    weights[1, 2] = 1.0
    shown = overlay(np.ones((32, 32, 3)), weights)
    assert np.all(shown[8:16, 16:24] == 1.0)  # the cell's 8 × 8 block of pixels
    assert np.allclose(shown[:8], DIM)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"words": []}, "at least one generated word"),
    ({"maps": maps(steps=2)}, "one map per word"),
    ({"maps": maps(cells=5)}, "a grid that divides the image"),
    ({"maps": -maps()}, r"attention weights in \[0, 1\]"),
    ({"maps": np.ones((5, 4))}, r"a 3-D array of attention maps"),
    ({"image": IMAGE * 2}, r"values in \[0, 1\]"),
])
def test_attention_grid_names_bad_input(kwargs, message):
    arguments = {"image": IMAGE, "words": WORDS, "maps": maps(), **kwargs}
    with pytest.raises(ValueError, match=message):
        attention_grid(**arguments)


def test_caption_gallery_writes_each_captioner_under_each_image_in_its_colour():
    images = RNG.uniform(size=(3, 32, 32, 3))
    captions = {"Show and Tell": ["a red circle"] * 3, "Show, Attend and Tell (soft)": ["a blue star"] * 3}
    fig = caption_gallery(images, captions, [("a small blue star", "one shape: a small blue star")] * 3)
    assert [trace.type for trace in fig.data].count("image") == 3
    assert [trace.name for trace in fig.data if trace.type == "scatter"] == list(captions)
    texts = [note.text for note in fig.layout.annotations]
    assert len(texts) == 3
    colors = theme.run_colors(list(captions))
    assert all(f'color:{colors["Show and Tell"]}">a red circle' in text and "ref: a small blue star" in text
               for text in texts)


def test_caption_gallery_names_bad_input():
    images = RNG.uniform(size=(2, 32, 32, 3))
    with pytest.raises(ValueError, match="one caption per image"):
        caption_gallery(images, {"soft": ["a red circle"]})
    with pytest.raises(ValueError, match="at least one run label"):
        caption_gallery(images, {})
    with pytest.raises(ValueError, match="one entry per image"):
        caption_gallery(images, {"soft": ["a", "b"]}, references=["x"])
