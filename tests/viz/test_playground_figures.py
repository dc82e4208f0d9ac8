"""playground_figures: the Playground page's live figures from one snapshot (read by attribute)."""

from types import SimpleNamespace

import numpy as np

from toolkit.viz import playground_figures


def _snapshot(epoch, test_accuracy):
    rng = np.random.default_rng(0)
    return SimpleNamespace(
        epoch=epoch, output_grid=rng.uniform(0, 1, (10, 10)), kernels=[rng.normal(size=(2, 3)), rng.normal(size=(3, 1))],
        nodes=[rng.uniform(-1, 1, (n, 5, 5)) for n in (2, 3, 1)], layer_names=["features", "hidden 1", "output"],
        node_names=[["x1", "x2"], ["a", "b", "c"], ["P(class 1)"]], test_accuracy=test_accuracy,
        test_predictions=np.array([0, 1, 1]))


def _data():
    rng = np.random.default_rng(1)
    return SimpleNamespace(x_train=rng.uniform(-6, 6, (4, 2)), y_train=np.array([0, 1, 0, 1]),
                           x_test=rng.uniform(-6, 6, (3, 2)), y_test=np.array([0, 1, 0]), task="classification",
                           classes=("orange", "blue"))


def test_every_figure_after_training():
    figures = playground_figures(_snapshot(5, 0.66), _data(), {"loss": np.ones(5), "val_loss": np.ones(5)},
                                 show_test=False, discretize=True)
    assert list(figures) == ["network", "output", "loss", "confusion"]
    (pictures,) = figures["network"].layout.images  # every neuron's picture in one small PNG
    assert pictures.source.startswith("data:image/png;base64,")
    assert figures["output"].layout.title.text == "Output at epoch 5"
    assert not any("test" in (t.name or "") for t in figures["output"].data)  # show_test=False
    assert figures["confusion"].layout.title.text.startswith("Test set · accuracy 66.7%")


def test_before_training_and_for_regression():
    figures = playground_figures(_snapshot(0, None), _data(), {})
    assert list(figures) == ["network", "output"]
