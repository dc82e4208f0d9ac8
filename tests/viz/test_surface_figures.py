"""trajectory_contour and loss_per_step: contours, paths cut where they leave the domain,
animation frames, the clickable grid, and one-sentence errors."""

import json
import types

import numpy as np
import plotly.io as pio
import pytest

from toolkit.viz import loss_per_step, trajectory_contour

XS, YS = np.linspace(-2, 2, 21), np.linspace(-1, 3, 11)
ZS = (1 - XS[None]) ** 2 + 100 * (YS[:, None] - XS[None] ** 2) ** 2  # Rosenbrock, rows are y


def _paths():
    inside = np.column_stack([np.linspace(-1.5, 1.0, 41), np.linspace(2.0, 1.0, 41)])
    escaping = np.array([[0.0, 0.0], [0.5, 0.5], [1.5, 2.0], [4.0, 5.0], [9.0, 9.0]])
    return {"Adam": inside, "SGD": types.SimpleNamespace(points=escaping)}


def _traces(fig, name):
    return [t for t in fig.data if t.name == name]


def test_contour_paths_landmarks_and_common_look():
    fig = trajectory_contour(XS, YS, ZS, _paths(), minima=[(1, 1)], saddles=[(0, 0)],
                             local_minima=[(0.5, 0.5)], start=(-1.5, 2.0), frames=0)
    assert fig.layout.template == pio.templates["plotly_white"] and fig.layout.title.text
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "y"
    contour = fig.data[0]
    assert contour.type == "contour"
    # Eq. 1: f spans ~2500, so the contour shows log10(1 + f - min f) and hovers the true f
    np.testing.assert_allclose(contour.z, np.log10(1 + ZS - ZS.min()))
    np.testing.assert_allclose(contour.customdata, ZS)
    assert len(_traces(fig, "Adam")[0].x) == 41
    for name in ("global minimum", "local minimum", "saddle point", "start"):
        assert len(_traces(fig, name)) == 1
    assert list(fig.layout.xaxis.range) == [-2, 2] and list(fig.layout.yaxis.range) == [-1, 3]
    json.loads(fig.to_json())


def test_a_path_that_leaves_is_drawn_to_its_first_point_outside_and_marked():
    fig = trajectory_contour(XS, YS, ZS, _paths(), frames=0)
    sgd = _traces(fig, "SGD")[0]
    np.testing.assert_array_equal(sgd.x, [0.0, 0.5, 1.5, 4.0])  # (4, 5) is the first outside
    end = [t for t in fig.data if t.meta and t.meta[0] == "SGD" and t.mode == "markers"][0]
    assert end.marker.symbol == "x" and (end.x[0], end.y[0]) == (4.0, 5.0)


def test_frames_grow_the_paths_and_only_touch_path_traces():
    fig = trajectory_contour(XS, YS, ZS, _paths(), frames=10, click_grid=5)
    assert 2 <= len(fig.frames) <= 10
    first_path = [i for i, t in enumerate(fig.data) if t.name == "Adam"][0]
    assert list(fig.frames[0].traces) == list(range(first_path, first_path + 4))
    lengths = [len(frame.data[0].x) for frame in fig.frames]
    assert lengths == sorted(lengths) and lengths[-1] == 41
    assert fig.frames[-1].data[3].marker.symbol == "x"  # SGD's head once it has left
    assert fig.layout.updatemenus[0].buttons[0].label.endswith("Play")
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    grid = [t for t in fig.data if t.name == "click to start here"][0]
    assert len(grid.x) == 25 and fig.layout.clickmode == "event+select"


def test_linear_scale_for_small_ranges_and_empty_paths():
    zs = np.zeros((11, 21)) + np.linspace(0, 5, 21)[None]
    fig = trajectory_contour(XS, YS, zs, {}, start=(0, 0))
    np.testing.assert_allclose(fig.data[0].z, zs)
    assert not fig.frames


def test_loss_per_step_marks_divergence_and_picks_a_log_axis():
    losses = {"Adam": np.geomspace(100, 0.01, 50),
              "SGD": types.SimpleNamespace(losses=np.array([3.0, 10.0, 50.0]), diverged=True)}
    fig = loss_per_step(losses, colors={"Adam": "#000000"})
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.title.text == "step"
    assert [t.name for t in fig.data][:2] == ["Adam", "SGD"]
    assert fig.data[0].line.color == "#000000"
    assert fig.data[2].marker.symbol == "x" and fig.data[2].x[0] == 2
    assert loss_per_step({"s": [1.0, -2.0]}).layout.yaxis.type == "linear"


@pytest.mark.parametrize("call, message", [
    (lambda: trajectory_contour(XS, YS, ZS[:5], {}),
     r"`zs` must have shape \(len\(ys\), len\(xs\)\)"),
    (lambda: trajectory_contour(XS, YS, ZS, [np.zeros((3, 2))]), "`paths` must be a mapping"),
    (lambda: trajectory_contour(XS, YS, ZS, {"a": np.zeros((3, 3))}), r"`paths\['a'\]` must be a \(T, 2\)"),
    (lambda: trajectory_contour(XS, YS, ZS, {}, log_scale="yes"), "`log_scale` must be True, False or 'auto'"),
    (lambda: loss_per_step({}), "`losses` must be a non-empty mapping"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
