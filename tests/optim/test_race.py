"""The optimizer race: choices build the right optimizers, every entrant starts from the same
weights and batches, and the adaptive ones report per-parameter learning rates."""

import keras
import numpy as np
import pytest

from toolkit.optim import (
    Adam, OptimizerChoice, RaceConfig, effective_learning_rates, optimizer_choice, optimizer_race,
    race_learning_rates, race_table, run_race,
)
from toolkit.optim.race import race_builders, unique_labels


def test_optimizer_choice_keeps_only_the_hyperparameters_of_its_rule():
    assert optimizer_choice("SGD", 0.1).hyperparameters == {"learning_rate": 0.1}
    assert optimizer_choice("Nesterov", 0.1, momentum=0.5).hyperparameters == {
        "learning_rate": 0.1, "momentum": 0.5}
    adam = optimizer_choice("Adam", 0.01, beta_1=0.8, builtin=True)
    assert adam.hyperparameters == {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.999}
    assert adam.label == "Adam (Keras)" and adam.describe() == "η=0.01, β₁=0.8, β₂=0.999"


@pytest.mark.parametrize("name, builtin, expected", [
    ("Momentum", False, "Momentum"), ("Momentum", True, "SGD"),
    ("RMSProp", False, "RMSProp"), ("RMSProp", True, "RMSprop"), ("Adam", True, "Adam"),
])
def test_build_gives_the_toolkit_class_or_the_keras_builtin(name, builtin, expected):
    optimizer = optimizer_choice(name, 0.01, builtin=builtin).build()
    assert type(optimizer).__name__ == expected
    assert (type(optimizer).__module__.startswith("toolkit")) is not builtin


@pytest.mark.parametrize("choice, message", [
    (lambda: OptimizerChoice("Adamax"), r"`name` must be one of SGD, .*name='Adamax'"),
    (lambda: OptimizerChoice("SGD", {"momentum": 0.9}), "SGD takes learning_rate, received momentum"),
    (lambda: optimizer_choice("SGD", 0.0).build(), "`learning_rate` must be a finite number in \\(0, ∞\\)"),
    (lambda: optimizer_choice("RMSProp", 0.1, rho=1.0, builtin=True).build(),
     r"`rho` must be a finite number in \[0, 1\), received rho=1.0"),
    (lambda: optimizer_choice("Adam", 0.1, beta_2=-0.1).build(), r"`beta_2` must be a finite number in \[0, 1\)"),
])
def test_bad_choices_get_one_clear_sentence(choice, message):
    with pytest.raises(ValueError, match=message):
        choice()


def test_repeated_optimizers_get_distinct_labels():
    choices = [optimizer_choice("SGD", 0.1), optimizer_choice("SGD", 0.01), optimizer_choice("Adam", 0.1)]
    assert unique_labels(choices) == ["SGD (η=0.1)", "SGD (η=0.01)", "Adam"]
    assert list(race_builders(choices, (8, 8, 1), 10)) == unique_labels(choices)
    with pytest.raises(ValueError, match="Pick at least one optimizer"):
        race_builders([], (8, 8, 1), 10)


def test_race_is_fair_and_every_entrant_learns(small_digits):
    choices = [optimizer_choice("SGD", 0.3), optimizer_choice("Momentum", 0.05),
               optimizer_choice("Adagrad", 0.05), optimizer_choice("Adam", 0.01, builtin=True)]
    runs = optimizer_race(choices, small_digits, epochs=3, batch_size=32, hidden=(16,))
    assert list(runs) == ["SGD", "Momentum", "Adagrad", "Adam (Keras)"]
    first = runs["SGD"].initial_weights
    for run in runs.values():
        for a, b in zip(first, run.initial_weights):
            np.testing.assert_array_equal(a, b)
        assert run.history["loss"][-1] < 0.75 * run.history["loss"][0], run.name
        assert run.config["dataset"]["name"] == "digits" and run.config["hidden"] == [16]
    assert isinstance(runs["Adam (Keras)"].model.optimizer, keras.optimizers.Adam)
    rows = race_table(runs, choices)
    assert [r["optimizer"] for r in rows] == list(runs)
    assert rows[1]["hyperparameters"] == "η=0.05, α=0.9" and "val_accuracy" in rows[1]
    rates = race_learning_rates(runs)
    assert list(rates) == ["Adagrad"]  # SGD/Momentum have one eta; Keras's Adam has other slots
    assert rates["Adagrad"].shape == (runs["Adagrad"].model.count_params(),)
    np.testing.assert_allclose(rates["Adagrad"],
                               effective_learning_rates(runs["Adagrad"].model.optimizer))
    assert np.all(rates["Adagrad"] <= 0.05 / np.sqrt(1e-7) * (1 + 1e-5))


def test_momentum_and_adaptive_methods_beat_sgd_at_the_pages_defaults():
    """Notes, ch. 3 "Stochastic Gradient with Momentum" (plain SGD "moves slowly" where the
    surface is flat; the velocity adds inertia), "RMSProp" and "ADAM" (a learning rate adapted
    per parameter "helping to improve the effectiveness of optimization").

    The page's default race (digits, 8 epochs, identical initial weights and batches): momentum,
    RMSProp and Adam each end with a training loss below 0.8 of SGD's. Measured: SGD 0.409,
    momentum 0.074, RMSProp 0.289, Adam 0.297.
    """
    runs = run_race(RaceConfig())
    loss = {label: run.final("loss") for label, run in runs.items()}
    assert list(loss) == ["SGD", "Momentum", "RMSProp", "Adam"]
    assert all(loss[name] < 0.8 * loss["SGD"] for name in ("Momentum", "RMSProp", "Adam")), loss


def test_race_refuses_regression_data():
    import types

    with pytest.raises(ValueError, match="`data` must be a classification Dataset"):
        optimizer_race([optimizer_choice("SGD", 0.1)], types.SimpleNamespace(task="regression"))


def test_adam_learning_rates_are_largest_where_gradients_were_never_seen(small_digits):
    """Pixels blank in every image give their weights g = 0, r = 0, and the step eta/delta."""
    runs = optimizer_race([OptimizerChoice("Adam", {"learning_rate": 0.001})], small_digits,
                          epochs=1, hidden=(8,))
    rates = race_learning_rates(runs)["Adam"]
    optimizer = runs["Adam"].model.optimizer
    assert isinstance(optimizer, Adam)
    never = np.isclose(rates, 0.001 / 1e-7, rtol=1e-4)
    assert never.any() and rates.max() == pytest.approx(0.001 / 1e-7, rel=1e-4)
    assert np.median(rates) < 1.0  # parameters that did see gradients take far smaller steps


def test_race_messages_name_runs_that_did_not_learn():
    import types

    model = types.SimpleNamespace(output_shape=(None, 10))
    run = lambda status, loss, **kw: types.SimpleNamespace(status=status, history={"loss": loss},
                                                          model=model, **kw)
    runs = {"ok": run("completed", [2.0, 0.5]), "rose": run("completed", [1.0, 1.5]),
            "chance": run("completed", [50.0, 2.9]),
            "nan": run("diverged", [1.0], message="The loss became NaN.")}
    from toolkit.optim import race_messages

    messages = race_messages(runs)
    assert [m.split()[0] for m in messages] == ["rose", "chance", "nan"]
    assert "guessing uniformly gives 2.3" in messages[1] and messages[2] == "nan diverged: The loss became NaN."
