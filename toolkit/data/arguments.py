"""Argument checks shared by the dataset builders.

Every builder validates its arguments before it does any work, and a bad value gets one
sentence naming the argument, the value received and what was expected, in the project's
style: "`noise` must be in [0, 50], received noise=70."
"""

from __future__ import annotations

import numbers


def check_int(name: str, value, low: int, high: int) -> int:
    """Return `value` as an int, or raise ValueError if it is not an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be an integer in [{low}, {high}], received {name}={value!r}.")
    if not low <= value <= high:
        raise ValueError(f"`{name}` must be in [{low}, {high}], received {name}={value}.")
    return int(value)


def check_float(name: str, value, low: float, high: float, *, open_interval: bool = False) -> float:
    """Return `value` as a float in [low, high] (or (low, high) when `open_interval`), else raise ValueError."""
    interval = f"({low}, {high})" if open_interval else f"[{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a number in {interval}, received {name}={value!r}.")
    inside = low < value < high if open_interval else low <= value <= high
    if not inside:
        raise ValueError(f"`{name}` must be in {interval}, received {name}={value}.")
    return float(value)


def check_choice(name: str, value, choices) -> object:
    """Return `value` if it is one of `choices`, else raise ValueError listing the valid ones."""
    if value not in choices:
        valid = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"`{name}` must be one of {valid}; received {name}={value!r}.")
    return value


def check_seed(seed) -> int:
    """Return the seed as an int, or raise ValueError if it is not a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, received seed={seed!r}.")
    return int(seed)


def check_test_ratio(test_ratio) -> float:
    """Return the test fraction, which must lie strictly between 0 and 1."""
    return check_float("test_ratio", test_ratio, 0.0, 1.0, open_interval=True)
