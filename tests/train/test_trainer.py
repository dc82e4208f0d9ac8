"""toolkit.train.fit: same maths as model.fit, divergence, stop flag, callbacks."""

import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.train import Callback, fit


def _max_weight_gap(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(a.get_weights(), b.get_weights()))


@pytest.mark.parametrize("batch_size", [10, 32, 105])
def test_equals_keras_fit_without_shuffle(xor_data, mlp_builder, batch_size):
    """Same initial weights, shuffle=False: final weights and history equal model.fit's."""
    x, y = xor_data
    reference, ours = mlp_builder(), mlp_builder()
    val = (x[:20], y[:20])
    history = reference.fit(x, y, epochs=4, batch_size=batch_size, shuffle=False,
                            validation_data=val, verbose=0).history
    run = fit(ours, x, y, epochs=4, batch_size=batch_size, shuffle=False, validation_data=val)
    assert run.status == "completed" and run.epochs_done == 4
    assert _max_weight_gap(reference, ours) < 1e-5
    assert set(run.history) == set(history)
    for key, values in history.items():
        np.testing.assert_allclose(run.history[key], values, atol=1e-5, err_msg=key)


def test_equals_keras_fit_with_sgd_and_regression():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]

    def build():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "mse", metrics=["mae"])
        return model

    reference, ours = build(), build()
    reference.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    fit(ours, x, y, epochs=3, batch_size=16, shuffle=False)
    assert _max_weight_gap(reference, ours) < 1e-5


def test_learning_happens_and_second_call_continues(xor_data, mlp_builder):
    x, y = xor_data
    model = mlp_builder(lr=0.05)
    first = fit(model, x, y, epochs=30, batch_size=16)
    second = fit(model, x, y, epochs=30, batch_size=16)
    assert first.history["loss"][-1] < 0.7 * first.history["loss"][0]
    assert second.history["loss"][-1] <= first.history["loss"][-1] + 0.05
    assert second.history["accuracy"][-1] > 0.8  # chance is 0.5


def test_shuffle_is_deterministic_by_seed(xor_data, mlp_builder):
    x, y = xor_data
    runs = [fit(mlp_builder(), x, y, epochs=3, batch_size=10, seed=s) for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].history["loss"], runs[1].history["loss"])
    assert not np.array_equal(runs[0].history["loss"], runs[2].history["loss"])


class TinyAutoEncoder(keras.Model):
    """A model with its own compile and train_step, like the GAN/VAE of later chapters."""

    def __init__(self):
        super().__init__()
        self.encoder = keras.layers.Dense(2)
        self.decoder = keras.layers.Dense(4)
        self.recon_tracker = keras.metrics.Mean(name="reconstruction")

    def call(self, x):
        return self.decoder(self.encoder(x))

    def compile(self, inner_optimizer):
        super().compile()
        self.inner_optimizer = inner_optimizer

    @property
    def metrics(self):
        return [self.recon_tracker]

    def train_step(self, data):
        # 1. reconstruct, 2. gradient of the squared error, 3. update, 4. track.
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((self(data) - data) ** 2)
        grads = tape.gradient(loss, self.trainable_variables)
        self.inner_optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.recon_tracker.update_state(loss)
        return {"reconstruction": self.recon_tracker.result(), "batch_loss": loss}


@pytest.mark.parametrize("batch_size", [64, 16])
def test_custom_train_step_model(batch_size):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(64, 2)) @ rng.normal(size=(2, 4))).astype("float32")
    keras.utils.set_random_seed(0)
    model = TinyAutoEncoder()
    model(x[:1])
    model.compile(keras.optimizers.Adam(0.05))
    run = fit(model, x, epochs=40, batch_size=batch_size)
    assert set(run.history) == {"reconstruction", "batch_loss"}
    assert run.history["reconstruction"][0] > 0  # epoch 0 reports step 0, not a zero
    assert run.history["reconstruction"][-1] < 0.2 * run.history["reconstruction"][0]


def test_validation_batch_size_equals_keras_and_one_big_batch_gives_the_same_loss(xor_data, mlp_builder):
    """As ``model.fit(validation_batch_size=...)``; a mean over equal batches is the same mean."""
    x, y = xor_data
    val = (x[:20], y[:20])
    reference, ours, one_batch = mlp_builder(), mlp_builder(), mlp_builder()
    history = reference.fit(x, y, epochs=3, batch_size=8, shuffle=False, validation_data=val,
                            validation_batch_size=5, verbose=0).history
    run = fit(ours, x, y, epochs=3, batch_size=8, shuffle=False, validation_data=val, validation_batch_size=5)
    whole = fit(one_batch, x, y, epochs=3, batch_size=8, shuffle=False, validation_data=val,
                validation_batch_size=20)
    for key in ("val_loss", "loss"):
        np.testing.assert_allclose(run.history[key], history[key], atol=1e-5, err_msg=key)
        np.testing.assert_allclose(whole.history[key], history[key], atol=1e-5, err_msg=key)


