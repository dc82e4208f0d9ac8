"""Optimizer paths on a 2-D loss surface, in compiled chunks of steps that report as they go.

The point w = (x, y) is a ``keras.Variable`` of shape (2,); each step computes ĝ = ∇f(w)
(plus seeded noise on the noisy surface) and hands it to the optimizer's own
``apply_gradients``, so the paths show exactly the update rules of ``optimizers.py`` (or
of a ``keras.optimizers`` built-in). A chunk of steps runs in a ``tf.while_loop`` inside
one ``tf.function``, traced once per (surface, optimizer configuration) and then reused.

    (1) g^ = grad f(w_t) + sigma * xi_t,   xi_t = stateless_normal(seed, t)
    (2) w_{t+1} = optimizer step of (g^, w_t)
    (3) stop at the first w_{t+1} that lies outside the plotted domain or where f is not
        finite: the path ends there, flagged ``diverged``. A finite exit point is kept as
        the path's last point (where it left); a non-finite one is dropped.

So the points, the losses, the run's history and the step at which the path left
(``exit_step``) all end at the same step.

Descending a surface is training with two weights, so it reports through the toolkit's one
progress protocol: each optimizer's path is a ``toolkit.train.Run`` (one "epoch" per step,
history ``loss``, ``x``, ``y`` after each step) whose callbacks hear ``on_start``, an
``on_progress`` after every chunk and ``on_end``; ``stop`` is checked between chunks.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import threading
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.optim.surfaces import Surface, get_surface
from toolkit.train.callbacks import as_callbacks, as_stop_predicate
from toolkit.train.run import Run

MAX_STEPS = 100_000
STEPS_PER_CALLBACK = 50  # steps per compiled chunk: the callbacks hear each chunk
_CACHE_SIZE = 32


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """The path of one optimizer.

    Attributes:
        points: (steps_done + 1, 2) float32, the start then the point after each step.
        losses: (steps_done + 1,) float32, the (noiseless) f at each point.
        diverged: True when the path left the plotted domain or f became non-finite
            (Eq. 3); ``points`` ends at the exit point, or before it when it was not finite.
        stopped: True when ``stop`` ended the path before its last step.
        exit_step: the step at which a diverged path left (Eq. 3): its last step, or the
            next one when that point was not finite; None for a path that stayed.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged: bool
    stopped: bool = False
    exit_step: int | None = None

    @property
    def steps_done(self) -> int:
        return len(self.points) - 1


def trajectories(name, optimizers: dict, start=None, steps: int = 200, seed: int = 0, *,
                 callbacks=(), stop=None,
                 steps_per_callback: int = STEPS_PER_CALLBACK) -> dict[str, Trajectory]:
    """Runs each optimizer on surface ``name`` from ``start`` for ``steps`` steps.

    Args:
        name: a key of ``SURFACES`` (or a ``Surface``).
        optimizers: label -> optimizer (``toolkit.optim`` or ``keras.optimizers``). They
            are templates: each runs as a fresh copy made from its config, so the objects
            passed in stay untouched and can be reused.
        start: (x, y) inside the surface's domain; None uses the surface's default start.
        steps: optimizer steps, in [1, 100000].
        seed: seeds the gradient noise of noisy surfaces (same seed, same path).
        callbacks: ``toolkit.train.Callback`` objects (or callables); each optimizer's
            ``Run`` is reported after every chunk of ``steps_per_callback`` steps.
        stop: a ``threading.Event`` or callable; when set, the current path ends after its
            chunk (flagged ``stopped``) and the remaining optimizers do not run.

    Returns:
        label -> ``Trajectory``, in the order of ``optimizers`` (only those that ran).
    """
    surface = get_surface(name)
    start = start_point(surface, surface.start if start is None else start)
    _check_optimizers(optimizers)
    steps = validation.check_int("steps", steps, 1, MAX_STEPS)
    seed = validation.check_seed(seed)
    chunk = validation.check_int("steps_per_callback", steps_per_callback, 1, MAX_STEPS)
    callbacks, should_stop = as_callbacks(callbacks), as_stop_predicate(stop)
    paths = {}
    for label, optimizer in optimizers.items():
        run = Run(name=str(label), model=None, epochs=steps, config={
            "surface": surface.name, "start": start.tolist(), "seed": seed,
            "optimizer": {"class": type(optimizer).__name__, **_hyperparameters(optimizer)}})
        paths[label] = _runner(surface, optimizer).run(run, start, seed, chunk, callbacks, should_stop)
        if paths[label].stopped:
            break
    return paths


