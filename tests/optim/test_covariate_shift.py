"""Covariate shift: pre-activations are recorded at the right epochs without side effects,
and batch norm keeps them out of the sigmoid's flat tails where the plain network does not."""

import keras
import numpy as np
import pytest

from toolkit.optim import (
    NormalizationConfig, PreactivationRecorder, mlp_classifier, normalization_race, run_covariate_shift,
    run_high_learning_rate, saturated_fraction, saturation_intervals,
)
from toolkit.optim.covariate_shift import record_epochs
from toolkit.optim.networks import compile_classifier
from toolkit.train import fit


def test_saturation_intervals_follow_eq2():
    sigmoid = lambda z: 1 / (1 + np.exp(-z))
    (_, low), (high, _) = saturation_intervals("sigmoid")
    d_sigmoid = sigmoid(high) * (1 - sigmoid(high))
    assert d_sigmoid == pytest.approx(0.1 * 0.25, rel=1e-3) and low == -high
    (_, low), (high, _) = saturation_intervals("tanh")
    assert 1 - np.tanh(high) ** 2 == pytest.approx(0.1, rel=1e-3)
    assert saturated_fraction([-5.0, -1.0, 0.0, 2.0, 4.0], "sigmoid") == pytest.approx(0.4)
    assert saturated_fraction([-1.0, 0.5, 2.0, -0.1], "relu") == pytest.approx(0.5)
    with pytest.raises(ValueError, match="`activation` must be one of 'sigmoid', 'tanh', 'relu'"):
        saturation_intervals("swish")


def test_record_epochs_spread_and_include_the_last():
    assert record_epochs(10, 5) == [1, 3, 6, 8, 10]
    assert record_epochs(2, 5) == [1, 2]


