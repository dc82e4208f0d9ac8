"""toolkit.train.compare: identical initial weights and identical batch order."""

import keras
import numpy as np
import pytest

from toolkit.train import compare

from tests.train.conftest import build_mlp


def test_variants_start_from_identical_weights(xor_data):
    x, y = xor_data
    # Different builder seeds: compare must still hand every variant the same weights.
    builders = {
        "adam": lambda: build_mlp(seed=1, optimizer="adam"),
        "sgd": lambda: build_mlp(seed=2, optimizer="sgd", lr=0.1),
    }
    runs = compare(builders, (x, y), epochs=3, batch_size=16, seed=4)
    assert list(runs) == ["adam", "sgd"]
    for a, b in zip(runs["adam"].initial_weights, runs["sgd"].initial_weights):
        np.testing.assert_array_equal(a, b)
    assert runs["sgd"].config["variant"] == "sgd"


def test_identical_variants_end_identical(xor_data):
    """Same weights + same batch order + same maths -> the same final weights."""
    x, y = xor_data
    runs = compare({"a": build_mlp, "b": lambda: build_mlp(seed=9)}, (x, y, x[:10], y[:10]),
                   epochs=4, batch_size=10, seed=5)
    for a, b in zip(runs["a"].model.get_weights(), runs["b"].model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(runs["a"].history["val_loss"], runs["b"].history["val_loss"],
                               atol=1e-6)


def test_accepts_a_dataset_object(xor_data):
    x, y = xor_data

    class Data:
        x_train, y_train, x_test, y_test = x[:80], y[:80], x[80:], y[80:]

    runs = compare({"only": build_mlp}, Data(), epochs=2, batch_size=16)
    assert "val_loss" in runs["only"].history


def test_different_architectures_are_allowed(xor_data):
    x, y = xor_data

    def wide():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        return model

    runs = compare({"narrow": build_mlp, "wide": wide}, (x, y), epochs=2, batch_size=32)
    assert runs["wide"].initial_weights[0].shape == (2, 32)


def test_bad_data_and_empty_builders(xor_data):
    with pytest.raises(ValueError, match="at least one variant"):
        compare({}, xor_data, epochs=1)
    with pytest.raises(ValueError, match="`data` must be"):
        compare({"a": build_mlp}, "nope", epochs=1)
