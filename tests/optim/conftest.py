import pytest

from tests.optim.notes_reference import random_quadratic


@pytest.fixture
def quadratic():
    """(A, w*, w0) of a random 5-parameter quadratic with condition number 10."""
    return random_quadratic(seed=0)
