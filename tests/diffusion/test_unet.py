"""The noise-prediction U-Net: Fourier time features, the caption mean, shapes and conditions."""

import keras
import numpy as np
import pytest

from toolkit.diffusion import unet
from toolkit.transformers.attention import positional_encoding


def test_time_features_are_the_transformers_position_encoding_at_t():
    t = np.array([0, 1, 17, 999])
    layer = unet.TimeEmbedding(32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(t.astype("float32"))),
                               positional_encoding(1000, 32)[t], atol=1e-4)


def test_time_embedding_config_round_trip_and_odd_width():
    layer = unet.TimeEmbedding(8, max_period=100.0)
    again = unet.TimeEmbedding.from_config(layer.get_config())
    assert (again.dim, again.max_period) == (8, 100.0)
    with pytest.raises(ValueError, match="`dim` must be even"):
        unet.TimeEmbedding(7)


def test_masked_mean_skips_padding_and_gives_zero_for_no_words():
    embeddings = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    ids = np.array([[5, 0, 7], [0, 0, 0]])
    out = keras.ops.convert_to_numpy(unet.MaskedMean()(embeddings, ids))
    np.testing.assert_allclose(out, [(embeddings[0, 0] + embeddings[0, 2]) / 2, [0, 0]])


@pytest.mark.parametrize("conditions", [{}, {"num_classes": 3}, {"vocabulary": 9, "text_length": 4}])
def test_unet_predicts_noise_shaped_like_its_input_and_starts_at_zero(conditions):
    network = unet.diffusion_unet((8, 8, 2), (8, 16), heads=2, **conditions)
    inputs = {"x": np.random.default_rng(0).normal(size=(3, 8, 8, 2)).astype("float32"),
              "t": np.array([1.0, 50.0, 999.0], "float32")}
    if "num_classes" in conditions:
        inputs["label"] = np.array([0, 2, 3], "int32")  # 3 is ∅
    if "vocabulary" in conditions:
        inputs["tokens"] = np.array([[2, 3, 0, 0], [0, 0, 0, 0], [8, 8, 8, 8]], "int32")
    assert set(network.input) == set(inputs)
    out = keras.ops.convert_to_numpy(network(inputs))
    assert out.shape == (3, 8, 8, 2) and np.all(out == 0)  # the output convolution starts at zero


def test_unet_condition_changes_the_prediction_once_trained_weights_differ():
    network = unet.diffusion_unet((8, 8, 1), (8, 16), heads=2, num_classes=2)
    last = network.get_layer("epsilon")
    last.set_weights([np.random.default_rng(1).normal(size=w.shape) * 0.1 for w in last.get_weights()])
    x, t = np.ones((2, 8, 8, 1), "float32"), np.array([10.0, 10.0], "float32")
    out = keras.ops.convert_to_numpy(network({"x": x, "t": t, "label": np.array([0, 1], "int32")}))
    assert not np.allclose(out[0], out[1])


@pytest.mark.parametrize("kwargs, message", [
    ({"image_shape": (28, 28, 1), "widths": (8, 8, 8, 8)}, "divisible by 2"),
    ({"widths": ()}, "widths"),
    ({"num_classes": -1}, "num_classes"),
])
def test_bad_unet_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unet.diffusion_unet(**kwargs)


def test_mlp_reads_a_caption_and_round_trips_through_saving(tmp_path):
    network = unet.diffusion_mlp(6, hidden=16, depth=2, vocabulary=9, text_length=4)
    last = network.get_layer("epsilon")
    last.set_weights([np.random.default_rng(1).normal(size=w.shape) * 0.1 for w in last.get_weights()])
    inputs = {"x": np.ones((3, 6), "float32"), "t": np.full(3, 10.0, "float32"),
              "tokens": np.array([[2, 3, 0, 0], [3, 2, 0, 0], [0, 0, 0, 0]], "int32")}
    out = keras.ops.convert_to_numpy(network(inputs))
    assert out.shape == (3, 6)
    np.testing.assert_allclose(out[0], out[1], atol=1e-6)  # a bag of words: the order does not matter
    assert not np.allclose(out[0], out[2])  # the caption changes ε̂; no words is ∅
    network.save(tmp_path / "mlp.keras")
    again = keras.saving.load_model(tmp_path / "mlp.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(inputs)), out, atol=1e-6)
