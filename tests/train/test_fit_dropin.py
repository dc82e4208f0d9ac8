"""toolkit.train.fit as a drop-in for model.fit: each argument, each Keras callback, same history.

Two identical models from one seed, ``shuffle=False``: one trains with ``model.fit``, the
other with ``fit``; their histories agree within 1e-5. Arrays take the compiled path
(``toolkit.train.trainer``, ``toolkit.train.inputs``); datasets, generators, ``PyDataset``,
``steps_per_epoch`` and per-batch callbacks take the per-batch path (``toolkit.train.per_batch``);
both end runs through ``toolkit.train.outcome``.
"""

import csv

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.train import fit

N, BATCH = 96, 16
RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, 4)).astype("float32")
Y = (X @ RNG.normal(size=(4, 3))).argmax(axis=1).astype("int32")
WEIGHTS = RNG.uniform(0.2, 2.0, size=N).astype("float32")
VAL = (X[:32], Y[:32])


def build(lr=0.01):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_same_history(ours, theirs, keys=None):
    assert set(ours) == set(theirs)
    for key in keys or theirs:
        np.testing.assert_allclose(ours[key], theirs[key], atol=1e-5, err_msg=key)


def both(make_arguments, epochs=3, **kwargs):
    """(run, history) of fit and model.fit with the same arguments (made twice: they may hold state)."""
    theirs = build().fit(**make_arguments(), epochs=epochs, batch_size=kwargs.pop("batch_size", BATCH),
                         shuffle=False, verbose=0, **kwargs).history
    run = fit(build(), **make_arguments(), epochs=epochs, batch_size=BATCH, shuffle=False,
              verbose=0, **kwargs)
    return run, theirs


@pytest.mark.parametrize("arguments", [
    {"sample_weight": WEIGHTS, "validation_split": 0.25},
    {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}, "validation_data": (*VAL, WEIGHTS[:32]),
     "validation_freq": 2},
    {"validation_data": VAL, "validation_freq": [1, 3], "validation_batch_size": 5, "initial_epoch": 1},
], ids=["sample_weight+validation_split", "class_weight+val_sample_weight+validation_freq",
        "validation_freq_list+validation_batch_size+initial_epoch"])
def test_array_arguments_give_model_fit_history(arguments):
    run, theirs = both(lambda: {"x": X, "y": Y, **arguments})
    assert run.config["trainer"] == "compiled" and run.status == "completed"
    assert_same_history(run.history, theirs)
    assert run.epochs_done == len(theirs["loss"])


class Batches(keras.utils.PyDataset):
    def __len__(self):
        return N // BATCH

    def __getitem__(self, i):
        return X[i * BATCH:(i + 1) * BATCH], Y[i * BATCH:(i + 1) * BATCH]


def endless_batches():
    while True:
        for i in range(0, N, BATCH):
            yield X[i:i + BATCH], Y[i:i + BATCH]


@pytest.mark.parametrize("make_arguments", [
    lambda: {"x": tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH), "validation_data": VAL},
    lambda: {"x": endless_batches(), "steps_per_epoch": N // BATCH},
    lambda: {"x": Batches()},
    lambda: {"x": X, "y": Y, "steps_per_epoch": 3,
             "validation_data": tf.data.Dataset.from_tensor_slices(VAL).batch(8), "validation_steps": 2},
], ids=["tf.data", "generator", "PyDataset", "steps_per_epoch+validation_steps"])
def test_streams_train_through_model_fit_with_the_same_history(make_arguments):
    run, theirs = both(make_arguments)
    assert run.config["trainer"] == "model.fit" and run.status == "completed"
    assert_same_history(run.history, theirs)
    assert run.epochs_done == 3 and run.initial_weights is not None


def test_empty_streams_are_rejected_before_training():
    with pytest.raises(ValueError, match="`x` yields no batches"):
        fit(build(), tf.data.Dataset.from_tensor_slices((X, Y)).take(0).batch(4))
    with pytest.raises(ValueError, match="`x` yields no batches"):
        fit(build(), (batch for batch in ()))


def test_reduce_lr_on_plateau_adds_learning_rate_to_the_history_as_in_model_fit():
    run, theirs = both(lambda: {"x": X, "y": Y, "callbacks": [
        keras.callbacks.ReduceLROnPlateau("loss", factor=0.5, min_delta=1.0, patience=0)]})
    assert run.config["trainer"] == "compiled" and "learning_rate" in theirs
    assert_same_history(run.history, theirs)
    assert run.history["learning_rate"][-1] < 0.01  # reduced


