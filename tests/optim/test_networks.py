"""The chapter's classifier: layer names, the normalization slot, input scaling, validation."""

import keras
import numpy as np
import pytest

from toolkit.optim import BatchNorm, LayerNorm, fit_variants, mlp_classifier
from toolkit.optim.networks import compile_classifier


@pytest.mark.parametrize("normalization, norm_class", [("none", None), ("batch", BatchNorm),
                                                       ("layer", LayerNorm)])
def test_layers_follow_eqs_1_to_4(normalization, norm_class):
    model = mlp_classifier((8, 8, 1), 10, (12, 6), "tanh", normalization)
    names = [layer.name for layer in model.layers]
    norms = ["norm_1", "norm_2"] if norm_class else []
    assert names == ["flatten", "dense_1", *norms[:1], "activation_1", "dense_2", *norms[1:],
                     "activation_2", "output"]
    assert model.get_layer("dense_1").use_bias is (norm_class is None)
    if norm_class:
        assert isinstance(model.get_layer("norm_1"), norm_class)
    assert model.output_shape == (None, 10)


def test_input_scale_multiplies_the_flattened_input():
    keras.utils.set_random_seed(0)
    scaled = mlp_classifier((2,), 3, (4,), "relu", input_scale=16.0)
    keras.utils.set_random_seed(0)
    plain = mlp_classifier((2,), 3, (4,), "relu")
    x = np.array([[0.1, 0.5]], np.float32)
    assert scaled.get_layer("input_scale").scale == 16.0
    np.testing.assert_allclose(scaled(x), plain(16 * x), rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": ()}, r"`hidden` must be a list of 1 to 8 layer widths"),
    ({"hidden": (8, 0)}, r"`hidden\[1\]` must be an integer in \[1, 512\], received hidden\[1\]=0"),
    ({"activation": "swish"}, "`activation` must be one of 'sigmoid', 'tanh', 'relu'"),
    ({"normalization": "group"}, "`normalization` must be one of 'none', 'batch', 'layer'"),
    ({"num_classes": 1}, r"`num_classes` must be an integer in \[2, ∞\), received num_classes=1"),
    ({"input_scale": 0}, r"`input_scale` must be a finite number in \(0, 10000\]"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp_classifier(**{"input_shape": (4,), "num_classes": 3, **kwargs})


def test_keras_file_round_trip_with_a_toolkit_norm(tmp_path):
    model = mlp_classifier((4,), 3, (5,), "sigmoid", "batch", 2.0)
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path)(x), model(x), rtol=1e-6)


def test_fit_variants_uses_each_batch_size_and_shares_the_seed(small_digits):
    build = lambda: compile_classifier(mlp_classifier((8, 8, 1), 10, (8,)), "sgd")
    runs = fit_variants({"a": build, "b": build}, small_digits, epochs=1,
                        batch_sizes={"a": 50, "b": 100}, seed=3)
    assert [r.config["batch_size"] for r in runs.values()] == [50, 100]
    for x, y in zip(runs["a"].initial_weights, runs["b"].initial_weights):
        np.testing.assert_array_equal(x, y)
    assert runs["b"].config["variant"] == "b" and "val_loss" in runs["b"].history
