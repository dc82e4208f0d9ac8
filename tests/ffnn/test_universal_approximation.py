"""Cybenko in practice: the error falls with width; depth-vs-width variants share a budget."""

import numpy as np
import pytest

from toolkit.ffnn import (
    TARGET_FUNCTIONS, ApproximationConfig, architectures_for_budget, build_mlp, depth_vs_width,
    error_vs_width, fit_function, parameter_count, run_approximation,
)


def test_error_falls_with_width():
    curve = error_vs_width(widths=(1, 32), fn="sin", epochs=300, seed=0)
    assert list(curve["width"]) == [1, 32] and list(curve["params"]) == [4, 97]
    assert curve["mse"][1] < curve["mse"][0] / 4
    fit = curve["fits"][1]
    assert fit.x.shape == fit.y.shape == fit.y_hat.shape == (256,)
    np.testing.assert_allclose(fit.y, np.sin(fit.x), atol=1e-6)


def test_error_falls_with_width_at_the_pages_defaults():
    """Notes, ch. 1 "4. Architecture Design (Depth and Width)", Cybenko's theorem: one hidden
    layer with a linear output approximates a continuous function "provided there are enough
    hidden units".

    The page's widths (1 ... 32) fitted to sin with its defaults, at three seeds: the error of
    Eq. 2 falls with w, non-strictly (a doubling may cost up to 1.5x, the seed-to-seed noise),
    and w = 32 ends over 10x below w = 1. Measured MSE, seed 0: 0.046, 0.0093, 0.0060, 0.0038,
    0.0028, 0.0017; the largest rise over the three seeds is 1.3x (seed 3, w = 2 -> 4, not run).
    """
    config = ApproximationConfig()
    for seed in (0, 1, 2):
        mse = error_vs_width(config.widths, fn=config.fn, epochs=config.fit_epochs, batch_size=config.batch_size,
                             learning_rate=config.width_learning_rate, seed=seed)["mse"]
        assert np.all(mse[1:] <= 1.5 * mse[:-1]) and mse[-1] < mse[0] / 10, (seed, mse)


@pytest.mark.parametrize("budget", [100, 300, 700])
def test_depth_vs_width_variants_match_the_budget(budget):
    rows = architectures_for_budget(budget, depths=(1, 2, 3, 4))
    assert [depth for depth, _, _ in rows] == [1, 2, 3, 4]
    for depth, width, params in rows:
        assert abs(params - budget) <= 0.1 * budget
        model = build_mlp(1, hidden=(width,) * depth, output="linear")
        assert model.count_params() == params == parameter_count(depth, width)  # Eq. 3


def test_depth_vs_width_trains_every_variant():
    result = depth_vs_width(budget=60, depths=(1, 2), fn="abs", epochs=5)
    assert list(result["depth"]) == [1, 2]
    assert np.all(np.abs(result["params"] - 60) <= 6) and np.all(np.isfinite(result["mse"]))


def test_callable_targets_and_every_named_target():
    fit = fit_function(lambda x: 0.5 * x, width=2, epochs=3, n=16)
    assert fit.function == "<lambda>" and np.isfinite(fit.mse)
    for name, fn in TARGET_FUNCTIONS.items():
        values = fn(np.linspace(-3, 3, 101))
        assert values.shape == (101,) and np.all(np.isfinite(values)), name


def test_invalid_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"`fn` must be one of 'sin', 'abs'.*received fn='cos'. \(or pass a callable"):
        fit_function("cos")
    with pytest.raises(ValueError, match=r"`interval` must be a pair \(lo, hi\) with lo < hi"):
        fit_function("sin", interval=(3, -3))
    with pytest.raises(ValueError, match=r"`budget` must be an integer in \[10, 768\]"):
        architectures_for_budget(5)


def test_networks_trained_side_by_side_equal_networks_trained_alone():
    """Eq. 4: no shared weight and a summed loss, so each network trains exactly as on its own."""
    kwargs = dict(fn="sin", n=32, epochs=20, batch_size=8, learning_rate=0.05, seed=3)
    together = error_vs_width(widths=(2, 5), **kwargs)
    alone = fit_function(width=5, **kwargs)
    np.testing.assert_allclose(together["fits"][1].y_hat, alone.y_hat, rtol=1e-4, atol=1e-6)
    assert together["mse"][1] == pytest.approx(alone.mse, rel=1e-3)
    with pytest.raises(ValueError, match=r"`widths\[0\]` must be an integer in \[1, 256\], received widths\[0\]=0"):
        error_vs_width(widths=(0, 4))


def test_run_approximation_reports_two_runs_and_stops_between_them():
    names = []
    config = ApproximationConfig(fn="abs", budget=60, fit_epochs=10, widths=(2, 4), depths=(1, 2))
    result = run_approximation(config, callbacks=[lambda run: names.append(run.name)])
    assert list(result) == ["widths", "depths"] and set(names) == {"widths", "depths"}
    assert list(result["widths"]["width"]) == [2, 4] and list(result["depths"]["depth"]) == [1, 2]
    assert result["widths"]["fits"][0].run.epochs_done == 10
    stopped = run_approximation(config, stop=lambda: True)
    assert list(stopped) == ["widths"] and stopped["widths"]["fits"][0].run.status == "stopped"
    with pytest.raises(ValueError, match=r"`fit_epochs` must be an integer in \[10, 3000\], received fit_epochs=5"):
        ApproximationConfig(fit_epochs=5)