def test_recorder_takes_each_activation_input_at_the_chosen_epochs(small_digits):
    keras.utils.set_random_seed(0)
    model = compile_classifier(mlp_classifier((8, 8, 1), 10, (12, 6), "tanh", "batch"),
                               keras.optimizers.SGD(0.1))
    probe = small_digits.x_train[:40]
    recorder = PreactivationRecorder(probe, epochs=[2, 5])
    fit(model, small_digits.x_train, small_digits.y_train, epochs=2, batch_size=50,
        steps_per_callback=6, callbacks=[recorder])
    records = recorder.records[model.name]
    assert sorted(records) == [0, 2]
    assert {k: v.shape for k, v in records[2].items()} == {"hidden layer 1": (40, 12),
                                                           "hidden layer 2": (40, 6)}
    # Eq. 1 then batch norm in training mode with the probe's own statistics: per unit,
    # mean beta and std |gamma| (0 and 1 before training); training ended at epoch 2
    np.testing.assert_allclose(records[0]["hidden layer 1"].mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(records[0]["hidden layer 1"].std(0), 1, atol=2e-2)
    norm = model.get_layer("norm_1")
    z = records[2]["hidden layer 1"]
    np.testing.assert_allclose(z.mean(0), norm.beta.numpy(), atol=1e-4)
    np.testing.assert_allclose(z.std(0), np.abs(norm.gamma.numpy()), atol=2e-2)


def test_probe_leaves_the_model_untouched(small_digits):
    keras.utils.set_random_seed(1)
    model = compile_classifier(mlp_classifier((8, 8, 1), 10, (8,), "sigmoid", "batch"), "sgd")

    class Run:
        name = "r"

    Run.model = model
    before = [w.copy() for w in model.get_weights()]
    recorder = PreactivationRecorder(small_digits.x_train[:30], epochs=[])
    recorder.on_start(Run)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    expected = keras.Model(model.inputs[0], model.get_layer("norm_1").output)(
        small_digits.x_train[:30], training=True)
    np.testing.assert_allclose(recorder.records["r"][0]["hidden layer 1"], expected, atol=1e-5)


def test_batch_norm_keeps_raw_pixel_inputs_out_of_the_sigmoid_tails(small_digits):
    race = normalization_race(small_digits, normalizations=("none", "batch", "layer"),
                              activation="sigmoid", hidden=(16, 16), learning_rate=0.5,
                              epochs=2, input_scale=16.0, record=[2], probe_size=100)
    assert list(race.runs) == ["no normalization", "BatchNorm", "LayerNorm"]
    dense = [[w for w, v in zip(run.initial_weights, run.model.weights) if "dense_1" in v.path]
             for run in race.runs.values()]
    np.testing.assert_array_equal(dense[0][0], dense[1][0])  # identical first-layer kernels
    np.testing.assert_array_equal(dense[0][0], dense[2][0])
    shares = {label: saturated_fraction(rec[2]["hidden layer 1"], "sigmoid")
              for label, rec in race.preactivations.items()}
    assert shares["no normalization"] > 0.4, shares  # raw 0-16 counts: z far into the tails
    assert shares["BatchNorm"] < 0.02 and shares["LayerNorm"] < 0.05, shares
    assert sorted(race.preactivations["BatchNorm"]) == [0, 2]
    summary = race.saturation_summary()
    assert len(summary) == 6 and set(summary[0]) >= {"run", "layer", "saturated at epoch 0"}
    assert all(run.config["input_scale"] == 16.0 for run in race.runs.values())


@pytest.mark.parametrize("kwargs, message", [
    ({"normalizations": ()}, "`normalizations` must be at least one value among 'none', 'batch'"),
    ({"normalizations": ("batch", "batch")}, "`normalizations` must be a list without repeated values"),
    ({"normalizations": ("group",)}, "`normalizations` must be a list of values among 'none', 'batch'"),
    ({"learning_rate": -1.0}, "`learning_rate` must be a finite number in \\(0, ∞\\)"),
    ({"activation": "elu"}, "`activation` must be one of 'sigmoid', 'tanh', 'relu'"),
])
def test_bad_arguments_are_named_before_training(small_digits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalization_race(small_digits, epochs=1, **kwargs)


def test_at_the_pages_defaults_batch_norm_keeps_z_out_of_the_flat_region_and_learns_faster():
    """Notes, ch. 3 "Normalization", problem COVARIATE SHIFT: "most of the input data falls into
    non-linear regions of the ... activation function", which slows learning; solution BATCH
    NORMALIZATION, H' = (H - mu) / sigma, then gamma H' + beta.

    The page's default covariate-shift run (sigmoid, raw pixel counts, SGD eta = 0.5, 5 epochs):
    without normalization most of layer 1's z lies where sigma'(z) < 0.1 max sigma' (measured
    74 %), with BatchNorm almost none (0 %), and BatchNorm's training loss is lower at every
    epoch (measured 0.19 against 1.24 at the end).
    """
    result = run_covariate_shift(NormalizationConfig())
    last = max(result.preactivations["no normalization"])
    flat = {label: saturated_fraction(epochs[last]["hidden layer 1"], "sigmoid")
            for label, epochs in result.preactivations.items()}
    assert flat["no normalization"] > 0.5 and flat["BatchNorm"] < 0.05, flat
    plain, batch = (result.runs[label].history["loss"] for label in ("no normalization", "BatchNorm"))
    assert np.all(batch < plain) and batch[-1] < plain[-1] / 3


def test_at_the_pages_defaults_plain_sgd_at_a_high_rate_stays_at_chance_batch_norm_learns():
    """Notes, ch. 3 "Normalization": batch normalization lets the network learn where the plain
    one is stuck; ch. 1 ReLU "Sensitive to large learning rate".

    The page's default high-learning-rate run (ReLU, SGD eta = 1, 5 epochs): without
    normalization the loss stays at ln 10 = 2.30 (guessing one of ten digits) with over 90 % of
    layer 1's z below 0 (measured 98 %); with BatchNorm about half stay active and the loss
    ends below 0.1 (measured 0.022, test accuracy 95 %).
    """
    result = run_high_learning_rate(NormalizationConfig())
    plain, batch = (result.runs[label] for label in ("no normalization", "BatchNorm"))
    assert plain.final("loss") == pytest.approx(np.log(10), abs=0.05) and batch.final("loss") < 0.1
    last = max(result.preactivations["no normalization"])
    inactive = {label: saturated_fraction(epochs[last]["hidden layer 1"], "relu")
                for label, epochs in result.preactivations.items()}
    assert inactive["no normalization"] > 0.9 and 0.3 < inactive["BatchNorm"] < 0.7, inactive


def test_normalization_config_declares_the_page_and_its_two_trainings(small_digits):
    config = NormalizationConfig(norms=("none", "layer"), depth=1, epochs=1, inputs="scaled to [0, 1]",
                                 high_epochs=1, high_activation="tanh", high_lr=0.3)
    with pytest.raises(ValueError, match="`norms` must be at least one value among 'none', 'batch', 'layer'"):
        config.replace(norms=())
    with pytest.raises(ValueError, match=r"`batch` must be one of 2, 4, 8"):
        NormalizationConfig(batch=3)
    shift = run_covariate_shift(config, small_digits)
    assert list(shift.runs) == ["no normalization", "LayerNorm"]
    assert all(run.config["input_scale"] == 1.0 and run.config["hidden"] == [64] for run in shift.runs.values())
    high = run_high_learning_rate(config, small_digits)
    assert list(high.runs) == ["no normalization", "BatchNorm"] and high.activation == "tanh"
    assert all(run.config["learning_rate"] == 0.3 and run.config["hidden"] == [64, 64, 64]
               for run in high.runs.values())
