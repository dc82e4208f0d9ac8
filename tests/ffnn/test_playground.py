"""The Playground's toolkit side: settings, the network they build, the live session, snapshots."""

import re

import keras
import numpy as np
import pytest

from toolkit.ffnn.playground import (
    NetworkProbe, PlaygroundConfig, PlaygroundSession, build_model, node_picture, parse_layers,
    plane_grid, playground_loss, targets,
)
from toolkit.train import Callback

SMALL = PlaygroundConfig(dataset="circle", points=100, hidden="4", batch_size=10, learning_rate=0.03)


# ---------------------------------------------------------------- settings
def test_defaults_are_valid_and_training_settings_do_not_change_the_structure():
    config = PlaygroundConfig()
    assert config.task == "classification" and config.loss_name == "cross-entropy" and config.n_train == 250
    assert config.hidden == "8,8,8" and config.layers == (8, 8, 8)
    faster = config.replace(learning_rate=0.5, batch_size=25, epochs=20)
    assert faster.structure() == config.structure()
    assert config.replace(hidden=(8,)).structure() != config.structure()
    assert config.replace(hidden=" 8, 8,8").structure() == config.structure()  # the same layers
    assert PlaygroundConfig(dataset="plane").loss_name == "mse"


def test_every_bound_lives_in_a_setting():
    settings = PlaygroundConfig.settings()
    assert (settings["noise"].lo, settings["noise"].hi) == (0, 50)
    assert (settings["train_percent"].lo, settings["train_percent"].hi, settings["train_percent"].step) == (10, 90, 10)
    assert (settings["points"].lo, settings["points"].hi) == (50, 2000)
    assert (settings["arms"].lo, settings["arms"].hi) == (2, 10)
    assert (settings["learning_rate"].lo, settings["learning_rate"].hi) == (1e-5, 10.0)
    assert settings["features"].kind == "multi" and settings["features"].min_count == 1
    assert settings["loss"].choices == ("auto", "cross-entropy", "mse", "mae", "huber")


