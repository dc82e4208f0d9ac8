"""The convolution figures: the animated sliding kernel, the kernel gallery, pooling side by side."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.cnn import apply_kernel, classic_kernel, convolution_steps, pool2d
from toolkit.viz import convolution_animation, kernel_gallery, pooling_comparison

IMAGE = np.round(np.random.default_rng(0).uniform(size=(5, 6)), 1)


def test_one_frame_per_output_cell_with_its_sum_written_out():
    trace = convolution_steps(IMAGE, classic_kernel("sharpen"), stride=1, padding=1)
    fig = convolution_animation(trace)
    assert len(fig.frames) == trace.output.size == 30
    assert [type(d) for d in fig.data] == [go.Heatmap, go.Scatter, go.Scatter, go.Heatmap, go.Heatmap, go.Scatter]
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), trace.padded)
    last = fig.frames[-1]
    np.testing.assert_allclose(np.asarray(last.data[2].z, float), trace.output)  # the whole output at the end
    assert np.isnan(np.asarray(fig.frames[3].data[2].z, float)).sum() == trace.output.size - 4
    caption = [a.text for a in last.layout.annotations if a.text.startswith("<b>S(")][0]
    assert caption.startswith("<b>S(4, 5)</b> = Σ I·K = ") and caption.endswith(f"<b>{trace.output[4, 5]:.4g}</b>")
    assert len(fig.layout.sliders[0].steps) == 30 and fig.layout.updatemenus[0].buttons[0].label == "▶ Play"
    assert len(fig.layout.shapes) == 1  # the dashed outline of the image inside the padding
    json.loads(fig.to_json())


def test_dilation_shows_the_cells_actually_read_and_flip_is_named():
    trace = convolution_steps(IMAGE, np.ones((2, 2)), dilation=2, flip=True)
    fig = convolution_animation(trace)
    taps = fig.frames[0].data[1]
    corners = [(x, y) for x, y in zip(taps.x[::6], taps.y[::6])]  # the first corner of each square
    assert sorted((round(x + 0.42), round(y + 0.42)) for x, y in corners) == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert "flipped" in fig.layout.title.text and not fig.layout.shapes


def test_too_many_frames_are_refused():
    trace = convolution_steps(np.zeros((21, 21)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="more than the 400 an animation can show"):
        convolution_animation(trace)


def test_kernel_gallery_and_pooling_comparison():
    glyph = np.random.default_rng(1).uniform(size=(12, 12))
    results = {name: (classic_kernel(name), apply_kernel(glyph, classic_kernel(name)))
               for name in ("blur (box)", "sharpen")}
    fig = kernel_gallery(glyph, results)
    assert len(fig.data) == 5 and fig.layout.title.text  # input + (kernel, output) per kernel
    pooled = pooling_comparison(glyph, {"max 2×2": pool2d(glyph, 2), "average 2×2": pool2d(glyph, 2, mode="average")})
    titles = [a.text for a in pooled.layout.annotations]
    assert titles == ["input · 12×12", "max 2×2 · 6×6", "average 2×2 · 6×6"]
    with pytest.raises(ValueError, match="`results` must hold at least one"):
        kernel_gallery(glyph, {})
    with pytest.raises(ValueError, match="`pooled` must hold at least one"):
        pooling_comparison(glyph, {})
