import keras
import numpy as np
import pytest


@pytest.fixture
def xor_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(105, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    return x, y


def build_mlp(seed=1, lr=0.01, optimizer="adam"):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(8, activation="tanh"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    opt = keras.optimizers.Adam(lr) if optimizer == "adam" else keras.optimizers.SGD(lr)
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def mlp_builder():
    return build_mlp
