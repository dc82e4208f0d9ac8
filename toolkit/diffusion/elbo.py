"""The ELBO of a diffusion model and denoising score matching, computed exactly on a tiny case.

The notes' variational bound (negated here, as a loss in nats, L = -ELBO ≥ -log p_θ(x_0)):

    L = L_T + Σ_{t=2}^{T} L_{t-1} + L_0                                                  (1)
    L_T     = KL( q(x_T | x_0) ‖ N(0, I) )                       (no parameters)
    L_{t-1} = E_q KL( q(x_{t-1} | x_t, x_0) ‖ p_θ(x_{t-1} | x_t) )   (one per reverse step)
    L_0     = -E_q log p_θ(x_0 | x_1)                             (the "boundary condition")
    KL(N(a, u) ‖ N(b, v)) = ½ (log(v / u) + (u + (a - b)²) / v - 1)    per dimension      (2)

With p_θ(x_{t-1} | x_t) = N(μ_θ, σ_t²), μ_θ = (x_t - β_t / √(1 - ᾱ_t) ε̂) / √α_t (the reverse
formula), the mean part of L_{t-1} is a weighted noise-prediction error (Ho et al. 2020, Eq. 12):

    (μ̃_t - μ_θ)² / (2σ_t²) = β_t² / (2 σ_t² α_t (1 - ᾱ_t)) · ‖ε - ε̂‖²                    (3)

DDPM drops the weight and trains on ‖ε - ε̂‖² (``ddpm`` Eq. 2). The noise that minimizes it is
E[ε | x_t], and the score of the noisy data is ∇ log q(x_t) = -E[ε | x_t] / √(1 - ᾱ_t):
predicting the noise is denoising score matching. For one-dimensional Gaussian data
x_0 ~ N(m, s²) everything is exact:

    q(x_t) = N(√ᾱ_t m, ᾱ_t s² + 1 - ᾱ_t),  E[ε | x_t] = √(1 - ᾱ_t)(x_t - √ᾱ_t m) / (ᾱ_t s² + 1 - ᾱ_t)   (4)

so the ELBO of the best denoiser can be compared with the true log-likelihood log q(x_0).
"""

from __future__ import annotations

import numpy as np

from toolkit.diffusion.schedules import NoiseSchedule
from toolkit.validation import check_float, check_int, check_seed

LOG_2PI = np.log(2 * np.pi)


def gaussian_kl(mean_q, var_q, mean_p, var_p) -> np.ndarray:
    """Eq. 2, elementwise (nats)."""
    mean_q, var_q, mean_p, var_p = (np.asarray(v, np.float64) for v in (mean_q, var_q, mean_p, var_p))
    return 0.5 * (np.log(var_p / var_q) + (var_q + (mean_q - mean_p) ** 2) / var_p - 1)


def gaussian_log_density(x, mean, var) -> np.ndarray:
    x, mean, var = (np.asarray(v, np.float64) for v in (x, mean, var))
    return -0.5 * (LOG_2PI + np.log(var) + (x - mean) ** 2 / var)


def model_mean(schedule: NoiseSchedule, xt, t, noise) -> np.ndarray:
    """μ_θ(x_t, t) = (x_t - β_t / √(1 - ᾱ_t) ε̂) / √α_t, the reverse formula's mean."""
    beta, alpha_bar = schedule.betas[t], schedule.alpha_bars[t]
    return (np.asarray(xt) - beta / np.sqrt(1 - alpha_bar) * np.asarray(noise)) / np.sqrt(1 - beta)


def reverse_variance(schedule: NoiseSchedule, t, kind: str = "beta") -> np.ndarray:
    """σ_t²: β_t ("beta", what ``DDPM.sample`` uses) or β̃_t ("posterior"); β_1 at t = 1.

    Ho et al. found both fixed choices sample alike. In the bound they differ: β_t is right when
    the data spread is large against the noise of a step, β̃_t when the data is one point. On
    N(0.5, 0.2²) with T = 1000, the best denoiser's bound is 0.011 nats above -log p with β_t
    and 0.43 with β̃_t (``tests/diffusion/test_elbo.py``)."""
    t = np.asarray(t)
    if kind == "beta":
        return schedule.betas[t]
    return np.where(t > 1, schedule.posterior_variances[t], schedule.betas[t])


def score_from_noise(schedule: NoiseSchedule, noise, t) -> np.ndarray:
    """∇ log q(x_t) ≈ -ε̂ / √(1 - ᾱ_t) (Eq. 4's relation between noise and score)."""
    return -np.asarray(noise, np.float64) / np.sqrt(1 - schedule.alpha_bars[t])


