"""Many epochs inside one compiled TensorFlow function.

``model.fit`` runs Python between every batch: the data adapter, the callback list,
the progress bar. On a tiny model that overhead dominates (about 230 ms an epoch for a
2-8-8-1 MLP on 1000 points). Here the whole chunk of epochs is one ``tf.function``:

    for e in range(E):                      # outer tf.while_loop, one pass per epoch
        for s in range(S):                  # inner tf.while_loop, one pass per batch
            logs = model.train_step(batch(e, s))      # the model's own step
        history[e] = logs                   # TensorArray row
        if validate[e]: history_val[e] = mean of model.test_step over val batches
        reset metrics
        stop if logs["loss"] is NaN or inf

A batch is packed as ``model.fit`` packs it: ``(x, y, sample_weight)``, ``(x, y)``, or ``x``
alone for models that learn from ``x`` (autoencoders, GANs). ``validate[e]`` is
``validation_freq`` spelled out per epoch.

Batches are gathered from ``perms[e]``, a permutation drawn in NumPy from the seed, so
``shuffle=False`` reproduces ``model.fit(shuffle=False)`` batch for batch, and two runs
with the same seed see identical batches. ``train_step`` is the model's own, so models
that override it (GAN, VAE, diffusion) train with their own maths.

The first step of a fresh model runs once outside the loops (``step``) so that lazily
created state (optimizer slots, metric variables) is created outside a ``tf.while_loop``
as TensorFlow requires; that step is still step 0 of epoch 0.

Each model gets its own compiled functions (they close over the model), traced once each:
their input signatures have no batch size. TensorFlow counts the traces of a plain closure
under its code object, which every model's loop shares, and after five models warns of
"retracing"; the functions here are callable objects (``_Traced``), counted one by one.
"""

from __future__ import annotations

import tensorflow as tf

from toolkit.train import graph_memory

graph_memory.install()  # traced steps would otherwise stay in memory for good (see graph_memory)
_CACHE_ATTRIBUTE = "_toolkit_compiled_loops"


def _as_scalar(value) -> tf.Tensor:
    """Normalizes one log value (scalar or not, any float dtype) to a float32 scalar."""
    return tf.reduce_mean(tf.cast(value, tf.float32))


def _data(x_batch, y_batch, weight_batch=None):
    # Unsupervised models (autoencoders, GANs) receive x alone, as with fit(x).
    if y_batch is None:
        return x_batch
    return (x_batch, y_batch) if weight_batch is None else (x_batch, y_batch, weight_batch)


def gather(data, idx):
    """Rows ``idx`` of every array in ``data`` (an array, a tuple/dict of arrays, or None)."""
    return None if data is None else tf.nest.map_structure(lambda a: tf.gather(a, idx), data)


def _slice(data, start, stop):
    return None if data is None else tf.nest.map_structure(lambda a: a[start:stop], data)


def num_samples(data) -> tf.Tensor:
    return tf.shape(tf.nest.flatten(data)[0])[0]


def _reset_metrics(model) -> None:
    for metric in model.metrics:
        metric.reset_state()


