"""Each hyperparameter out of range gets one sentence naming it and the value received."""

import keras
import pytest

from toolkit.optim import SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp

CASES = [
    (SGD, {"learning_rate": 0.0}, "`learning_rate` must be a finite number in (0, ∞), received "
     "learning_rate=0.0. Pass a positive number or a keras.optimizers.schedules.LearningRateSchedule."),
    (SGD, {"learning_rate": -1}, "received learning_rate=-1."),
    (SGD, {"learning_rate": "fast"}, "received learning_rate='fast'."),
    (Momentum, {"momentum": 1.0}, "`momentum` must be a finite number in [0, 1), received momentum=1.0."),
    (Nesterov, {"momentum": -0.1}, "`momentum` must be a finite number in [0, 1), received momentum=-0.1."),
    (Adagrad, {"epsilon": 0}, "`epsilon` must be a finite number in (0, ∞), received epsilon=0."),
    (RMSProp, {"rho": 1.5}, "`rho` must be a finite number in [0, 1), received rho=1.5."),
    (RMSProp, {"epsilon": -1e-7}, "`epsilon` must be a finite number in (0, ∞), received epsilon=-1e-07."),
    (Adam, {"beta_1": 1}, "`beta_1` must be a finite number in [0, 1), received beta_1=1."),
    (Adam, {"beta_2": True}, "`beta_2` must be a finite number in [0, 1), received beta_2=True."),
    (Adam, {"epsilon": None}, "`epsilon` must be a finite number in (0, ∞), received epsilon=None."),
]


@pytest.mark.parametrize("cls, kwargs, message", CASES,
                         ids=[f"{c.__name__}-{next(iter(k))}" for c, k, _ in CASES])
def test_bad_hyperparameters_are_named(cls, kwargs, message):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    assert message in str(info.value)


def test_edges_of_the_ranges_are_accepted():
    Momentum(momentum=0.0)
    Adam(beta_1=0.0, beta_2=0.0, epsilon=1e-12)
    SGD(keras.optimizers.schedules.CosineDecay(0.1, decay_steps=10))
