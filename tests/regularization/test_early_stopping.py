"""EarlyStopping with toolkit.train.fit against keras.callbacks.EarlyStopping on the same run."""

import functools

import keras
import numpy as np
import pytest

from toolkit.data import toy2d
from toolkit.regularization import EarlyStopping
from toolkit.train import compare, fit

DATA = toy2d("circle", n=120, noise=50, test_ratio=0.5, seed=0)  # 60 noisy points: overfits fast
EPOCHS, BATCH = 60, 16


def network(name="net"):
    init = keras.initializers.GlorotUniform
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64, activation="relu", kernel_initializer=init(1)),
                              keras.layers.Dense(2, activation="softmax", kernel_initializer=init(2))], name=name)
    model.compile(keras.optimizers.Adam(0.03), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@functools.lru_cache(maxsize=None)
def keras_run(patience, monitor="val_loss", min_delta=0.0):
    """The reference: model.fit with keras.callbacks.EarlyStopping (cached, read-only)."""
    model = network()
    stopper = keras.callbacks.EarlyStopping(monitor, patience=patience, min_delta=min_delta,
                                            restore_best_weights=True)
    history = model.fit(DATA.x_train, DATA.y_train, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0,
                        validation_data=(DATA.x_test, DATA.y_test), callbacks=[stopper])
    return model, stopper, history.history


def toolkit_run(patience, monitor="val_loss", min_delta=0.0, steps_per_callback=1, watch=None):
    model = network()
    stopper = EarlyStopping(monitor, patience=patience, min_delta=min_delta)
    run = fit(model, DATA.x_train, DATA.y_train, epochs=EPOCHS, batch_size=BATCH, shuffle=False,
              validation_data=(DATA.x_test, DATA.y_test), callbacks=[stopper, *([watch] if watch else [])],
              stop=stopper, steps_per_callback=steps_per_callback)
    return run, stopper


@pytest.mark.parametrize(("patience", "monitor", "min_delta"), [(3, "val_loss", 0.0), (4, "val_accuracy", 0.01)])
def test_same_stopping_epoch_and_restored_weights_as_keras(patience, monitor, min_delta):
    theirs, keras_stopper, history = keras_run(patience, monitor, min_delta)
    run, ours = toolkit_run(patience, monitor, min_delta)
    state = ours.states["net"]
    assert 0 < keras_stopper.stopped_epoch < EPOCHS - 1, "the test run must stop early"
    assert state.stopped_epoch == keras_stopper.stopped_epoch
    assert state.best_epoch == keras_stopper.best_epoch == state.weights_epoch
    assert run.epochs_done == len(history[monitor]) and run.status == "completed"
    np.testing.assert_allclose(run.history[monitor], history[monitor], rtol=1e-4, atol=1e-5)
    for ours_w, theirs_w in zip(run.model.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(ours_w, theirs_w, atol=1e-4)
    assert run.config["early_stopping"]["stopped_at"] == keras_stopper.stopped_epoch + 1
    assert ours.replay(history) == {**run.config["early_stopping"]}


def test_longer_chunks_stop_at_the_same_epoch_and_restore_a_chunk_end():
    _, keras_stopper, history = keras_run(3)
    seen = []  # what a live figure reads after each chunk
    run, ours = toolkit_run(3, steps_per_callback=4 * 4,  # 60 samples / 16 = 4 steps: 4 epochs a chunk
                            watch=lambda r: seen.append(dict(r.config["early_stopping"])))
    state = ours.states["net"]
    assert state.stopped_epoch == keras_stopper.stopped_epoch and state.best_epoch == keras_stopper.best_epoch
    assert run.epochs_done == len(history["val_loss"])  # the overshoot of the last chunk is cut
    assert (state.weights_epoch + 1) % 4 == 0 and state.weights_epoch <= state.stopped_epoch
    for restored, kept in zip(run.model.get_weights(), state.weights):
        np.testing.assert_array_equal(restored, kept)
    assert "Weights restored to those after epoch" in run.message
    assert len(seen) >= 2 and seen[-1]["stopped_at"] == run.config["early_stopping"]["stopped_at"]
    assert [s["best"] for s in seen] == sorted(s["best"] for s in seen) and seen[0]["stopped_at"] is None
    overshoot = ours._message(state, trained=state.stopped_epoch + 3)  # a chunk that ran past the stop
    assert "chunk" not in overshoot and f"went on to epoch {state.stopped_epoch + 3}; the curves end at epoch " \
        f"{state.stopped_epoch + 1}" in overshoot


def test_in_compare_it_stops_only_the_runs_it_names():
    stopper = EarlyStopping(patience=3, runs=["stopped"])
    runs = compare({"plain": lambda: network("plain"), "stopped": lambda: network("stopped")},
                   (DATA.x_train, DATA.y_train, DATA.x_test, DATA.y_test), epochs=EPOCHS, batch_size=BATCH,
                   callbacks=[stopper], stop=stopper)
    assert runs["plain"].epochs_done == EPOCHS and "early_stopping" not in runs["plain"].config
    assert runs["stopped"].epochs_done < EPOCHS and runs["stopped"].status == "completed"
    assert set(stopper.states) == {"stopped"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"patience": 0}, r"`patience` must be a positive integer, received patience=0. It is the number of epochs "
                      r"without improvement"),
    ({"patience": 2.5}, "`patience` must be a positive integer"),
    ({"min_delta": -1}, r"`min_delta` must be a finite number in \[0, ∞\)"),
    ({"start_from_epoch": -1}, r"`start_from_epoch` must be an integer in \[0, ∞\)"),
    ({"mode": "up"}, "`mode` must be one of 'auto', 'min', 'max'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


def test_a_missing_monitor_is_named():
    stopper = EarlyStopping(patience=2)
    with pytest.raises(ValueError, match="monitors 'val_loss', which run 'net' does not record; available: "):
        fit(network(), DATA.x_train, DATA.y_train, epochs=3, callbacks=[stopper], stop=stopper)
