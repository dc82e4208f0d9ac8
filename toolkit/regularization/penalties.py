"""Parameter norm penalties: the loss plus λ times a norm of the weights.

Regularization adds a penalty Ω on the size of the weights to the training loss, with
λ ≥ 0 setting its importance (Eq. 1). L₂ pulls every weight towards zero in proportion to
its size (smaller weights); L₁ pulls every weight by the same amount λ, so weights whose
error gradient is smaller than λ stop exactly at zero (sparse weights):

    (1) L̃(w) = L(w) + λ Ω(w)
    (2) L₂:  Ω(w) = ½ Σᵢ wᵢ²           ∇Ω = w
    (3) L₁:  Ω(w) = Σᵢ |wᵢ|            ∂Ω = sign(w)  (any value in [-1, 1] at wᵢ = 0)

Keras writes L₂ without the ½: ``keras.regularizers.L2(l2)`` adds l2 · Σ w², so ``L2(λ)``
here equals ``keras.regularizers.L2(λ / 2)`` and ``L1(λ)`` equals ``keras.regularizers.L1(λ)``.

The balance picture. Near a minimum w* of the error, L is a quadratic; with its curvature
H diagonal (axes along H's eigenvectors) the penalized minimum has a closed form per weight:

    (4) L(w) ≈ L(w*) + ½ Σᵢ Hᵢᵢ (wᵢ − w*ᵢ)²
    (5) L₂ minimum:  wᵢ = Hᵢᵢ / (Hᵢᵢ + λ) · w*ᵢ                         (shrinks, never 0)
    (6) L₁ minimum:  wᵢ = sign(w*ᵢ) · max(|w*ᵢ| − λ / Hᵢᵢ, 0)           (soft threshold)
    (7) balance:     −∇L(w) = λ ∇Ω(w)   (for L₁: |∂L/∂wᵢ| ≤ λ where wᵢ = 0)

Eq. 7 is the notes' "overlap between the gradient of the error and the gradient of the
penalty": at the penalized minimum the two pull with equal strength in opposite directions,
the point where the error contour touches the L₂ circle or the corner of the L₁ diamond.

| symbol | variable    |   | symbol | variable   |
|--------|-------------|---|--------|------------|
| λ      | ``lam``, ``l1``, ``l2`` | | H      | ``curvature`` (Hᵢᵢ) |
| w*     | ``w_star``  |   | Ω      | ``omega``  |
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_nonnegative

# A 2-D error with an elongated bowl (Eq. 4): weight 2 matters less (smaller H₂₂·|w*₂|),
# so L₁ zeroes it first, at λ = 1, and weight 1 at λ = 2.
W_STAR = (2.0, 0.5)
CURVATURE = (1.0, 2.0)
LAMBDA_HINT = "It is the penalty strength λ."


@keras.saving.register_keras_serializable(package="toolkit")
class L2(keras.regularizers.Regularizer):
    """Eq. 2: λ · ½ Σ w² (mirrors ``keras.regularizers.L2``, which has no ½)."""

    def __init__(self, l2=0.01):
        self.l2 = check_nonnegative("l2", l2, hint=LAMBDA_HINT)

    def __call__(self, x):
        # Eq. 1-2: λ Ω(w) = λ · ½ Σ w²
        return ops.cast(self.l2 * 0.5, x.dtype) * ops.sum(ops.square(x))

    def get_config(self):
        return {"l2": self.l2}


@keras.saving.register_keras_serializable(package="toolkit")
class L1(keras.regularizers.Regularizer):
    """Eq. 3: λ · Σ |w| (mirrors ``keras.regularizers.L1``)."""

    def __init__(self, l1=0.01):
        self.l1 = check_nonnegative("l1", l1, hint=LAMBDA_HINT)

    def __call__(self, x):
        # Eq. 1, 3: λ Ω(w) = λ Σ |w|
        return ops.cast(self.l1, x.dtype) * ops.sum(ops.absolute(x))

    def get_config(self):
        return {"l1": self.l1}


@keras.saving.register_keras_serializable(package="toolkit")
class L1L2(keras.regularizers.Regularizer):
    """Both penalties: λ₁ Σ |w| + λ₂ · ½ Σ w² (mirrors ``keras.regularizers.L1L2``)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = check_nonnegative("l1", l1, hint=LAMBDA_HINT)
        self.l2 = check_nonnegative("l2", l2, hint=LAMBDA_HINT)

    def __call__(self, x):
        # Eqs. 2-3 summed
        return L1(self.l1)(x) + L2(self.l2)(x)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def penalty(l1: float = 0.0, l2: float = 0.0, *, builtin: bool = False):
    """The regularizer for strengths (λ₁, λ₂), or None when both are 0.

    ``builtin=True`` returns the ``keras.regularizers`` object computing the same penalty
    (``L2(λ)`` is ``keras.regularizers.L2(λ / 2)``).
    """
    l1 = check_nonnegative("l1", l1, hint=LAMBDA_HINT)
    l2 = check_nonnegative("l2", l2, hint=LAMBDA_HINT)
    if not (l1 or l2):
        return None
    if builtin:
        return keras.regularizers.L1L2(l1=l1, l2=l2 / 2)
    if l1 and l2:
        return L1L2(l1, l2)
    return L1(l1) if l1 else L2(l2)


def omega(w, kind: str) -> float:
    """Ω(w) of Eq. 2 ("l2") or Eq. 3 ("l1"), in NumPy."""
    w = np.asarray(w, dtype=float)
    if kind == "l2":
        return 0.5 * float(np.sum(w ** 2))
    if kind == "l1":
        return float(np.sum(np.abs(w)))
    raise ValueError(f"`kind` must be 'l1' or 'l2', received kind={kind!r}.")


