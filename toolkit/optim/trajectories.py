"""Optimizer paths on a 2-D loss surface, every step inside one compiled function.

The point w = (x, y) is a ``keras.Variable`` of shape (2,); each step computes ĝ = ∇f(w)
(plus seeded noise on the noisy surface) and hands it to the optimizer's own
``apply_gradients``, so the paths show exactly the update rules of ``optimizers.py`` (or
of a ``keras.optimizers`` built-in). All steps of one optimizer run in a ``tf.while_loop``
inside one ``tf.function``, traced once per (surface, optimizer configuration) and then
reused, so redrawing the page costs milliseconds.

    (1) g^ = grad f(w_t) + sigma * xi_t,   xi_t = stateless_normal(seed, t)
    (2) w_{t+1} = optimizer step of (g^, w_t)
    (3) stop at the first w_{t+1} that is not finite or lies more than one domain width
        outside the domain: the path is truncated before it and flagged ``diverged``.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import threading

import keras
import numpy as np
import tensorflow as tf

from toolkit.optim.surfaces import Surface, get_surface

MAX_STEPS = 100_000
_CACHE_SIZE = 32


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """The path of one optimizer.

    Attributes:
        points: (steps_done + 1, 2) float32, the start then the point after each step.
        losses: (steps_done + 1,) float32, the (noiseless) f at each point.
        diverged: True when the path left the domain by a wide margin or became
            non-finite; ``points`` stops at the last point before that.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged: bool

    @property
    def steps_done(self) -> int:
        return len(self.points) - 1


def trajectories(name, optimizers: dict, start=None, steps: int = 200,
                 seed: int = 0) -> dict[str, Trajectory]:
    """Runs each optimizer on surface ``name`` from ``start`` for ``steps`` steps.

    Args:
        name: a key of ``SURFACES`` (or a ``Surface``).
        optimizers: label -> optimizer (``toolkit.optim`` or ``keras.optimizers``). They
            are templates: each runs as a fresh copy made from its config, so the objects
            passed in stay untouched and can be reused.
        start: (x, y) inside the surface's domain; None uses the surface's default start.
        steps: optimizer steps, in [1, 100000].
        seed: seeds the gradient noise of noisy surfaces (same seed, same path).

    Returns:
        label -> ``Trajectory``.
    """
    surface = get_surface(name)
    start = _check_start(surface, surface.start if start is None else start)
    _check_arguments(optimizers, steps, seed)
    return {label: _runner(surface, optimizer).run(start, steps, seed)
            for label, optimizer in optimizers.items()}


# -- argument validation ------------------------------------------------------------
def _check_start(surface: Surface, start):
    try:
        x, y = np.asarray(start, dtype=np.float64).reshape(2).tolist()
    except (TypeError, ValueError):
        raise ValueError(f"`start` must be a pair (x, y) of numbers, received start={start!r}.")
    if not (np.isfinite([x, y]).all() and surface.contains((x, y))):
        raise ValueError(f"`start` ({x!r}, {y!r}) lies outside the {surface.title} domain "
                         f"{surface.domain_text()}.")
    return np.array([x, y], np.float32)


def _check_arguments(optimizers, steps, seed):
    if not (isinstance(optimizers, dict) and optimizers):
        raise ValueError("`optimizers` must be a non-empty dict label -> optimizer, "
                         f"received {optimizers!r}.")
    for label, optimizer in optimizers.items():
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"`optimizers[{label!r}]` must be a keras.optimizers.Optimizer, "
                            f"received {type(optimizer).__name__}.")
    if not (isinstance(steps, (int, np.integer)) and 1 <= steps <= MAX_STEPS):
        raise ValueError(f"`steps` must be an integer in [1, {MAX_STEPS}], "
                         f"received steps={steps!r}.")
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an integer, received seed={seed!r}.")


# -- compiled runners, one per (surface, optimizer configuration) -------------------
_RUNNERS: collections.OrderedDict = collections.OrderedDict()
_RUNNERS_LOCK = threading.Lock()


def _runner(surface: Surface, optimizer) -> "_Runner":
    config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    key = (surface.name, type(optimizer), json.dumps(config, sort_keys=True, default=repr))
    with _RUNNERS_LOCK:
        if key not in _RUNNERS:
            _RUNNERS[key] = _Runner(surface, type(optimizer).from_config(config))
            if len(_RUNNERS) > _CACHE_SIZE:
                _RUNNERS.popitem(last=False)
        _RUNNERS.move_to_end(key)
        return _RUNNERS[key]


class _Runner:
    """A private optimizer and point w, and the compiled loop that moves w."""

    def __init__(self, surface: Surface, optimizer):
        self.surface, self.optimizer = surface, optimizer
        self.w = keras.Variable(np.zeros(2, np.float32), dtype="float32", name="w")
        optimizer.build([self.w])
        self.initial_state = [np.array(v) for v in optimizer.variables]
        self.lock = threading.Lock()
        (x0, x1), (y0, y1) = surface.x_range, surface.y_range
        dx, dy = x1 - x0, y1 - y0
        self.low = tf.constant([x0 - dx, y0 - dy], tf.float32)
        self.high = tf.constant([x1 + dx, y1 + dy], tf.float32)
        spec = [tf.TensorSpec([2], tf.float32), tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.int32)]
        # A partial, not the bound method: TensorFlow counts retracing per code object, and
        # each runner traces its own loop once (this keeps its "frequent retracing" warning quiet).
        loop = functools.partial(_Runner._loop, self)
        self.compiled = tf.function(loop, input_signature=spec, autograph=False)

    def run(self, start, steps, seed) -> Trajectory:
        with self.lock:
            for variable, value in zip(self.optimizer.variables, self.initial_state):
                variable.assign(value)
            points, losses, diverged = self.compiled(
                tf.constant(start), tf.constant(steps, tf.int32), tf.constant(seed, tf.int32))
        diverged = bool(diverged)
        keep = len(points) - 1 if diverged else len(points)
        return Trajectory(points.numpy()[:keep], losses.numpy()[:keep], diverged)

    def _gradient(self, t, seed):
        point = tf.convert_to_tensor(self.w)
        with tf.GradientTape() as tape:
            tape.watch(point)
            loss = self.surface.value(point)
        # Eq. 1: g^ = grad f(w_t) (+ sigma * xi_t)
        gradient = tape.gradient(loss, point)
        if self.surface.gradient_noise:
            xi = tf.random.stateless_normal([2], seed=tf.stack([seed, t]))
            gradient = gradient + self.surface.gradient_noise * xi
        return gradient

    def _escaped(self, point, loss):
        # Eq. 3: not finite, or more than one domain width outside the domain
        inside = tf.reduce_all((point >= self.low) & (point <= self.high))
        return tf.logical_not(inside & tf.math.is_finite(loss))

    def _loop(self, start, steps, seed):
        self.w.assign(start)
        points = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[2])
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])
        points = points.write(0, start)
        losses = losses.write(0, self.surface.value(start))

        def step(t, stopped, points, losses):
            # Eq. 2: w_{t+1} = optimizer step of (g^, w_t)
            self.optimizer.apply_gradients([(self._gradient(t, seed), self.w)])
            point = tf.convert_to_tensor(self.w)
            loss = self.surface.value(point)
            return (t + 1, self._escaped(point, loss), points.write(t + 1, point),
                    losses.write(t + 1, loss))

        def running(t, stopped, points, losses):
            return tf.logical_and(t < steps, tf.logical_not(stopped))

        _, stopped, points, losses = tf.while_loop(
            running, step, [tf.constant(0), tf.constant(False), points, losses])
        return points.stack(), losses.stack(), stopped
