"""The forward process as the notes' stochastic equation (Eq. 6 of ``schedules``): average change plus
random variation, and their sums along many paths against the closed form (Eq. 3)."""

import numpy as np
import pytest

from toolkit.diffusion import lab
from toolkit.diffusion.schedules import NoiseSchedule


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_the_two_parts_make_one_step(kind):
    schedule = NoiseSchedule(kind, 50)
    rng = np.random.default_rng(0)
    x, noise, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), np.array([1, 7, 30, 50])
    change, variation = schedule.step_parts(x, t, noise)
    np.testing.assert_allclose(x + change + variation, schedule.q_step(x, t, noise))
    beta = schedule.betas[t][:, None]
    np.testing.assert_allclose(variation, np.sqrt(beta) * noise)


def test_the_average_change_is_the_drift_of_the_sde_for_small_steps():
    schedule = NoiseSchedule("linear", 1000)
    x = np.linspace(-1, 1, 5)
    change, _ = schedule.step_parts(x, 10, np.zeros_like(x))
    np.testing.assert_allclose(change, -0.5 * schedule.betas[10] * x, rtol=1e-3)  # dx = −½ β x dt


@pytest.mark.parametrize("t", [10, 60, 100])
def test_many_paths_have_the_closed_forms_mean_and_variance(t):
    schedule = NoiseSchedule("cosine", 100)
    paths = schedule.paths(np.full(20_000, 0.8), seed=1)
    assert paths.shape == (101, 20_000) and np.all(paths[0] == 0.8)
    alpha_bar = schedule.alpha_bars[t]
    assert abs(paths[t].mean() - np.sqrt(alpha_bar) * 0.8) < 0.02
    assert abs(paths[t].var() - (1 - alpha_bar)) < 0.03


def test_the_pages_paths_start_at_their_x0_and_end_in_noise():
    out = lab.stochastic_paths(lab.ForwardConfig(forward_steps=1000))
    steps, paths, means, spreads = out["steps"], out["paths"], out["means"], out["spreads"]
    assert steps[0] == 0 and steps[-1] == 1000 and len(steps) <= 251
    assert paths.shape == (len(steps), len(lab.STARTS), lab.PATHS)
    np.testing.assert_allclose(paths[0], np.array(lab.STARTS)[:, None] * np.ones(lab.PATHS))
    np.testing.assert_allclose(means[0], lab.STARTS)
    assert np.all(spreads[0] == 0) and np.all(np.abs(means[-1]) < 0.01) and np.allclose(spreads[-1], 1, atol=1e-3)
