"""Every optimizer trains a tiny MLP through toolkit.train.fit: loss falls 5x in 200 steps."""

import keras
import numpy as np
import pytest

from toolkit.optim import SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp
from toolkit.train import fit

FACTOR = 5
CASES = [SGD(0.2), Momentum(0.05), Nesterov(0.05), Adagrad(0.2), RMSProp(0.01), Adam(0.02)]


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(64, 2)).astype("float32")
    y = (np.sin(2 * x[:, :1]) + x[:, 1:] ** 2).astype("float32")
    return x, y


@pytest.mark.parametrize("optimizer", CASES, ids=[type(o).__name__ for o in CASES])
def test_loss_falls_by_a_factor_of_5_in_200_steps(optimizer):
    x, y = _data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    initial = float(model.evaluate(x, y, verbose=0))
    run = fit(model, x, y, epochs=50, batch_size=16, seed=0)  # 4 steps an epoch, 200 steps
    final = float(model.evaluate(x, y, verbose=0))
    assert run.status == "completed" and run.epochs_done == 50
    assert final < initial / FACTOR, f"{type(optimizer).__name__}: {initial:.4f} -> {final:.4f}"