class CompiledLoop:
    """The compiled functions for one model and one input signature.

    ``data`` and ``val`` are ``(x, y, sample_weight)`` triples (None for a missing part;
    ``val`` None without validation data).
    """

    def __init__(self, model, data_specs, val_specs):
        self.model = model
        self.keys: tuple[str, ...] | None = None  # known after the first step
        self.val_keys: tuple[str, ...] | None = None
        self._val_specs = val_specs
        int_spec = tf.TensorSpec([], tf.int32)
        perm_spec = tf.TensorSpec([None, None], tf.int32)
        self.step = _function(self._step, list(data_specs))
        logs_spec = tf.TensorSpec([None], tf.float32)
        mask_spec = tf.TensorSpec([None], tf.bool)
        self.epochs = _function(
            self._epochs, [*data_specs, perm_spec, int_spec, int_spec, int_spec, logs_spec,
                           mask_spec, *(val_specs or (None, None, None))])

    @property
    def fresh(self) -> bool:
        """True until step 0 ran through ``step`` (so the log keys are unknown)."""
        return self.keys is None

    # -- step 0 of a fresh model ------------------------------------------------
    def _step(self, x_batch, y_batch, weight_batch):
        logs = self.model.train_step(_data(x_batch, y_batch, weight_batch))
        self.keys = tuple(sorted(logs))
        return tf.stack([_as_scalar(logs[k]) for k in self.keys])

    # -- many epochs ----------------------------------------------------------------
    def _epochs(self, x, y, weight, perms, batch_size, val_batch_size, start_step, step_logs,
                validate, x_val=None, y_val=None, weight_val=None):
        """Runs ``len(perms)`` epochs; returns (train logs (E, K), val logs (E, V), epochs run).

        ``start_step`` > 0 means the first ``start_step`` batches of epoch 0 already ran
        (the peeled step 0, whose logs are ``step_logs``), so epoch 0 neither resets
        metrics nor repeats them. ``validate[e]`` says whether epoch ``e`` is validated
        (rows of epochs that are not hold zeros).
        """
        n = tf.shape(perms)[1]
        steps = (n + batch_size - 1) // batch_size
        num_epochs = tf.shape(perms)[0]
        has_val = x_val is not None
        train_rows = tf.TensorArray(tf.float32, size=num_epochs)
        val_rows = tf.TensorArray(tf.float32, size=num_epochs)
        loss_index = self.keys.index("loss") if "loss" in self.keys else None

        def train_epoch(e):
            first = tf.where(e == 0, start_step, 0)

            def body(s, logs):
                idx = perms[e, s * batch_size:tf.minimum((s + 1) * batch_size, n)]
                step_logs = self.model.train_step(
                    _data(gather(x, idx), gather(y, idx), gather(weight, idx)))
                return s + 1, tf.stack([_as_scalar(step_logs[k]) for k in self.keys])

            # A one-batch epoch 0 after the peeled step runs no pass: its logs are step 0's.
            _, logs = tf.while_loop(lambda s, _: s < steps, body, (first, step_logs))
            return logs

        def validation(e):
            return tf.cond(validate[e],
                           lambda: self._validate((x_val, y_val, weight_val), val_batch_size),
                           lambda: tf.zeros([len(self.val_keys)], tf.float32))

        def outer(e, diverged, train_rows, val_rows):
            logs = train_epoch(e)
            train_rows = train_rows.write(e, logs)
            _reset_metrics(self.model)
            if has_val:
                val_rows = val_rows.write(e, validation(e))
            finite = tf.reduce_all(tf.math.is_finite(
                logs if loss_index is None else logs[loss_index]))
            return e + 1, tf.logical_not(finite), train_rows, val_rows

        epochs_run, _, train_rows, val_rows = tf.while_loop(
            lambda e, diverged, *_: tf.logical_and(e < num_epochs, tf.logical_not(diverged)),
            outer,
            (tf.constant(0), tf.constant(False), train_rows, val_rows),
        )
        train = train_rows.stack()[:epochs_run]
        val = val_rows.stack()[:epochs_run] if has_val else tf.zeros([epochs_run, 0])
        return train, val, epochs_run

    def learn_val_keys(self) -> None:
        """Traces ``test_step`` once (graph only, nothing runs) to learn its log keys."""
        if self.val_keys is not None or not self._val_specs:
            return
        present = [spec for spec in self._val_specs if spec is not None]
        concrete = tf.function(
            _Traced(lambda *batch: self.model.test_step(_data(*batch)), self._val_specs)
        ).get_concrete_function(*present)
        self.val_keys = tuple(sorted(concrete.structured_outputs))

    def _validate(self, val, batch_size):
        """Mean of ``test_step`` over the validation batches, then metrics reset."""
        n = num_samples(val[0])
        steps = (n + batch_size - 1) // batch_size

        def body(s, logs):
            start, stop = s * batch_size, tf.minimum((s + 1) * batch_size, n)
            step_logs = self.model.test_step(_data(*(_slice(a, start, stop) for a in val)))
            return s + 1, tf.stack([_as_scalar(step_logs[k]) for k in self.val_keys])

        init = tf.zeros([len(self.val_keys)], tf.float32)
        _, logs = tf.while_loop(lambda s, _: s < steps, body, (tf.constant(0), init))
        _reset_metrics(self.model)
        return logs


class _Traced:
    """``fn`` of the non-None ``specs``' arguments; the arguments whose spec is None stay None.

    A callable object rather than a closure so that TensorFlow counts its traces on their
    own (see the module docstring): one trace per model, never a "retracing" warning.
    """

    def __init__(self, fn, specs):
        self.fn = fn
        self.size = len(specs)
        self.present = [i for i, spec in enumerate(specs) if spec is not None]

    def __call__(self, *args):
        full = [None] * self.size
        for i, arg in zip(self.present, args):
            full[i] = arg
        return self.fn(*full)


def _function(fn, specs):
    """``tf.function`` of ``fn`` over the non-None ``specs``, called with every argument."""
    traced = _Traced(fn, specs)
    compiled = tf.function(traced, input_signature=[specs[i] for i in traced.present],
                           autograph=False)

    def run(*args):
        return compiled(*(args[i] for i in traced.present))

    return run


def _spec(data):
    """The batch-size-free ``tf.TensorSpec`` (structure) of ``data``; None stays None."""
    if data is None:
        return None
    return tf.nest.map_structure(
        lambda a: tf.TensorSpec([None, *a.shape[1:]], tf.as_dtype(a.dtype)), data)


def compiled_loop(model, data, val=None) -> CompiledLoop:
    """The cached ``CompiledLoop`` of ``model`` for these input shapes and dtypes.

    ``data`` and ``val`` are ``(x, y, sample_weight)`` triples of arrays (or None parts).
    """
    data_specs = tuple(_spec(a) for a in data)
    val_specs = None if val is None else tuple(_spec(a) for a in val)
    key = repr((data_specs, val_specs))  # specs of dicts are not hashable
    per_model = model.__dict__.get(_CACHE_ATTRIBUTE)
    if per_model is None:
        # Stored on the model itself (bypassing Keras attribute tracking) so that the
        # compiled functions die with the model instead of keeping it alive.
        per_model = {}
        object.__setattr__(model, _CACHE_ATTRIBUTE, per_model)
    if key not in per_model:
        per_model[key] = CompiledLoop(model, data_specs, val_specs)
    return per_model[key]
