import numpy as np
import pytest


@pytest.fixture
def batch():
    """A small XOR-like batch (B = 16) for a 2-3-2-1 network."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float64)
    return x, y
