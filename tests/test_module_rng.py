"""tests/conftest.py puts a module's ``RNG`` back at its seed before each test: what a test draws does
not depend on the tests that ran before it (pytest-xdist's order changes from run to run)."""

import numpy as np
import pytest

RNG = np.random.default_rng(3)
FIRST_DRAW = np.random.default_rng(3).normal(size=4)


@pytest.mark.parametrize("turn", ["first", "second", "third"])
def test_each_test_draws_the_seed_s_first_numbers(turn):
    np.testing.assert_array_equal(RNG.normal(size=4), FIRST_DRAW)