class GaussianData:
    """One-dimensional data x_0 ~ N(m, s²): its noisy marginals and best denoiser are exact (Eq. 4)."""

    def __init__(self, mean: float = 0.5, std: float = 0.2):
        self.mean = check_float("mean", mean, -10.0, 10.0)
        self.std = check_float("std", std, 1e-3, 10.0)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(check_seed(seed)).normal(self.mean, self.std, check_int("n", n, 1, 10**7))

    def log_likelihood(self, x0) -> np.ndarray:
        return gaussian_log_density(x0, self.mean, self.std ** 2)

    def marginal(self, schedule: NoiseSchedule, t) -> tuple[np.ndarray, np.ndarray]:
        """q(x_t) = N(√ᾱ_t m, ᾱ_t s² + 1 - ᾱ_t)."""
        alpha_bar = schedule.alpha_bars[t]
        return np.sqrt(alpha_bar) * self.mean, alpha_bar * self.std ** 2 + 1 - alpha_bar

    def best_noise(self, schedule: NoiseSchedule, xt, t) -> np.ndarray:
        """Eq. 4: E[ε | x_t], the minimizer of the denoising loss ‖ε - ε̂‖²."""
        alpha_bar = schedule.alpha_bars[t]
        mean, var = self.marginal(schedule, t)
        return np.sqrt(1 - alpha_bar) * (np.asarray(xt) - mean) / var

    def score(self, schedule: NoiseSchedule, xt, t) -> np.ndarray:
        """∇ log q(x_t), exactly."""
        mean, var = self.marginal(schedule, t)
        return -(np.asarray(xt) - mean) / var


def elbo_terms(schedule: NoiseSchedule, x0, predict_noise, *, samples: int = 64, seed: int = 0,
               variance: str = "beta") -> dict:
    """Eq. 1's terms (nats, averaged over `x0` and `samples` draws of x_t per t).

    Args:
        x0: (N,) one-dimensional data points.
        predict_noise: ε̂ = f(x_t, t) for (N · samples,) values at one integer t.
        variance: σ_t² of p_θ ("beta": β_t, or "posterior": β̃_t).

    Returns {"prior": L_T, "steps": (T - 1,) L_{t-1} for t = 2 … T, "reconstruction": L_0,
    "total": their sum, "noise_mse": (T,) E‖ε - ε̂‖² for t = 1 … T}.
    """
    x0 = np.repeat(np.asarray(x0, np.float64).ravel(), check_int("samples", samples, 1, 10_000))
    rng = np.random.default_rng(check_seed(seed))
    steps, mse = [], []
    reconstruction = 0.0
    for t in range(1, schedule.steps + 1):
        noise = rng.standard_normal(x0.shape)
        xt = schedule.q_sample(x0, t, noise)  # schedules Eq. 3
        predicted = np.asarray(predict_noise(xt, t), np.float64)
        mse.append(np.mean((noise - predicted) ** 2))
        mean_p, var_p = model_mean(schedule, xt, t, predicted), reverse_variance(schedule, t, variance)
        if t == 1:  # L_0 = -log p_θ(x_0 | x_1)
            reconstruction = -np.mean(gaussian_log_density(x0, mean_p, var_p))
        else:  # L_{t-1} = KL(q(x_{t-1} | x_t, x_0) ‖ p_θ(x_{t-1} | x_t)), Eq. 2
            mean_q, var_q = schedule.posterior(x0, xt, t)
            steps.append(np.mean(gaussian_kl(mean_q, var_q, mean_p, var_p)))
    alpha_bar = schedule.alpha_bars[-1]
    prior = np.mean(gaussian_kl(np.sqrt(alpha_bar) * x0, 1 - alpha_bar, 0.0, 1.0))  # L_T
    steps = np.array(steps)
    return {"prior": float(prior), "steps": steps, "reconstruction": float(reconstruction),
            "total": float(prior + steps.sum() + reconstruction), "noise_mse": np.array(mse)}


def weighted_noise_error(schedule: NoiseSchedule, t, squared_error, variance: str = "beta") -> np.ndarray:
    """Eq. 3's right side: β_t² / (2 σ_t² α_t (1 - ᾱ_t)) · ‖ε - ε̂‖²."""
    beta, alpha_bar = schedule.betas[t], schedule.alpha_bars[t]
    sigma2 = reverse_variance(schedule, t, variance)
    return beta ** 2 / (2 * sigma2 * (1 - beta) * (1 - alpha_bar)) * np.asarray(squared_error)
