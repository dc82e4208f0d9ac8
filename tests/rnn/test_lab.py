"""The Recurrent networks page's lab (toolkit.rnn.lab) at tiny sizes: the config's rules, the
tasks' data and networks, the metrics against their NumPy references, feeding predictions back
(one-to-many), the live gradient monitor, and what a finished run gives the page.

The claims of the notes, measured at the page's own sizes, are in test_page_defaults.py."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from toolkit.data import load
from toolkit.data.sequences import adding_accuracy, copy_accuracy, sine_continuation
from toolkit.rnn import lab
from toolkit.rnn.bptt import TruncatedBPTT, backprop_steps_per_sequence
from toolkit.rnn.cells import CELLS, KERAS_CELLS, cell_parameters
from toolkit.rnn.lab import (
    PRESETS, GradientMonitor, RecurrentConfig, backprop_steps, build_network, continuation_views,
    continue_series, copied_accuracy, data_spec, network_inputs, network_parts, read_sentence, run_recurrent,
    within_tolerance,
)

pytestmark = pytest.mark.xdist_group(__name__)  # the module's trained runs, trained once

T, UNITS = 12, 4
CLASSES = {"adding": 0, "sentiment": 3, "sine": 0, "copy": lab.COPY_SYMBOLS + 2}
TRUNCATABLE = ("adding", "sine", "copy")  # sentiment trains with full BPTT only


def tiny(task="adding", **changes) -> RecurrentConfig:
    """The smallest config of a task: 200 sequences of T = 12 steps, 4 units, one epoch."""
    return RecurrentConfig(**{"task": task, "n": 200, "length": T, "units": UNITS, "epochs": 1, "k1": T, "k2": 4,
                              **changes})


@pytest.fixture(scope="module")
def datasets():
    """task -> the dataset as the networks read it (``network_inputs``)."""
    return {task: network_inputs(load(**data_spec(tiny(task)))) for task in lab.TASKS}


@pytest.fixture(scope="module")
def adding():
    return run_recurrent(tiny("adding", cells=("vanilla", "lstm")))


@pytest.fixture(scope="module")
def sine():
    return run_recurrent(tiny("sine", cells=("vanilla",), bptt=("full", "truncated")))


@pytest.fixture(scope="module")
def sentiment():
    return run_recurrent(tiny("sentiment", cells=("lstm",)))


# ---------------------------------------------------------------- the config
def test_the_defaults_are_a_valid_config():
    config = RecurrentConfig()
    assert (config.task, config.cells, config.bptt, config.length) == ("adding", ("vanilla", "lstm", "gru"),
                                                                       ("full",), 40)
    assert RecurrentConfig(k1=5, k2=6).k2 == 6  # k1, k2 matter only when truncated BPTT is picked


@pytest.mark.parametrize("bptt", [("truncated",), ("full", "truncated")])
def test_sentiment_cannot_be_trained_with_truncated_bptt(bptt):
    with pytest.raises(ValueError, match="Pick full BPTT for sentiment"):
        RecurrentConfig(task="sentiment", bptt=bptt)
    assert RecurrentConfig(task="sentiment").bptt == ("full",)


@pytest.mark.parametrize(("values", "message"), [
    ({"k1": 5, "k2": 6, "length": 40}, "k1=5, k2=6, T=40"),  # k2 > k1
    ({"k1": 50, "k2": 10, "length": 40}, "k1=50, k2=10, T=40"),  # k1 > T
])
def test_truncated_bptt_needs_k2_at_most_k1_at_most_t(values, message):
    with pytest.raises(ValueError, match=f"Truncated BPTT needs k2 ≤ k1 ≤ T, received {message}"):
        RecurrentConfig(bptt=("truncated",), **values)
    assert RecurrentConfig(bptt=("truncated",), k1=40, k2=40, length=40).k2 == 40  # the bounds themselves


def test_a_field_out_of_its_bounds_is_named():
    with pytest.raises(ValueError, match="`length`"):
        RecurrentConfig(length=11)
    with pytest.raises(ValueError, match="`cells`"):
        RecurrentConfig(cells=())


def test_variants_label_each_cell_and_bptt_in_training_order():
    config = RecurrentConfig(cells=("vanilla", "gru"), bptt=("full", "truncated"), k1=20, k2=5)
    assert list(config.variants().items()) == [
        ("vanilla RNN", ("vanilla", "full")),
        ("vanilla RNN, TBPTT k₁=20 k₂=5", ("vanilla", "truncated")),
        ("GRU", ("gru", "full")),
        ("GRU, TBPTT k₁=20 k₂=5", ("gru", "truncated")),
    ]
    assert list(RecurrentConfig().variants()) == ["vanilla RNN", "LSTM", "GRU"]


def test_every_preset_is_a_valid_config_with_a_unique_name():
    names = [preset.name for preset in PRESETS]
    assert len(set(names)) == len(names)
    fields = set(RecurrentConfig.settings())
    for preset in PRESETS:
        assert set(preset.values) <= fields, preset.name
        config = RecurrentConfig(**preset.values)
        assert config.variants() and preset.title and preset.explanation


# ---------------------------------------------------------------- data
@pytest.mark.parametrize(("task", "shape"), [
    ("adding", (T, 2)), ("sine", (T, 1)), ("copy", (T, lab.COPY_SYMBOLS + 2)), ("sentiment", (T,)),
])
def test_data_spec_loads_the_task_with_the_shape_its_network_reads(datasets, task, shape):
    spec = data_spec(tiny(task))
    assert spec["name"] == task and spec["n"] == 200 and spec["seed"] == 0
    data = datasets[task]
    assert data.x_train.shape[1:] == data.x_test.shape[1:] == shape
    assert data.n_train + data.n_test == 200 and data.num_classes == CLASSES[task]
    model = build_network(tiny(task), "gru", "full", data)
    assert tuple(model.input_shape) == (None, *shape)


def test_network_inputs_one_hot_encode_copy_tokens_and_leave_other_tasks_alone():
    raw = load(**data_spec(tiny("copy")))
    data = network_inputs(raw)
    for ids, onehot in ((raw.x_train, data.x_train), (raw.x_test, data.x_test)):
        assert onehot.shape == (*ids.shape, raw.num_classes) and onehot.dtype == np.float32
        np.testing.assert_array_equal(onehot.sum(axis=-1), 1.0)
        np.testing.assert_array_equal(onehot.argmax(axis=-1), ids)
    np.testing.assert_array_equal(data.y_train, raw.y_train)  # targets stay class ids
    for task in ("adding", "sine", "sentiment"):
        other = load(**data_spec(tiny(task)))
        assert network_inputs(other) is other


# ---------------------------------------------------------------- networks
NETWORKS = [(task, mode, builtin) for task in lab.TASKS for mode in ("full", "truncated")
            for builtin in (False, True) if mode == "full" or task in TRUNCATABLE]
CELL_OF = {"adding": "vanilla", "sentiment": "lstm", "sine": "gru", "copy": "lstm"}


@pytest.mark.parametrize(("task", "mode", "builtin"), NETWORKS)
def test_build_network_predicts_the_tasks_output_shape(datasets, task, mode, builtin):
    data, kind = datasets[task], CELL_OF[task]
    config = tiny(task, builtin=builtin, bptt=(mode,))
    model = build_network(config, kind, mode, data)
    batch = data.x_test[:5]
    expected = {"adding": (5, 1), "sentiment": (5, 3), "sine": (5, T, 1), "copy": (5, T, CLASSES["copy"])}[task]
    assert tuple(model(batch).shape) == expected
    assert isinstance(model, TruncatedBPTT) == (mode == "truncated")
    if mode == "truncated":
        assert (model.k1, model.k2, model.many_to_one) == (T, 4, lab.TASKS[task].shape == "many-to-one")
    assert float(model.optimizer.learning_rate) == pytest.approx(config.lr)
    parts = network_parts(model)
    assert type(parts.cell) is (KERAS_CELLS if builtin else CELLS)[kind] and parts.cell.units == UNITS
    assert isinstance(parts.readout, keras.layers.Dense) and parts.readout.units == max(CLASSES[task], 1)
    assert (parts.embedding is not None) == (task == "sentiment")
    if task == "sentiment":
        assert parts.embedding.output_dim == lab.EMBEDDING_DIM


def test_trained_networks_reload_from_keras_files_with_identical_predictions(sine, tmp_path):
    """Full BPTT (a Sequential of a toolkit VanillaRNNCell) and truncated BPTT (a TruncatedBPTT)."""
    x = sine.data.x_test[:8]
    for index, run in enumerate(sine.runs.values()):
        path = tmp_path / f"network{index}.keras"
        run.model.save(path)
        reloaded = keras.saving.load_model(path)
        assert type(reloaded) is type(run.model)
        np.testing.assert_allclose(reloaded(x), run.model(x), rtol=0, atol=1e-6)
    assert (reloaded.k1, reloaded.k2) == (T, 4)


@pytest.mark.parametrize(("task", "mode"), [("adding", "full"), ("copy", "truncated")])
def test_networks_with_the_toolkit_metrics_reload_from_keras_files(datasets, task, mode, tmp_path):
    model = build_network(tiny(task, bptt=(mode,)), "lstm", mode, datasets[task])
    model.save(tmp_path / "network.keras")
    reloaded = keras.saving.load_model(tmp_path / "network.keras")
    x = datasets[task].x_test[:4]
    np.testing.assert_allclose(reloaded(x), model(x), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- metrics against NumPy
def test_within_tolerance_matches_adding_accuracy():
    rng = np.random.default_rng(0)
    y_true = rng.uniform(0, 2, 400).astype("float32")
    y_pred = (y_true + rng.uniform(-0.08, 0.08, 400)).astype("float32")[:, None]  # (B, 1) like the network
    expected = adding_accuracy(y_true, y_pred)
    assert 0.3 < expected < 0.7  # about half the answers lie within 0.04
    right = keras.ops.convert_to_numpy(within_tolerance(y_true, y_pred))
    assert right.shape == (400,) and float(right.mean()) == pytest.approx(expected, abs=1e-6)


def test_copied_accuracy_matches_copy_accuracy_and_ignores_the_blanks():
    rng = np.random.default_rng(0)
    K = lab.COPY_SYMBOLS
    y_true = np.zeros((50, T), np.int32)
    y_true[:, -lab.COPY_LENGTH:] = rng.integers(1, K + 1, (50, lab.COPY_LENGTH))
    logits = rng.normal(size=(50, T, K + 2)).astype("float32")
    logits[:25] += 3 * np.eye(K + 2, dtype="float32")[y_true[:25]]  # the first half mostly right
    expected = copy_accuracy(y_true, logits)
    assert 0.3 < expected < 0.9
    assert float(copied_accuracy(y_true, logits)) == pytest.approx(expected, abs=1e-6)
    blanks_wrong = logits.copy()
    blanks_wrong[:, :-lab.COPY_LENGTH, 0] = -100.0  # never predict blank where blank is the answer
    assert float(copied_accuracy(y_true, blanks_wrong)) == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------- one-to-many
@pytest.mark.parametrize("index", [0, 1], ids=["full BPTT", "truncated BPTT"])
def test_continue_series_feeds_each_prediction_back_as_the_next_input(sine, index):
    model = list(sine.runs.values())[index].model
    seed = sine.data.x_test[:4]  # (S, P, 1)
    generated = continue_series(model, seed, 3)
    assert generated.shape == (4, 3)
    # ŷ_{P+1}: the network's own forecast at the seed's last step
    np.testing.assert_allclose(generated[:, 0], keras.ops.convert_to_numpy(model(seed))[:, -1, 0], atol=1e-5)
    # ŷ_{P+2}: the whole network run on the seed with ŷ_{P+1} appended as input P+1
    extended = np.concatenate([seed, generated[:, :1, None]], axis=1)  # (S, P + 1, 1)
    np.testing.assert_allclose(generated[:, 1], keras.ops.convert_to_numpy(model(extended))[:, -1, 0], atol=1e-5)


def test_continuation_views_give_seeds_true_continuations_and_each_runs_generated_one(sine):
    views = continuation_views(sine, series=3)
    np.testing.assert_array_equal(views["seed"], sine.data.x_test[:3, :, 0])  # (S, T)
    assert views["truth"].shape == (3, T) and list(views["generated"]) == list(sine.runs)
    assert all(values.shape == (3, T) for values in views["generated"].values())
    # the first true value after the seed is the seed window's last target, s(T)
    np.testing.assert_allclose(views["truth"][:, 0], sine.data.y_test[:3, -1, 0], atol=1e-5)
    np.testing.assert_allclose(views["truth"], sine_continuation(
        {key: sine.data.attrs_test[key][:3] for key in ("frequency", "phase", "amplitude")}, T, T))


# ---------------------------------------------------------------- the live gradient monitor
def test_gradient_monitor_recomputes_at_most_once_per_new_epoch_and_keeps_earlier_runs(monkeypatch):
    calls = []

    def fake_curve(model, probe, task):
        calls.append((model, len(probe[0]), task))
        return np.full(3, float(len(calls)))

    monkeypatch.setattr(lab, "gradient_curve", fake_curve)
    data = SimpleNamespace(x_test=np.zeros((100, 3, 2), "float32"), y_test=np.zeros(100, "float32"))
    monitor = GradientMonitor(data, "adding", every=0.0)
    vanilla = SimpleNamespace(name="vanilla RNN", model="vanilla model", epochs_done=0)
    monitor(vanilla)
    assert monitor(vanilla)["gradients"]["vanilla RNN"][0] == 1 and len(calls) == 1
    vanilla.epochs_done = 1
    monitor(vanilla)
    monitor(vanilla)
    assert len(calls) == 2
    lstm = SimpleNamespace(name="LSTM", model="lstm model", epochs_done=1)
    shown = monitor(lstm)["gradients"]
    assert len(calls) == 3 and list(shown) == ["vanilla RNN", "LSTM"]
    assert (shown["vanilla RNN"][0], shown["LSTM"][0]) == (2, 3)  # the finished run keeps its latest curve
    assert monitor(SimpleNamespace(name="GRU", model=None, epochs_done=0))["gradients"] == shown  # not built yet
    assert len(calls) == 3
    assert calls[0] == ("vanilla model", lab.PROBE_SEQUENCES, "adding")  # 64 held-out sequences


def test_gradient_monitor_waits_between_curves_but_always_takes_the_final_one(monkeypatch):
    calls = []
    monkeypatch.setattr(lab, "gradient_curve", lambda model, probe, task: calls.append(model) or np.ones(3))
    data = SimpleNamespace(x_test=np.zeros((10, 3, 2), "float32"), y_test=np.zeros(10, "float32"))
    monitor = GradientMonitor(data, "adding", every=3600.0)
    run = SimpleNamespace(name="GRU", model="gru model", epochs_done=1)
    monitor(run)  # a run's first curve comes at once
    run.epochs_done = 2
    monitor(run)  # within the hour: skipped
    assert len(calls) == 1
    monitor(run, final=True)
    assert len(calls) == 2


# ---------------------------------------------------------------- a finished run
TABLE_COLUMNS = ["Network", "Parameters", "Backprop steps per sequence", "Held-out loss", "Held-out accuracy",
                 "log₁₀ ‖∂L/∂h₁‖/‖∂L/∂h_T‖", "Training (s)", "s per epoch"]


def test_run_recurrent_trains_each_cell_in_order_and_tables_them(adding):
    assert list(adding.runs) == ["vanilla RNN", "LSTM"]
    assert all(run.status == "completed" and run.epochs_done == 1 for run in adding.runs.values())
    rows = adding.table()
    assert [row["Network"] for row in rows] == list(adding.runs)
    assert all(list(row) == TABLE_COLUMNS for row in rows)
    # Eq. 11 of toolkit.rnn.cells, plus the readout's U + 1
    assert [row["Parameters"] for row in rows] == [cell_parameters(kind, 2, UNITS) + UNITS + 1
                                                   for kind in ("vanilla", "lstm")]
    assert [row["Backprop steps per sequence"] for row in rows] == [T, T]
    for row, run in zip(rows, adding.runs.values()):
        assert row["Held-out loss"] == round(float(run.history["val_loss"][-1]), 4)
        assert row["Held-out accuracy"] == round(float(run.history["val_accuracy"][-1]), 4)


def test_run_recurrent_keeps_each_trained_networks_gradient_curve(adding):
    assert list(adding.gradients) == list(adding.runs)
    probe = (adding.data.x_test[:lab.PROBE_SEQUENCES], adding.data.y_test[:lab.PROBE_SEQUENCES])
    for row, (name, curve) in zip(adding.table(), adding.gradients.items()):
        assert curve.shape == (T,) and np.all(np.isfinite(curve)) and curve[-1] > 0
        np.testing.assert_allclose(curve, lab.gradient_curve(adding.runs[name].model, probe, "adding"), rtol=1e-5)
        assert row["log₁₀ ‖∂L/∂h₁‖/‖∂L/∂h_T‖"] == round(float(np.log10(curve[0] / curve[-1])), 1)


def test_truncated_runs_backpropagate_fewer_steps(sine):
    rows = sine.table()
    assert [row["Network"] for row in rows] == ["vanilla RNN", "vanilla RNN, TBPTT k₁=12 k₂=4"]
    assert [row["Backprop steps per sequence"] for row in rows] == [T, 4]
    assert "Held-out accuracy" not in rows[0]  # forecasting has a loss only
    assert all(sine.gradients[name].shape == (T,) for name in sine.runs)


@pytest.mark.parametrize(("task", "k1", "k2", "expected"), [
    ("adding", 40, 10, 10),  # many-to-one: only the last block has an error, k2 steps of it
    ("adding", 20, 5, 5),
    ("copy", 20, 5, 5 * 2),  # many-to-many: k2 in each of the ⌈40 / 20⌉ blocks
    ("sine", 8, 3, backprop_steps_per_sequence(40, 8, 3, many_to_one=False)),
])
def test_backprop_steps_are_t_for_full_bptt_and_eq_8_for_truncated(task, k1, k2, expected):
    config = RecurrentConfig(task=task, length=40, k1=k1, k2=k2, bptt=("full", "truncated"))
    assert backprop_steps(config, "full") == 40
    assert backprop_steps(config, "truncated") == expected


def test_read_sentence_gives_each_networks_answer_and_the_lstms_gates(sentiment):
    reading = read_sentence(sentiment, "The phone is not good.")
    assert reading.words == ["·", "the", "phone", "is", "not", "good"]  # one pad of the T - 5 shown
    assert reading.rule == 0  # the corpus's rule: "not good" is negative
    assert list(reading.predictions) == ["LSTM"]
    for probabilities in reading.predictions.values():
        assert probabilities.shape == (3,) and np.all(probabilities > 0)
        assert float(probabilities.sum()) == pytest.approx(1.0, abs=1e-6)
    assert reading.gates_of == "LSTM"
    assert set(reading.gates) == {"i", "f", "g", "o", "c", "h"}
    assert all(values.shape == (6, UNITS) for values in reading.gates.values())
    assert all(0 < reading.gates[name].min() and reading.gates[name].max() < 1 for name in ("i", "f", "o"))
    # the gates are the network's own: its last h_t, read out, gives its answer
    readout = network_parts(sentiment.runs["LSTM"].model).readout
    logits = keras.ops.convert_to_numpy(readout(reading.gates["h"][-1:]))[0]
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(), reading.predictions["LSTM"], atol=1e-5)


def test_read_sentence_keeps_the_last_t_words_of_a_long_review(sentiment):
    text = "I bought it last week. The delivery took three days. The phone is really good."
    reading = read_sentence(sentiment, text)
    assert len(reading.words) == T and reading.words[-3:] == ["is", "really", "good"] and "·" not in reading.words


def test_run_recurrent_takes_copy_data_the_page_already_one_hot_encoded():
    """The page converts the cached dataset once (network_inputs) and hands it to run_recurrent."""
    config = RecurrentConfig(task="copy", length=12, n=200, epochs=1, units=4, cells=("gru",))
    data = network_inputs(load(**data_spec(config)))
    assert network_inputs(data) is data
    result = run_recurrent(config, data)
    assert result.runs["GRU"].epochs_done == 1
