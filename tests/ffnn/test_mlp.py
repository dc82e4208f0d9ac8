"""build_mlp (toolkit layers vs Keras built-ins), validation, PlaygroundFeatures, training."""

import re

import keras
import numpy as np
import pytest

from toolkit.data import toy2d
from toolkit.ffnn import BinaryCrossentropy, LinearUnit, PlaygroundFeatures, build_mlp
from toolkit.ffnn.mlp import ENGINEERED_FEATURES, PLAYGROUND_FEATURES, RBF_CENTRES, RBF_LENGTHSCALE
from toolkit.ffnn.activations import ACTIVATIONS
from toolkit.train import fit

POINTS = np.random.default_rng(0).uniform(-6, 6, size=(32, 2)).astype("float32")


@pytest.mark.parametrize("activation, output", [
    ("tanh", "sigmoid"), ("relu", "softmax"), (["sigmoid", "leaky_relu"], "linear"),
    (["elu", "swish"], "sigmoid"),
])
def test_from_scratch_and_builtin_compute_the_same_function(activation, output):
    kwargs = dict(hidden=(8, 4), activation=activation, output=output, num_classes=3, seed=3)
    ours, builtin = build_mlp(2, from_scratch=True, **kwargs), build_mlp(2, from_scratch=False, **kwargs)
    assert ours.count_params() == builtin.count_params()
    for a, b in zip(ours.get_weights(), builtin.get_weights()):  # the same initial weights
        np.testing.assert_array_equal(a, b)
    x = POINTS / 6
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(builtin(x)), rtol=1e-5, atol=1e-6)


def test_output_shapes_and_depth():
    assert build_mlp(3, hidden=(5,), output="softmax", num_classes=4)(np.zeros((32, 3))).shape == (32, 4)
    model = build_mlp(2, hidden=(4, 4, 4), output="linear")
    assert model(POINTS).shape == (32, 1)
    assert [layer.name for layer in model.layers if isinstance(layer, LinearUnit)] == [
        "hidden_1", "hidden_2", "hidden_3", "output"]


def test_regularization_and_dropout_layers():
    model = build_mlp(2, hidden=(4,), l1=0.01, l2=0.02, dropout=0.5, from_scratch=True)
    model(POINTS)
    assert len(model.losses) == 2 and all(float(loss) > 0 for loss in model.losses)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": [0, 4]}, "`hidden[0]` must be an integer in [1, 256], received hidden[0]=0."),
    ({"hidden": [4] * 9}, "`hidden` must hold 0 to 8 layer sizes in [1, 256], received hidden=[4, 4, 4, 4, 4, 4, 4, 4, 4]."),
    ({"hidden": [300]}, "received hidden[0]=300."),
    ({"activation": "gelu"}, "`activation` must be one of " + ", ".join(map(repr, ACTIVATIONS))),
    ({"activation": ["tanh"]}, "one name per hidden layer (2)"),
    ({"output": "softplus"}, "`output` must be one of 'sigmoid', 'softmax', 'linear'"),
    ({"dropout": 1.0}, "`dropout` must be a finite number in [0, 1), received dropout=1.0."),
    ({"l2": -1}, "`l2` must be a finite number in [0, 1], received l2=-1."),
    ({"inputs": 0}, "`inputs` must be a positive integer, received inputs=0. (or pass a list of Playground"),
    ({"inputs": []}, "`features` must be at least one value among 'x1', 'x2'"),
])
def test_invalid_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_mlp(**kwargs)


def test_playground_features_values():
    names = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    x1, x2 = POINTS[:, 0], POINTS[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=-1)
    np.testing.assert_allclose(np.asarray(PlaygroundFeatures(names)(POINTS)), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(PlaygroundFeatures(["sin(x2)", "x1"])(POINTS)),
                               expected[:, [6, 0]], rtol=1e-6)


def test_rbf_features_are_gaussian_bumps_around_their_centres():
    """Eq. 5: φ_c(x) = exp(−‖x − c‖² / 2ℓ²), one column per centre, 1 at the centre itself."""
    names = list(RBF_CENTRES)
    centres = np.array([RBF_CENTRES[name] for name in names])  # (5, 2)
    squared = ((POINTS[:, None, :] - centres[None]) ** 2).sum(-1)  # (B, 5)
    expected = np.exp(-squared / (2 * RBF_LENGTHSCALE**2))
    np.testing.assert_allclose(np.asarray(PlaygroundFeatures(names)(POINTS)), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(PlaygroundFeatures(names)(centres.astype("float32"))).diagonal(), 1.0)
    assert set(ENGINEERED_FEATURES) | set(RBF_CENTRES) == set(PLAYGROUND_FEATURES)


def test_playground_features_validation():
    with pytest.raises(ValueError, match=r"`features` must be at least one value among 'x1', 'x2'.*received features=\(\)"):
        PlaygroundFeatures(())
    with pytest.raises(ValueError, match=r"`features` must be a list of values among 'x1'.*received features=\('x1', 'x3'\)"):
        PlaygroundFeatures(["x1", "x3"])
    with pytest.raises(ValueError, match=r"must be a list without repeated values"):
        PlaygroundFeatures(["x1", "x1"])
    with pytest.raises(ValueError, match=r"expects points of shape \(B, 2\)"):
        PlaygroundFeatures()(np.zeros((4, 3), "float32"))


def test_playground_mlp_config_and_keras_file_round_trip(tmp_path):
    layer = PlaygroundFeatures(["x1^2", "x2^2"])
    assert PlaygroundFeatures.from_config(layer.get_config()).get_config() == layer.get_config()
    model = build_mlp(["x1", "x2", "x1*x2", "sin(x1)"], hidden=(4, 2), activation=["relu", "elu"])
    path = tmp_path / "playground.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(loaded(POINTS)), np.asarray(model(POINTS)))


def test_from_scratch_playground_network_learns_the_circle():
    data = toy2d("circle", n=200, noise=0, seed=0)
    model = build_mlp(["x1^2", "x2^2"], hidden=(4,), activation="tanh", seed=0)
    model.compile(keras.optimizers.Adam(0.05), BinaryCrossentropy(), metrics=["accuracy"])
    run = fit(model, data.x_train, data.y_train, epochs=40, batch_size=20, seed=0)
    assert run.history["loss"][-1] < run.history["loss"][0] / 2
    assert run.history["accuracy"][-1] > 0.9  # chance is 0.5


@pytest.mark.parametrize("from_scratch", [True, False])
def test_no_hidden_layer_is_a_linear_model_on_the_features(from_scratch):
    model = build_mlp(["x1", "x2"], hidden=(), output="sigmoid", from_scratch=from_scratch, seed=0)
    kernel, bias = model.get_weights()
    assert kernel.shape == (2, 1) and model.count_params() == 3
    expected = 1 / (1 + np.exp(-(POINTS @ kernel + bias)))  # σ(wᵀx + b): logistic regression
    np.testing.assert_allclose(np.asarray(model(POINTS)), expected, rtol=1e-5, atol=1e-6)
