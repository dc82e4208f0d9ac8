"""Noise to the input, the weights and the label, each against its Keras counterpart or formula."""

import keras
import numpy as np
import pytest

from toolkit.regularization import (
    GaussianNoise, LabelFlipCrossentropy, NoisyDense, SmoothedSparseCategoricalCrossentropy, smooth_labels,
)

X = np.random.default_rng(0).normal(size=(500, 8)).astype("float32")


# -- input ------------------------------------------------------------------------------
def test_gaussian_noise_equals_keras_with_the_same_seed():
    ours = np.asarray(GaussianNoise(0.3, seed=5)(X, training=True))
    theirs = np.asarray(keras.layers.GaussianNoise(0.3, seed=5)(X, training=True))
    np.testing.assert_array_equal(ours, theirs)


def test_gaussian_noise_statistics_and_inference():
    layer = GaussianNoise(0.3, seed=1)
    noise = np.asarray(layer(X, training=True)) - X  # Eq. 1
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)


# -- weights ----------------------------------------------------------------------------
def _pair(stddev=0.1):
    ours = NoisyDense(4, activation="tanh", stddev=stddev, seed=2)
    theirs = keras.layers.Dense(4, activation="tanh")
    ours.build((None, 8))
    theirs.build((None, 8))
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def test_noisy_dense_is_dense_at_inference():
    ours, theirs = _pair()
    np.testing.assert_allclose(np.asarray(ours(X, training=False)), np.asarray(theirs(X)), atol=1e-6)


def test_weight_noise_is_one_kernel_draw_per_step():
    layer = NoisyDense(3, stddev=0.2, seed=0, kernel_initializer="zeros")  # y = x (W + eta): pure noise
    x = np.eye(8, dtype="float32")
    first, second = np.asarray(layer(x, training=True)), np.asarray(layer(x, training=True))
    # rows of eye(8) read the perturbed kernel itself: eta has std sigma, and a new draw per call
    assert abs(first.std() - 0.2) < 0.08 and not np.allclose(first, second)
    batch = np.repeat(x[:1], 5, axis=0)
    out = np.asarray(layer(batch, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:1], 5, axis=0))  # the batch shares the draw


def test_noisy_dense_round_trips(tmp_path):
    layer = NoisyDense(4, activation="relu", stddev=0.05, seed=3)
    assert NoisyDense.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((8,)), layer])
    model.save(tmp_path / "n.keras")
    loaded = keras.saving.load_model(tmp_path / "n.keras")
    np.testing.assert_array_equal(np.asarray(loaded(X)), np.asarray(model(X)))


# -- labels -----------------------------------------------------------------------------
PROBS = keras.ops.softmax(np.random.default_rng(1).normal(size=(64, 5)).astype("float32"))
LABELS = np.random.default_rng(2).integers(0, 5, size=64)


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.4])
def test_label_smoothing_equals_keras_categorical_crossentropy(epsilon):
    ours = SmoothedSparseCategoricalCrossentropy(epsilon)(LABELS, PROBS)
    theirs = keras.losses.CategoricalCrossentropy(label_smoothing=epsilon)(np.eye(5)[LABELS], PROBS)
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-6)


def test_smoothed_targets_formula():
    target = np.asarray(smooth_labels(np.array([2, 0]), 4, 0.2))  # Eq. 3
    np.testing.assert_allclose(target, [[0.05, 0.05, 0.85, 0.05], [0.85, 0.05, 0.05, 0.05]], atol=1e-7)


def test_label_flips_are_label_smoothing_in_expectation():
    flips = LabelFlipCrossentropy(0.3, seed=0)
    draws = float(flips(np.tile(LABELS, 400), np.tile(PROBS, (400, 1))))  # 400 draws per sample, one call
    smoothed = float(SmoothedSparseCategoricalCrossentropy(0.3)(LABELS, PROBS))  # Eq. 6
    assert abs(draws - smoothed) < 0.02 * smoothed
    plain = float(keras.losses.SparseCategoricalCrossentropy()(LABELS, PROBS))
    assert float(LabelFlipCrossentropy(0.0)(LABELS, PROBS)) == pytest.approx(plain, rel=1e-6)


def test_label_losses_round_trip(tmp_path):
    for loss in (SmoothedSparseCategoricalCrossentropy(0.2), LabelFlipCrossentropy(0.1, seed=4)):
        assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5, activation="softmax")])
    model.compile("sgd", SmoothedSparseCategoricalCrossentropy(0.2))
    model.save(tmp_path / "l.keras")
    assert keras.saving.load_model(tmp_path / "l.keras").loss.label_smoothing == 0.2


@pytest.mark.parametrize(("make", "message"), [
    (lambda: GaussianNoise(-1), r"`stddev` must be a finite number in \[0, ∞\), received stddev=-1. It is the noise"),
    (lambda: NoisyDense(4, stddev=float("inf")), r"`stddev` must be a finite number in \[0, ∞\)"),
    (lambda: NoisyDense(0), r"`units` must be a positive integer, received units=0"),
    (lambda: SmoothedSparseCategoricalCrossentropy(1.0), r"`label_smoothing` must be a finite number in \[0, 1\)"),
    (lambda: LabelFlipCrossentropy(-0.1), r"`rate` must be a finite number in \[0, 1\)"),
])
def test_bad_noise_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