@pytest.mark.parametrize("changes, message", [
    ({"hidden": (8, 0, 8)}, "Hidden layer 2 has 0 neurons: each hidden layer needs 1 to 32 neurons"),
    ({"hidden": (33,)}, "Hidden layer 1 has 33 neurons"),
    ({"hidden": (4,) * 9}, "`hidden` must be up to 8 neuron counts separated by commas"),
    ({"hidden": "8,x"}, "`hidden` must be up to 8 neuron counts separated by commas, like 8,8,8; received '8,x'."),
    ({"features": ()}, "`features` must be at least one value among 'x1', 'x2'"),
    ({"features": ("x1", "x9")}, "`features` must be a list of values among 'x1', 'x2'"),
    ({"learning_rate": 0.0}, "`learning_rate` must be a finite number in [1e-05, 10], received learning_rate=0.0."),
    ({"learning_rate": float("nan")}, "`learning_rate` must be a finite number in [1e-05, 10]"),
    ({"noise": 70}, "`noise` must be an integer in [0, 50], received noise=70."),
    ({"epochs": 0}, "`epochs` must be an integer in [1, 10000], received epochs=0."),
    ({"batch_size": 251}, "`batch_size` must be an integer in [1, 250], received batch_size=251."),
    ({"loss": "mae"}, "`loss` must be one of 'auto', 'cross-entropy', 'mse' for classification data (spiral)"),
    ({"dataset": "plane", "loss": "cross-entropy"}, "for regression data (plane)"),
    ({"dataset": "moon"}, "`dataset` must be one of 'circle'"),
    ({"optimizer": "lbfgs"}, "`optimizer` must be one of 'sgd'"),
    ({"regularization_rate": 2.0}, "`regularization_rate` must be a finite number in [0, 1]"),
])
def test_invalid_settings_raise_one_clear_sentence(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        PlaygroundConfig().replace(**changes)


def test_learning_rate_ten_is_allowed():
    assert PlaygroundConfig(learning_rate=10.0).learning_rate == 10.0


def test_at_the_defaults_hidden_layers_learn_the_spiral_a_linear_model_cannot():
    """Notes, ch. 1: a linear model on fixed features phi(x) is limited; an FFNN learns phi from
    data and "overcome[s] limitations of linear models".

    The page's defaults (spiral, all seven features, 8-8-8 tanh, Adam) after 50 of the 300
    epochs of one Train: test accuracy above 95 % (measured 99.6 % after 100). The same
    features with no hidden layer, a linear model on phi(x): below 60 %, chance (measured 48 %).
    """
    network, linear = (PlaygroundSession(PlaygroundConfig(hidden=hidden)) for hidden in ("8,8,8", ""))
    for session in (network, linear):
        session.train(50)
    assert network.snapshot().test_accuracy > 0.95 and network.hint() is None
    assert linear.snapshot().test_accuracy < 0.6


def test_a_generic_rbf_phi_makes_xor_linearly_separable():
    """Notes, ch. 1: a generic φ (the RBF kernel's bumps, Eq. 5 of ``mlp``) instead of engineering
    one. On XOR a linear model (no hidden layer) on (x1, x2) stays at chance; on the four corner
    bumps it separates the quadrants (measured 1.0 after 100 epochs, 0.58 for (x1, x2))."""
    corners = ("rbf(ne)", "rbf(nw)", "rbf(sw)", "rbf(se)")
    raw, generic = (PlaygroundSession(PlaygroundConfig(dataset="xor", hidden="", features=features, learning_rate=0.03),
                                      resolution=10) for features in (("x1", "x2"), corners))
    for session in (raw, generic):
        session.train(100)
    assert generic.snapshot().test_accuracy > 0.9
    assert raw.snapshot().test_accuracy < 0.7


def test_at_learning_rate_ten_the_page_says_the_network_did_not_learn_and_why():
    """Notes, ch. 1 ReLU cons "Sensitive to large learning rate", and the saturated sigmoid whose
    derivative vanishes ("What matters most is the shape of DERIVATIVES").

    Measured (20 epochs at eta = 10): loss 8.07 -> 8.30, far above ln 2 = 0.69, test accuracy 54 %.
    """
    session = PlaygroundSession(PlaygroundConfig(learning_rate=10.0))
    session.train(20)
    hint = session.hint()
    assert hint.startswith("Test accuracy") and "chance level for 2 classes (50%)" in hint, hint
    assert "far above ln 2 = 0.69" in hint and "η = 10" in hint and "0.003" in hint, hint


@pytest.mark.parametrize("text, layers", [("8,8,8", (8, 8, 8)), (" 4 , 2 ", (4, 2)), ("", ()), ("8,0", (8, 0))])
def test_parse_layers(text, layers):
    assert parse_layers(text) == layers


@pytest.mark.parametrize("text", ["8,x", "8,,8", "-1", "1,2,3,4,5,6,7,8,9", "1.5"])
def test_parse_layers_rejects_malformed_text(text):
    with pytest.raises(ValueError, match=r"`hidden` must be up to 8 neuron counts separated by commas"):
        parse_layers(text)


# ---------------------------------------------------------------- model
@pytest.mark.parametrize("changes, output_shape", [
    ({}, (7, 1)), ({"dataset": "spiral_k", "arms": 4}, (7, 4)), ({"dataset": "multigauss"}, (7, 1)),
    ({"hidden": ()}, (7, 1)),
])
def test_built_network_output_units(changes, output_shape):
    config = SMALL.replace(**changes)
    classes = {"spiral_k": 4, "multigauss": 0}.get(config.dataset, 2)
    assert build_model(config, classes)(np.zeros((7, 2), "float32")).shape == output_shape


def test_from_scratch_and_keras_builtin_start_identical_and_compute_the_same():
    ours = build_model(SMALL.replace(regularization="L2", regularization_rate=0.01), 2)
    theirs = build_model(SMALL.replace(regularization="L2", regularization_rate=0.01,
                                             from_scratch=False), 2)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    points = plane_grid(5)
    np.testing.assert_allclose(np.asarray(ours(points)), np.asarray(theirs(points)), rtol=1e-5, atol=1e-6)
    assert type(ours.optimizer).__module__.startswith("toolkit.optim")
    assert type(theirs.optimizer).__module__.startswith("keras")


def test_targets_are_one_hot_only_for_softmax_with_mse():
    y = np.array([0, 2, 1])
    mse = SMALL.replace(dataset="spiral_k", loss="mse")
    np.testing.assert_array_equal(targets(mse, y, 3), np.eye(3, dtype="float32")[y])
    assert targets(mse.replace(loss="auto"), y, 3).dtype == np.int32
    assert targets(SMALL, np.array([0, 1]), 2).dtype == np.float32


# ---------------------------------------------------------------- one compiled call
def test_probe_returns_every_diagram_layer_in_one_call():
    config = SMALL.replace(features=("x1", "x2", "x1*x2"), hidden=(3, 2))
    for from_scratch in (True, False):
        model = build_model(config.replace(from_scratch=from_scratch), 2)
        points = plane_grid(4)
        features, a1, a2, output = NetworkProbe(model, points)()
        np.testing.assert_allclose(features[:, 2], points[:, 0] * points[:, 1], rtol=1e-5)
        assert a1.shape == (16, 3) and a2.shape == (16, 2) and np.all(np.abs(a1) <= 1)  # tanh
        np.testing.assert_allclose(output, np.asarray(model(points)), rtol=1e-4, atol=1e-6)


def test_node_pictures_are_scaled_to_one_and_probabilities_mapped_to_minus_one_one():
    values = np.stack([np.linspace(-4, 2, 100), np.zeros(100)], axis=1)  # (R·R, n) with R = 10
    pictures = node_picture(values, 10, 5, probability=False)
    assert pictures.shape == (2, 5, 5) and np.abs(pictures[0]).max() == pytest.approx(1.0)
    assert np.all(pictures[1] == 0)  # a silent neuron stays white, no division by zero
    probabilities = node_picture(np.full((100, 1), 0.75), 10, 5, probability=True)
    np.testing.assert_allclose(probabilities, 0.5)  # Eq. 3: 2p − 1


def test_playground_loss_is_its_half_squared_error_on_plus_minus_one():
    p, y = np.array([0.9, 0.2]), np.array([1, 0])
    expected = np.mean(0.5 * ((2 * p - 1) - (2 * y - 1)) ** 2)
    assert playground_loss(p, y) == pytest.approx(expected)


# ---------------------------------------------------------------- the session
def test_session_continues_the_same_network_across_train_calls_and_learns():
    session = PlaygroundSession(SMALL.replace(features=("x1^2", "x2^2")), resolution=20)
    before = session.snapshot()
    assert before.epoch == 0 and np.isnan(before.train_loss)
    session.train(3)
    session.set_training(0.05, 20)  # a new learning rate and batch size keep the network
    session.train(12)
    run = session.run
    assert run.epochs_done == 15 and len(run.history["loss"]) == len(run.history["val_loss"]) == 15
    assert run.status == "completed" and run.config["dataset"]["name"] == "circle"
    assert float(session.model.optimizer.learning_rate) == pytest.approx(0.05)
    assert run.history["loss"][-1] < run.history["loss"][0] / 2  # circle on x1², x2²: easy
    after = session.snapshot()
    assert after.epoch == 15 and after.test_accuracy > 0.8  # chance is 0.5
    assert [p.shape for p in after.nodes] == [(2, 20, 20), (4, 20, 20), (1, 20, 20)]
    assert [k.shape for k in after.kernels] == [(2, 4), (4, 1)] and after.output_grid.shape == (20, 20)
    assert after.node_names[0] == ["x1^2", "x2^2"] and after.layer_names == ["features", "hidden 1", "output"]


def test_multiclass_snapshot_and_bundle_data():
    config = SMALL.replace(dataset="spiral_k", arms=3, loss="mse", hidden=())
    session = PlaygroundSession(config, resolution=10)
    session.train(2)
    snap = session.snapshot()
    assert snap.output_grid.shape == (10, 10, 3) and snap.nodes[-1].shape == (3, 10, 10)
    assert snap.test_predictions.shape == (len(session.data.x_test),)
    x, y, (x_val, y_val) = session.bundle_data()  # one-hot targets are stored with the bundle
    assert y.shape == (len(x), 3) and "dataset" not in session.run.config


def test_callbacks_see_the_whole_run_of_the_network_across_calls():
    session = PlaygroundSession(SMALL, resolution=10)
    session.train(4)
    seen = []

    class Watch(Callback):
        def on_start(self, run):
            seen.append(("start", run.epochs_done, run.epochs))

        def on_progress(self, run):
            seen.append(("progress", run.epochs_done, len(run.history["loss"])))
            assert session.snapshot().epoch == run.epochs_done  # what a page's watch computes

        def on_end(self, run):
            seen.append(("end", run.epochs_done, run.status))

    session.train(6, callbacks=[Watch()])
    assert seen[0] == ("start", 4, 10) and seen[-1] == ("end", 10, "completed")
    assert all(done == length and done > 4 for kind, done, length in seen if kind == "progress")
    assert session.snapshot() is session.snapshot()  # evaluated once per epoch


def test_a_prepared_session_trains_exactly_like_a_fresh_one():
    fresh, prepared = PlaygroundSession(SMALL, resolution=10), PlaygroundSession(SMALL, resolution=10, prepare=True)
    prepared.set_training(0.05, 10)  # while the loop is being traced
    fresh.set_training(0.05, 10)
    assert prepared.snapshot().epoch == 0 and prepared.run.epochs_done == 0
    fresh.train(3)
    prepared.train(3)  # waits for the tracing, which left the untrained network in place
    np.testing.assert_allclose(prepared.run.history["loss"], fresh.run.history["loss"], rtol=1e-6)
    for ours, theirs in zip(prepared.model.get_weights(), fresh.model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_an_interruption_keeps_the_finished_epochs():
    session = PlaygroundSession(SMALL, resolution=10)

    class Interrupted(Exception):
        pass

    def interrupt(run):
        raise Interrupted

    with pytest.raises(Interrupted):
        session.train(5000, callbacks=interrupt)
    run = session.run
    assert 1 <= run.epochs_done < 5000 and len(run.history["loss"]) == run.epochs_done
    assert run.status == "stopped" and run.message.startswith("Paused after epoch")
    assert not session.training


def test_a_diverging_run_stops_and_keeps_its_history():
    config = SMALL.replace(dataset="plane", optimizer="sgd", learning_rate=10.0,
                                 activation="relu", hidden=(8, 8))
    session = PlaygroundSession(config, resolution=10)
    session.train(2)  # epochs numbered across calls in the message
    session.train(50)
    assert session.run.status == "diverged" and "Try a smaller learning rate" in session.run.message
    assert f"at epoch {session.run.epochs_done};" in session.run.message
    assert np.all(np.isfinite(np.concatenate([w.ravel() for w in session.model.get_weights()])))
    assert session.snapshot().epoch == session.run.epochs_done


def test_stop_event_and_invalid_epochs():
    session = PlaygroundSession(SMALL, resolution=10)
    assert session.train(5, stop=lambda: True).epochs_done == 0
    with pytest.raises(ValueError, match=r"`epochs` must be an integer in \[1, 10000\]"):
        session.train(0)
    with pytest.raises(ValueError, match=r"`batch_size` must be an integer in \[1, 50\]"):
        session.set_training(0.01, 51)


def test_bundle_of_a_session_reloads(tmp_path):
    from toolkit.train import export_bundle

    session = PlaygroundSession(SMALL, resolution=10)
    session.train(2)
    path = export_bundle(session.run, tmp_path / "playground.zip")
    import json
    import zipfile

    with zipfile.ZipFile(path) as bundle:
        config = json.loads(bundle.read("config.json"))
        (tmp_path / "model.keras").write_bytes(bundle.read("model.keras"))
    assert config["epochs_done"] == 2 and config["playground"]["hidden"] == "4"
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    points = plane_grid(5)
    np.testing.assert_allclose(np.asarray(loaded(points)), np.asarray(session.model(points)), rtol=1e-6)
