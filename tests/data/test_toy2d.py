"""toy2d: Playground's datasets, checked against the formulas of Playground's dataset.ts."""

import numpy as np
import pytest

from toolkit.data import TOY2D_NAMES, load, toy2d
from toolkit.data.playground import CLASSIFICATION_NAMES, REGRESSION_NAMES


@pytest.mark.parametrize("name", TOY2D_NAMES)
def test_shapes_and_dtypes(name):
    ds = toy2d(name, n=200, noise=10)
    assert ds.x_train.shape == (100, 2) and ds.x_test.shape == (100, 2)
    assert ds.x_train.dtype == np.float32 and ds.input_shape == (2,)
    if name in REGRESSION_NAMES:
        assert ds.task == "regression" and ds.classes == () and ds.num_classes == 0
        assert ds.y_train.dtype == np.float32 and ds.y_train.shape == (100,)
    else:
        assert ds.task == "classification" and ds.y_train.dtype == np.int32
        assert set(np.unique(np.concatenate([ds.y_train, ds.y_test]))) == set(range(ds.num_classes))


@pytest.mark.parametrize("name", TOY2D_NAMES)
def test_points_lie_in_playground_square(name):
    ds = toy2d(name, n=1000, noise=0)
    points = np.concatenate([ds.x_train, ds.x_test])
    assert np.abs(points).max() <= 6.0


@pytest.mark.parametrize("name", REGRESSION_NAMES)
def test_regression_targets_in_unit_interval(name):
    ds = toy2d(name, n=1000, noise=50)
    targets = np.concatenate([ds.y_train, ds.y_test])
    assert targets.min() >= -1 and targets.max() <= 1
    assert targets.std() > 0.2  # not collapsed to a constant


@pytest.mark.parametrize("name", TOY2D_NAMES)
def test_same_seed_same_arrays_other_seed_differs(name):
    a, b, c = toy2d(name, n=100, noise=20, seed=3), toy2d(name, n=100, noise=20, seed=3), toy2d(name, n=100, noise=20, seed=4)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", CLASSIFICATION_NAMES)
def test_class_balance_within_five_points_of_uniform(name):
    ds = toy2d(name, n=2000, noise=0, classes=4)
    labels = np.concatenate([ds.y_train, ds.y_test])
    shares = np.bincount(labels, minlength=ds.num_classes) / len(labels)
    assert np.all(np.abs(shares - 1 / ds.num_classes) < 0.05), shares


def test_noise_free_circle_is_separable_by_radius():
    ds = toy2d("circle", n=1000, noise=0)
    radius = np.hypot(ds.x_train[:, 0], ds.x_train[:, 1])
    assert radius[ds.y_train == 1].max() < 2.5
    assert radius[ds.y_train == 0].min() >= 3.5


def test_noise_free_xor_label_is_sign_of_product():
    ds = toy2d("xor", n=500, noise=0)
    np.testing.assert_array_equal(ds.y_train, (ds.x_train[:, 0] * ds.x_train[:, 1] >= 0).astype(np.int32))
    assert np.abs(ds.x_train).min() >= 0.3  # Playground's padding away from the axes


def test_noise_free_plane_target_is_scaled_sum():
    ds = toy2d("plane", n=500, noise=0)
    np.testing.assert_allclose(ds.y_train, np.clip(ds.x_train.sum(1) / 10, -1, 1), atol=1e-6)


def test_noise_free_multigauss_matches_largest_bump():
    ds = toy2d("multigauss", n=500, noise=0)
    centres = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    for (x, y), target in zip(ds.x_train[:50].astype(float), ds.y_train[:50]):
        bumps = [sign * min(max(1 - np.hypot(x - cx, y - cy) / 2, 0), 1) for cx, cy, sign in centres]
        expected = max(bumps, key=abs) if any(bumps) else 0.0
        assert target == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("noise, variance", [(0, 0.5), (50, 4.0)])
def test_gauss_variance_follows_playground_scale(noise, variance):
    ds = toy2d("gauss", n=8000, noise=noise, test_ratio=0.5)
    blob = ds.x_train[ds.y_train == 1]
    assert blob.mean(0) == pytest.approx([2, 2], abs=0.15)
    assert blob.var(0) == pytest.approx([variance, variance], rel=0.1)


def test_noise_free_spiral_arms_reach_radius_five():
    ds = toy2d("spiral", n=1000, noise=0)
    radius = np.hypot(ds.x_train[:, 0], ds.x_train[:, 1])
    assert radius.max() <= 5 and radius.max() > 4.9


def test_spiral_k_has_k_balanced_arms():
    ds = toy2d("spiral_k", n=700, classes=7)
    assert ds.num_classes == 7 and ds.classes[6] == "arm 6"
    labels = np.concatenate([ds.y_train, ds.y_test])
    assert np.bincount(labels).tolist() == [100] * 7


@pytest.mark.parametrize("test_ratio", [0.2, 0.5, 0.9])
def test_split_sizes_follow_test_ratio(test_ratio):
    ds = toy2d("circle", n=500, test_ratio=test_ratio)
    assert ds.n_test == round(500 * test_ratio) and ds.n_train + ds.n_test == 500


def test_spec_rebuilds_identical_dataset():
    ds = toy2d("spiral_k", n=300, noise=15, seed=2, classes=5, test_ratio=0.3)
    again = load(**ds.spec)
    np.testing.assert_array_equal(ds.x_train, again.x_train)
    np.testing.assert_array_equal(ds.y_test, again.y_test)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "donut"}, r"`name` must be one of .*'circle'.*'spiral_k'.*'multigauss'.*received name='donut'"),
        ({"name": "circle", "n": 5}, r"`n` must be an integer in \[10, 100000\], received n=5\."),
        ({"name": "circle", "noise": 70}, r"`noise` must be a finite number in \[0, 50\], received noise=70\."),
        ({"name": "circle", "test_ratio": 1.0}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=1.0\."),
        ({"name": "spiral_k", "classes": 11}, r"`classes` must be an integer in \[2, 10\], received classes=11\."),
        ({"name": "circle", "seed": -1}, r"`seed` must be a non-negative integer, received seed=-1\."),
        ({"name": "circle", "n": 10.5}, r"`n` must be an integer"),
    ],
)
def test_bad_arguments_raise_one_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy2d(**kwargs)
