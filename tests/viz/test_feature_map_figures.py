"""Feature maps and filters as figures."""

import numpy as np
import pytest

from toolkit.viz import feature_map_grid, filter_grid

RNG = np.random.default_rng(0)


def test_one_row_per_layer_and_at_most_max_maps_columns():
    maps = {"C1": RNG.normal(size=(28, 28, 6)), "C3": RNG.normal(size=(10, 10, 16)), "C5": RNG.normal(size=(1, 1, 120))}
    fig = feature_map_grid(maps, max_maps=4)
    assert len(fig.data) == 12
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:4] == ["map 0", "map 1", "map 2", "map 3"]  # column headers over the top row
    # one label per row, in the left margin: the layer's name and its (H, W, F) shape
    assert titles[4:] == ["<b>C1</b><br>28×28×6", "<b>C3</b><br>10×10×16", "<b>C5</b><br>1×1×120"]
    assert {a.xanchor for a in fig.layout.annotations[4:]} == {"right"} and fig.layout.margin.l > 60
    uneven = feature_map_grid({"a": RNG.normal(size=(4, 4, 2)), "b": RNG.normal(size=(2, 2, 3))}, max_maps=3)
    assert len(uneven.data) == 5  # no empty map where a layer has fewer maps than columns
    np.testing.assert_array_equal(np.asarray(fig.data[5].z), maps["C3"][..., 1])


def test_filters_of_one_input_channel_on_a_shared_diverging_scale():
    kernel = RNG.normal(size=(5, 5, 3, 10))
    fig = filter_grid(kernel, input_channel=2, max_filters=6, cols=3)
    assert len(fig.data) == 6 and fig.data[0].zmid == 0 and fig.data[0].zmax == np.abs(kernel[:, :, 2, :6]).max()
    np.testing.assert_array_equal(np.asarray(fig.data[4].z), kernel[:, :, 2, 4])
    depthwise = filter_grid(RNG.normal(size=(3, 3, 16, 1)))
    assert len(depthwise.data) == 16 and "depthwise" in depthwise.layout.title.text


def test_bad_inputs():
    with pytest.raises(ValueError, match="`maps` must hold at least one"):
        feature_map_grid({})
    with pytest.raises(ValueError, match=r"must be \(H, W, F\)"):
        feature_map_grid({"C1": np.zeros((4, 4))})
    with pytest.raises(ValueError, match=r"`input_channel` must be in \[0, 3\)"):
        filter_grid(np.zeros((3, 3, 3, 4)), input_channel=3)
