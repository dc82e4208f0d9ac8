"""The loss-surface lab: several optimizers from one start point on a 2-D surface.

``run_surface_lab(SurfaceConfig(...))`` runs ``trajectories`` for the chosen optimizers and
says in words where each path ended: at a global minimum, stuck in a local minimum, near a
saddle point, still on its way, or out of the domain (diverged). ``SurfaceConfig`` declares
every setting of the Loss surfaces page with its bounds; ``PRESETS`` are lessons, settings
that show one claim of the notes each (the saddle, the local minimum, the ravine ...).

A path has converged to a stationary point p when its last point lies within

    (1) tol = 0.02 * sqrt(width_x^2 + width_y^2)             of p (2 % of the domain's diagonal)

and "near" a saddle means within 5 tol of it (the table counts those steps).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit.config import Config, setting
from toolkit.optim.optimizers import OPTIMIZERS
from toolkit.optim.race import ChosenOptimizers, OptimizerChoice, unique_labels
from toolkit.optim.surfaces import SURFACES, Surface, get_surface, surface_grid
from toolkit.optim.trajectories import Trajectory, start_point, trajectories

OPTIMIZER_NAMES = tuple(OPTIMIZERS)
LEARNING_RATES = {"SGD": 0.01, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 0.5,
                  "RMSProp": 0.05, "Adam": 0.05}
# A preset's hyperparameter (an optimizer's argument) -> the SurfaceConfig field holding it.
FIELDS = {"learning_rate": "lr_{}", "momentum": "momentum", "rho": "rho", "beta_1": "beta1",
          "beta_2": "beta2"}


def _learning_rate(name: str):
    return setting(LEARNING_RATES[name], lo=1e-5, hi=10.0, step=0.001, label=f"{name}: η",
                   help="η > 0, the step size.")


@dataclasses.dataclass(frozen=True)
class SurfaceConfig(ChosenOptimizers, Config):
    """Every setting of the Loss surfaces page (field names are its URL names)."""

    surface: str = setting("saddle", choices=tuple(SURFACES), label="Surface",
                           help="f(x, y): the loss as a function of two weights.")
    optimizers: tuple = setting(("SGD", "Momentum", "Adam"), choices=OPTIMIZER_NAMES, min_count=1,
                                label="Optimizers")
    steps: int = setting(300, lo=1, hi=2000, step=10, widget="number", label="Steps")
    x0: float = setting(1.5, lo=-100.0, hi=100.0, step=0.1, label="start x")
    y0: float = setting(0.01, lo=-100.0, hi=100.0, step=0.1, label="start y")
    lr_sgd: float = _learning_rate("SGD")
    lr_momentum: float = _learning_rate("Momentum")
    lr_nesterov: float = _learning_rate("Nesterov")
    lr_adagrad: float = _learning_rate("Adagrad")
    lr_rmsprop: float = _learning_rate("RMSProp")
    lr_adam: float = _learning_rate("Adam")
    momentum: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="Momentum, Nesterov: α",
                              help="The share of the previous velocity kept, in [0, 1).")
    rho: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="RMSProp: ρ")
    beta1: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="Adam: β₁")
    beta2: float = setting(0.999, lo=0.0, hi=0.9999, step=0.001, label="Adam: β₂")
    keras: bool = setting(False, widget="toggle", label="Keras built-ins",
                          help="Run keras.optimizers instead of the toolkit's from-scratch classes.")

    def check(self) -> None:
        start_point(SURFACES[self.surface], self.start)  # the start must lie on the surface

    @property
    def start(self) -> tuple[float, float]:
        return (self.x0, self.y0)


@dataclasses.dataclass(frozen=True)
class SurfacePreset:
    """A lesson: surface, entrants (name -> hyperparameters), start point and steps.

    ``name`` is its URL name (``?lesson=local_minimum``), ``lesson`` the claim it shows.
    """

    name: str
    title: str
    lesson: str
    surface: str
    optimizers: dict
    start: tuple[float, float]
    steps: int

    def values(self) -> dict:
        """The ``SurfaceConfig`` fields this lesson sets (the others keep their defaults)."""
        values = {"surface": self.surface, "optimizers": tuple(self.optimizers), "steps": self.steps,
                  "x0": float(self.start[0]), "y0": float(self.start[1])}
        for name, hyperparameters in self.optimizers.items():
            values.update({FIELDS[key].format(name.lower()): float(value)
                           for key, value in hyperparameters.items()})
        return values

    def config(self) -> SurfaceConfig:
        return SurfaceConfig(**self.values())


PRESETS = {p.name: p for p in (
    SurfacePreset("saddle", "Saddle point", "Plain SGD slides toward the saddle and lingers there, where "
                  "the gradient vanishes; momentum builds speed along the escape direction and "
                  "Adam rescales the tiny gradient, so both leave much sooner.",
                  "saddle", {"SGD": {"learning_rate": 0.01},
                             "Momentum": {"learning_rate": 0.01, "momentum": 0.9},
                             "Adam": {"learning_rate": 0.01}}, (1.5, 0.01), 300),
    SurfacePreset("local_minimum", "Local minimum", "Gradient descent settles in the right-hand "
                  "well, a local minimum, and so does Adam; momentum carries enough velocity over "
                  "the ridge to reach the global minimum on the left.",
                  "double_well", {"SGD": {"learning_rate": 0.02},
                                  "Momentum": {"learning_rate": 0.02, "momentum": 0.9},
                                  "Adam": {"learning_rate": 0.1}}, (1.8, 1.2), 300),
    SurfacePreset("ravine", "Ravine", "An ill-conditioned bowl: a learning rate large enough to move "
                  "along x makes SGD zig-zag across y; momentum averages the zig-zag away and "
                  "the adaptive methods give each direction its own step.",
                  "ravine", {"SGD": {"learning_rate": 0.18},
                             "Momentum": {"learning_rate": 0.05, "momentum": 0.9},
                             "RMSProp": {"learning_rate": 0.3, "rho": 0.9},
                             "Adam": {"learning_rate": 0.5}}, (-8.0, 2.0), 150),
    SurfacePreset("rosenbrock", "Rosenbrock valley", "The minimum at (1, 1) lies at the end of a "
                  "long curved valley: every method drops into the valley within a few steps and "
                  "then crawls along it; SGD and Adam are still on their way at the end, momentum "
                  "and Nesterov get there.",
                  "rosenbrock", {"SGD": {"learning_rate": 0.001},
                                 "Momentum": {"learning_rate": 0.001, "momentum": 0.9},
                                 "Nesterov": {"learning_rate": 0.001, "momentum": 0.9},
                                 "Adam": {"learning_rate": 0.05}}, (-1.2, 1.0), 500),
    SurfacePreset("divergence", "Divergence", "Along the steep y direction of the ravine (curvature "
                  "10) SGD is stable only for η < 2/10: at η = 0.205 each step overshoots a little "
                  "more until the path leaves the domain; it is drawn up to where it left.",
                  "ravine", {"SGD": {"learning_rate": 0.205},
                             "Momentum": {"learning_rate": 0.05, "momentum": 0.9},
                             "Adam": {"learning_rate": 0.5}}, (-8.0, 2.0), 150),
    SurfacePreset("four_minima", "Four minima", "Himmelblau's function has four global minima: from "
                  "the same start, SGD, momentum and Adam each end in a different one.",
                  "himmelblau", {"SGD": {"learning_rate": 0.01},
                                 "Momentum": {"learning_rate": 0.01, "momentum": 0.9},
                                 "Adam": {"learning_rate": 0.1}}, (0.0, -3.0), 200),
    SurfacePreset("noisy_gradients", "Noisy gradients", "Each step sees the gradient plus noise, "
                  "like a stochastic gradient from one sample: SGD keeps jittering around the "
                  "minimum; momentum, whose velocity averages about 1/(1 − α) = 10 noisy "
                  "gradients, and Adagrad, whose steps shrink as r grows, settle closer to it.",
                  "noisy_bowl", {"SGD": {"learning_rate": 0.1},
                                 "Momentum": {"learning_rate": 0.005, "momentum": 0.9},
                                 "Adagrad": {"learning_rate": 0.5}}, (-2.5, 2.0), 300),
    SurfacePreset("monkey_saddle", "Monkey saddle", "A saddle with three downhill valleys and a "
                  "gradient that vanishes quadratically at its centre: plain SGD creeps near the "
                  "flat centre for all 300 steps, momentum and Adam pick a valley and slide away.",
                  "monkey_saddle", {"SGD": {"learning_rate": 0.01},
                                    "Momentum": {"learning_rate": 0.01, "momentum": 0.9},
                                    "Adam": {"learning_rate": 0.01}}, (0.3, 0.01), 300),
)}


@dataclasses.dataclass
class SurfaceLab:
    """The result of ``surface_lab``.

    Attributes:
        surface: the ``Surface``.
        grid: (xs, ys, zs) for the contour plot (``surface_grid``).
        paths: label -> ``Trajectory``.
        outcomes: label -> one sentence on where the path ended.
    """

    surface: Surface
    grid: tuple
    paths: dict
    outcomes: dict

    def table(self) -> list[dict]:
        """One row per path: optimizer, steps, final point and loss, steps near a saddle, outcome."""
        rows = []
        for label, path in self.paths.items():
            row = {"optimizer": label}
            if self.surface.saddles:
                row["steps near the saddle"] = steps_near(self.surface, path, self.surface.saddles)
            rows.append({**row, "final loss": float(f"{path.losses[-1]:.4g}"),
                         "outcome": self.outcomes[label], "steps": path.steps_done,
                         "final x": round(float(path.points[-1, 0]), 4),
                         "final y": round(float(path.points[-1, 1]), 4)})
        return rows

    def left_domain(self) -> dict[str, int]:
        """label -> the step at which the path left the plotted domain, for those that did."""
        return {label: path.exit_step for label, path in self.paths.items() if path.exit_step is not None}

    def divergence_message(self) -> str | None:
        """One sentence about the paths that left the domain, or None when all stayed."""
        left = self.left_domain()
        if not left:
            return None
        which = ", ".join(f"{label} at step {step}" for label, step in left.items())
        if self.surface.minimum_value is None:
            return (f"Left the domain: {which}. The {self.surface.title} surface has no minimum "
                    "(f is unbounded below), so every path leaves eventually; each is drawn up "
                    "to where it left.")
        return (f"Diverged: {which}; each path is drawn up to where it left the domain. The "
                "steps are too large for this surface: try a smaller learning rate.")


def _tolerance(surface: Surface) -> float:
    # Eq. 1: 2 % of the domain's diagonal
    return 0.02 * float(np.hypot(np.ptp(surface.x_range), np.ptp(surface.y_range)))


def steps_near(surface: Surface, path: Trajectory, points, factor: float = 5.0) -> int:
    """How many points of ``path`` lie within ``factor`` tolerances (Eq. 1) of ``points``."""
    distances = np.linalg.norm(path.points[:, None, :] - np.asarray(points)[None], axis=-1)
    return int(np.sum(distances.min(axis=1) < factor * _tolerance(surface)))


def outcome(surface: Surface, path: Trajectory) -> str:
    """Where ``path`` ended on ``surface``, in words (Eq. 1 for "at")."""
    if path.exit_step is not None:
        why = "f is unbounded below" if surface.minimum_value is None else "diverged"
        return f"left the domain at step {path.exit_step} ({why})"
    end = path.points[-1]
    for kind, points in (("reached the global minimum", surface.minima),
                         ("stuck in the local minimum", surface.local_minima),
                         ("stuck near the saddle point", surface.saddles)):
        for point in points:
            if np.linalg.norm(end - np.asarray(point)) < _tolerance(surface):
                return f"{kind} ({point[0]:g}, {point[1]:g})"
    return "still on its way"


def surface_lab(surface, choices, start=None, steps: int = 200, seed: int = 0,
                resolution: int = 120, *, callbacks=(), stop=None) -> SurfaceLab:
    """Runs every ``OptimizerChoice`` from ``start`` on ``surface`` for ``steps`` steps.

    `callbacks` and `stop` go to ``trajectories`` (one ``Run`` per optimizer; a stopped lab
    holds the paths so far). Raises ValueError with one sentence for an unknown surface, a
    start outside the domain, no optimizer, a bad hyperparameter or a bad number of steps.
    """
    surface = get_surface(surface)
    choices = list(choices)
    if not choices or not all(isinstance(c, OptimizerChoice) for c in choices):
        raise ValueError("Pick at least one optimizer: `choices` must hold OptimizerChoice "
                         f"entrants, received {choices!r}.")
    optimizers = {label: c.build() for label, c in zip(unique_labels(choices), choices)}
    paths = trajectories(surface, optimizers, start=start, steps=steps, seed=seed,
                         callbacks=callbacks, stop=stop)
    return SurfaceLab(surface, surface_grid(surface, resolution), paths,
                      {label: outcome(surface, path) for label, path in paths.items()})


def run_surface_lab(config: SurfaceConfig, *, callbacks=(), stop=None) -> SurfaceLab:
    """The lab of `config`; each optimizer's path reports to `callbacks` as a ``Run``."""
    return surface_lab(config.surface, config.choices(), start=config.start, steps=config.steps,
                       callbacks=callbacks, stop=stop)
