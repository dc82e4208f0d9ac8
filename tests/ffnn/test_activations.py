"""Activations: equal to keras.activations, derivatives equal autodiff, layers serialize."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.ffnn import activations as act

# a range with large |z| (overflow territory for the naive formulas), off the kinks at 0
Z = np.concatenate([np.linspace(-50, 50, 1001) + 0.0123,
                    [-1000.0, -500.0, -100.0, -30.0, 30.0, 100.0, 500.0, 1000.0]])

# (toolkit function, derivative, params, Keras reference with the same params)
CASES = {
    "sigmoid": (act.sigmoid, act.d_sigmoid, {}, keras.activations.sigmoid),
    "tanh": (act.tanh, act.d_tanh, {}, keras.activations.tanh),
    "relu": (act.relu, act.d_relu, {}, keras.activations.relu),
    "leaky_relu": (act.generalized_relu, act.d_generalized_relu, {}, keras.activations.leaky_relu),
    "leaky_relu_0.05": (act.generalized_relu, act.d_generalized_relu, {"alpha": 0.05},
                        lambda z: keras.activations.leaky_relu(z, negative_slope=0.05)),
    "elu": (act.elu, act.d_elu, {}, keras.activations.elu),
    "elu_0.5": (act.elu, act.d_elu, {"alpha": 0.5}, lambda z: keras.activations.elu(z, alpha=0.5)),
    "swish": (act.swish, act.d_swish, {}, keras.activations.silu),
    "swish_2": (act.swish, act.d_swish, {"beta": 2.0},
                lambda z: z * keras.activations.sigmoid(2.0 * z)),
}


@pytest.mark.parametrize("case", CASES)
def test_function_equals_keras_builtin(case):
    fn, _, params, reference = CASES[case]
    z = Z.astype("float32")
    # tolerance 1e-6 (absolute, plus 1e-6 relative for the unbounded ones at |z| = 1000)
    np.testing.assert_allclose(np.asarray(fn(z, **params)), np.asarray(reference(z)),
                               rtol=1e-6, atol=1e-6)


def _autodiff(fn, z):
    z = tf.Variable(z)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(fn(z))  # elementwise fn: d(sum)/dz_k = fn'(z_k)
    return tape.gradient(total, z).numpy()


@pytest.mark.parametrize("case", CASES)
def test_derivative_equals_autodiff(case):
    fn, d_fn, params, reference = CASES[case]
    derivative = np.asarray(d_fn(Z, **params))
    # against autodiff of the Keras built-in (an independent implementation), float64
    np.testing.assert_allclose(derivative, _autodiff(reference, Z), rtol=1e-6, atol=1e-6)
    # and autodiff of our own stable formula is finite and equal (no NaN at |z| = 1000)
    np.testing.assert_allclose(derivative, _autodiff(lambda z: fn(z, **params), Z), rtol=1e-6, atol=1e-6)


def test_registry_names_map_to_keras_builtins():
    for name, (fn, d_fn, builtin) in act.ACTIVATIONS.items():
        z = Z.astype("float32")
        np.testing.assert_allclose(np.asarray(fn(z)), np.asarray(keras.activations.get(builtin)(z)),
                                   rtol=1e-6, atol=1e-6, err_msg=name)
        assert act.ACTIVATION_LAYERS[name]()(z[None]).shape == (1, len(z))


def test_derivative_shapes_saturation_and_dying_relu():
    assert float(act.d_sigmoid(0.0)) == pytest.approx(0.25)  # the largest σ' can be
    assert float(act.d_tanh(0.0)) == pytest.approx(1.0)
    assert float(act.d_sigmoid(30.0)) < 1e-12 and float(act.d_tanh(30.0)) < 1e-12  # saturation
    assert float(act.d_relu(-3.0)) == 0.0  # a dead ReLU passes no gradient
    assert float(act.d_generalized_relu(-3.0, alpha=0.1)) == pytest.approx(0.1)


# (layer, its derivative function with the layer's parameters)
LAYER_CASES = [
    (act.Sigmoid(), act.d_sigmoid), (act.Tanh(), act.d_tanh), (act.ReLU(), act.d_relu),
    (act.GeneralizedReLU(alpha=0.1), lambda z: act.d_generalized_relu(z, alpha=0.1)),
    (act.ELU(alpha=0.5), lambda z: act.d_elu(z, alpha=0.5)),
    (act.Swish(beta=2.0), lambda z: act.d_swish(z, beta=2.0)),
]
LAYERS = [layer for layer, _ in LAYER_CASES]


@pytest.mark.parametrize("layer, d_fn", LAYER_CASES, ids=lambda case: type(case).__name__)
def test_layer_call_derivative_and_config_round_trip(layer, d_fn):
    z = np.linspace(-5, 5, 21).reshape(3, 7).astype("float32") + 0.01
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(np.asarray(clone(z)), np.asarray(layer(z)))
    np.testing.assert_array_equal(np.asarray(layer.derivative(z)), np.asarray(d_fn(z)))


def test_layers_keras_file_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((6,)), *LAYERS])
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    path = tmp_path / "activations.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]


def test_invalid_parameters_raise_clear_errors():
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number in \(0, ∞\), received alpha=0"):
        act.ELU(alpha=0)
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number in \[0, ∞\), received alpha=-1"):
        act.GeneralizedReLU(alpha=-1)
    with pytest.raises(ValueError, match=r"`name` must be one of 'sigmoid', 'tanh'.*received name='gelu'"):
        act.activation_latex("gelu")


def test_activations_config_gives_the_curves_and_formulas_of_its_choice():
    config = act.ActivationsConfig(names=("relu", "leaky_relu"), alpha=0.1)
    z = np.linspace(-2.0, 2.0, 9)
    curves = config.curves(z)
    assert list(curves) == ["relu", "leaky_relu"]
    np.testing.assert_allclose(curves["leaky_relu"][1], np.where(z > 0, 1.0, 0.1), rtol=1e-6)
    assert act.activation_latex("leaky_relu", 0.1) == r"g(z, \alpha) = \max(0, z) + \alpha \min(0, z),\; \alpha = 0.1"
    assert r"\alpha = 0.1" in config.latex()
    assert act.ActivationsConfig().latex().count(r"\\") == 2  # six formulas, two per row
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number in \[0, 1\], received alpha=2"):
        act.ActivationsConfig(alpha=2.0)
