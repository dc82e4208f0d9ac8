"""Capacity and the hypothesis space (the notes, chapter 4): "we control capacity choosing the
hypothesis space, the set of functions that the learning algorithm is allowed to select".

The hypothesis space H_d is the polynomials of degree at most d, and learning is least squares on
n noisy samples of a smooth function:

    H_d = { f(x) = Σ_{j=0}^{d} w_j P_j(x) },   ŵ = argmin_w Σ_i (f(x_i) − y_i)²              (1)
    y = sin(πx) + ε,   ε ~ N(0, σ²),   x ~ U[−1, 1]                                          (2)

The training x are stratified (one in each of n equal slices of [−1, 1]), so no test point lies
far outside them: the rise of the test error is overfitting, not extrapolation.

(P_j: the Legendre polynomials, the same space as the powers x^j but far better conditioned.) As d
grows H_d contains more functions, so the training error can only fall, and reaches 0 at
d = n − 1 (the polynomial through every point). The test error falls while H_d gains the
functions the data need (underfitting), then rises as the extra capacity fits the noise
(overfitting): the U-shaped curve, whose bottom is the capacity to choose. The test error of the
best function of each H_d (fit to noise-free test data) is the floor no training set reaches.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.polynomial import legendre

from toolkit.config import Config, setting

TEST_POINTS = 1000
CURVE_POINTS = 200  # points of each drawn fit


def target(x) -> np.ndarray:
    """Eq. 2's smooth function."""
    return np.sin(np.pi * np.asarray(x, np.float64))


@dataclasses.dataclass(frozen=True)
class CapacityConfig(Config):
    """The sweep: how many noisy training points, how noisy, up to which degree, and which fit to draw."""

    capacity_n: int = setting(15, lo=5, hi=200, widget="number", label="Training points n")
    capacity_noise: float = setting(0.3, lo=0.0, hi=1.0, step=0.05, widget="slider", label="Noise σ",
                                    formula=r"y = \sin(\pi x) + \varepsilon,\ \ \varepsilon \sim \mathcal{N}(0, \sigma^2)")
    capacity_max_degree: int = setting(14, lo=1, hi=30, label="Largest degree",
                                       formula=r"\mathcal{H}_d = \Big\{ f(x) = \sum_{j=0}^{d} w_j P_j(x) \Big\}")
    capacity_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")


@dataclasses.dataclass
class CapacitySweep:
    """Train and test mean squared errors of the least-squares fit of each degree, and the data."""

    degrees: np.ndarray  # (D,) 0 … max degree
    train: np.ndarray  # (D,)
    test: np.ndarray  # (D,)
    x_train: np.ndarray
    y_train: np.ndarray
    coefficients: list  # per degree, the Legendre coefficients ŵ

    @property
    def best(self) -> int:
        """The degree of least test error: the capacity to choose."""
        return int(self.degrees[np.argmin(self.test)])

    def curve(self, degree: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, f(x)) of the fit of `degree` on [−1, 1]."""
        x = np.linspace(-1, 1, CURVE_POINTS)
        return x, legendre.legval(x, self.coefficients[int(degree)])

    def table(self) -> list[dict]:
        regime = lambda d: "best" if d == self.best else ("underfits" if d < self.best else "overfits")  # noqa: E731
        return [{"degree d": int(d), "parameters": int(d) + 1, "train MSE": round(float(tr), 4),
                 "test MSE": round(float(te), 4), "gap": round(float(te - tr), 4), "": regime(d)}
                for d, tr, te in zip(self.degrees, self.train, self.test)]


def capacity_sweep(config: CapacityConfig) -> CapacitySweep:
    """Eq. 1 for every degree 0 … min(max degree, n − 1): train MSE, and test MSE on fresh points."""
    rng = np.random.default_rng(config.capacity_seed)
    x = -1 + (np.arange(config.capacity_n) + rng.uniform(size=config.capacity_n)) * 2 / config.capacity_n  # Eq. 2, stratified
    y = target(x) + rng.normal(0, config.capacity_noise, config.capacity_n)
    x_test = rng.uniform(-1, 1, TEST_POINTS)
    y_test = target(x_test) + rng.normal(0, config.capacity_noise, TEST_POINTS)
    degrees = np.arange(min(config.capacity_max_degree, config.capacity_n - 1) + 1)
    coefficients = [legendre.legfit(x, y, int(d)) for d in degrees]
    mse = lambda w, xs, ys: float(np.mean((legendre.legval(xs, w) - ys) ** 2))  # noqa: E731
    return CapacitySweep(degrees, np.array([mse(w, x, y) for w in coefficients]),
                         np.array([mse(w, x_test, y_test) for w in coefficients]), x, y, coefficients)
