"""image_grid: one mosaic trace, labels as annotations and hover, errors."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.viz import image_grid

RNG = np.random.default_rng(0)


def test_grayscale_images_become_one_gray_heatmap_mosaic():
    images = RNG.random((12, 4, 5, 1))
    fig = image_grid(images, cols=5)
    mosaic, hover = fig.data
    assert isinstance(mosaic, go.Heatmap)
    assert mosaic.colorscale[0][1] == "rgb(0, 0, 0)"  # gray scale: 0 is black
    assert np.shape(mosaic.z) == (3 * 5 - 1, 5 * 6 - 1)  # 3 rows x 5 cols with 1 px gaps
    np.testing.assert_array_equal(np.asarray(mosaic.z)[0:4, 0:5], images[0, ..., 0])
    np.testing.assert_array_equal(np.asarray(mosaic.z)[5:9, 6:11], images[6, ..., 0])  # row 1, col 1
    assert np.isnan(np.asarray(mosaic.z)[4, 0])  # gap
    assert len(hover.x) == 12
    assert fig.layout.xaxis.showticklabels is False and fig.layout.yaxis.showticklabels is False


def test_rgb_images_become_one_image_trace():
    images = RNG.random((3, 6, 6, 3))
    mosaic = image_grid(images).data[0]
    assert isinstance(mosaic, go.Image)
    np.testing.assert_array_equal(np.asarray(mosaic.z)[:6, :6], np.round(images[0] * 255))


def test_labels_are_annotations_and_hover_text_with_names():
    images = RNG.random((15, 8, 8))
    labels = np.arange(15) % 3
    fig = image_grid(images, labels, label_names=["zero", "one", "two"], title="Digits")
    assert [a.text for a in fig.layout.annotations][:4] == ["zero", "one", "two", "zero"]
    assert fig.data[1].hovertext[4] == "#4 · one"
    assert fig.layout.title.text == "Digits"


def test_max_images_caps_the_mosaic():
    fig = image_grid(RNG.random((250, 28, 28)))
    assert len(fig.data[1].x) == 100
    assert np.shape(fig.data[0].z) == (10 * 29 - 1, 10 * 29 - 1)
    assert fig.layout.xaxis.title.text.startswith("100 of 250 images")
    assert 200 <= fig.layout.height <= 600


def test_labelled_tiles_are_wide_enough_for_their_labels_at_14_px():
    short = image_grid(RNG.random((250, 28, 28)), RNG.integers(0, 10, 250))
    assert len(short.layout.annotations) == 60 and {a.font.size for a in short.layout.annotations} == {14}
    long = image_grid(RNG.random((20, 8, 8)), ["circle → square"] * 20, cols=10)
    assert len(long.layout.annotations) == 18  # 3 tiles a row (half a page), at most 6 rows


def test_string_and_one_hot_labels():
    images = RNG.random((2, 3, 3))
    assert [a.text for a in image_grid(images, ["cat", "dog"]).layout.annotations] == ["cat", "dog"]
    assert [a.text for a in image_grid(images, np.eye(4)[[3, 1]]).layout.annotations] == ["3", "1"]


@pytest.mark.parametrize("images, kwargs, message", [
    (np.zeros((2, 3)), {}, r"`images` must be \(N, H, W\), \(N, H, W, 1\) or \(N, H, W, 3\), received shape \(2, 3\)"),
    (np.zeros((2, 3, 3, 2)), {}, r"`images` must have 1 or 3 channels, received shape \(2, 3, 3, 2\)"),
    (np.zeros((0, 3, 3)), {}, "`images` is empty"),
    (np.full((2, 3, 3), 255.0), {}, r"values in \[0, 1\], received values in \[255, 255\]; divide uint8"),
    (np.full((2, 3, 3), np.nan), {}, "and NaN or inf"),
    (np.zeros((2, 3, 3)), {"labels": [1, 2, 3]}, r"`labels` must be \(N,\) with N = 2 images, received shape \(3,\)"),
    (np.zeros((2, 3, 3)), {"labels": [0, 5], "label_names": ["a", "b"]}, r"ids in \[0, 2\) to index `label_names`"),
    (np.zeros((2, 3, 3)), {"cols": 0}, "`cols` must be an integer >= 1, received cols=0"),
])
def test_bad_input_raises_one_clear_sentence(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_grid(images, **kwargs)


def test_labelled_grid_names_rows_and_columns_at_the_tiles_centres():
    from toolkit.viz.images import labelled_grid

    images = np.random.default_rng(0).uniform(size=(6, 8, 8, 3))
    fig = labelled_grid(images, ["a red", "a blue"], ["circle", "square", "star"], title="Prompts")
    assert list(fig.layout.xaxis.ticktext) == ["circle", "square", "star"]
    assert list(fig.layout.yaxis.ticktext) == ["a red", "a blue"]
    assert list(fig.layout.xaxis.tickvals) == [3.5, 12.5, 21.5] and list(fig.layout.yaxis.tickvals) == [3.5, 12.5]
    with pytest.raises(ValueError, match="one image per row and column"):
        labelled_grid(images[:5], ["a red", "a blue"], ["circle", "square", "star"])
