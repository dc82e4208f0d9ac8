"""Properties every figure builder shares: light import, template, title, axes, height, JSON."""

import json
import subprocess
import sys

import numpy as np
import plotly.io as pio
import pytest

from toolkit import viz

RNG = np.random.default_rng(0)


def _figures():
    xx, _, points = viz.grid((-6, 6, -6, 6), 20)
    labels = (points[:, 0] > 0).astype(int)
    return {
        "learning_curves": viz.learning_curves({"run": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}}),
        "decision_boundary": viz.decision_boundary(
            labels.reshape(xx.shape).astype(float), points[:50], labels[:50]),
        "image_grid": viz.image_grid(RNG.random((20, 8, 8)), np.arange(20) % 10),
        "confusion_matrix": viz.confusion_matrix([0, 1, 1], [0, 1, 0]),
        "weight_histogram": viz.weight_histogram({"dense": RNG.normal(size=100)}),
    }


FIGURES = _figures()


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_has_the_common_look_and_serialises(name):
    fig = FIGURES[name]
    assert fig.layout.template == pio.templates["plotly_white"]
    assert fig.layout.title.text
    assert 200 <= fig.layout.height <= 650
    if name != "image_grid":  # the mosaic has no axes, only a caption under it
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert json.loads(fig.to_json())["data"]


def test_import_stays_light():
    code = ("import sys, toolkit.viz; "
            "print(sorted({'tensorflow', 'keras', 'streamlit'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