def path_points(run: Run) -> np.ndarray:
    """(epochs_done + 1, 2) the start and the points so far of a trajectory's ``Run``."""
    start = np.asarray(run.config["start"], np.float32).reshape(1, 2)
    steps = np.stack([run.history.get("x", []), run.history.get("y", [])], axis=1).astype(np.float32)
    return np.concatenate([start, steps.reshape(-1, 2)])


# -- argument validation ------------------------------------------------------------
def start_point(surface: Surface, start) -> np.ndarray:
    """`start` as a float32 (x, y) inside the surface's domain, else ValueError naming it."""
    try:
        x, y = np.asarray(start, dtype=np.float64).reshape(2).tolist()
    except (TypeError, ValueError):
        raise ValueError(f"`start` must be a pair (x, y) of numbers, received start={start!r}.")
    if not (np.isfinite([x, y]).all() and surface.contains((x, y))):
        raise ValueError(f"`start` ({x!r}, {y!r}) lies outside the {surface.title} domain "
                         f"{surface.domain_text()}: pick a start inside it (the surface's own "
                         f"start is ({surface.start[0]:g}, {surface.start[1]:g})).")
    return np.array([x, y], np.float32)


def _check_optimizers(optimizers) -> None:
    if not (isinstance(optimizers, dict) and optimizers):
        raise ValueError("`optimizers` must be a non-empty dict label -> optimizer, "
                         f"received {optimizers!r}.")
    for label, optimizer in optimizers.items():
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"`optimizers[{label!r}]` must be a keras.optimizers.Optimizer, "
                            f"received {type(optimizer).__name__}.")


def _hyperparameters(optimizer) -> dict:
    return {k: v for k, v in optimizer.get_config().items() if k != "name"}


# -- compiled runners, one per (surface, optimizer configuration) -------------------
_RUNNERS: collections.OrderedDict = collections.OrderedDict()
_RUNNERS_LOCK = threading.Lock()


def _runner(surface: Surface, optimizer) -> "_Runner":
    config = _hyperparameters(optimizer)
    key = (surface.name, type(optimizer), json.dumps(config, sort_keys=True, default=repr))
    with _RUNNERS_LOCK:
        if key not in _RUNNERS:
            _RUNNERS[key] = _Runner(surface, type(optimizer).from_config(config))
            if len(_RUNNERS) > _CACHE_SIZE:
                _RUNNERS.popitem(last=False)
        _RUNNERS.move_to_end(key)
        return _RUNNERS[key]


