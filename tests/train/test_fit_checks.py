"""fit's checks before the first step (``toolkit.train.inputs``: one sentence, not a traceback),
and no retracing warnings from repeated calls (``toolkit.train.loop``)."""

import logging
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.train import compare, fit
from toolkit.train.callbacks import resolve_verbose

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 2)).astype("float32")
Y = (X[:, 0] > 0).astype("int32")


def classifier(classes=2, lr=0.01):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(classes, activation="softmax")])
    model.compile(keras.optimizers.SGD(lr), keras.losses.SparseCategoricalCrossentropy())
    return model


@pytest.mark.parametrize("arguments, error, message", [
    ({"y": Y + 1}, ValueError, r"`y` holds the class 2, but the model's output has 2 units"),
    ({"validation_data": (X, Y - 1)}, ValueError, r"`validation_data` holds the class -1"),
    ({"validation_data": (X[:, :1], Y)}, ValueError,
     r"`validation_data` has samples of shape \(1,\), but the model's input takes \(2,\)"),
    ({"x": np.ones((40, 3), "float32")}, ValueError, r"`x` has samples of shape \(3,\)"),
    ({"validation_split": 1.5}, ValueError, r"`validation_split` must be a finite number in \(0, 1\)"),
    ({"validation_split": 0.99}, ValueError, r"leaves no samples on one side of 40"),
    ({"class_weight": {0: 2.0}, "sample_weight": np.ones(40)}, ValueError, "cannot be given together"),
    ({"initial_epoch": 3, "epochs": 3}, ValueError, r"`initial_epoch` must be an integer in \[0, 2\]"),
    ({"validation_freq": 0, "validation_data": (X, Y)}, ValueError, "`validation_freq` must be"),
    ({"verbose": 3}, ValueError, "`verbose` must be"),
    ({"validation_data": (X, Y, np.ones(40), Y)}, ValueError, "`validation_data` must be a pair"),
])
def test_mistakes_are_one_sentence_before_the_first_step(arguments, error, message):
    model = classifier()
    before = [w.copy() for w in model.get_weights()]
    arguments = {"x": X, "y": Y, **arguments}
    with pytest.raises(error, match=message):
        fit(model, **arguments)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_validation_may_hold_fewer_samples_of_a_one_number_input():
    """Sample shapes are compared, not array shapes: a (N,) input beside an (M,) validation input is fine."""
    features, scale = keras.Input((2,), name="features"), keras.Input((), name="scale")
    model = keras.Model({"features": features, "scale": scale},
                        keras.layers.Dense(2, activation="softmax")(features * scale[:, None]))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy())
    run = fit(model, {"features": X, "scale": np.ones(40, "float32")}, Y, epochs=1,
              validation_data=({"features": X[:10], "scale": np.ones(10, "float32")}, Y[:10]))
    assert run.status == "completed" and "val_loss" in run.history


def test_labels_may_use_the_ignored_class():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(ignore_class=-1))
    run = fit(model, X, np.where(Y == 0, -1, Y), epochs=1)
    assert run.status == "completed"


def test_a_negative_learning_rate_is_rejected():
    with pytest.raises(ValueError, match="learning rate is -0.05: a negative step climbs the loss"):
        fit(classifier(lr=-0.05), X, Y)


def test_compare_wants_builders_not_models():
    with pytest.raises(TypeError, match=r"`builders\['a'\]` must be a function returning a compiled model"):
        compare({"a": classifier()}, (X, Y), epochs=1)


def test_verbose_auto_means_a_progress_bar_at_an_interactive_prompt(monkeypatch):
    assert resolve_verbose("auto") == 0  # pytest is not interactive
    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)
    assert resolve_verbose("auto") == 1 and resolve_verbose(0) == 0
    assert resolve_verbose("auto", caller="toolkit.train.compare") == 0  # the toolkit's own runs


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_repeated_fit_calls_give_no_retracing_warning():
    """TensorFlow warns after five traces of one function: eight fresh models, eight fits.

    Eight models are traced (a few seconds): fewer would hardly reach TensorFlow's threshold.
    """
    records = _Records()
    tf.get_logger().addHandler(records)
    try:
        for _ in range(8):
            fit(classifier(), X, Y, epochs=1)
    finally:
        tf.get_logger().removeHandler(records)
    assert not [m for m in records.messages if "retracing" in m]
