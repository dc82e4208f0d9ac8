"""Two-dimensional loss surfaces f(w), w = (x, y), for watching optimizers move.

Each surface is a function written in ``keras.ops``, so the very optimizer classes that
train networks (``toolkit.optim`` or ``keras.optimizers``) descend it through
``apply_gradients`` (see ``trajectories.py``); nothing re-implements an update rule here.
Each one carries its plotting domain, its global minima (or saddle points) and a default
start that shows the feature the surface is known for.

    (1) Rosenbrock      f = (1 - x)^2 + 100 (y - x^2)^2              min (1, 1)
    (2) Beale           f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2
                                                                     min (3, 0.5)
    (3) Himmelblau      f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2        four minima, f = 0
    (4) saddle          f = x^2 - y^2                                 saddle (0, 0)
    (5) monkey saddle   f = x^3 - 3 x y^2                             saddle (0, 0)
    (6) ravine          f = 0.05 x^2 + 5 y^2   (Hessian condition number 100)   min (0, 0)
    (7) noisy bowl      f = 0.5 x^2 + 2 y^2,  g^ = grad f + sigma * xi,  xi ~ N(0, I)
                                                                     min (0, 0)
    (8) double well     f = (x^2 - 1)^2 + 0.5 x + y^2                 min (-1.057454, 0),
                                                   local min (0.930403, 0), f = 0.483251

(8) is the local-minimum picture of the notes: a tilted double well whose right-hand
well is a local minimum, separated from the global one by a ridge at x = 0.127051
(f = 1.031502 on y = 0); plain gradient descent started on the right stays there.

In (7) only the gradient is noisy (a stochastic gradient estimate, as with one sample
per step); the loss reported along a trajectory is the noiseless f.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
from keras import ops

from toolkit import validation


@dataclasses.dataclass(frozen=True)
class Surface:
    """One loss surface f(x, y) and what the pages need to draw it.

    Attributes:
        name: the key in ``SURFACES``.
        title: the name shown to people ("Rosenbrock").
        formula: f in LaTeX.
        function: f(x, y) written with ``keras.ops``; x, y of any (equal) shape.
        x_range, y_range: the plotted domain; starts must lie inside it.
        minima: the global minima (empty for the saddles, which are unbounded below).
        minimum_value: f at the minima (None when there are none).
        saddles: the saddle points, if any.
        local_minima: minima that are not global, if any.
        start: the default start.
        gradient_noise: sigma of the Gaussian noise added to every gradient (0: exact).
    """

    name: str
    title: str
    formula: str
    function: Callable
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    minimum_value: float | None
    start: tuple[float, float]
    saddles: tuple[tuple[float, float], ...] = ()
    gradient_noise: float = 0.0
    local_minima: tuple[tuple[float, float], ...] = ()

    def value(self, w):
        """f at a point w of shape (2,) (a tensor, ``keras.Variable`` or array)."""
        return self.function(w[0], w[1])

    def contains(self, point) -> bool:
        (x0, x1), (y0, y1), (x, y) = self.x_range, self.y_range, point
        return bool(x0 <= x <= x1 and y0 <= y <= y1)

    def domain_text(self) -> str:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return f"x ∈ [{x0:g}, {x1:g}], y ∈ [{y0:g}, {y1:g}]"


def _rosenbrock(x, y):
    # Eq. 1: (1 - x)^2 + 100 (y - x^2)^2
    return ops.square(1 - x) + 100 * ops.square(y - ops.square(x))


def _beale(x, y):
    # Eq. 2: (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2
    return (ops.square(1.5 - x + x * y) + ops.square(2.25 - x + x * ops.square(y))
            + ops.square(2.625 - x + x * y ** 3))


def _himmelblau(x, y):
    # Eq. 3: (x^2 + y - 11)^2 + (x + y^2 - 7)^2
    return ops.square(ops.square(x) + y - 11) + ops.square(x + ops.square(y) - 7)


def _saddle(x, y):
    # Eq. 4: x^2 - y^2
    return ops.square(x) - ops.square(y)


def _monkey_saddle(x, y):
    # Eq. 5: x^3 - 3 x y^2
    return x ** 3 - 3 * x * ops.square(y)


def _ravine(x, y):
    # Eq. 6: 0.05 x^2 + 5 y^2
    return 0.05 * ops.square(x) + 5 * ops.square(y)


def _bowl(x, y):
    # Eq. 7: 0.5 x^2 + 2 y^2 (the noise is added to its gradient)
    return 0.5 * ops.square(x) + 2 * ops.square(y)


def _double_well(x, y):
    # Eq. 8: (x^2 - 1)^2 + 0.5 x + y^2
    return ops.square(ops.square(x) - 1) + 0.5 * x + ops.square(y)


_HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                      (3.584428, -1.848126))

SURFACES = {s.name: s for s in (
    Surface("rosenbrock", "Rosenbrock", r"(1 - x)^2 + 100\,(y - x^2)^2", _rosenbrock,
            (-2.0, 2.0), (-1.0, 3.0), ((1.0, 1.0),), 0.0, start=(-1.2, 1.0)),
    Surface("beale", "Beale",
            r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", _beale,
            (-4.5, 4.5), (-4.5, 4.5), ((3.0, 0.5),), 0.0, start=(1.0, 1.5)),
    Surface("himmelblau", "Himmelblau", r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2", _himmelblau,
            (-5.0, 5.0), (-5.0, 5.0), _HIMMELBLAU_MINIMA, 0.0, start=(0.0, 0.0)),
    Surface("saddle", "saddle", r"x^2 - y^2", _saddle, (-2.0, 2.0), (-2.0, 2.0), (), None,
            start=(1.5, 0.01), saddles=((0.0, 0.0),)),
    Surface("monkey_saddle", "monkey saddle", r"x^3 - 3xy^2", _monkey_saddle,
            (-2.0, 2.0), (-2.0, 2.0), (), None, start=(1.0, 0.05), saddles=((0.0, 0.0),)),
    Surface("ravine", "ravine", r"0.05\,x^2 + 5\,y^2", _ravine, (-10.0, 10.0), (-3.0, 3.0),
            ((0.0, 0.0),), 0.0, start=(-8.0, 2.0)),
    Surface("noisy_bowl", "noisy bowl", r"0.5\,x^2 + 2\,y^2 \;\; (\hat g = \nabla f + \sigma\xi)",
            _bowl, (-3.0, 3.0), (-3.0, 3.0), ((0.0, 0.0),), 0.0, start=(-2.5, 2.0),
            gradient_noise=1.0),
    Surface("double_well", "double well", r"(x^2 - 1)^2 + 0.5\,x + y^2", _double_well,
            (-2.0, 2.0), (-1.5, 1.5), ((-1.057454, 0.0),), -0.514754, start=(1.8, 1.2),
            local_minima=((0.930403, 0.0),)),
)}


def get_surface(name) -> Surface:
    """The ``Surface`` called ``name`` (a ``Surface`` passes through)."""
    if isinstance(name, Surface):
        return name
    return SURFACES[validation.check_choice("name", name, SURFACES)]


def surface_grid(name, resolution: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, zs) over the surface's domain for a contour plot.

    xs has ``resolution`` points across ``x_range``, ys across ``y_range``, and
    ``zs[j, i] = f(xs[i], ys[j])`` (rows are y, as ``go.Contour(x=xs, y=ys, z=zs)`` reads).
    """
    surface = get_surface(name)
    resolution = validation.check_int("resolution", resolution, 2, 2000)
    xs = np.linspace(*surface.x_range, resolution, dtype=np.float32)
    ys = np.linspace(*surface.y_range, resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)  # (resolution, resolution), rows are y
    zs = ops.convert_to_numpy(surface.function(ops.convert_to_tensor(grid_x),
                                               ops.convert_to_tensor(grid_y)))
    return xs, ys, zs
