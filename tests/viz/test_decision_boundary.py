"""grid and decision_boundary: heatmap values, point traces per class and split, errors."""

import numpy as np
import pytest

from toolkit.viz import decision_boundary, grid
from toolkit.viz.theme import PLAYGROUND_BLUE, PLAYGROUND_ORANGE

EXTENT = (-6, 6, -6, 6)
RNG = np.random.default_rng(0)
X_TRAIN = RNG.uniform(-5, 5, size=(60, 2))
Y_TRAIN = (X_TRAIN[:, 0] > 0).astype(int)
X_TEST = RNG.uniform(-5, 5, size=(20, 2))
Y_TEST = (X_TEST[:, 0] > 0).astype(int)


def _probability_grid(resolution=30):
    xx, _, points = grid(EXTENT, resolution)
    return (1 / (1 + np.exp(-points[:, 0]))).reshape(xx.shape)  # (ny, nx)


def _softmax_grid(resolution=30):
    xx, _, points = grid(EXTENT, resolution)
    logits = np.stack([points[:, 0], points[:, 1], -points[:, 0] - points[:, 1]], axis=1)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # (ny * nx, 3)
    return probs.reshape(xx.shape + (3,))


def _by_name(fig):
    return {trace.name: trace for trace in fig.data}


def test_grid_covers_the_extent_row_major_along_x2():
    xx, yy, points = grid((-1, 1, 0, 2), resolution=5)
    assert xx.shape == yy.shape == (5, 5)
    assert points.shape == (25, 2) and points.dtype == np.float32
    np.testing.assert_allclose(points[:5, 0], [-1, -0.5, 0, 0.5, 1])  # first row: x1 varies
    np.testing.assert_allclose(points[::5, 1], [0, 0.5, 1, 1.5, 2])   # rows: x2 varies
    np.testing.assert_allclose(points[7], [xx[1, 2], yy[1, 2]])


def test_binary_heatmap_holds_the_grid_and_points_are_split_by_class_and_split():
    probs = _probability_grid()
    fig = decision_boundary(probs, X_TRAIN, Y_TRAIN, X_TEST, Y_TEST, extent=EXTENT)
    traces = _by_name(fig)
    assert list(traces) == ["model output", "class 0 (train)", "class 1 (train)",
                            "class 0 (test)", "class 1 (test)"]
    heatmap = traces["model output"]
    np.testing.assert_array_equal(heatmap.z, probs)
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)
    assert heatmap.colorscale[0][1] == PLAYGROUND_ORANGE and heatmap.colorscale[-1][1] == PLAYGROUND_BLUE
    np.testing.assert_allclose([heatmap.x[0], heatmap.x[-1], heatmap.y[0], heatmap.y[-1]], EXTENT)
    np.testing.assert_array_equal(traces["class 1 (train)"].x, X_TRAIN[Y_TRAIN == 1, 0])
    assert traces["class 0 (train)"].marker.color == PLAYGROUND_ORANGE
    assert traces["class 1 (train)"].marker.color == PLAYGROUND_BLUE
    assert traces["class 0 (train)"].marker.symbol == "circle"
    assert traces["class 0 (train)"].marker.line.color == "#ffffff"
    assert traces["class 0 (test)"].marker.symbol == "diamond"
    assert traces["class 0 (test)"].marker.line.color == "#1a1a1a"


def test_square_aspect_and_axes_x1_x2():
    fig = decision_boundary(_probability_grid(), X_TRAIN, Y_TRAIN)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.title.text == "x1" and fig.layout.yaxis.title.text == "x2"
    assert tuple(fig.layout.xaxis.range) == (-6, 6)
    assert fig.layout.title.text == "Decision boundary"


def test_show_test_false_hides_test_points():
    fig = decision_boundary(_probability_grid(), X_TRAIN, Y_TRAIN, X_TEST, Y_TEST, show_test=False)
    assert not any("(test)" in trace.name for trace in fig.data)


def test_minus_one_one_outputs_and_labels_and_discretize():
    xx, _, points = grid(EXTENT, 20)
    outputs = np.tanh(points[:, 0]).reshape(xx.shape)
    fig = decision_boundary(outputs, X_TRAIN, 2 * Y_TRAIN - 1, discretize=True, classes=["neg", "pos"])
    heatmap = _by_name(fig)["model output"]
    assert (heatmap.zmin, heatmap.zmax) == (-1, 1)
    assert set(np.unique(heatmap.z)) == {-1.0, 1.0}
    assert "neg (train)" in _by_name(fig) and "pos (train)" in _by_name(fig)


