"""VanillaRNNCell, LSTMCell and GRUCell against keras.layers.SimpleRNNCell / LSTMCell / GRUCell.

Both cells get the same random weights (rng draws, so the biases are nonzero) and run through
``keras.layers.RNN(cell, return_sequences=True)`` on a (B=3, T=7, F=4) input; the hidden states
must agree to ``ATOL = 1e-5`` (float32). The Keras GRU's update gate is the notes' 1 − z, so its
weights enter the toolkit GRU through ``flip_update_gate`` (the z block negated).
"""

import keras
import numpy as np
import pytest

from toolkit.rnn.cells import (
    CELLS, KERAS_CELLS, NUM_GATES, GRUCell, LSTMCell, VanillaRNNCell, cell_parameters,
    flip_update_gate, lstm_gates, make_cell,
)

ATOL = 1e-5
B, T, F, U = 3, 7, 4, 5

# (ours, theirs, whether the Keras weights need the z block negated)
PAIRS = {
    "vanilla": (lambda: VanillaRNNCell(U), lambda: keras.layers.SimpleRNNCell(U), False),
    "lstm": (lambda: LSTMCell(U), lambda: keras.layers.LSTMCell(U), False),
    "gru_reset_before": (lambda: GRUCell(U, reset_after=False),
                         lambda: keras.layers.GRUCell(U, reset_after=False), True),
    "gru_reset_after": (lambda: GRUCell(U, reset_after=True),
                        lambda: keras.layers.GRUCell(U, reset_after=True), True),
}


def _inputs(shape=(B, T, F), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=0.6, size=w.shape).astype("float32") for w in layer.weights]


def _sequences(cell):
    rnn = keras.layers.RNN(cell, return_sequences=True)
    rnn.build((None, T, F))
    return rnn


def _twins(name):
    make_ours, make_theirs, flip = PAIRS[name]
    ours, theirs = _sequences(make_ours()), _sequences(make_theirs())
    weights = _random_weights(theirs)
    theirs.set_weights(weights)
    ours.set_weights(flip_update_gate(weights, U) if flip else weights)
    return ours, theirs


@pytest.mark.parametrize("name", PAIRS)
def test_hidden_states_equal_keras(name):
    ours, theirs = _twins(name)
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]
    x = _inputs()
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=ATOL)


def test_gru_without_the_flip_differs_from_keras():
    """Keras's z is the notes' 1 − z: copied as they are, the weights compute another h_t."""
    ours, theirs = _twins("gru_reset_before")
    ours.set_weights(theirs.get_weights())
    x = _inputs()
    assert np.abs(np.asarray(ours(x)) - np.asarray(theirs(x))).max() > 1e-2


def test_flip_update_gate_negates_the_z_block_and_is_its_own_inverse():
    weights = [np.arange(12.0).reshape(2, 6), np.ones((2, 6))]
    flipped = flip_update_gate(weights, units=2)
    np.testing.assert_array_equal(flipped[0][:, :2], -weights[0][:, :2])
    np.testing.assert_array_equal(flipped[0][:, 2:], weights[0][:, 2:])
    for back, original in zip(flip_update_gate(flipped, units=2), weights):
        np.testing.assert_array_equal(back, original)


def test_lstm_state_holds_h_and_c_like_keras():
    ours, theirs = _twins("lstm")
    x = _inputs()
    (_, h_ours, c_ours), (_, h_theirs, c_theirs) = (
        keras.layers.RNN(rnn.cell, return_state=True)(x) for rnn in (ours, theirs))
    np.testing.assert_allclose(np.asarray(h_ours), np.asarray(h_theirs), atol=ATOL)
    np.testing.assert_allclose(np.asarray(c_ours), np.asarray(c_theirs), atol=ATOL)


def test_unit_forget_bias_starts_b_f_at_one_like_keras():
    ours, theirs = LSTMCell(U), keras.layers.LSTMCell(U)
    ours.build((None, F))
    theirs.build((None, F))
    np.testing.assert_array_equal(np.asarray(ours.bias), np.asarray(theirs.bias))
    np.testing.assert_array_equal(np.asarray(ours.bias)[U:2 * U], np.ones(U))  # blocks i, f, g, o
    plain = LSTMCell(U, unit_forget_bias=False)
    plain.build((None, F))
    np.testing.assert_array_equal(np.asarray(plain.bias), np.zeros(4 * U))


CONFIGURED = {
    "vanilla": lambda: VanillaRNNCell(3, activation="relu", use_bias=False,
                                      kernel_initializer="he_normal", name="cell"),
    "lstm": lambda: LSTMCell(3, unit_forget_bias=False, recurrent_activation="hard_sigmoid",
                             bias_initializer="ones"),
    "gru_reset_before": lambda: GRUCell(3, recurrent_initializer="glorot_normal"),
    "gru_reset_after": lambda: GRUCell(3, reset_after=True),
}


