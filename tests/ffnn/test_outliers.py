"""MSE, MAE and Huber on data with outliers: MSE's line is dragged, MAE and Huber's are not."""

import numpy as np
import pytest

from toolkit.ffnn.outliers import OutliersConfig, compare_losses, fit_line, outlier_data, run_line_fits


def test_outlier_data_shape_and_count():
    x, y, is_outlier = outlier_data(n=40, outliers=0.25, seed=1)
    assert x.shape == y.shape == is_outlier.shape == (40,) and is_outlier.sum() == 10
    assert np.all(x[is_outlier] > np.median(x) - 1e-6)  # outliers among the largest x
    assert np.all(np.diff(x) >= 0)


def test_mse_is_pulled_by_outliers_and_mae_huber_are_not():
    x, y, _ = outlier_data(n=60, outliers=0.15, seed=0)
    fits = compare_losses(x, y, epochs=300)
    error = {name: abs(fit.slope - 0.8) + abs(fit.intercept - 0.5) for name, fit in fits.items()}
    assert error["MSE"] > 1.0  # dragged towards the outliers
    assert error["MAE"] < 0.4 and error["Huber"] < 0.4
    fit = fits["MSE"]
    np.testing.assert_allclose(fit.residuals, fit.y_hat - y, atol=1e-6)
    np.testing.assert_allclose(fit.y_hat, fit.slope * x + fit.intercept, atol=1e-5)
    # Eq. 4: no shared weight, a summed loss, Adam's per-weight steps: the same as one fit per line
    alone = fit_line(x, y, "Huber", epochs=300)
    assert fits["Huber"].slope == pytest.approx(alone.slope, rel=1e-5)
    assert fits["Huber"].intercept == pytest.approx(alone.intercept, rel=1e-5)


def test_without_outliers_every_loss_finds_the_line():
    x, y, is_outlier = outlier_data(n=60, outliers=0.0, noise=0.1, seed=0)
    assert not is_outlier.any()
    for fit in compare_losses(x, y, epochs=300).values():
        assert fit.slope == pytest.approx(0.8, abs=0.1) and fit.intercept == pytest.approx(0.5, abs=0.1)


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"`loss` must be one of 'MSE', 'MAE', 'Huber', received loss='L1'"):
        fit_line(np.zeros(3), np.zeros(3), loss="L1")
    with pytest.raises(ValueError, match=r"`outliers` must be a finite number in \[0, 0.5\]"):
        outlier_data(outliers=0.9)
    with pytest.raises(ValueError, match=r"`losses` must be a list without repeated values"):
        compare_losses(np.zeros(3), np.zeros(3), losses=("MSE", "MSE"))
    with pytest.raises(ValueError, match=r"`outliers` must be an integer in \[0, 40\], received outliers=90"):
        OutliersConfig(outliers=90)


def test_run_line_fits_reports_one_run_and_stops_on_request():
    ends = []
    config = OutliersConfig(outliers=20, epochs=5)
    fits = run_line_fits(config, callbacks=[lambda run: None], stop=None)
    assert list(fits) == ["MSE", "MAE", "Huber"] and len(fits["MSE"].history) == 5
    from toolkit.train import Callback

    class End(Callback):
        def on_end(self, run):
            ends.append((run.name, run.status, run.epochs_done))

    run_line_fits(config, callbacks=[End()], stop=lambda: True)
    assert ends == [("lines", "stopped", 0)]
