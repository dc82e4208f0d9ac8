"""Truncated BPTT: one step against a hand-unrolled computation, k1 = k2 = T against Keras's own
full BPTT, truncation cutting the long-range gradient, training inside toolkit.train.fit,
serialization and argument checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.rnn.bptt import Block, TruncatedBPTT, backprop_steps_per_sequence, block_schedule
from toolkit.train import fit


def simple_model(units=3, k1=None, k2=None, many_to_one=False, seed=0):
    cell = keras.layers.SimpleRNNCell(units, kernel_initializer=keras.initializers.GlorotUniform(seed),
                                      recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 1),
                                      bias_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=seed + 2))
    readout = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed + 3),
                                 bias_initializer=keras.initializers.Constant(0.1))
    return TruncatedBPTT(cell, readout, k1=k1, k2=k2, many_to_one=many_to_one)


def sequences(B=2, T=6, F=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(B, T, F)).astype("float32"), rng.normal(size=(B, T, 1)).astype("float32")


def weights_of(model):
    """[W_x, W_h, b, W_y, b_y] as NumPy arrays."""
    return [keras.ops.convert_to_numpy(w) for w in (*model.cell.weights, *model.readout.weights)]


def hand_truncated_step(weights, x, y, k1, k2, lr):
    """Eq. 1-7 written out for a SimpleRNN cell, a Dense readout, MSE and SGD, one step at a time.

    The state carried into block b + 1 is the one computed in block b's forward pass, with the
    weights before block b's update (Eq. 7); block b + 1 then runs with the updated weights.
    """
    W_x, W_h, b, W_y, b_y = (tf.Variable(w.astype("float64")) for w in weights)
    x, y = tf.constant(x, tf.float64), tf.constant(y, tf.float64)
    T = x.shape[1]
    h = tf.zeros((x.shape[0], W_h.shape[0]), tf.float64)
    for s in range(0, T, k1):
        e = min(s + k1, T)
        w = max(s, e - k2)
        for t in range(s, w):  # Step 1: forward only (outside any tape)
            h = tf.tanh(x[:, t] @ W_x + h @ W_h + b)
        h = tf.stop_gradient(h)
        with tf.GradientTape() as tape:  # Step 2: the last k2 steps and their mean squared error
            errors = []
            for t in range(w, e):
                h = tf.tanh(x[:, t] @ W_x + h @ W_h + b)
                errors.append(tf.reduce_mean((h @ W_y + b_y - y[:, t]) ** 2))
            loss = tf.add_n(errors) / len(errors)
        variables = [W_x, W_h, b, W_y, b_y]
        for variable, gradient in zip(variables, tape.gradient(loss, variables)):  # Step 3: SGD
            variable.assign_sub(lr * gradient)
        h = tf.stop_gradient(h)  # Step 4: the carried state, from the pre-update weights
    return [v.numpy() for v in (W_x, W_h, b, W_y, b_y)]


# -------------------------------------------------------------------------- the schedule
def test_block_schedule_and_backprop_steps():
    assert block_schedule(6, 3, 2) == (Block(0, 1, 3), Block(3, 4, 6))
    # the last block is shorter than k2: its window is the whole block
    assert block_schedule(10, 4, 3) == (Block(0, 1, 4), Block(4, 5, 8), Block(8, 8, 10))
    # many-to-one: only the last block has an error
    assert block_schedule(10, 4, 3, many_to_one=True) == (Block(0, 4, 4), Block(4, 8, 8), Block(8, 8, 10))
    assert block_schedule(10) == (Block(0, 0, 10),)  # full BPTT
    assert backprop_steps_per_sequence(12, 4, 2) == 6  # k2 × 3 blocks
    assert backprop_steps_per_sequence(12, None, 3, many_to_one=True) == 3
    assert backprop_steps_per_sequence(12) == 12
    assert simple_model(k1=4, k2=2).backprop_steps_per_sequence(12) == 6


# -------------------------------------------------------------------------- reference
@pytest.mark.parametrize("how", ["train_step", "toolkit fit"])  # eagerly, and traced in a tf.function
def test_one_step_equals_hand_unrolled_truncated_bptt(how):
    x, y = sequences(B=2, T=6, F=2)
    model = simple_model(units=3, k1=3, k2=2)
    model.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
    model.build(x.shape)
    expected = hand_truncated_step(weights_of(model), x, y, k1=3, k2=2, lr=0.1)
    if how == "train_step":
        model.train_step((tf.constant(x), tf.constant(y)))
    else:
        fit(model, x, y, epochs=1, batch_size=2, shuffle=False)
    assert int(model.optimizer.iterations) == 2  # one update per block
    for actual, wanted in zip(weights_of(model), expected):
        np.testing.assert_allclose(actual, wanted, atol=1e-5)


def test_k1_equals_k2_equals_T_is_keras_full_bptt():
    x, y = sequences(B=4, T=7, F=2, seed=1)
    model = simple_model(units=4, k1=7, k2=7)
    model.build(x.shape)
    library = keras.Sequential([keras.Input((7, 2)), keras.layers.SimpleRNN(4, return_sequences=True),
                                keras.layers.Dense(1)])
    library.set_weights(weights_of(model))
    for m in (model, library):
        m.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
        m.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for actual, wanted in zip(weights_of(model), library.get_weights()):
        np.testing.assert_allclose(actual, wanted, atol=1e-6)
    # k1 = k2 = None is the same full BPTT, and its predictions are Keras's
    same = TruncatedBPTT.from_config({**model.get_config(), "k1": None, "k2": None})
    same.build(x.shape)
    same.set_weights(model.get_weights())
    np.testing.assert_allclose(same.predict(x, verbose=0), library.predict(x, verbose=0), atol=1e-6)


def test_truncation_cannot_learn_a_dependency_longer_than_k2():
    # Many-to-one, y = x_0 after T = 10 steps: the error never reaches step 0 when k2 = 3.
    # The forward pass still carries some trace of x_0 into S_7, which the last 3 steps and the
    # readout learn to decode (a reservoir effect), so k2 = 3 learns a little, full BPTT much more.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 10, 1)).astype("float32")
    y = x[:, 0, :]  # Var y ≈ 1
    mse = {}
    for k2 in (3, None):
        model = simple_model(units=8, k2=k2, many_to_one=True)
        model.compile(keras.optimizers.Adam(0.01), "mse")
        fit(model, x, y, epochs=50, batch_size=64, seed=0)
        mse[k2] = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    # measured after 200 steps, (k2 = 3, full) for data and weight seeds 0-3:
    # (0.33, 0.072), (0.60, 0.017), (0.50, 0.088), (0.56, 0.040): a ratio of 4.5 to 35
    assert mse[None] < 0.5 * mse[3]


# -------------------------------------------------------------------------- training
def sine_windows(n=64, T=20, seed=0):
    """Noisy-phase sine windows; the target at each step is the next value (many-to-many)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, size=(n, 1)) + 0.3 * np.arange(T + 1)
    wave = np.sin(t).astype("float32")[..., None]  # (n, T + 1, 1)
    return wave[:, :-1], wave[:, 1:]


