"""One learning rate per parameter: effective_learning_rates, the registry, keras_builtin."""

import keras
import numpy as np
import pytest

from tests.optim.notes_reference import keras_path
from toolkit.optim import (
    OPTIMIZERS, Adagrad, Adam, Momentum, RMSProp, effective_learning_rates, keras_builtin,
)


def _after_steps(optimizer, quadratic, steps=5):
    a, w_star, w0 = quadratic
    keras_path(optimizer, a, w_star, w0, steps=steps)
    return optimizer


def test_adagrad_rates_are_eta_over_sqrt_delta_plus_r(quadratic):
    optimizer = _after_steps(Adagrad(0.3, epsilon=1e-3), quadratic)
    r = optimizer.accumulators[0].numpy()
    np.testing.assert_allclose(effective_learning_rates(optimizer), 0.3 / np.sqrt(1e-3 + r),
                               rtol=1e-6)


def test_rmsprop_rates_are_eta_over_sqrt_delta_plus_r(quadratic):
    optimizer = _after_steps(RMSProp(0.01, rho=0.9, epsilon=1e-3), quadratic)
    r = optimizer.accumulators[0].numpy()
    np.testing.assert_allclose(effective_learning_rates(optimizer), 0.01 / np.sqrt(1e-3 + r),
                               rtol=1e-6)


def test_adam_rates_use_the_bias_corrected_second_moment(quadratic):
    optimizer = _after_steps(Adam(0.05, beta_2=0.99, epsilon=1e-3), quadratic, steps=4)
    r_hat = optimizer.second_moments[0].numpy() / (1 - 0.99 ** 4)
    np.testing.assert_allclose(effective_learning_rates(optimizer),
                               0.05 / (np.sqrt(r_hat) + 1e-3), rtol=1e-5)


def test_adaptive_rates_differ_per_parameter_and_sgd_rates_do_not(quadratic):
    assert np.ptp(effective_learning_rates(_after_steps(Adagrad(0.3), quadratic))) > 1e-3
    sgd_rates = effective_learning_rates(_after_steps(Momentum(0.02), quadratic))
    np.testing.assert_allclose(sgd_rates, np.full(5, 0.02), rtol=1e-6)


def test_effective_rates_refuse_unbuilt_and_foreign_optimizers():
    with pytest.raises(ValueError, match="apply at least one step"):
        effective_learning_rates(Adam())
    with pytest.raises(TypeError, match="toolkit.optim optimizer"):
        effective_learning_rates(keras.optimizers.Adam())


def test_registry_names_every_optimizer_and_its_builtin():
    expected = {"SGD": keras.optimizers.SGD, "Momentum": keras.optimizers.SGD,
                "Nesterov": keras.optimizers.SGD, "Adagrad": keras.optimizers.Adagrad,
                "RMSProp": keras.optimizers.RMSprop, "Adam": keras.optimizers.Adam}
    assert list(OPTIMIZERS) == list(expected)
    for name, cls in OPTIMIZERS.items():
        ours = cls(learning_rate=0.02)
        theirs = keras_builtin(name, **ours.get_config())  # the toggle passes our config
        assert type(theirs) is expected[name]
        assert theirs.get_config()["learning_rate"] == pytest.approx(0.02)


def test_keras_builtin_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"`name` must be one of SGD, .*received name='Lion'"):
        keras_builtin("Lion")

