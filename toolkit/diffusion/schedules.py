"""Noise schedules and the forward (diffusion) process q of DDPM.

The forward process destroys an image x_0 by adding a little Gaussian noise at each of T
steps; the variance added at step t is β_t (the notes, chapter 10):

    q(x_t | x_{t-1}) = N(√α_t x_{t-1}, (1 - α_t) I),   α_t = 1 - β_t                    (1)
    ᾱ_t = ∏_{i=1}^{t} α_i                                                               (2)
    x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε,   ε ~ N(0, I)     (closed form, reparameterization)   (3)
    q(x_{t-1} | x_t, x_0) = N(μ̃_t, β̃_t I),                                             (4)
        μ̃_t = √ᾱ_{t-1} β_t / (1 - ᾱ_t) · x_0 + √α_t (1 - ᾱ_{t-1}) / (1 - ᾱ_t) · x_t,
        β̃_t = (1 - ᾱ_{t-1}) / (1 - ᾱ_t) · β_t
    SNR(t) = ᾱ_t / (1 - ᾱ_t)                                                             (5)
    x_t - x_{t-1} = (√α_t - 1) x_{t-1}  +  √β_t ε                                         (6)
                    average change         random variation

Eq. 6 is the notes' stochastic equation: Eq. 1 written as a change of x, the sum of a
deterministic pull toward 0 (the drift; −½ β_t x_{t-1} to first order, the SDE
dx = −½ β(t) x dt + √β(t) dw of Song et al. 2021) and a random kick. Iterated from one x_0,
the average changes add up to the mean √ᾱ_t x_0 and the kicks to the spread √(1 − ᾱ_t) (Eq. 3).

The notes write Eq. 3 with α_t where the product ᾱ_t is meant; the code uses ᾱ_t.

Schedules: "linear" (Ho et al. 2020: β from 1e-4 to 0.02 over T = 1000, scaled by 1000 / T
so that a shorter chain still ends in noise) and "cosine" (Nichol & Dhariwal 2021:
ᾱ_t = f(t) / f(0), f(t) = cos²((t/T + s) / (1 + s) · π/2), s = 0.008, β_t clipped at 0.999),
which destroys the image more evenly over t.

Arrays are indexed by t = 0 … T with ᾱ_0 = 1 and β_0 = 0, so ``alpha_bars[t]`` is ᾱ_t.

| symbol | variable |
|---|---|
| β_t, α_t, ᾱ_t | ``betas[t]``, ``alphas[t]``, ``alpha_bars[t]`` |
| β̃_t | ``posterior_variances[t]`` |
"""

from __future__ import annotations

import numpy as np

from toolkit.validation import check_choice, check_int

SCHEDULES = ("linear", "cosine")
MAX_STEPS = 4000
COSINE_OFFSET = 0.008  # s of the cosine schedule
MAX_BETA = 0.999


def linear_betas(steps: int) -> np.ndarray:
    """β_1 … β_T rising linearly from 1e-4 to 0.02 (for T = 1000; scaled by 1000 / T)."""
    scale = 1000 / steps
    return np.linspace(scale * 1e-4, min(scale * 0.02, MAX_BETA), steps)


def cosine_betas(steps: int, s: float = COSINE_OFFSET) -> np.ndarray:
    """β_t = 1 - ᾱ_t / ᾱ_{t-1} with ᾱ_t = f(t) / f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2)."""
    t = np.arange(steps + 1) / steps
    f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
    return np.clip(1 - f[1:] / f[:-1], 0, MAX_BETA)


