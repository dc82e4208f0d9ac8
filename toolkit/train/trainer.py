"""``fit``: ``model.fit``'s arguments and history, with chunks of epochs compiled into one call.

Arrays train on the compiled path: the model's own ``train_step`` on the same batches as
``model.fit``, minus its per-batch Python overhead (see ``loop.py``). Between chunks ``fit``
calls the callbacks, checks the stop flag and divergence (``outcome.py``), and gives its
training slot to the next session in the queue. With Keras callbacks or a progress bar a
chunk is one epoch, so Keras's epoch hooks run where ``model.fit`` runs them.

Whatever the compiled loop cannot speed up trains through ``model.fit`` itself, recorded
into the same ``Run`` (``per_batch.py``): a ``tf.data.Dataset``, a generator or a
``keras.utils.PyDataset``, ``steps_per_epoch`` or ``validation_steps``, and Keras callbacks
that act inside an epoch. Either way ``run.history`` equals ``model.fit(...).history``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit.train import outcome
from toolkit.train.graph_memory import released_graphs
from toolkit.train.callbacks import (KerasHooks, acts_within_epochs, as_stop_predicate,
                                     resolve_verbose, split_callbacks)
from toolkit.train.inputs import checked_stream, is_stream, length, training_arrays
from toolkit.train.loop import compiled_loop, gather
from toolkit.train.per_batch import fit_per_batch
from toolkit.train.run import Run
from toolkit.train.seeds import seed_states
from toolkit.train.slots import pool
from toolkit.validation import check_int, check_positive_int

MAX_EPOCHS = 100_000
TARGET_CHUNK_SECONDS = 0.25
DEFAULT_BATCH_SIZE = 32  # model.fit's default
# model.fit settings recorded in run.config when they differ from these defaults (bundle.FIT_SETTINGS)
CHANGED_SETTINGS = {"validation_split": 0.0, "validation_batch_size": None, "validation_freq": 1,
                    "initial_epoch": 0, "class_weight": None}


@dataclasses.dataclass(frozen=True)
class _Schedule:
    """How the compiled path walks the epochs (the arguments of ``fit`` it needs)."""

    batch_size: int
    validation_batch_size: int
    shuffle: bool
    seed: int
    initial_epoch: int
    validation_freq: object
    steps_per_callback: int | None


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1, *, seed: int = 0,
        steps_per_callback=None, stop=None, config: dict | None = None,
        name: str | None = None) -> Run:
    """Trains a compiled Keras model as ``model.fit`` does and returns its ``Run``.

    The arguments from ``x`` to ``validation_freq`` are ``model.fit``'s, in its order and with
    its meaning; ``run.history`` equals ``model.fit(...).history`` for the same weights and
    batches (``shuffle=False``, or the same ``seed`` between two ``fit`` calls).

    Args:
        model: a compiled ``keras.Model`` (its optimizer, loss and metrics are used; a
            model overriding ``train_step`` trains with its own step).
        x, y: NumPy arrays (or dicts / tuples of arrays) on the compiled path; ``y=None``
            for models that learn from ``x`` alone (autoencoders, GANs). A
            ``tf.data.Dataset``, a generator or a ``keras.utils.PyDataset`` yielding
            ``(x, y)`` or ``(x, y, sample_weight)`` batches trains through ``model.fit``.
        batch_size: samples per gradient step (default 32; the last batch may be smaller).
        epochs: index of the last epoch, in [1, 100000]: trains ``epochs - initial_epoch``.
        verbose: 0 (silent), 1 (a progress bar, advanced once an epoch) or 2 (one line an
            epoch); "auto" is 1 for a call made in a notebook or at an interactive prompt, 0
            elsewhere (scripts, tests, the app, and the toolkit's own calls such as ``compare``).
        callbacks: ``keras.callbacks.Callback`` objects (called at Keras's hooks with
            Keras's logs) and toolkit ``Callback`` objects or callables (``on_progress``).
        validation_split: the fraction of the samples, taken from the end before shuffling,
            held out to validate on (arrays only).
        validation_data: ``(x_val, y_val)``, ``(x_val, y_val, val_sample_weight)`` or a
            ``tf.data.Dataset``, evaluated after every ``validation_freq``-th epoch.
        shuffle: a new order every epoch, drawn from ``seed``; False keeps the data order.
        class_weight: ``{class: weight}`` multiplying each training sample's loss.
        sample_weight: one weight per training sample.
        initial_epoch: the epoch to start from (to resume a run; callbacks see the epoch's
            index, as in ``model.fit``).
        steps_per_epoch, validation_steps: batches per epoch / per validation pass; given,
            they train through ``model.fit``.
        validation_batch_size: samples per validation step; defaults to ``batch_size``. A
            larger one only saves time (the validation loss is a mean).
        validation_freq: validate every this many epochs, or on the epochs (1-based) listed.
        seed: seeds the batch order; equal seeds give identical batches.
        steps_per_callback: optimizer steps between progress reports (rounded up to
            whole epochs); None adapts chunks to about a quarter of a second. With Keras
            callbacks, a progress bar or on the per-batch path, reports come every epoch.
        stop: a ``threading.Event`` or callable; when set the run stops between chunks.
        config: extra entries recorded in ``run.config`` (e.g. the dataset's spec).
        name: the run's label; defaults to the model's name.
    """
    _check_model(model)
    _check_counts(epochs, initial_epoch, batch_size, validation_batch_size, validation_freq,
                  steps_per_callback)
    progress, keras_callbacks = split_callbacks(callbacks)
    should_stop = as_stop_predicate(stop)
    caller = sys._getframe(1).f_globals.get("__name__", "")  # "auto" is quiet for the toolkit's own calls
    arguments = dict(x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=resolve_verbose(verbose, caller),
                     validation_split=validation_split, validation_data=validation_data,
                     shuffle=shuffle, class_weight=class_weight, sample_weight=sample_weight,
                     initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps,
                     validation_batch_size=validation_batch_size, validation_freq=validation_freq)
    run = Run(name=name or model.name, model=model, epochs=int(epochs) - int(initial_epoch),
              config=_run_config(model, epochs, batch_size, shuffle, seed, config))
    run.config.update(_changed_settings(arguments))
    with released_graphs():  # the traces' custom gradients leave memory with the model (graph_memory)
        if _needs_model_fit(arguments, keras_callbacks):
            return _through_model_fit(run, arguments, keras_callbacks, progress, should_stop)
        return _compiled(run, arguments, keras_callbacks, progress, should_stop,
                         seed=int(seed), steps_per_callback=steps_per_callback)


def _needs_model_fit(arguments, keras_callbacks) -> bool:
    """Data the compiled loop cannot slice, step counts, or callbacks acting inside epochs."""
    return (is_stream(arguments["x"]) or is_stream(arguments["validation_data"])
            or arguments["steps_per_epoch"] is not None or arguments["validation_steps"] is not None
            or any(map(acts_within_epochs, keras_callbacks)))


def _through_model_fit(run, arguments, keras_callbacks, progress, should_stop):
    """The per-batch path: ``model.fit`` itself, recorded into ``run`` (``per_batch.py``)."""
    if is_stream(arguments["x"]):
        arguments = {**arguments, "x": checked_stream(arguments["x"], "x")}
    run.config.update(validation=arguments["validation_data"] is not None
                      or bool(arguments["validation_split"]), trainer="model.fit")
    return fit_per_batch(run, arguments, keras_callbacks, progress, should_stop)


def _compiled(run, arguments, keras_callbacks, progress, should_stop, *, seed, steps_per_callback):
    """The compiled path: arrays arranged as ``model.fit`` would, then chunks of epochs."""
    data, val = training_arrays(
        run.model, arguments["x"], arguments["y"], sample_weight=arguments["sample_weight"],
        class_weight=arguments["class_weight"], validation_split=arguments["validation_split"],
        validation_data=arguments["validation_data"])
    batch_size = arguments["batch_size"] or DEFAULT_BATCH_SIZE
    run.config.update(validation=val is not None, trainer="compiled", batch_size=int(batch_size))
    schedule = _Schedule(batch_size, arguments["validation_batch_size"] or batch_size,
                         bool(arguments["shuffle"]), seed, int(arguments["initial_epoch"]),
                         arguments["validation_freq"], steps_per_callback)
    hooks = KerasHooks(keras_callbacks, run.model, verbose=arguments["verbose"],
                       epochs=int(arguments["epochs"]), steps=math.ceil(length(data[0]) / batch_size))
    _train(run, data, val, schedule, hooks, progress, should_stop)
    return run


# -- argument checks --------------------------------------------------------------------
def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, received {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError("`model` must be compiled first: call model.compile(optimizer, loss).")
    learning_rate = _learning_rate(model.optimizer)
    if learning_rate is not None and learning_rate < 0:
        raise ValueError(f"The optimizer's learning rate is {learning_rate:g}: a negative step "
                         f"climbs the loss instead of descending it. Use a positive learning rate.")


def _learning_rate(optimizer):
    """The optimizer's current learning rate as a float, or None (no optimizer, no such rate)."""
    try:
        return float(np.asarray(optimizer.learning_rate))
    except (AttributeError, TypeError, ValueError):
        return None


def _check_counts(epochs, initial_epoch, batch_size, validation_batch_size, validation_freq,
                  steps_per_callback):
    check_int("epochs", epochs, 1, MAX_EPOCHS)
    check_int("initial_epoch", initial_epoch, 0, epochs - 1, hint="It must be below `epochs`.")
    for name, value in (("batch_size", batch_size), ("validation_batch_size", validation_batch_size),
                        ("steps_per_callback", steps_per_callback)):
        if value is not None:
            check_positive_int(name, value, hint="None takes the default.")
    for every in validation_freq if isinstance(validation_freq, (list, tuple)) else [validation_freq]:
        check_positive_int("validation_freq", every, hint="It may also list the epochs (1-based) to validate after.")


def _run_config(model, epochs, batch_size, shuffle, seed, extra):
    optimizer = model.optimizer
    return {
        "epochs": int(epochs),
        "batch_size": None if batch_size is None else int(batch_size),
        "shuffle": bool(shuffle),
        "seed": int(seed),
        "optimizer": None if optimizer is None else keras.optimizers.serialize(optimizer),
        "model": model.name,
        "seed_states": seed_states(model),  # dropout, noise, latents: a bundle retrains with the same draws
        **(extra or {}),
    }


def _changed_settings(arguments) -> dict:
    """``model.fit`` settings that differ from their defaults, as JSON: what a bundle replays."""
    changed = {key: arguments[key] for key, default in CHANGED_SETTINGS.items() if arguments[key] != default}
    if "class_weight" in changed:
        changed["class_weight"] = {str(int(label)): float(w) for label, w in changed["class_weight"].items()}
    if isinstance(changed.get("validation_freq"), (list, tuple)):
        changed["validation_freq"] = [int(epoch) for epoch in changed["validation_freq"]]
    return changed


# -- the compiled path ----------------------------------------------------------------
def _train(run, data, val, schedule, hooks, progress, should_stop):
    loop = compiled_loop(run.model, data, val)
    tensors = _as_tensors(data), _as_tensors(val)
    run.initial_weights = [np.array(w) for w in run.model.get_weights()]
    orders = _epoch_orders(length(data[0]), schedule.shuffle, schedule.seed)
    chunk = 1 if hooks.active else _fixed_chunk(schedule.steps_per_callback,
                                                math.ceil(length(data[0]) / schedule.batch_size))
    run.status, run.model.stop_training = "running", False
    run.steps_per_epoch = math.ceil(length(data[0]) / schedule.batch_size)
    for cb in progress:
        cb.on_start(run)
    hooks.train_begin()
    pace = None  # seconds per epoch of the last chunk that did not trace
    try:
        while run.epochs_done < run.epochs and not outcome.stop_requested(run, should_stop):
            epochs_now = min(chunk or _adaptive_chunk(run, pace), run.epochs - run.epochs_done)
            first_epoch = schedule.initial_epoch + run.epochs_done
            hooks.epoch_begin(first_epoch)
            perms = np.stack([next(orders) for _ in range(epochs_now)])
            validate = _validated_epochs(first_epoch, epochs_now, schedule.validation_freq)
            with pool().slot(on_wait=lambda p: [cb.on_queue(p) for cb in progress]):
                snapshot, snapshot_epoch = run.model.get_weights(), run.epochs_done
                traced, started = loop.fresh, run.wall_time
                logs = _run_chunk(run, loop, tensors, perms, validate, schedule,
                                  first_step=lambda: [cb.on_first_step(run) for cb in progress])
            _record(run, hooks, first_epoch, logs)
            if not traced and run.epochs_done > snapshot_epoch:
                pace = (run.wall_time - started) / (run.epochs_done - snapshot_epoch)
            if outcome.diverged(run):
                run.model.set_weights(snapshot)
                outcome.mark_diverged(run, restored=snapshot_epoch)
                break
            for cb in progress:
                cb.on_progress(run)
            if run.model.stop_training:
                outcome.mark_stopped_by_callback(run)
                break
        outcome.mark_finished(run)
    finally:
        outcome.mark_interrupted(run)
    _finalize(run.model, run.epochs_done)
    hooks.train_end()
    for cb in progress:
        cb.on_end(run)


def _as_tensors(triple):
    if triple is None:
        return None
    return tuple(None if a is None else tf.nest.map_structure(tf.convert_to_tensor, a) for a in triple)


def _finalize(model, epochs_done):
    """As ``model.fit``: an optimizer keeping moving averages (``use_ema``) swaps them in."""
    if epochs_done and isinstance(model.optimizer, keras.optimizers.Optimizer):
        model.optimizer.finalize_variable_values(model.trainable_weights)


def _validated_epochs(first_epoch, count, validation_freq):
    """Whether each of ``count`` epochs from ``first_epoch`` (0-based) is validated, as Keras decides."""
    numbers = np.arange(first_epoch + 1, first_epoch + count + 1)  # 1-based, as validation_freq
    if isinstance(validation_freq, (list, tuple)):
        return np.isin(numbers, validation_freq)
    return numbers % validation_freq == 0


def _run_chunk(run, loop, tensors, perms, validate, schedule, first_step):
    """Trains ``len(perms)`` epochs in one compiled call; returns their logs (see ``_chunk_logs``).

    A fresh model first takes step 0 alone (so lazily created variables live outside loops)
    and reports it through `first_step` before its chunk loop compiles, which takes longer.
    """
    (data, val), started = tensors, time.perf_counter()
    start_step, step_logs = 0, None
    if loop.fresh:
        _reset_logs_state(run.model)
        step_logs, start_step = _peel_first_step(loop, data, perms, schedule.batch_size), 1
        run.steps_done += 1
        first_step()
    loop.learn_val_keys()
    if step_logs is None:
        step_logs = tf.zeros([len(loop.keys)], tf.float32)
    train, valid, done = loop.epochs(
        *data, tf.constant(perms, tf.int32), tf.constant(schedule.batch_size, tf.int32),
        tf.constant(schedule.validation_batch_size, tf.int32), tf.constant(start_step, tf.int32),
        step_logs, tf.constant(validate), *(val or (None, None, None)))
    run.wall_time += time.perf_counter() - started
    return _chunk_logs(loop, train.numpy(), valid.numpy(), int(done), validate)


def _chunk_logs(loop, train, valid, done, validate):
    """``{key: one value per epoch run}``; ``val_`` keys only for the validated epochs."""
    logs = {key: train[:done, i] for i, key in enumerate(loop.keys)}
    validated = validate[:done]
    for i, key in enumerate(loop.val_keys or ()):
        logs[f"val_{key}"] = valid[:done][validated, i]
    return logs


def _record(run, hooks, first_epoch, logs):
    """Appends the chunk's epochs to the history (through the Keras callbacks' hooks)."""
    done = len(next(iter(logs.values())))
    if hooks.active and done:  # a one-epoch chunk: callbacks may add keys to its logs
        epoch_logs = hooks.epoch_end(first_epoch, {k: float(v[0]) for k, v in logs.items() if len(v)})
        logs = {key: [value] for key, value in epoch_logs.items()}
    run.append_epochs(logs)
    run.epochs_done += done
    run.steps_done = run.epochs_done * run.steps_per_epoch


def _epoch_orders(n, shuffle, seed):
    """Yields one permutation of ``range(n)`` per epoch, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n).astype(np.int32) if shuffle else np.arange(n, dtype=np.int32)


def _fixed_chunk(steps_per_callback, steps_per_epoch):
    if steps_per_callback is None:
        return None
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


def _peel_first_step(loop, data, perms, batch_size):
    """Runs step 0 of epoch 0 on its own so lazily created variables are made outside loops."""
    build_optimizer(loop.model)
    idx = tf.constant(perms[0, :batch_size])
    return loop.step(*(gather(a, idx) for a in data))


def build_optimizer(model) -> None:
    """Creates the optimizer's state (Adam's moments …) for the model's trainable variables now, outside step 0's
    trace: made inside it, the same variables cost seconds of tracing (a CoCa of 98 variables traced its step in
    6.1 s, 2.1 s with its optimizer built first). Only a model whose every layer is built: a layer built in its
    first call would add variables the optimizer does not know (a layer without a ``build`` of its own, such as a
    position encoding, makes none)."""
    optimizer = getattr(model, "optimizer", None)
    if not isinstance(optimizer, keras.optimizers.Optimizer) or optimizer.built or not model.trainable_variables:
        return
    if all(layer.built or type(layer).build is keras.layers.Layer.build
           for layer in model._flatten_layers(include_self=True, recursive=True)):
        optimizer.build(model.trainable_variables)