@pytest.mark.parametrize("name", CONFIGURED)
def test_config_round_trip(name):
    cell = CONFIGURED[name]()
    clone = type(cell).from_config(cell.get_config())
    assert clone.get_config() == cell.get_config()


@pytest.mark.parametrize("name", CONFIGURED)
def test_keras_file_round_trip(name, tmp_path):
    x = _inputs()
    model = keras.Sequential([keras.Input((T, F)), keras.layers.RNN(CONFIGURED[name]()),
                              keras.layers.Dense(1)])
    model.save(tmp_path / "rnn.keras")
    loaded = keras.saving.load_model(tmp_path / "rnn.keras")
    assert type(loaded.layers[0].cell) is type(model.layers[0].cell)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"`units` must be a positive integer, received units=0"):
        LSTMCell(0)
    with pytest.raises(ValueError, match=r"`reset_after` must be True or False, received reset_after='yes'"):
        GRUCell(2, reset_after="yes")
    with pytest.raises(ValueError, match=r"`kind` must be one of 'vanilla', 'lstm', 'gru', received kind='foo'"):
        make_cell("foo", 4)
    with pytest.raises(ValueError, match=r"`units` must be a positive integer, received units=0"):
        make_cell("gru", 0, builtin=True)
    with pytest.raises(ValueError, match=r"`reset_after` applies to the GRU only.*kind='lstm'"):
        cell_parameters("lstm", 4, 5, reset_after=True)


@pytest.mark.parametrize("kind", CELLS)
def test_make_cell_gives_the_toolkit_cell_or_its_keras_counterpart(kind):
    assert type(make_cell(kind, 4)) is CELLS[kind]
    builtin = make_cell(kind, 4, builtin=True)
    assert type(builtin) is KERAS_CELLS[kind]
    if kind == "gru":
        assert builtin.reset_after is False and make_cell(kind, 4).reset_after is False


@pytest.mark.parametrize("kind, reset_after", [("vanilla", False), ("lstm", False), ("gru", False),
                                               ("gru", True)])
@pytest.mark.parametrize("builtin", [False, True], ids=["toolkit", "keras"])
def test_cell_parameters_match_count_params(kind, reset_after, builtin):
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    rnn = keras.layers.RNN(make_cell(kind, U, builtin=builtin, **extra))
    rnn.build((None, T, F))
    assert cell_parameters(kind, F, U, reset_after=reset_after) == rnn.count_params()
    # Eq. 11 by hand for F=4, U=5: G·(20 + 25 + 5) (+ 3·5 for the GRU's second bias)
    assert cell_parameters(kind, F, U, reset_after=reset_after) == NUM_GATES[kind] * 50 + 15 * reset_after


@pytest.mark.parametrize("builtin", [False, True], ids=["toolkit", "keras"])
def test_lstm_gates_shapes_ranges_and_h_equal_keras_rnn(builtin):
    rnn = _sequences(make_cell("lstm", U, builtin=builtin))
    rnn.set_weights(_random_weights(rnn))
    x = _inputs()
    gates = lstm_gates(rnn.cell, x)
    assert sorted(gates) == ["c", "f", "g", "h", "i", "o"]
    assert all(value.shape == (B, T, U) for value in gates.values())
    for name in ("i", "f", "o"):
        assert np.all((gates[name] > 0) & (gates[name] < 1)), name
    assert np.all(np.abs(gates["g"]) < 1)
    np.testing.assert_allclose(gates["h"], np.asarray(rnn(x)), atol=ATOL)
    # Eq. 4 holds between the returned arrays
    c_prev = np.concatenate([np.zeros((B, 1, U)), gates["c"][:, :-1]], axis=1)
    np.testing.assert_allclose(gates["c"], gates["f"] * c_prev + gates["i"] * gates["g"], atol=ATOL)
    single = lstm_gates(rnn.cell, x[0])
    assert single["h"].shape == (T, U)
    np.testing.assert_allclose(single["h"], gates["h"][0], atol=ATOL)


def test_lstm_gates_refuses_other_cells_and_shapes():
    with pytest.raises(ValueError, match=r"`cell` must be a toolkit LSTMCell"):
        lstm_gates(GRUCell(2), _inputs())
    with pytest.raises(ValueError, match=r"`x` must be a \(T, F\) or \(B, T, F\) array, received x of shape \(4,\)"):
        lstm_gates(LSTMCell(2), np.zeros(4))
    with pytest.raises(ValueError, match=r"`x` must have 3 features"):
        lstm_gates(_built_lstm(features=3), _inputs())


def _built_lstm(features):
    cell = LSTMCell(2)
    cell.build((None, features))
    return cell
