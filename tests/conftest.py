"""Suite-wide settings: quiet TensorFlow, fixed seeds, the repository on sys.path."""

import os
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


_RNG_STATES: dict[str, dict] = {}


@pytest.fixture(autouse=True)
def module_rng_from_its_seed(request):
    """A test module's ``RNG = np.random.default_rng(seed)`` starts every test in the same state, so the
    data a test draws never depend on which tests ran before it in the same process (pytest-xdist spreads
    the tests over its workers differently from run to run: a test-order-dependent draw once failed CI).
    The state kept is the one after collection (parametrize lists may draw from it), the same everywhere."""
    rng = getattr(request.module, "RNG", None)
    if isinstance(rng, np.random.Generator):
        rng.bit_generator.state = _RNG_STATES.setdefault(request.module.__name__, rng.bit_generator.state)
