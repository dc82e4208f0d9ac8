"""Loss surfaces: autodiff gradients equal the analytic ones and finite differences,
the minima and saddles are where the table says, and the grid is laid out for plotly."""

import numpy as np
import pytest
import tensorflow as tf

from toolkit.optim import SURFACES, get_surface, surface_grid


def _beale_gradient(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
    return (2 * a * (y - 1) + 2 * b * (y ** 2 - 1) + 2 * c * (y ** 3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y ** 2)


ANALYTIC = {
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)),
    "beale": _beale_gradient,
    "himmelblau": lambda x, y: (4 * x * (x ** 2 + y - 11) + 2 * (x + y ** 2 - 7),
                                2 * (x ** 2 + y - 11) + 4 * y * (x + y ** 2 - 7)),
    "saddle": lambda x, y: (2 * x, -2 * y),
    "monkey_saddle": lambda x, y: (3 * x ** 2 - 3 * y ** 2, -6 * x * y),
    "ravine": lambda x, y: (0.1 * x, 10 * y),
    "noisy_bowl": lambda x, y: (x, 4 * y),
    "double_well": lambda x, y: (4 * x * (x ** 2 - 1) + 0.5, 2 * y),
}


def autodiff_gradient(surface, point):
    w = tf.constant(point, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(w)
        value = surface.value(w)
    return tape.gradient(value, w).numpy()


def finite_difference_gradient(surface, point, h=1e-6):
    f = lambda p: float(surface.value(tf.constant(p, tf.float64)))
    steps = np.eye(2) * h
    return np.array([(f(point + e) - f(point - e)) / (2 * h) for e in steps])


def _points(surface, n=5):
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(*surface.x_range, n), rng.uniform(*surface.y_range, n)])


def test_every_surface_has_an_analytic_gradient_here():
    assert set(ANALYTIC) == set(SURFACES)


@pytest.mark.parametrize("name", list(SURFACES))
def test_gradients_equal_analytic_and_finite_differences(name):
    surface = SURFACES[name]
    for point in _points(surface):
        autodiff = autodiff_gradient(surface, point)
        np.testing.assert_allclose(autodiff, ANALYTIC[name](*point), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(finite_difference_gradient(surface, point), autodiff,
                                   rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", [n for n, s in SURFACES.items() if s.minima])
def test_minima_are_stationary_global_and_at_the_stated_value(name):
    surface = SURFACES[name]
    _, _, zs = surface_grid(name, 101)
    for point in np.array(surface.minima):
        assert np.linalg.norm(autodiff_gradient(surface, point)) < 1e-3
        assert float(surface.value(point)) == pytest.approx(surface.minimum_value, abs=1e-6)
        for direction in np.random.default_rng(1).normal(size=(8, 2)) * 1e-2:
            assert float(surface.value(point + direction)) > surface.minimum_value  # a minimum
    assert zs.min() >= surface.minimum_value - 1e-6  # nothing on the grid goes lower


@pytest.mark.parametrize("name", ["saddle", "monkey_saddle"])
def test_saddles_are_stationary_with_lower_and_higher_neighbours(name):
    surface = SURFACES[name]
    (point,) = np.array(surface.saddles)
    assert np.linalg.norm(autodiff_gradient(surface, point)) < 1e-12
    around = [float(surface.value(point + 0.1 * np.array([np.cos(a), np.sin(a)])))
              for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
    centre = float(surface.value(point))
    assert min(around) < centre < max(around)
    assert surface.minima == () and surface.minimum_value is None


def test_double_well_local_minimum_is_stationary_and_higher_than_the_global_one():
    surface = SURFACES["double_well"]
    (point,) = np.array(surface.local_minima)
    assert np.linalg.norm(autodiff_gradient(surface, point)) < 1e-4
    value = float(surface.value(point))
    assert value == pytest.approx(0.483251, abs=1e-6) and value > surface.minimum_value + 0.9
    for direction in np.random.default_rng(2).normal(size=(8, 2)) * 1e-2:
        assert float(surface.value(point + direction)) > value
    assert all(SURFACES[name].local_minima == () for name in SURFACES if name != "double_well")


@pytest.mark.parametrize("name", list(SURFACES))
def test_default_start_lies_in_the_domain(name):
    assert SURFACES[name].contains(SURFACES[name].start)


def test_grid_rows_are_y_and_columns_are_x():
    xs, ys, zs = surface_grid("rosenbrock", 30)
    assert xs.shape == (30,) and ys.shape == (30,) and zs.shape == (30, 30)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (-2, 2, -1, 3)
    surface = get_surface("rosenbrock")
    assert zs[7, 3] == pytest.approx(float(surface.function(xs[3], ys[7])), rel=1e-6)


def test_bad_names_and_resolutions_are_named():
    with pytest.raises(ValueError, match="`name` must be one of 'rosenbrock', .*name='moon'"):
        get_surface("moon")
    with pytest.raises(ValueError, match=r"`resolution` must be an integer in \[2, 2000\], "
                                         "received resolution=1."):
        surface_grid("beale", 1)