def test_early_stopping_stops_and_restores_like_model_fit():
    reference, ours = build(), build()
    stops = [keras.callbacks.EarlyStopping("loss", min_delta=1.0, patience=1, restore_best_weights=True)
             for _ in range(2)]
    theirs = reference.fit(X, Y, epochs=5, batch_size=BATCH, shuffle=False, verbose=0,
                           callbacks=[stops[0]]).history
    run = fit(ours, X, Y, epochs=5, batch_size=BATCH, shuffle=False, callbacks=[stops[1]])
    assert_same_history(run.history, theirs)
    assert run.epochs_done == 2 < run.epochs and run.status == "completed"
    assert "callback stopped training" in run.message
    for a, b in zip(reference.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_model_checkpoint_and_csv_logger_write_what_model_fit_writes(tmp_path):
    written = {}
    for trainer in ("keras", "toolkit"):
        folder = tmp_path / trainer
        folder.mkdir()
        callbacks = [keras.callbacks.ModelCheckpoint(str(folder / "best.weights.h5"), "val_loss",
                                                     save_best_only=True, save_weights_only=True),
                     keras.callbacks.CSVLogger(str(folder / "log.csv"))]
        model = build()
        arguments = dict(epochs=3, batch_size=BATCH, shuffle=False, validation_data=VAL, callbacks=callbacks)
        if trainer == "keras":
            model.fit(X, Y, verbose=0, **arguments)
        else:
            fit(model, X, Y, **arguments)
        model.load_weights(str(folder / "best.weights.h5"))
        with open(folder / "log.csv") as log:
            written[trainer] = model.get_weights(), list(csv.DictReader(log))
    (keras_weights, keras_rows), (our_weights, our_rows) = written["keras"], written["toolkit"]
    for a, b in zip(keras_weights, our_weights):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert [row.keys() for row in our_rows] == [row.keys() for row in keras_rows] and len(our_rows) == 3
    for ours, theirs in zip(our_rows, keras_rows):
        np.testing.assert_allclose([float(v) for v in ours.values()],
                                   [float(v) for v in theirs.values()], atol=1e-5)


def test_terminate_on_nan_ends_at_the_same_epoch():
    def exploding():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(1e6), "mse")
        return model

    y = X.sum(axis=1) * 1e3
    theirs = exploding().fit(X, y, epochs=5, batch_size=BATCH, shuffle=False, verbose=0,
                             callbacks=[keras.callbacks.TerminateOnNaN()]).history
    run = fit(exploding(), X, y, epochs=5, batch_size=BATCH, shuffle=False,
              callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(theirs["loss"]) == run.epochs_done == 1 and not np.isfinite(theirs["loss"][0])
    assert not np.isfinite(run.history["loss"][0]) and run.status == "diverged"


class HookRecorder(keras.callbacks.Callback):
    """Records Keras's epoch-level hooks: (hook, epoch, log keys) and the log values."""

    def __init__(self):
        super().__init__()
        self.calls, self.values = [], []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", self.params["epochs"], self.params["steps"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))
        self.values.append([logs[k] for k in sorted(logs)])

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", sorted(logs)))


class StopAfter(keras.callbacks.Callback):
    """Sets model.stop_training at the end of epoch ``epoch`` (0-based)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.stop_training = True


def test_epoch_hooks_params_logs_and_stop_training_are_keras_s():
    recorders = [HookRecorder(), HookRecorder()]
    arguments = dict(epochs=4, initial_epoch=1, batch_size=BATCH, shuffle=False, validation_data=VAL)
    build().fit(X, Y, verbose=0, callbacks=[recorders[0], StopAfter(2)], **arguments)
    run = fit(build(), X, Y, callbacks=[recorders[1], StopAfter(2)], **arguments)
    assert run.config["trainer"] == "compiled" and run.epochs_done == 2 and run.status == "completed"
    assert recorders[0].calls == recorders[1].calls
    np.testing.assert_allclose(recorders[1].values, recorders[0].values, atol=1e-5)


class BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)


def test_a_callback_acting_per_batch_sees_every_batch_through_model_fit():
    counters = [BatchCounter(), BatchCounter()]
    run, theirs = both(lambda: {"x": X, "y": Y, "callbacks": [counters.pop()]}, epochs=2)
    assert run.config["trainer"] == "model.fit"
    assert_same_history(run.history, theirs)
    assert counters == [] and run.epochs_done == 2


def test_verbose_prints_keras_progress_bar_and_auto_is_quiet_outside_notebooks(capsys):
    fit(build(), X, Y, epochs=2, batch_size=BATCH, verbose=1)
    printed = capsys.readouterr().out
    assert "Epoch 2/2" in printed and "loss:" in printed and "6/6" in printed
    fit(build(), X, Y, epochs=2, batch_size=BATCH)  # "auto" outside a notebook: quiet
    assert capsys.readouterr().out == ""
