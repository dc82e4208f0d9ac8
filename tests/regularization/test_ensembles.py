"""Bagging: bootstrap counts (Eqs. 1-4), BaggingEnsemble, and the vote report (Eqs. 5-6)."""

import math

import keras
import numpy as np
import pytest

from toolkit.data import toy2d
from toolkit.ffnn import build_mlp
from toolkit.regularization import BaggingEnsemble, bootstrap_counts, bootstrap_sample, ensemble_report, majority_vote
from toolkit.train import fit


def test_classic_bootstrap_leaves_out_about_a_third():
    left_out = np.mean([1 - len(np.unique(bootstrap_sample(1000, seed))) / 1000 for seed in range(20)])
    assert abs(left_out - math.exp(-1)) < 0.01  # (1 - 1/n)^n -> 1/e


def test_hashed_counts_are_poisson_one_and_fixed_per_sample():
    x = np.random.default_rng(0).uniform(-6, 6, size=(20000, 2)).astype("float32")
    projection = np.random.default_rng(1).normal(0, 10, size=(2, 3)).astype("float32")
    counts = np.asarray(bootstrap_counts(x, projection))
    assert counts.shape == (20000, 3)
    for k in range(3):  # Eq. 2: P(0) = P(1) = 1/e, P(2) = 1/(2e), mean 1
        assert abs(np.mean(counts[:, k] == 0) - math.exp(-1)) < 0.015
        assert abs(np.mean(counts[:, k] == 2) - math.exp(-1) / 2) < 0.015
        assert abs(counts[:, k].mean() - 1) < 0.03
    assert abs(np.corrcoef(counts[:, 0], counts[:, 1])[0, 1]) < 0.05  # members resample independently
    np.testing.assert_array_equal(np.asarray(bootstrap_counts(x[:50], projection)), counts[:50])


def test_ensemble_averages_members_that_start_as_build_mlp():
    model = BaggingEnsemble((2,), 3, size=3, hidden=(8,), seed=5)
    first = build_mlp(2, (8,), "relu", output="softmax", num_classes=3, seed=5, from_scratch=False)
    for a, b in zip(model.members[0].get_weights(), first.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(7, 2)).astype("float32")
    members = np.asarray(model.member_probabilities(x))
    np.testing.assert_allclose(np.asarray(model(x)), members.mean(axis=0), atol=1e-6)  # Eq. 5


def test_bagging_trains_and_the_report_compares_members_with_the_ensemble():
    ds = toy2d("moons", n=300, noise=20, seed=0)
    model = BaggingEnsemble((2,), 2, size=3, hidden=(16, 16), seed=0)
    model.compile(keras.optimizers.Adam(0.02))
    run = fit(model, ds.x_train, ds.y_train, epochs=25, validation_data=(ds.x_test, ds.y_test))
    assert run.history["loss"][-1] < 0.6 * run.history["loss"][0] and run.history["val_accuracy"][-1] > 0.8
    report = ensemble_report(np.asarray(model.member_probabilities(ds.x_test)), ds.y_test)
    assert report.member_errors.shape == (3,) and report.disagreement.shape == (3, 3)
    assert report.average_error == pytest.approx(1 - run.history["val_accuracy"][-1], abs=1e-6)
    assert report.all_wrong <= report.vote_error <= report.some_wrong


def test_vote_and_report_golden_values():
    probs = np.zeros((3, 4, 2))
    predictions = np.array([[0, 1, 1, 0], [0, 1, 0, 0], [1, 1, 0, 1]])
    probs[np.arange(3)[:, None], np.arange(4)[None, :], predictions] = 1
    y = np.array([0, 1, 1, 1])
    np.testing.assert_array_equal(majority_vote(probs), [0, 1, 0, 0])
    report = ensemble_report(probs, y)
    np.testing.assert_allclose(report.member_errors, [0.25, 0.5, 0.5])
    assert report.vote_error == 0.5 and report.all_wrong == 0.0 and report.some_wrong == 0.75
    assert report.disagreement[0, 1] == 0.25 and report.disagreement[0, 2] == 0.75
    assert report.mean_disagreement == pytest.approx((0.25 + 0.5 + 0.75) / 3)


def test_round_trips_and_bad_sizes(tmp_path):
    model = BaggingEnsemble((2,), 2, size=2, hidden=(4,), seed=1, bootstrap=False)
    model.compile("adam")
    assert BaggingEnsemble.from_config(model.get_config()).get_config() == model.get_config()
    x = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    model.save(tmp_path / "bag.keras")
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(tmp_path / "bag.keras")(x)),
                               np.asarray(model(x)), atol=1e-6)
    np.testing.assert_array_equal(np.asarray(model.counts(x)), np.ones((5, 2)))
    for size in (0, 1, 100, 2.5):
        with pytest.raises(ValueError, match=r"`size` must be an integer in \[2, 20\], received size=.*models K"):
            BaggingEnsemble(size=size)