class _Runner:
    """A private optimizer and point w, and the compiled loop that moves w one chunk on."""

    def __init__(self, surface: Surface, optimizer):
        self.surface, self.optimizer = surface, optimizer
        self.w = keras.Variable(np.zeros(2, np.float32), dtype="float32", name="w")
        optimizer.build([self.w])
        self.initial_state = [np.array(v) for v in optimizer.variables]
        self.lock = threading.Lock()  # one path at a time: w and the optimizer state are shared
        (x0, x1), (y0, y1) = surface.x_range, surface.y_range
        self.low = tf.constant([x0, y0], tf.float32)
        self.high = tf.constant([x1, y1], tf.float32)
        spec = [tf.TensorSpec([], tf.int32)] * 3
        # A partial, not the bound method: TensorFlow counts retracing per code object, and
        # each runner traces its own loop once (this keeps its "frequent retracing" warning quiet).
        loop = functools.partial(_Runner._loop, self)
        self.compiled = tf.function(loop, input_signature=spec, autograph=False)

    def run(self, run: Run, start, seed, chunk, callbacks, should_stop) -> Trajectory:
        """Moves w from `start` for ``run.epochs`` steps, reporting `run` after every chunk."""
        with self.lock:
            self.w.assign(start)
            for variable, value in zip(self.optimizer.variables, self.initial_state):
                variable.assign(value)
            points, losses = [start[None]], [keras.ops.convert_to_numpy(self.surface.value(start))]
            run.status = "running"
            for cb in callbacks:
                cb.on_start(run)
            try:
                exit_step = self._chunks(run, seed, chunk, points, losses, callbacks, should_stop)
            except BaseException:  # the path was interrupted: its record says so, then re-raise
                run.status, run.message = "stopped", f"Interrupted after step {run.epochs_done}."
                raise
        _mark_end(run, self.surface, exit_step)
        for cb in callbacks:
            cb.on_end(run)
        return Trajectory(np.concatenate(points), np.concatenate([np.reshape(x, -1) for x in losses]),
                          exit_step is not None, run.status == "stopped", exit_step)

    def _chunks(self, run, seed, chunk, points, losses, callbacks, should_stop) -> int | None:
        """Runs chunks until the last step, an escape (Eq. 3) or `should_stop`; the exit step or None."""
        while run.epochs_done < run.epochs:
            if should_stop():
                run.status, run.message = "stopped", f"Stopped after step {run.epochs_done}."
                return None
            started = time.perf_counter()
            size = min(chunk, run.epochs - run.epochs_done)
            new_points, new_losses, escaped = (t.numpy() for t in self.compiled(
                tf.constant(size, tf.int32), tf.constant(seed, tf.int32),
                tf.constant(run.epochs_done, tf.int32)))
            # Eq. 3: an exit point is kept when finite, dropped when not
            finite = bool(np.isfinite(new_losses[-1]) and np.isfinite(new_points[-1]).all())
            keep = len(new_points) - int(bool(escaped) and not finite)
            points.append(new_points[:keep])
            losses.append(new_losses[:keep])
            run.append_epochs({"loss": new_losses[:keep], "x": new_points[:keep, 0],
                               "y": new_points[:keep, 1]})
            run.epochs_done += keep
            run.wall_time += time.perf_counter() - started
            for cb in callbacks:
                cb.on_progress(run)
            if escaped:
                return run.epochs_done if finite else run.epochs_done + 1
        return None

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
        # Eq. 3: outside the plotted domain, or f not finite
        inside = tf.reduce_all((point >= self.low) & (point <= self.high))
        return tf.logical_not(inside & tf.math.is_finite(loss))

    def _loop(self, steps, seed, first):
        """`steps` steps from the current w (step numbers first, first + 1, ...): the points
        and losses after each step, and whether the last one escaped (Eq. 3)."""
        points = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[2])
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])

        def step(i, stopped, points, losses):
            # Eq. 2: w_{t+1} = optimizer step of (g^, w_t)
            self.optimizer.apply_gradients([(self._gradient(first + i, seed), self.w)])
            point = tf.convert_to_tensor(self.w)
            loss = self.surface.value(point)
            return i + 1, self._escaped(point, loss), points.write(i, point), losses.write(i, loss)

        def running(i, stopped, points, losses):
            return tf.logical_and(i < steps, tf.logical_not(stopped))

        _, stopped, points, losses = tf.while_loop(
            running, step, [tf.constant(0), tf.constant(False), points, losses])
        return points.stack(), losses.stack(), stopped


def _mark_end(run: Run, surface: Surface, exit_step: int | None) -> None:
    """The run's end state: finished, stopped, or diverged (left a bounded surface)."""
    if run.status != "running":
        return
    if exit_step is not None and surface.minimum_value is not None:
        run.status = "diverged"
        run.message = (f"Left the domain at step {exit_step}: the steps are too large for this "
                       "surface, so they overshoot and f grows instead of falling; the path is "
                       "drawn up to there. Try a smaller learning rate.")
        return
    run.status = "completed"
    run.message = (f"Left the domain at step {exit_step}: the {surface.title} surface "
                   "is unbounded below." if exit_step is not None else
                   f"{run.epochs_done} steps in {run.wall_time:.2f} s.")
