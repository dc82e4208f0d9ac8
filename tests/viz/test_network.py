"""network_diagram: links coloured and thickened by weight, pictures in one PNG, labels."""

import base64
import io
import json

import numpy as np
import plotly.io as pio
import pytest

from toolkit.viz import network_diagram
from toolkit.viz.network import LEVELS, playground_rgba
from toolkit.viz.theme import PLAYGROUND_BLUE, PLAYGROUND_ORANGE

KERNELS = [np.array([[0.5, -1.0, 0.1], [2.0, 0.0, -0.2]]), np.array([[1.0], [-0.5], [0.3]])]  # 2-3-1


def _links(fig):
    return [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]


def test_links_are_coloured_by_sign_and_thickened_by_size():
    fig = network_diagram(KERNELS, title="net")
    links = _links(fig)
    drawn = sum(int(np.sum(~np.isnan(np.asarray(t.x, float)))) // 2 for t in links)
    assert drawn == 6 + 3  # every link once (two end points each)
    for trace in links:
        positive = trace.name.startswith("positive")
        assert trace.line.color == (PLAYGROUND_BLUE if positive else PLAYGROUND_ORANGE)
    widths = {t.name: t.line.width for t in links}
    assert widths["positive weights, level 5"] > widths["positive weights, level 1"]  # |w| = 2 vs 0.1
    assert "negative weights, level 3" in widths  # w = -1.0 is half of max |w| = 2 -> level ceil(2.5) = 3
    assert fig.layout.template == pio.templates["plotly_white"] and fig.layout.title.text == "net"
    assert json.loads(fig.to_json())["data"]


def _decode(source):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


def test_pictures_go_into_one_transparent_png_aligned_with_the_neurons():
    r = 4
    pictures = [np.full((2, r, r), -1.0), np.full((3, r, r), 0.5), np.full((1, r, r), 1.0)]
    pictures[1][2, 0, 0] = -0.25  # neuron 3 of layer 1: bottom-left cell of its picture
    fig = network_diagram(KERNELS, pictures, layer_names=["in", "hidden", "out"])
    assert not [t for t in fig.data if t.type == "heatmap"]
    (image,) = fig.layout.images
    rgba = _decode(image.source)  # (rows from the top, columns, RGBA), r pixels per unit
    assert rgba.shape[:2] == (round(image.sizey * r), round(image.sizex * r))
    assert (image.x, image.y, image.xanchor, image.yanchor) == (0, 0, "left", "top")
    assert np.sum(rgba[..., 3] == 255) == (2 + 3 + 1) * r * r  # only the neurons' pixels are opaque
    top = round(2 * 1.35 * r)  # neuron 3 (j = 2) of layer 1 (columns 3r .. 4r), rounded to a pixel
    np.testing.assert_array_equal(rgba[top + r - 1, 3 * r], playground_rgba(np.array([[-0.25]]))[0, 0])
    np.testing.assert_array_equal(rgba[0, 0], playground_rgba(np.array([[-1.0]]))[0, 0])  # feature 1: orange
    assert list(next(t for t in fig.data if t.name == "layer names").text) == ["in", "hidden", "out"]


def test_playground_colours_run_from_orange_through_white_to_blue():
    rgba = playground_rgba(np.array([[-1.0, 0.0, 1.0, np.nan]]))[0]
    assert [tuple(int(v) for v in c) for c in rgba[:3, :3]] == [(245, 147, 34), (254, 254, 255), (8, 119, 189)]
    assert list(rgba[:, 3]) == [255, 255, 255, 0]  # NaN (a diverged network) is transparent


def test_circles_labels_and_hover():
    names = [["x1", "x2"], ["h1", "h2", "h3"], ["ŷ"]]
    link_text = [np.full((2, 3), "g"), np.full((3, 1), "g")]
    fig = network_diagram(KERNELS, node_names=names, node_values=[[0.5, -0.5], [0, 1, -1], [0.2]],
                          node_text=[["a"] * 2, ["b"] * 3, ["c"]], link_text=link_text)
    neurons = next(t for t in fig.data if t.name == "neurons")
    assert list(neurons.marker.color) == [0.5, -0.5, 0, 1, -1, 0.2] and "h2" in neurons.hovertext[3]
    hover = next(t for t in fig.data if t.name == "weights")
    assert len(hover.hovertext) == 9 and hover.hovertext[0].startswith("w = 0.5<br>x1 → h1")
    assert sum(a.text == "g" for a in fig.layout.annotations) == 9


@pytest.mark.parametrize("kwargs, message", [
    ({"kernels": []}, "`kernels` must be a non-empty list"),
    ({"kernels": [np.ones((2, 3)), np.ones((2, 1))]}, "kernels[1] has 2 rows but kernels[0] has 3 columns"),
    ({"layer_names": ["a", "b"]}, "`layer_names` must have one entry per layer (3), received 2."),
    ({"node_names": [["a"], ["b"] * 3, ["c"]]}, "`node_names[0]` must have one entry per neuron (2)"),
    ({"pictures": [np.zeros((2, 3, 3)), np.zeros((3, 4, 4)), np.zeros((1, 3, 3))]},
     "must all be square with the same size"),
    ({"link_text": [np.full((3, 2), "x"), np.full((3, 1), "x")]}, "`link_text[0]` must have the shape of kernels[0]"),
])
def test_invalid_arguments_raise_clear_errors(kwargs, message):
    kwargs = {"kernels": KERNELS, **kwargs}
    with pytest.raises(ValueError, match=__import__("re").escape(message)):
        network_diagram(**kwargs)


def test_big_networks_skip_link_hover_and_keep_a_small_figure():
    rng = np.random.default_rng(0)
    kernels = [rng.normal(size=(7, 32))] + [rng.normal(size=(32, 32)) for _ in range(7)]
    kernels.append(rng.normal(size=(32, 1)))
    pictures = [rng.uniform(-1, 1, (k.shape[0], 10, 10)) for k in kernels]
    pictures.append(rng.uniform(-1, 1, (1, 10, 10)))
    fig = network_diagram(kernels, pictures)
    assert all(t.name != "weights" for t in fig.data) and len(_links(fig)) <= 2 * LEVELS
    assert len(fig.to_json()) < 2_000_000
