"""Noise schedules: the closed form of the forward process against iterating its one step."""

import numpy as np
import pytest

from toolkit.diffusion.schedules import NoiseSchedule, cosine_betas


def test_linear_schedule_matches_ddpm_endpoints():
    schedule = NoiseSchedule("linear", 1000)
    assert schedule.betas[0] == 0 and schedule.alpha_bars[0] == 1
    np.testing.assert_allclose(schedule.betas[[1, -1]], [1e-4, 0.02])
    assert np.all(np.diff(schedule.alpha_bars) < 0)
    assert schedule.alpha_bars[-1] < 1e-4  # x_T is noise


def test_shorter_linear_chain_still_ends_in_noise():
    assert NoiseSchedule("linear", 100).alpha_bars[-1] < 1e-4


def test_cosine_schedule_follows_its_squared_cosine():
    steps, s = 200, 0.008
    f = np.cos((np.arange(steps + 1) / steps + s) / (1 + s) * np.pi / 2) ** 2
    schedule = NoiseSchedule("cosine", steps)
    np.testing.assert_allclose(schedule.alpha_bars[1:-1], (f / f[0])[1:-1], rtol=1e-9)
    assert cosine_betas(steps).max() <= 0.999


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_closed_form_has_the_mean_and_variance_of_the_iterated_process(kind):
    schedule = NoiseSchedule(kind, 50)
    rng = np.random.default_rng(0)
    x0 = np.array([-1.0, 0.0, 0.7])
    n = 40_000
    x = np.tile(x0, (n, 1))
    for t in range(1, 31):  # Eq. 1, one step at a time
        x = schedule.q_step(x, t, rng.standard_normal(x.shape))
    mean, var = np.sqrt(schedule.alpha_bars[30]) * x0, 1 - schedule.alpha_bars[30]
    np.testing.assert_allclose(x.mean(0), mean, atol=4 * np.sqrt(var / n))
    np.testing.assert_allclose(x.var(0), var, rtol=4 * np.sqrt(2 / n))
    direct = schedule.q_sample(np.tile(x0, (n, 1)), 30, rng.standard_normal((n, 3)))  # Eq. 3
    np.testing.assert_allclose(direct.mean(0), mean, atol=4 * np.sqrt(var / n))
    np.testing.assert_allclose(direct.var(0), var, rtol=4 * np.sqrt(2 / n))


def test_q_sample_takes_one_t_per_row():
    schedule = NoiseSchedule("linear", 10)
    x0, noise = np.ones((2, 3, 3, 1)), np.zeros((2, 3, 3, 1))
    out = schedule.q_sample(x0, np.array([1, 10]), noise)
    np.testing.assert_allclose(out[:, 0, 0, 0], np.sqrt(schedule.alpha_bars[[1, 10]]))


def test_posterior_is_the_gaussian_conditional_of_the_joint():
    """Eq. 4 against conditioning the joint Gaussian of (x_{t-1}, x_t) given x_0."""
    schedule = NoiseSchedule("cosine", 100)
    x0, xt, t = np.array([0.3, -0.8]), np.array([1.2, 0.1]), 40
    a_prev, a_t, alpha = schedule.alpha_bars[t - 1], schedule.alpha_bars[t], schedule.alphas[t]
    covariance, var_t, var_prev = np.sqrt(alpha) * (1 - a_prev), 1 - a_t, 1 - a_prev
    mean = np.sqrt(a_prev) * x0 + covariance / var_t * (xt - np.sqrt(a_t) * x0)
    var = var_prev - covariance ** 2 / var_t
    got_mean, got_var = schedule.posterior(x0, xt, t)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-10)
    np.testing.assert_allclose(got_var, var, rtol=1e-10)


def test_snr_falls_with_t():
    assert np.all(np.diff(NoiseSchedule("linear", 100).snr()) < 0)


@pytest.mark.parametrize("kwargs, message", [({"kind": "quadratic"}, "kind"), ({"steps": 0}, "steps")])
def test_bad_schedules_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NoiseSchedule(**kwargs)


def test_t_outside_the_chain_is_refused():
    schedule = NoiseSchedule("linear", 10)
    with pytest.raises(ValueError, match=r"`t` must be whole steps in \[1, 10\]"):
        schedule.q_step(np.zeros(2), 11, np.zeros(2))
    with pytest.raises(ValueError, match="`t`"):
        schedule.q_sample(np.zeros(2), 0.5, np.zeros(2))
