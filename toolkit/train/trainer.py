"""``fit``: train a compiled Keras model with chunks of epochs compiled into one call.

Mirrors ``keras.Model.fit`` (same ``train_step``, same batches, same metrics), minus the
per-batch Python overhead: see ``loop.py``. Between chunks it reports progress, checks
the stop flag, and gives its training slot to the next session in the queue.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit.train.callbacks import as_callbacks, as_stop_predicate
from toolkit.train.loop import compiled_loop, gather
from toolkit.train.run import Run
from toolkit.train.slots import pool

MAX_EPOCHS = 100_000
TARGET_CHUNK_SECONDS = 0.25
DIVERGENCE_FACTOR = 100  # a loss this many times its first epoch's value has diverged


def fit(model, x, y=None, *, epochs: int, batch_size: int = 32, shuffle: bool = True,
        validation_data=None, callbacks=(), seed: int = 0, steps_per_callback=None,
        stop=None, config: dict | None = None, name: str | None = None,
        validation_batch_size: int | None = None) -> Run:
    """Trains a compiled Keras model and returns its ``Run``.

    Args:
        model: a compiled ``keras.Model`` (its optimizer, loss and metrics are used; a
            model overriding ``train_step`` trains with its own step).
        x, y: training inputs and targets (NumPy arrays); ``y=None`` for models that
            learn from ``x`` alone (autoencoders, GANs).
        epochs: number of passes over the data, in [1, 100000].
        batch_size: samples per gradient step, >= 1 (the last batch may be smaller).
        shuffle: draw a new order every epoch from ``seed``; False keeps the data order,
            which makes the result equal to ``model.fit(..., shuffle=False)``.
        validation_data: optional ``(x_val, y_val)`` evaluated after every epoch.
        callbacks: ``toolkit.train.Callback`` objects or callables (``on_progress``).
        seed: seeds the batch order; equal seeds give identical batches.
        steps_per_callback: optimizer steps between progress reports (rounded up to
            whole epochs); None adapts chunks to about a quarter of a second.
        stop: a ``threading.Event`` or callable; when set the run stops between chunks.
        config: extra entries recorded in ``run.config`` (e.g. the dataset's spec).
        name: the run's label; defaults to the model's name.
        validation_batch_size: samples per validation step, as in ``model.fit``; defaults
            to `batch_size`. A larger one only saves time (the validation loss is a mean).
    """
    x, y = _as_array(x, "x"), None if y is None else _as_array(y, "y")
    _validate(model, x, y, epochs, batch_size)
    if validation_batch_size is not None and not (
            isinstance(validation_batch_size, (int, np.integer)) and validation_batch_size >= 1):
        raise ValueError(f"`validation_batch_size` must be a positive integer or None, "
                         f"received validation_batch_size={validation_batch_size!r}.")
    val = _validation_arrays(validation_data)
    run = Run(name=name or model.name, model=model, epochs=int(epochs),
              config=_run_config(model, epochs, batch_size, shuffle, seed, config))
    run.config["validation"] = val is not None
    callbacks = as_callbacks(callbacks)
    should_stop = as_stop_predicate(stop)
    _train(run, x, y, val, (batch_size, validation_batch_size or batch_size), shuffle, seed,
           steps_per_callback, callbacks, should_stop)
    return run


# -- argument handling --------------------------------------------------------------
def _as_array(value, name):
    """An array, or a dict / tuple of arrays (multi-input or multi-output models)."""
    if isinstance(value, dict) or (isinstance(value, (tuple, list)) and value
                                   and all(isinstance(v, np.ndarray) for v in value)):
        structure = tf.nest.map_structure(lambda v: _one_array(v, name), value)
        lengths = {len(a) for a in tf.nest.flatten(structure)}
        if len(lengths) != 1:
            raise ValueError(f"Every array in `{name}` must have the same number of samples, "
                             f"received lengths {sorted(lengths)}.")
        return structure
    return _one_array(value, name)


def _one_array(value, name):
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.ndim == 0 or len(array) == 0:
        raise ValueError(f"`{name}` must hold at least one sample, received shape {array.shape}.")
    return array


def _length(data) -> int:
    return len(tf.nest.flatten(data)[0])


def _validate(model, x, y, epochs, batch_size):
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, received {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError("`model` must be compiled first: call model.compile(optimizer, loss).")
    if not (isinstance(epochs, (int, np.integer)) and 1 <= epochs <= MAX_EPOCHS):
        raise ValueError(f"`epochs` must be an integer in [1, {MAX_EPOCHS}], received epochs={epochs!r}.")
    if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
        raise ValueError(f"`batch_size` must be a positive integer, received batch_size={batch_size!r}.")
    if y is not None and _length(y) != _length(x):
        raise ValueError(f"`x` and `y` must have the same number of samples, "
                         f"received {_length(x)} and {_length(y)}.")


def _validation_arrays(validation_data):
    if validation_data is None:
        return None
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        raise ValueError("`validation_data` must be a pair (x_val, y_val).")
    x_val, y_val = (_as_array(a, name) for a, name in zip(validation_data, ("x_val", "y_val")))
    if _length(x_val) != _length(y_val):
        raise ValueError(f"`x_val` and `y_val` must have the same number of samples, "
                         f"received {_length(x_val)} and {_length(y_val)}.")
    return x_val, y_val


def _run_config(model, epochs, batch_size, shuffle, seed, extra):
    optimizer = model.optimizer
    return {
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "shuffle": bool(shuffle),
        "seed": int(seed),
        "optimizer": None if optimizer is None else keras.optimizers.serialize(optimizer),
        "model": model.name,
        **(extra or {}),
    }


# -- the training loop --------------------------------------------------------------
def _train(run, x, y, val, batch_sizes, shuffle, seed, steps_per_callback,
           callbacks, should_stop):
    batch_size = batch_sizes[0]
    x_val, y_val = val if val is not None else (None, None)
    loop = compiled_loop(run.model, x, y, x_val, y_val)
    tensors = [None if a is None else tf.nest.map_structure(tf.convert_to_tensor, a)
               for a in (x, y, x_val, y_val)]
    run.initial_weights = [np.array(w) for w in run.model.get_weights()]
    orders = _epoch_orders(_length(x), shuffle, seed)
    steps_per_epoch = math.ceil(_length(x) / batch_size)
    chunk = _fixed_chunk(steps_per_callback, steps_per_epoch)

    run.status = "running"
    for cb in callbacks:
        cb.on_start(run)
    pace = None  # seconds per epoch of the last chunk that did not trace
    try:
        while run.epochs_done < run.epochs and not _stop_requested(run, should_stop):
            epochs_now = min(chunk or _adaptive_chunk(run, pace), run.epochs - run.epochs_done)
            perms = np.stack([next(orders) for _ in range(epochs_now)])
            with pool().slot(on_wait=lambda p: [cb.on_queue(p) for cb in callbacks]):
                snapshot, snapshot_epoch = run.model.get_weights(), run.epochs_done
                traced, started = loop.fresh, run.wall_time
                _record(run, loop, *_run_chunk(run, loop, tensors, perms, batch_sizes))
            if not traced and run.epochs_done > snapshot_epoch:
                pace = (run.wall_time - started) / (run.epochs_done - snapshot_epoch)
            if _diverged(run, loop):
                run.model.set_weights(snapshot)
                _mark_diverged(run, restored=snapshot_epoch)
                break
            for cb in callbacks:
                cb.on_progress(run)
        if run.status == "running":
            run.status = "completed"
            run.message = f"Trained {run.epochs_done} epochs in {run.wall_time:.2f} s."
    finally:
        if run.status == "running":  # an exception (e.g. a page rerun) interrupted us
            run.status, run.message = "stopped", f"Interrupted after epoch {run.epochs_done}."
    for cb in callbacks:
        cb.on_end(run)


def _stop_requested(run, should_stop) -> bool:
    if should_stop():
        run.status, run.message = "stopped", f"Stopped after epoch {run.epochs_done}."
        return True
    return False


def _run_chunk(run, loop, tensors, perms, batch_sizes):
    """Trains ``len(perms)`` epochs in one compiled call; returns (train, valid, epochs run)."""
    (batch_size, val_batch_size), started = batch_sizes, time.perf_counter()
    start_step, step_logs = 0, None
    if loop.fresh:  # step 0 runs alone once so lazily created variables live outside loops
        _reset_logs_state(run.model)
        step_logs, start_step = _peel_first_step(loop, tensors, perms, batch_size), 1
    loop.learn_val_keys()
    if step_logs is None:
        step_logs = tf.zeros([len(loop.keys)], tf.float32)
    train, valid, done = loop.epochs(
        tensors[0], tensors[1], tf.constant(perms, tf.int32), tf.constant(batch_size, tf.int32),
        tf.constant(val_batch_size, tf.int32), tf.constant(start_step, tf.int32), step_logs, tensors[2], tensors[3])
    run.wall_time += time.perf_counter() - started
    return train.numpy(), valid.numpy(), int(done)


def _epoch_orders(n, shuffle, seed):
    """Yields one permutation of ``range(n)`` per epoch, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n).astype(np.int32) if shuffle else np.arange(n, dtype=np.int32)


