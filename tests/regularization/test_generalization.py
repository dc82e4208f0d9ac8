"""The lab: a scenario that overfits, its splits, every strategy as a variant, and bad input."""

import keras
import numpy as np
import pytest

from toolkit.ffnn import build_mlp
from toolkit.regularization import STRATEGIES, LabConfig, lab_data, run_lab
from toolkit.regularization.lab import build_variant, corrupt_labels

SMALL = dict(n_train=40, n_val=40, n_test=200, epochs=4, hidden=(16, 16, 16), batch_size=16)


def test_defaults_come_from_the_task():
    toy, images = LabConfig(), LabConfig.for_task("glyphs")
    assert (toy.n_train, toy.epochs, toy.hidden) == (50, 300, (128, 128, 128))
    assert (images.n_train, images.epochs, images.auxiliary) == (300, 60, "parity")
    assert LabConfig.for_task("glyphs", epochs=5).epochs == 5
    assert toy.variant_label("L2") == "L2 λ=0.01" and toy.variant_label("none") == "none"
    forms = {task: {s.name: s.default for s in LabConfig.task_settings(task, "epochs", "l2")}
             for task in ("toy2d", "glyphs")}
    assert forms == {"toy2d": {"epochs": 300, "l2": 0.01}, "glyphs": {"epochs": 60, "l2": 1e-3}}
    assert LabConfig.settings()["epochs"].hi == 2000  # the one bound the page's widget shows


def test_splits_are_disjoint_and_labels_are_corrupted_as_asked():
    config = LabConfig(label_noise=0.3, **SMALL)
    data = lab_data(config)
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (40, 40, 200)
    every = np.concatenate([data.x_train, data.x_val, data.x_test])
    assert len(np.unique(every, axis=0)) == len(every)
    y, mask = corrupt_labels(np.zeros(2000, int), 0.3, 3, seed=0)
    assert abs(mask.mean() - 0.3) < 0.03 and np.all(y[mask] != 0) and np.all(y[~mask] == 0)


def test_every_strategy_builds_its_own_network():
    config = LabConfig(**SMALL)
    data = lab_data(config)
    layers = {name: [type(layer).__name__ for layer in getattr(build_variant(config, name, data), "layers", [])]
              for name in STRATEGIES}
    assert "InvertedDropout" in layers["dropout"] and "GaussianNoise" in layers["input noise"]
    assert "NoisyDense" in layers["weight noise"] and "RandomPointRotation" in layers["augmentation"]
    assert "RepeatedDense" in layers["shared layers"]
    assert build_variant(config, "L2", data).layers[0].kernel_regularizer.l2 == 0.01
    builtin = config.replace(builtin=True)
    assert isinstance(build_variant(builtin, "dropout", data).layers[1], keras.layers.Dropout)
    assert type(build_variant(builtin, "L1", data).layers[0].kernel_regularizer) is keras.regularizers.L1L2
    sgd = build_variant(config.replace(optimizer="sgd"), "none", data).optimizer
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == 0.9


def test_the_baseline_starts_from_build_mlps_weights():
    config = LabConfig(**SMALL)
    ours = build_variant(config, "none", lab_data(config))
    mlp = build_mlp(2, config.hidden, "relu", output="softmax", num_classes=2, seed=config.seed, from_scratch=False)
    for a, b in zip(ours.get_weights(), mlp.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_small_lab_run_fills_the_table_and_the_figures():
    config = LabConfig(strategies=("none", "early stopping", "bagging"), ensemble=2, patience=1, **SMALL)
    seen = []
    result = run_lab(config, callbacks=lambda run: seen.append((run.name, run.epochs_done)))
    assert {name for name, _ in seen} == set(result.runs) and all(done >= 1 for _, done in seen)
    table = {row["variant"]: row for row in result.table()}
    assert list(table) == [config.variant_label(key) for key in config.strategies]
    for row in table.values():
        assert 0 <= row["test acc"] <= 1 and row["gap"] == pytest.approx(row["train acc"] - row["test acc"], abs=2e-3)
    assert table["bagging K=2"]["parameters"] > 2 * table["none"]["parameters"]
    assert set(result.stops()) <= {"early stopping patience=1"}
    assert result.boundary("none", resolution=20).shape == (20, 20, 2)
    assert result.ensemble_report.member_errors.shape == (2,)
    points, tags = result.augmented_examples(draws=2)
    assert points.shape == (80, 2) and len(tags) == 80
    assert set(result.weight_distributions()) == set(table)


def test_the_default_scenario_overfits():
    config = LabConfig(strategies=("none",), epochs=150)
    score = run_lab(config).scores["none"]
    assert score["gap"] > 0.05 and score["test_loss"] > 2 * score["train_loss"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"l2": -0.1}, r"`l2` must be a finite number in \[0, 1\], received l2=-0.1"),
    ({"l1": -1.0}, r"`l1` must be a finite number in \[0, 1\]"),
    ({"dropout": 1.0}, r"`dropout` must be a finite number in \[0, 0.95\], received dropout=1.0"),
    ({"ensemble": 0}, r"`ensemble` must be an integer in \[2, 20\], received ensemble=0"),
    ({"ensemble": 100}, r"`ensemble` must be an integer in \[2, 20\]"),
    ({"patience": 0}, r"`patience` must be an integer in \[1, 500\]"),
    ({"epochs": 5000}, r"`epochs` must be an integer in \[1, 2000\]"),
    ({"strategies": ("none", "magic")}, "`strategies` must be a list of values among 'none', 'L2'"),
    ({"strategies": ()}, "`strategies` must be at least one value among"),
    ({"strategies": ("shared layers",), "hidden": (8, 16, 8)}, "needs at least 3 layers of equal width"),
    ({"hidden": (8, 0)}, r"`hidden` must be an integer in \[1, 256\], received hidden=0"),
    ({"task": "mnist"}, "`task` must be one of 'toy2d', 'glyphs'"),
    ({"augmentation": 2.0}, r"`augmentation` must be a finite number in \[0, 1\]"),
    ({"dataset": "plane"}, "`dataset` must be one of 'circle'"),  # a regression set has no classes
])
def test_bad_settings_get_one_clear_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LabConfig(**kwargs)
