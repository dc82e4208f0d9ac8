import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.data import BUILTIN_NAMES, catalog, preview
from toolkit.viz import dataset_gallery


def test_one_panel_per_dataset_with_the_right_trace_kind():
    datasets = [preview(name) for name in ("circle", "plane", "digits", "glyphs")]
    fig = dataset_gallery(datasets, cols=2)
    assert isinstance(fig, go.Figure)
    assert [a.text for a in fig.layout.annotations] == ["circle", "plane", "digits", "glyphs"]
    assert [type(t).__name__ for t in fig.data] == ["Scattergl", "Scattergl", "Heatmap", "Heatmap"]
    np.testing.assert_array_equal(fig.data[0].x, datasets[0].x_train[:, 0])
    assert fig.layout.height >= 2 * 210 + 60  # the projector theme adds its title and subplot titles
    fig.to_json()


def test_scenes_of_shapes_become_an_rgb_mosaic():
    fig = dataset_gallery([preview("shapes")], cols=1)
    assert [type(t).__name__ for t in fig.data] == ["Image"]
    assert np.shape(fig.data[0].z) == (4 * 65 - 1, 4 * 65 - 1, 3)


def test_preview_covers_every_builtin_dataset_and_refuses_downloads():
    input_shapes = {row.name: row.input_shape for row in catalog()}
    for name in BUILTIN_NAMES:
        assert preview(name).input_shape == input_shapes[name]
    with pytest.raises(ValueError, match="built-in datasets"):
        preview("mnist")


@pytest.mark.parametrize("kwargs, message", [
    ({"datasets": []}, "at least one dataset"),
    ({"datasets": None, "cols": 0}, "`cols` must be an integer in"),
])
def test_bad_arguments(kwargs, message):
    datasets = kwargs.pop("datasets")
    if datasets is None:
        datasets = [preview("xor")]
    with pytest.raises(ValueError, match=message):
        dataset_gallery(datasets, **kwargs)
