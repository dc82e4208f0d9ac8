"""Capacity and the hypothesis space (toolkit.regularization.capacity): nested spaces, least squares
against NumPy's polynomial fit, and the U-shaped test error at the page's defaults."""

import numpy as np
import pytest

from toolkit.regularization.capacity import CapacityConfig, capacity_sweep, target
from toolkit.viz.capacity import capacity_curves, capacity_fits


@pytest.fixture(scope="module")
def sweep():
    return capacity_sweep(CapacityConfig())


def test_training_error_only_falls_with_capacity_and_interpolates_at_n_minus_1(sweep):
    assert np.all(np.diff(sweep.train) <= 1e-9)  # H_d ⊂ H_{d+1}
    assert sweep.degrees[-1] == 14 and sweep.train[-1] < 1e-12  # 15 points, degree 14: through each


def test_the_legendre_fit_is_the_least_squares_polynomial(sweep):
    x = np.linspace(-1, 1, 50)
    reference = np.polyval(np.polyfit(sweep.x_train, sweep.y_train, 3), x)
    np.testing.assert_allclose(sweep.curve(3)[1], np.interp(np.linspace(-1, 1, 200), x, reference), atol=0.02)
    np.testing.assert_allclose(np.interp(x, *sweep.curve(3)), reference, atol=0.02)


def test_the_test_error_is_u_shaped_at_the_defaults(sweep):
    best = sweep.best
    assert 2 <= best <= 10, sweep.test
    assert sweep.test[0] > 3 * sweep.test[best] and sweep.test[-1] > 10 * sweep.test[best], sweep.test
    regimes = [row[""] for row in sweep.table()]
    assert regimes[best] == "best" and set(regimes[:best]) == {"underfits"} and set(regimes[best + 1:]) == {"overfits"}


def test_training_points_are_stratified_and_the_degree_is_capped_at_n_minus_1():
    sweep = capacity_sweep(CapacityConfig(capacity_n=6, capacity_max_degree=20, capacity_seed=3))
    assert list(sweep.degrees) == [0, 1, 2, 3, 4, 5]
    np.testing.assert_array_equal(np.floor((np.sort(sweep.x_train) + 1) * 3), np.arange(6))  # one per slice


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="capacity_n"):
        CapacityConfig(capacity_n=2)


def test_the_figures_draw_both_errors_on_a_log_scale_and_the_fits(sweep):
    fig = capacity_curves(sweep)
    assert [trace.name for trace in fig.data] == ["train MSE", "test MSE"] and fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].x0 == sweep.best and fig.layout.yaxis.range[1] <= 3.2
    fits = capacity_fits(sweep, (1, sweep.best, 14), target)
    assert [trace.name for trace in fits.data] == ["true sin(πx)", "d = 1", f"d = {sweep.best}", "d = 14",
                                                    "training points"]
    assert fits.layout.yaxis.range[1] < 3  # a wild degree-14 fit does not set the scale
