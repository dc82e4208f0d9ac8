"""Inception Score, FID and classes covered against closed forms; the glyph classifier that
stands in for InceptionV3."""

import numpy as np
import pytest

from toolkit.generative.metrics import (
    class_histogram, classes_covered, fid, frechet_distance, inception_score, recognized_fraction,
)


def confident(labels, k=10, confidence=0.999):
    probs = np.full((len(labels), k), (1 - confidence) / (k - 1))
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def test_inception_score_is_k_for_confident_uniform_predictions():
    assert inception_score(np.eye(10)[np.arange(1000) % 10]) == pytest.approx(10.0, rel=1e-6)
    assert inception_score(confident(np.arange(1000) % 10)) == pytest.approx(10.0, rel=0.02)


def test_inception_score_is_one_for_a_single_class_or_uniform_predictions():
    assert inception_score(np.eye(10)[np.zeros(100, int)]) == pytest.approx(1.0)
    assert inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)


def test_inception_score_validates_probabilities():
    with pytest.raises(ValueError, match="sum to 1"):
        inception_score(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        inception_score(np.ones(4))


def test_fid_of_identical_gaussians_is_zero():
    features = np.random.default_rng(0).normal(size=(2000, 8))
    assert fid(features, features) == pytest.approx(0.0, abs=1e-6)
    other = np.random.default_rng(1).normal(size=(20000, 8))
    assert fid(features, other) < 0.05  # two samples of the same Gaussian


def test_frechet_distance_closed_form_for_two_known_gaussians():
    # diagonal covariances: ‖μa - μb‖² + Σ (a_i + b_i - 2 sqrt(a_i b_i))
    mu_a, mu_b = np.array([0.0, 1.0]), np.array([3.0, -1.0])
    var_a, var_b = np.array([1.0, 4.0]), np.array([9.0, 1.0])
    expected = 13.0 + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))  # 13 + 4 + 1 = 18
    assert frechet_distance(mu_a, np.diag(var_a), mu_b, np.diag(var_b)) == pytest.approx(expected)
    assert expected == pytest.approx(18.0)
    # and from samples of those Gaussians
    rng = np.random.default_rng(0)
    a = rng.normal(mu_a, np.sqrt(var_a), size=(50000, 2))
    b = rng.normal(mu_b, np.sqrt(var_b), size=(50000, 2))
    assert fid(a, b) == pytest.approx(18.0, rel=0.02)


def test_fid_validates_features():
    with pytest.raises(ValueError, match="same number of features"):
        fid(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="N >= 2"):
        fid(np.zeros((1, 3)), np.zeros((5, 3)))


def test_mode_collapse_is_measured_as_classes_covered():
    assert classes_covered(confident(np.arange(500) % 10)) == 10
    assert classes_covered(confident(np.zeros(500, int))) == 1  # collapsed onto one class
    assert classes_covered(np.full((100, 10), 0.1)) == 0  # nothing recognizable
    mostly_three = confident(np.r_[np.full(495, 3), [0, 1, 2, 4, 5]])
    assert classes_covered(mostly_three) == 1  # 1 sample each is under the 2% share
    assert class_histogram(mostly_three)[3] == 495
    assert recognized_fraction(np.r_[confident([1]), np.full((1, 10), 0.1)]) == 0.5


def test_the_shipped_judge_still_reaches_its_accuracy_on_fresh_glyphs(judge):
    """The classifier in toolkit/generative/assets, on glyphs rendered now from a seed it never saw."""
    from toolkit.data import glyphs
    from toolkit.generative.metrics import SHIPPED
    from toolkit.generative.train_judge import FRESH_N, FRESH_SEED, MIN_ACCURACY

    assert SHIPPED.stat().st_size < 1_000_000  # small enough to ship in the package
    assert judge.test_accuracy >= MIN_ACCURACY  # as measured when it was trained (assets/glyph_judge.json)
    fresh = glyphs(n=FRESH_N, seed=FRESH_SEED, cache=False)
    assert MIN_ACCURACY == 0.97 and judge.accuracy(fresh.x_train, fresh.y_train) >= MIN_ACCURACY
    # attributes in glyph units (pixels, shear), read well enough to rank bold against thin
    read, true = judge.attributes(fresh.x_test), fresh.attrs_test
    assert np.corrcoef(read["thickness"], true["thickness"])[0, 1] > 0.55  # measured 0.64
    assert abs(read["thickness"].mean() - true["thickness"].mean()) < 0.2  # pixels; spread 0.42
    assert np.corrcoef(read["slant"], true["slant"])[0, 1] > 0.75  # measured 0.83


def test_a_judge_round_trips_through_its_file(tiny_judge, tmp_path):
    from toolkit.generative.metrics import load_glyph_judge, save_glyph_judge

    save_glyph_judge(tiny_judge, tmp_path / "judge.keras", n=2000)
    loaded = load_glyph_judge(tmp_path / "judge.keras")
    images = np.random.default_rng(0).random((5, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(loaded.outputs(images)["attributes"], tiny_judge.outputs(images)["attributes"],
                               rtol=1e-5, atol=1e-5)
    assert loaded.test_accuracy == pytest.approx(tiny_judge.test_accuracy, abs=1e-4)
    assert not loaded.model.compiled  # no optimizer state in the file


def test_glyph_judge_recognizes_real_glyphs(tiny_judge):
    from toolkit.data import glyphs

    data = glyphs(n=300, seed=5)
    assert tiny_judge.test_accuracy > 0.8
    assert tiny_judge.probabilities(data.x_train).shape == (240, 10)
    assert tiny_judge.features(data.x_train[:7]).shape == (7, 128)
    report = tiny_judge.report(data.x_train, tiny_judge.features(data.x_test))
    assert report["inception_score"] > 3
    assert classes_covered(tiny_judge.probabilities(data.x_train), confidence=0.5) >= 8
    blank = tiny_judge.report(np.zeros((60, 28, 28, 1)), tiny_judge.features(data.x_test))
    assert blank["fid"] > report["fid"]
    with pytest.raises(ValueError, match=r"`images` must have shape \(N, 28, 28, 1\)"):
        tiny_judge.probabilities(np.zeros((2, 14, 14, 1)))
