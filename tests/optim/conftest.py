import pytest

from tests.optim.notes_reference import random_quadratic


@pytest.fixture
def quadratic():
    """(A, w*, w0) of a random 5-parameter quadratic with condition number 10."""
    return random_quadratic(seed=0)


@pytest.fixture(scope="session")
def small_digits():
    """The bundled 8x8 digits cut to 300 training and 100 test images (fast real-network tests)."""
    import dataclasses

    from toolkit.data import load

    ds = load("digits")
    return dataclasses.replace(ds, x_train=ds.x_train[:300], y_train=ds.y_train[:300],
                               x_test=ds.x_test[:100], y_test=ds.y_test[:100])