def test_trains_inside_toolkit_fit_and_loss_falls():
    x, y = sine_windows()
    model = simple_model(units=8, k1=10, k2=5)
    model.compile(keras.optimizers.Adam(0.02), "mse", metrics=["mae"])
    run = fit(model, x, y, epochs=3, batch_size=16)
    assert len(run.history["loss"]) == 3 and np.all(np.isfinite(run.history["loss"]))
    assert len(run.history["mae"]) == 3
    more = fit(model, x, y, epochs=20, batch_size=16)
    # measured: loss 0.038 in epoch 1, 0.0089 in epoch 3, 0.00076 in epoch 23 (Var y = 0.5)
    assert more.history["loss"][-1] < run.history["loss"][0] / 10


# -------------------------------------------------------------------------- serialization
def test_get_config_round_trip_and_keras_file(tmp_path):
    x, _ = sequences(B=3, T=8, F=2)
    model = TruncatedBPTT(keras.layers.LSTMCell(5), keras.layers.Dense(2), k1=4, k2=3, many_to_one=True)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    model.fit(x, np.ones((3, 2), "float32"), epochs=1, batch_size=3, verbose=0)  # optimizer state to save
    assert int(model.optimizer.iterations) == 1  # many-to-one: one update per sequence
    before = model.predict(x, verbose=0)
    assert before.shape == (3, 2)
    clone = TruncatedBPTT.from_config(model.get_config())
    assert (clone.k1, clone.k2, clone.many_to_one) == (4, 3, True)
    assert isinstance(clone.cell, keras.layers.LSTMCell) and clone.cell.units == 5
    path = str(tmp_path / "bptt.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, TruncatedBPTT) and loaded.k2 == 3
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), before)


# -------------------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs, name", [({"k1": 0}, "k1"), ({"k1": 3, "k2": 4}, "k2"),
                                          ({"k2": -1}, "k2"), ({"k1": 2.5}, "k1"),
                                          ({"many_to_one": "yes"}, "many_to_one")])
def test_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        TruncatedBPTT(keras.layers.SimpleRNNCell(2), keras.layers.Dense(1), **kwargs)


def test_blocks_longer_than_the_sequence_and_non_cells_are_refused():
    with pytest.raises(ValueError, match=r"`k1`.*T=6"):
        block_schedule(6, 8)
    with pytest.raises(ValueError, match="`cell`"):
        TruncatedBPTT(keras.layers.SimpleRNN(2), keras.layers.Dense(1))
    with pytest.raises(ValueError, match="`readout`"):
        TruncatedBPTT(keras.layers.SimpleRNNCell(2), "dense")