def test_a_loss_that_grows_a_hundredfold_is_diverged_whatever_the_optimizer():
    """SGD past its stable step (η·λ = 1.5 · 2 > 2): the error doubles every step, yet stays finite."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x.sum(axis=1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1.5), "mse")
    run = fit(model, x, y, epochs=200, batch_size=8)
    assert run.status == "diverged" and "more than 100 times its first value" in run.message
    assert run.history["loss"][-1] > 100 * run.history["loss"][0]
    assert np.isfinite(run.history["loss"][-1])


def test_divergence_keeps_history_and_restores_finite_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = 100 * x.sum(axis=1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(5.0), "mse")
    run = fit(model, x, y, epochs=50, batch_size=8)
    assert run.status == "diverged"
    assert ("NaN or infinite" in run.message or "times its first value" in run.message)
    assert "smaller learning rate" in run.message
    assert run.epochs_done == len(run.history["loss"]) >= 1
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.mark.parametrize("kind", ["event", "callable"])
def test_stop_flag_stops_between_chunks(xor_data, mlp_builder, kind):
    x, y = xor_data
    event = threading.Event()
    stop = event if kind == "event" else event.is_set

    def on_progress(run):
        if run.epochs_done >= 3:
            event.set()

    run = fit(mlp_builder(), x, y, epochs=1000, batch_size=50, callbacks=[on_progress],
              stop=stop, steps_per_callback=1)
    assert run.status == "stopped" and run.epochs_done == 3
    assert len(run.history["loss"]) == 3


def test_callback_hooks_are_called_in_order(xor_data, mlp_builder):
    x, y = xor_data
    events = []

    class Recorder(Callback):
        def on_start(self, run):
            events.append(("start", run.epochs_done))

        def on_progress(self, run):
            events.append(("progress", run.epochs_done))

        def on_end(self, run):
            events.append(("end", run.status))

    fit(mlp_builder(), x, y, epochs=6, batch_size=35, callbacks=Recorder(), steps_per_callback=6)
    assert events[0] == ("start", 0) and events[-1] == ("end", "completed")
    progress = [e for kind, e in events if kind == "progress"]
    assert progress == [2, 4, 6]  # 3 steps an epoch: 6 steps = 2 epochs a chunk


def test_exception_in_callback_marks_run_stopped(xor_data, mlp_builder):
    x, y = xor_data
    seen = {}

    class Boom(Callback):
        def on_progress(self, run):
            seen["run"] = run
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(mlp_builder(), x, y, epochs=10, batch_size=35, callbacks=Boom())
    assert seen["run"].status == "stopped" and seen["run"].epochs_done == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "`epochs` must be an integer"),
    ({"epochs": 2.5}, "`epochs` must be an integer"),
    ({"epochs": 1, "batch_size": 0}, "`batch_size` must be a positive integer"),
    ({"epochs": 1, "steps_per_callback": -1}, "`steps_per_callback`"),
    ({"epochs": 1, "validation_data": ([1.0],)}, "`validation_data` must be a pair"),
    ({"epochs": 1, "validation_batch_size": 0}, "`validation_batch_size` must be a positive integer"),
])
def test_bad_arguments_raise_clear_errors(xor_data, mlp_builder, kwargs, message):
    x, y = xor_data
    with pytest.raises(ValueError, match=message):
        fit(mlp_builder(), x, y, **kwargs)


def test_uncompiled_model_and_length_mismatch(xor_data):
    x, y = xor_data
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="must be compiled"):
        fit(model, x, y, epochs=1)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="same number of samples"):
        fit(model, x, y[:-1], epochs=1)


def test_run_record(xor_data, mlp_builder):
    x, y = xor_data
    run = fit(mlp_builder(), x, y, epochs=5, batch_size=21, name="baseline",
              config={"dataset": {"name": "xor"}})
    assert run.name == "baseline" and run.finished and run.wall_time > 0
    assert run.config["batch_size"] == 21 and run.config["dataset"] == {"name": "xor"}
    assert run.config["optimizer"]["class_name"] == "Adam"
    assert len(run.initial_weights) == 4
    row = run.summary()
    assert row["epochs"] == 5 and row["loss"] == pytest.approx(run.history["loss"][-1])


def test_trained_models_can_be_garbage_collected(xor_data, mlp_builder):
    """The compiled functions live on the model: a page that drops a model frees it."""
    import gc
    import weakref

    x, y = xor_data
    model = mlp_builder()
    fit(model, x, y, epochs=2, batch_size=32)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_multi_input_multi_output_model_equals_keras_fit():
    """Tuples and dicts of arrays (multi-task heads, conditional inputs) batch like fit's."""
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(50, 3)).astype("float32"), rng.normal(size=(50, 2)).astype("float32"))
    y = {"label": (x[0][:, 0] > 0).astype("int32"), "value": x[1].sum(axis=1, keepdims=True)}

    def build():
        keras.utils.set_random_seed(4)
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        trunk = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([a, b]))
        outputs = {"label": keras.layers.Dense(2, activation="softmax", name="label")(trunk),
                   "value": keras.layers.Dense(1, name="value")(trunk)}
        model = keras.Model([a, b], outputs)
        model.compile("adam", loss={"label": "sparse_categorical_crossentropy", "value": "mse"})
        return model

    reference, ours = build(), build()
    history = reference.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                            validation_data=(x, y)).history
    run = fit(ours, x, y, epochs=3, batch_size=16, shuffle=False, validation_data=(x, y))
    assert _max_weight_gap(reference, ours) < 1e-5
    for key, values in history.items():
        np.testing.assert_allclose(run.history[key], values, atol=1e-5, err_msg=key)
    with pytest.raises(ValueError, match="same number of samples"):
        fit(ours, (x[0], x[1][:-1]), y, epochs=1)


def test_adaptive_chunks_grow_after_tracing(xor_data, mlp_builder):
    """Without steps_per_callback, the first chunk (which traces) is one epoch, the next two,
    and later chunks grow to about a quarter of a second of training."""
    x, y = xor_data
    reports = []
    fit(mlp_builder(), x, y, epochs=400, batch_size=105, callbacks=lambda run: reports.append(
        run.epochs_done))
    chunks = np.diff([0, *reports])
    assert list(chunks[:2]) == [1, 2]
    assert chunks[2:].max() > 2 and reports[-1] == 400