class NoiseSchedule:
    """β_t, α_t, ᾱ_t of a T-step forward process, and the process itself in NumPy.

    Args:
        kind: "linear" or "cosine" (module docstring).
        steps: T, in [1, 4000].
    """

    def __init__(self, kind: str = "linear", steps: int = 1000):
        self.kind = check_choice("kind", kind, SCHEDULES)
        self.steps = check_int("steps", steps, 1, MAX_STEPS)
        betas = linear_betas(self.steps) if kind == "linear" else cosine_betas(self.steps)
        self.betas = np.concatenate([[0.0], betas])  # (T + 1,), β_0 = 0
        self.alphas = 1.0 - self.betas  # Eq. 1
        self.alpha_bars = np.cumprod(self.alphas)  # Eq. 2, ᾱ_0 = 1
        self.alpha_bars_previous = np.concatenate([[1.0], self.alpha_bars[:-1]])  # ᾱ_{t-1}
        with np.errstate(divide="ignore", invalid="ignore"):
            # Eq. 4: β̃_t (0 at t = 0 and, since ᾱ_0 = 1, at t = 1)
            self.posterior_variances = np.nan_to_num((1 - self.alpha_bars_previous) / (1 - self.alpha_bars)
                                                     * self.betas)

    def __repr__(self):
        return f"NoiseSchedule(kind={self.kind!r}, steps={self.steps})"

    def check_t(self, t, low: int = 0) -> np.ndarray:
        t = np.asarray(t)
        if not np.issubdtype(t.dtype, np.integer) or t.size == 0 or t.min() < low or t.max() > self.steps:
            raise ValueError(f"`t` must be whole steps in [{low}, {self.steps}] (T = {self.steps}), received {t!r}.")
        return t

    def _column(self, values, t, ndim):
        return values[t].reshape(np.shape(t) + (1,) * (ndim - np.ndim(t)))  # broadcast over pixels

    def q_sample(self, x0, t, noise) -> np.ndarray:
        """Eq. 3: x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε, for one t or one t per row of `x0`."""
        x0 = np.asarray(x0, np.float64)
        t = self.check_t(t)
        alpha_bar = self._column(self.alpha_bars, t, x0.ndim)
        return np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * np.asarray(noise)

    def q_step(self, x_previous, t, noise) -> np.ndarray:
        """Eq. 1, one step: x_t = √α_t x_{t-1} + √β_t ε."""
        x_previous = np.asarray(x_previous, np.float64)
        t = self.check_t(t, low=1)
        alpha = self._column(self.alphas, t, x_previous.ndim)
        return np.sqrt(alpha) * x_previous + np.sqrt(1 - alpha) * np.asarray(noise)

    def step_parts(self, x_previous, t, noise) -> tuple[np.ndarray, np.ndarray]:
        """Eq. 6: (average change, random variation) of one step; x_{t-1} plus both is ``q_step``."""
        x_previous = np.asarray(x_previous, np.float64)
        t = self.check_t(t, low=1)
        alpha = self._column(self.alphas, t, x_previous.ndim)
        return (np.sqrt(alpha) - 1) * x_previous, np.sqrt(1 - alpha) * np.asarray(noise)

    def paths(self, x0, seed: int = 0) -> np.ndarray:
        """(T + 1, *x0.shape): x_0, x_1, … x_T, each step Eq. 1 with its own noise (Eq. 6 iterated)."""
        x = np.asarray(x0, np.float64)
        rng = np.random.default_rng(seed)
        out = [x]
        for t in range(1, self.steps + 1):
            change, variation = self.step_parts(x, t, rng.standard_normal(x.shape))
            x = x + change + variation
            out.append(x)
        return np.stack(out)

    def posterior(self, x0, xt, t) -> tuple[np.ndarray, np.ndarray]:
        """Eq. 4: the mean μ̃_t(x_t, x_0) and variance β̃_t of q(x_{t-1} | x_t, x_0)."""
        x0, xt = np.asarray(x0, np.float64), np.asarray(xt, np.float64)
        t = self.check_t(t, low=1)
        alpha_bar, beta = self._column(self.alpha_bars, t, xt.ndim), self._column(self.betas, t, xt.ndim)
        alpha_bar_prev = self._column(self.alpha_bars_previous, t, xt.ndim)
        mean = (np.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar) * x0
                + np.sqrt(1 - beta) * (1 - alpha_bar_prev) / (1 - alpha_bar) * xt)
        return mean, self._column(self.posterior_variances, t, xt.ndim)

    def snr(self) -> np.ndarray:
        """Eq. 5 for t = 1 … T (what is left of the signal, relative to the noise)."""
        return self.alpha_bars[1:] / (1 - self.alpha_bars[1:])
