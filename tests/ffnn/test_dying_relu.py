"""Dying ReLU: the dead-unit measure (Eq. 1) and the live experiment."""

import re

import numpy as np
import pytest

from toolkit.ffnn import build_mlp
from toolkit.ffnn.dying_relu import dead_fractions, preactivation_model, watch_dead_units


def test_dead_fractions_count_units_negative_on_every_example():
    z1 = np.array([[-1.0, 2.0, -0.5], [-3.0, -1.0, 0.0]])  # unit 0 and unit 2 are dead (z <= 0 always)
    z2 = np.array([[1.0], [-1.0]])
    np.testing.assert_allclose(dead_fractions([z1, z2]), [2 / 3, 0.0])


def test_a_unit_with_a_large_negative_bias_is_measured_dead():
    model = build_mlp(2, hidden=(3, 2), activation="relu", seed=0)
    kernel, bias = model.get_layer("hidden_1").get_weights()
    bias[1] = -100.0  # inputs are in [-6, 6]: z = wᵀx − 100 < 0 everywhere
    model.get_layer("hidden_1").set_weights([kernel, bias])
    x = np.random.default_rng(0).uniform(-6, 6, (64, 2)).astype("float32")
    z = preactivation_model(model)(x)
    assert [tuple(t.shape) for t in z] == [(64, 3), (64, 2)]
    assert dead_fractions(z)[0] == pytest.approx(1 / 3)


def test_watch_dead_units_records_every_epoch_and_reports_live():
    calls = []
    results = watch_dead_units(("relu", "leaky_relu"), learning_rate=1.0, hidden=(4, 4), epochs=3,
                               on_update=lambda r: calls.append({k: len(v.epochs) for k, v in r.items()}),
                               refresh_seconds=0.0)
    assert list(results) == ["relu", "leaky_relu"] and calls[-1] == {"relu": 4, "leaky_relu": 4}
    for record in results.values():
        assert record.epochs == [0, 1, 2, 3] and record.status == "completed"
        assert record.overall.shape == (4,) and np.all((0 <= record.overall) & (record.overall <= 1))
        assert np.isnan(record.loss[0]) and np.all(np.isfinite(record.loss[1:]))


def test_invalid_arguments():
    with pytest.raises(ValueError, match=re.escape("`learning_rate` must be a number in [1e-5, 10]")):
        watch_dead_units(learning_rate=0)
    with pytest.raises(ValueError, match="`activations` must name activations"):
        watch_dead_units(("gelu",))
    with pytest.raises(ValueError, match="must be a from-scratch build_mlp network"):
        preactivation_model(build_mlp(2, hidden=(3,), from_scratch=False))