def test_multiclass_probabilities_colour_by_argmax_with_confidence():
    probs = _softmax_grid()
    labels = RNG.integers(0, 3, len(X_TRAIN))
    fig = decision_boundary(probs, X_TRAIN, labels, classes=["a", "b", "c"])
    heatmap = _by_name(fig)["model output"]
    argmax = probs.argmax(axis=-1)
    np.testing.assert_array_equal(np.floor(heatmap.z), argmax)  # z = class + 0.999 * confidence
    confidence = (probs.max(axis=-1) - 1 / 3) / (2 / 3)
    np.testing.assert_allclose(heatmap.customdata, confidence, rtol=1e-6)  # float32 grid
    assert heatmap.text[0][0] == ["a", "b", "c"][argmax[0, 0]]
    assert [trace.name for trace in fig.data[1:]] == ["a (train)", "b (train)", "c (train)"]
    discrete = _by_name(decision_boundary(probs, X_TRAIN, labels, discretize=True))["model output"]
    np.testing.assert_allclose(discrete.z, argmax + 0.999)


def test_multiclass_class_id_grid():
    ids = _softmax_grid().argmax(axis=-1)
    fig = decision_boundary(ids, X_TRAIN, RNG.integers(0, 3, len(X_TRAIN)))
    np.testing.assert_allclose(_by_name(fig)["model output"].z, ids + 0.999)


def test_regression_shares_one_diverging_colour_axis():
    xx, _, points = grid(EXTENT, 25)
    surface = (points[:, 0] * 0.5).reshape(xx.shape)
    fig = decision_boundary(surface, X_TRAIN, X_TRAIN[:, 0] * 0.5, X_TEST, X_TEST[:, 0] * 0.5,
                            task="regression")
    traces = _by_name(fig)
    assert list(traces) == ["prediction", "train", "test"]
    np.testing.assert_array_equal(traces["prediction"].z, surface)
    np.testing.assert_array_equal(traces["train"].marker.color, X_TRAIN[:, 0] * 0.5)
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax  # white at 0
    assert fig.layout.title.text == "Regression surface"


def test_nan_grid_from_a_diverged_model_does_not_crash():
    nan_grid = np.full((10, 10), np.nan)
    decision_boundary(nan_grid, X_TRAIN, Y_TRAIN).to_json()
    decision_boundary(np.full((10, 10, 3), np.nan), X_TRAIN, RNG.integers(0, 3, 60)).to_json()
    decision_boundary(nan_grid, X_TRAIN, X_TRAIN[:, 0], task="regression").to_json()


@pytest.mark.parametrize("kwargs, message", [
    (dict(predict_grid=np.zeros(10)), r"`predict_grid` must be 2-D \(ny, nx\) or 3-D \(ny, nx, K\), received shape \(10,\)"),
    (dict(x_train=np.zeros((60, 3))), r"`x_train` must be \(n, 2\) .* received shapes \(60, 3\) and \(60,\)"),
    (dict(y_train=np.zeros(59)), r"received shapes \(60, 2\) and \(59,\)"),
    (dict(x_test=X_TEST), "`x_test` and `y_test` must be given together"),
    (dict(extent=(1, -1, 0, 1)), "`extent` must be four finite numbers"),
    (dict(task="clustering"), "`task` must be 'classification' or 'regression', received task='clustering'"),
    (dict(predict_grid=np.full((5, 5), 3.0)), r"probabilities in \[0, 1\] or outputs in \[-1, 1\]"),
    (dict(y_train=np.arange(60) % 3), "must hold integer class ids"),
    (dict(predict_grid=np.zeros((5, 5, 3)), classes=["a", "b"]), "`classes` must name all 3 classes"),
])
def test_bad_input_raises_one_clear_sentence(kwargs, message):
    arguments = dict(predict_grid=_probability_grid(5), x_train=X_TRAIN, y_train=Y_TRAIN)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        decision_boundary(**arguments)


def test_grid_rejects_bad_resolution():
    with pytest.raises(ValueError, match="`resolution` must be an integer >= 2, received resolution=1"):
        grid(EXTENT, 1)


def test_one_hot_labels_are_reduced_to_class_ids():
    fig = decision_boundary(_probability_grid(), X_TRAIN, np.eye(2)[Y_TRAIN])
    np.testing.assert_array_equal(_by_name(fig)["class 1 (train)"].x, X_TRAIN[Y_TRAIN == 1, 0])
