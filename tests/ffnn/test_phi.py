"""Choosing φ (toolkit.ffnn.phi): one sigmoid unit on each representation, a small run, bad settings.

The page's claims at its defaults and lessons are in tests/ffnn/test_phi_defaults.py."""

import keras
import numpy as np
import pytest

from toolkit.ffnn import phi

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.mark.parametrize("representation, size, trained", [("none", 2, 3), ("engineered", 7, 8),
                                                            ("generic", 256, 257), ("learned", 16, 337)])
def test_each_model_is_a_linear_unit_on_its_phi(representation, size, trained):
    model = phi.build(representation, phi.PhiConfig())
    assert model.layers[-1].name == "linear_model" and model.layers[-2].output.shape[-1] == size
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trained
    assert model(np.zeros((3, 2), "float32")).shape == (3, 1)


def test_a_small_run_fills_the_table_and_the_boundaries():
    config = phi.PhiConfig(representations=("engineered", "generic"), points=40, epochs=2)
    result = phi.run_phi(config)
    assert [row["φ"] for row in result.table()] == [phi.REPRESENTATIONS["engineered"], phi.REPRESENTATIONS["generic"]]
    assert all(0 <= row["test accuracy"] <= 1 for row in result.table())
    grid = result.boundary(phi.REPRESENTATIONS["generic"], resolution=20)
    assert grid.shape == (20, 20) and np.all((grid >= 0) & (grid <= 1))
    assert all(run.epochs_done == 2 for run in result.runs.values())


def test_the_generic_phi_of_a_saved_model_reloads_with_its_features(tmp_path):
    model = phi.build("generic", phi.PhiConfig(features=32))
    points = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    model.save(tmp_path / "generic.keras")
    again = keras.saving.load_model(tmp_path / "generic.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(points)), keras.ops.convert_to_numpy(model(points)),
                               atol=1e-6)


@pytest.mark.parametrize("values, message", [({"representations": ()}, "representations"),
                                             ({"lengthscale": 0.0}, "lengthscale"), ({"dataset": "plane"}, "dataset")])
def test_bad_settings_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        phi.PhiConfig(**values)
