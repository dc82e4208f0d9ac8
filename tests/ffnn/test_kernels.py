"""Generic φ (toolkit.ffnn.kernels): random Fourier features against the exact RBF kernel."""

import keras
import numpy as np
import pytest

from toolkit.ffnn.kernels import RandomFourierFeatures, rbf_kernel


def test_rbf_kernel_matches_its_formula():
    x, y = np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(rbf_kernel(x, y, 0.5), [[np.exp(-1 / 0.5)], [np.exp(-4 / 0.5)]])


@pytest.mark.parametrize("lengthscale", [0.5, 2.0])
def test_inner_products_of_the_features_approach_the_kernel(lengthscale):
    points = np.random.default_rng(0).normal(size=(6, 2)).astype("float32")
    phi = keras.ops.convert_to_numpy(RandomFourierFeatures(4096, lengthscale, seed=1)(points))
    assert phi.shape == (6, 4096)
    np.testing.assert_allclose(phi @ phi.T, rbf_kernel(points, points, lengthscale), atol=0.06)


def test_the_mean_over_seeds_is_the_kernel_eq_2():
    points = np.array([[0.0, 0.0], [0.6, -0.3]], "float32")
    products = [np.prod(keras.ops.convert_to_numpy(RandomFourierFeatures(512, 1.0, seed=s)(points)), 0).sum()
                for s in range(40)]
    assert abs(np.mean(products) - rbf_kernel(points[:1], points[1:], 1.0)[0, 0]) < 0.01


def test_the_same_seed_draws_the_same_features_and_they_are_not_trained():
    points = np.ones((2, 3), "float32")
    a, b = RandomFourierFeatures(8, seed=5), RandomFourierFeatures(8, seed=5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a(points)), keras.ops.convert_to_numpy(b(points)))
    assert not a.trainable_weights and len(a.non_trainable_weights) == 2


@pytest.mark.parametrize("kwargs, message", [({"dim": 0}, "dim"), ({"lengthscale": 0.0}, "lengthscale")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomFourierFeatures(**kwargs)
