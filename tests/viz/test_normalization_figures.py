"""preactivation_histograms, moving_statistics, mode_outputs and normalization_cubes."""

import json

import numpy as np
import pytest

from toolkit.viz import mode_outputs, moving_statistics, normalization_cubes, preactivation_histograms

RNG = np.random.default_rng(0)


def _records():
    wide = {0: {"hidden layer 1": RNG.normal(0, 1, (50, 4)), "hidden layer 2": RNG.normal(size=(50, 3))},
            5: {"hidden layer 1": RNG.normal(0, 8, (50, 4)), "hidden layer 2": RNG.normal(size=(50, 3))}}
    narrow = {e: {k: RNG.normal(size=v.shape) for k, v in layers.items()} for e, layers in wide.items()}
    return {"no normalization": wide, "BatchNorm": narrow}


def test_histograms_one_panel_per_run_and_layer_one_line_per_epoch():
    fig = preactivation_histograms(_records(), saturation=((-np.inf, -3.6), (3.6, np.inf)), bins=20)
    assert len(fig.data) == 2 * 2 * 2  # runs x layers x epochs
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["no normalization · hidden layer 1", "no normalization · hidden layer 2",
                      "BatchNorm · hidden layer 1", "BatchNorm · hidden layer 2"]
    first = fig.data[0]
    assert len(first.x) == 20 and first.y.sum() == pytest.approx(1.0)
    assert [t.name for t in fig.data if t.showlegend] == ["epoch 0", "epoch 5"]
    # later epochs are darker
    assert fig.data[0].line.color != fig.data[1].line.color
    # layer 1's bins are shared by both runs (one column), layer 2 has its own
    assert fig.data[0].x[0] == fig.data[4].x[0] and fig.data[0].x[0] != fig.data[2].x[0]
    # two shaded tails in both layer-1 panels; layer 2's bins (|z| < 3.6) reach no tail
    assert len(fig.layout.shapes) == 4 and {s.xref for s in fig.layout.shapes} == {"x", "x3"}
    json.loads(fig.to_json())


def test_histogram_errors():
    with pytest.raises(ValueError, match=r"`records` must map run -> \{epoch: \{layer: values\}\}"):
        preactivation_histograms({"run": {}})
    with pytest.raises(ValueError, match="`bins` must be an integer >= 1"):
        preactivation_histograms(_records(), bins=0)


def test_moving_statistics_two_panels_with_truth_lines():
    steps, c = 10, 2
    fig = moving_statistics(np.zeros((steps + 1, c)), np.ones((steps + 1, c)), np.zeros((steps, c)),
                            np.ones((steps, c)), [3.0, -1.0], [2.0, 0.5])
    assert len(fig.data) == 2 * 2 * c  # (batch points + moving line) x (mean, variance) x features
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [-1.0, 0.25, 3.0, 4.0]
    assert fig.layout.title.text
    with pytest.raises(ValueError, match=r"`moving_\*` must be \(steps \+ 1, C\)"):
        moving_statistics(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2)),
                          [0, 0], [1, 1])


def test_mode_outputs_one_row_per_mode():
    x = RNG.normal(3, 2, (32, 2))
    fig = mode_outputs(x, (x - 3) / 2, x, (x - 3) / 2, feature=0)
    assert [t.type for t in fig.data] == ["box"] * 4
    assert [t.name for t in fig.data] == ["inference, last step", "inference, step 0",
                                          "training mode", "input x"]
    np.testing.assert_allclose(fig.data[-1].x, x[:, 0])
    with pytest.raises(ValueError, match=r"`feature` must be in \[0, 1\]"):
        mode_outputs(x, x, x, x, feature=2)
    with pytest.raises(ValueError, match="must have the same"):
        mode_outputs(x, x[:5], x, x)


def test_cubes_one_scene_per_norm_with_the_shared_cells_highlighted():
    mask = np.zeros((3, 2, 4), bool)
    mask[:, 0] = True  # batch norm of channel 0
    instance = np.zeros((3, 2, 4), bool)
    instance[0, 1] = True
    fig = normalization_cubes({"Batch norm": mask, "Instance norm": instance})
    highlighted, others = fig.data[0], fig.data[1]
    assert highlighted.type == "mesh3d" and len(highlighted.x) == 8 * mask.sum()
    assert len(others.x) == 8 * (~mask).sum() and highlighted.opacity == 1.0 > others.opacity
    assert len(highlighted.i) == 12 * mask.sum()
    assert fig.layout.scene.zaxis.title.text == "N" and fig.layout.scene2 is not None
    with pytest.raises(ValueError, match=r"must be a 3-D boolean array \(N, C, H·W\)"):
        normalization_cubes({"x": np.zeros((2, 2))})