def _fixed_chunk(steps_per_callback, steps_per_epoch):
    if steps_per_callback is None:
        return None
    if not (isinstance(steps_per_callback, (int, np.integer)) and steps_per_callback >= 1):
        raise ValueError(f"`steps_per_callback` must be a positive integer or None, "
                         f"received steps_per_callback={steps_per_callback!r}.")
    return max(1, math.ceil(steps_per_callback / steps_per_epoch))


def _adaptive_chunk(run, pace):
    """Epochs per chunk so that a chunk takes about ``TARGET_CHUNK_SECONDS``.

    ``pace`` is the seconds per epoch measured on the last chunk that did not trace (the
    first chunk of a fresh model compiles, so its time says nothing about the next ones).
    """
    if pace is None:
        return 1 if run.epochs_done == 0 else 2
    return int(np.clip(TARGET_CHUNK_SECONDS / max(pace, 1e-6), 1, 10_000))


def _reset_logs_state(model):
    for metric in model.metrics:
        metric.reset_state()


def _peel_first_step(loop, tensors, perms, batch_size):
    """Runs step 0 of epoch 0 on its own so lazily created variables are made outside loops."""
    idx = tf.constant(perms[0, :batch_size])
    return loop.step(gather(tensors[0], idx), gather(tensors[1], idx))


