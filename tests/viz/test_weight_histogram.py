"""weight_histogram: one overlaid histogram per layer on shared bins."""

import numpy as np
import pytest

from toolkit.viz import weight_histogram


def test_one_bar_trace_per_layer_with_shared_bins_and_counts():
    rng = np.random.default_rng(0)
    weights = {"dense": rng.normal(size=(20, 10)), "output": [rng.normal(size=(10, 3)), np.zeros(3)]}
    fig = weight_histogram(weights, bins=12)
    assert [trace.name for trace in fig.data] == ["dense (200 weights)", "output (33 weights)"]
    assert fig.layout.barmode == "overlay"
    assert all(trace.opacity < 1 for trace in fig.data)
    dense, output = fig.data
    np.testing.assert_array_equal(dense.x, output.x)  # shared bins
    assert len(dense.x) == 12
    assert dense.customdata.sum() == 200 and output.customdata.sum() == 33
    np.testing.assert_allclose(dense.y.sum(), 1.0)
    all_values = np.concatenate([weights["dense"].ravel(), weights["output"][0].ravel(), np.zeros(3)])
    expected, _ = np.histogram(weights["dense"], bins=np.linspace(all_values.min(), all_values.max(), 13))
    np.testing.assert_array_equal(dense.customdata, expected)


def test_non_finite_weights_are_left_out_and_counted_in_the_name():
    fig = weight_histogram({"diverged": np.array([0.1, np.nan, np.inf, 0.2])})
    assert fig.data[0].name == "diverged (2 weights, 2 non-finite left out)"
    assert fig.data[0].customdata.sum() == 2
    fig.to_json()


def test_all_nan_and_constant_layers_do_not_crash():
    weight_histogram({"nan": np.full(4, np.nan), "zeros": np.zeros(5)}).to_json()


@pytest.mark.parametrize("weights, bins, message", [
    ([np.zeros(3)], 40, "`weights` must be a non-empty mapping layer name -> array, received list"),
    ({}, 40, r"received dict \(empty\)"),
    ({"dense": np.zeros(0)}, 40, "Layer 'dense' has no weights"),
    ({"dense": ["a", "b"]}, 40, "The weights of layer 'dense' must be an array"),
    ({"dense": np.zeros(3)}, 0, "`bins` must be an integer >= 1, received bins=0"),
])
def test_bad_input_raises_one_clear_sentence(weights, bins, message):
    with pytest.raises(ValueError, match=message):
        weight_histogram(weights, bins=bins)