# -- the balance picture (Eqs. 4-7) ----------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PenaltyPoint:
    """The penalized minimum of one penalty and the two gradients that balance there (Eq. 7)."""

    kind: str                   # "l1" or "l2"
    w: np.ndarray               # (2,) the minimum of L + λΩ
    error_pull: np.ndarray      # (2,) −∇L(w), the error's pull
    penalty_pull: np.ndarray    # (2,) −λ ∂Ω(w), the penalty's pull (a subgradient for L₁)
    radius: float               # Ω's norm at w: ‖w‖₁ or ‖w‖₂, the diamond's / circle's size

    @property
    def zeros(self) -> int:
        """How many weights the penalty set exactly to zero."""
        return int(np.sum(self.w == 0))


@dataclasses.dataclass(frozen=True)
class PenaltyGeometry:
    """Everything the L₁-diamond / L₂-circle figure draws for one λ."""

    lam: float
    w_star: np.ndarray          # (2,) the unpenalized minimum
    curvature: np.ndarray       # (2,) Hᵢᵢ
    l1: PenaltyPoint
    l2: PenaltyPoint

    def points(self) -> dict:
        """{"L1": {...}, "L2": {...}} with w, radius and both pulls, as ``toolkit.viz.penalty_balance`` reads."""
        return {kind.upper(): {"w": p.w, "radius": p.radius, "error_pull": p.error_pull,
                               "penalty_pull": p.penalty_pull, "level": float(self.error(p.w))}
                for kind, p in (("l1", self.l1), ("l2", self.l2))}

    def error(self, w) -> np.ndarray:
        """Eq. 4 without the constant: ½ Σᵢ Hᵢᵢ (wᵢ − w*ᵢ)², for points (..., 2)."""
        w = np.asarray(w, dtype=float)
        return 0.5 * np.sum(self.curvature * (w - self.w_star) ** 2, axis=-1)

    def error_grid(self, extent=(-2.6, 3.4, -2.6, 2.6), resolution: int = 121):
        """(x1 values, x2 values, error (ny, nx)) over ``extent`` for the contour plot."""
        x1 = np.linspace(extent[0], extent[1], resolution)
        x2 = np.linspace(extent[2], extent[3], resolution)
        grid = np.stack(np.meshgrid(x1, x2), axis=-1)  # (ny, nx, 2)
        return x1, x2, self.error(grid)


def l2_minimum(lam: float, w_star, curvature) -> np.ndarray:
    """Eq. 5: Hᵢᵢ / (Hᵢᵢ + λ) · w*ᵢ."""
    w_star, h = np.asarray(w_star, float), np.asarray(curvature, float)
    return h / (h + lam) * w_star


def l1_minimum(lam: float, w_star, curvature) -> np.ndarray:
    """Eq. 6: sign(w*ᵢ) · max(|w*ᵢ| − λ / Hᵢᵢ, 0)."""
    w_star, h = np.asarray(w_star, float), np.asarray(curvature, float)
    return np.sign(w_star) * np.maximum(np.abs(w_star) - lam / h, 0.0)


def _point(kind, lam, w, w_star, h) -> PenaltyPoint:
    error_pull = -h * (w - w_star)  # −∇L(w) of Eq. 4
    if kind == "l2":
        penalty_pull, radius = -lam * w, float(np.linalg.norm(w))  # −λ ∇Ω, Eq. 2
    else:
        # Eq. 3 subgradient: sign(w) where w ≠ 0; at w = 0 the value that balances Eq. 7
        sub = np.where(w != 0, np.sign(w), np.clip(error_pull / max(lam, 1e-12), -1, 1))
        penalty_pull, radius = -lam * sub, float(np.sum(np.abs(w)))
    return PenaltyPoint(kind, w, error_pull, penalty_pull, radius)


def _check_pair(name, value, positive):
    array = np.asarray(value, dtype=float)
    if array.shape != (2,) or not np.all(np.isfinite(array)) or (positive and np.any(array <= 0)):
        need = "two positive numbers" if positive else "two finite numbers"
        raise ValueError(f"`{name}` must be {need}, received {name}={value!r}.")
    return array


def penalty_geometry(lam: float, w_star=W_STAR, curvature=CURVATURE) -> PenaltyGeometry:
    """The L₁ and L₂ minima of a 2-D quadratic error (Eqs. 4-6) and their balance (Eq. 7)."""
    lam = check_nonnegative("lam", lam, hint=LAMBDA_HINT)
    w_star = _check_pair("w_star", w_star, positive=False)
    h = _check_pair("curvature", curvature, positive=True)
    return PenaltyGeometry(
        lam=lam, w_star=w_star, curvature=h,
        l1=_point("l1", lam, l1_minimum(lam, w_star, h), w_star, h),
        l2=_point("l2", lam, l2_minimum(lam, w_star, h), w_star, h),
    )


def penalty_path(lams, w_star=W_STAR, curvature=CURVATURE) -> dict[str, np.ndarray]:
    """The minima of Eqs. 5-6 for every λ in ``lams``: {"lam": (n,), "l1": (n, 2), "l2": (n, 2)}."""
    lams = np.asarray([check_nonnegative("lam", float(v), hint=LAMBDA_HINT) for v in np.ravel(lams)])
    w_star = _check_pair("w_star", w_star, positive=False)
    h = _check_pair("curvature", curvature, positive=True)
    return {"lam": lams,
            "l1": np.stack([l1_minimum(v, w_star, h) for v in lams]),
            "l2": np.stack([l2_minimum(v, w_star, h) for v in lams])}