def _record(run, loop, train, valid, done):
    logs = {key: train[:done, i] for i, key in enumerate(loop.keys)}
    for i, key in enumerate(loop.val_keys or ()):
        logs[f"val_{key}"] = valid[:done, i]
    run.append_epochs(logs)
    run.epochs_done += done


def _diverged(run, loop):
    """A non-finite loss (or any log, for models without one), or a loss that grew 1000-fold."""
    if run.epochs_done == 0:
        return False
    keys = ["loss"] if "loss" in loop.keys else loop.keys
    if not np.all(np.isfinite([run.history[k][-1] for k in keys])):
        return True
    return _exploded(run.history.get("loss"))


def _exploded(loss) -> bool:
    return loss is not None and len(loss) > 1 and loss[0] > 0 and loss[-1] > DIVERGENCE_FACTOR * loss[0]


def _mark_diverged(run, restored):
    run.status = "diverged"
    loss = run.history.get("loss")
    what = (f"grew from {loss[0]:.3g} to {loss[-1]:.3g} (more than {DIVERGENCE_FACTOR:.0f} times its first value)"
            if _exploded(loss) else "became NaN or infinite")
    run.message = (
        f"The loss {what} at epoch {run.epochs_done}; training stopped "
        f"and the weights were restored to those after epoch {restored}. "
        f"Try a smaller learning rate."
    )
