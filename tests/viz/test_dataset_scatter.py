"""dataset_scatter: one trace per class and split, Playground colours, regression on one scale."""

import json

import numpy as np
import plotly.io as pio
import pytest

from toolkit.data import toy2d
from toolkit.viz import dataset_scatter
from toolkit.viz.theme import PLAYGROUND_BLUE, PLAYGROUND_ORANGE


def test_classification_points_take_their_class_colour_per_split():
    ds = toy2d("circle", n=200, noise=0, seed=0)
    fig = dataset_scatter(ds.x_train, ds.y_train, ds.x_test, ds.y_test, classes=ds.classes, title="circle")
    names = [trace.name for trace in fig.data]
    assert names == [f"{c} (train)" for c in ds.classes] + [f"{c} (test)" for c in ds.classes]
    assert [trace.marker.color for trace in fig.data[:2]] == [PLAYGROUND_ORANGE, PLAYGROUND_BLUE]
    assert sum(len(trace.x) for trace in fig.data) == 200  # every point drawn exactly once
    assert {trace.marker.symbol for trace in fig.data[2:]} == {"diamond"}
    assert fig.layout.template == pio.templates["plotly_white"] and fig.layout.title.text == "circle"
    assert fig.layout.xaxis.title.text == "x1" and 200 <= fig.layout.height <= 650
    assert json.loads(fig.to_json())["data"]


def test_regression_points_share_a_colour_scale_centred_on_zero():
    ds = toy2d("plane", n=100, noise=0, seed=1)
    fig = dataset_scatter(ds.x_train, ds.y_train, ds.x_test, ds.y_test, task="regression")
    assert [trace.name for trace in fig.data] == ["train", "test"]
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax > -1.5
    np.testing.assert_allclose(fig.data[0].marker.color, ds.y_train)


def test_train_split_alone_and_multiclass_default_names():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    fig = dataset_scatter(x, [0, 1, 2])
    assert [trace.name for trace in fig.data] == ["class 0 (train)", "class 1 (train)", "class 2 (train)"]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"x_train": np.zeros((3, 3)), "y_train": [0, 1, 0]}, "`x_train` must be \\(n, 2\\)"),
    ({"x_train": np.zeros((3, 2)), "y_train": [0, 1]}, "`y_train` must have n values"),
    ({"x_train": np.zeros((3, 2)), "y_train": [0, 1, 0], "x_test": np.zeros((1, 2))}, "given together"),
    ({"x_train": np.zeros((3, 2)), "y_train": [0, 1, 0.5]}, "class ids"),
    ({"x_train": np.zeros((3, 2)), "y_train": [0, 1, 2], "classes": ("a", "b")}, "name all 3 classes"),
    ({"x_train": np.zeros((3, 2)), "y_train": [0, 1, 0], "task": "ranking"}, "`task` must be"),
])
def test_bad_input_is_one_clear_sentence(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dataset_scatter(**kwargs)
