"""The one set of argument checks of the toolkit.

Every constructor, builder and config checks its arguments with these functions before it
does any work, so a bad value always gets the same kind of sentence: which argument, what
was expected, what was received ("`noise` must be an integer in [0, 50], received
noise=70."). `hint` appends what to do about it. Each check returns the value normalized
(an ``int`` for an integral NumPy scalar, a ``float`` for a number, a ``tuple`` for a list).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable


def _fail(name: str, expected: str, value, hint: str = "") -> ValueError:
    shown = repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:57] + "...")
    return ValueError(f"`{name}` must be {expected}, received {name}={shown}.{' ' + hint if hint else ''}")


def _interval(low, high, open_low=False, open_high=False) -> str:
    """"[0, 1)", "(0, ∞)": an infinite end is always open."""
    left = "(" if open_low or low is None else "["
    right = ")" if open_high or high is None else "]"
    return f"{left}{_text(low) if low is not None else '-∞'}, {_text(high)}{right}"


def _text(x) -> str:
    if x is None:
        return "∞"
    return f"{x:g}" if isinstance(x, float) else str(x)


def check_int(name: str, value, low: int | None = None, high: int | None = None, *, hint: str = "") -> int:
    """`value` as an int in [low, high] (a missing bound is unbounded)."""
    expected = "an integer" + (f" in {_interval(low, high)}" if low is not None or high is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(name, expected, value, hint)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(name, expected, value, hint)
    return int(value)


def check_positive_int(name: str, value, *, hint: str = "") -> int:
    """`value` as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise _fail(name, "a positive integer", value, hint)
    return int(value)


def check_seed(value, name: str = "seed") -> int:
    """A non-negative integer seed."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise _fail(name, "a non-negative integer", value)
    return int(value)


def check_float(name: str, value, low: float | None = None, high: float | None = None, *,
                open_low: bool = False, open_high: bool = False, hint: str = "") -> float:
    """`value` as a finite float in the interval (closed unless `open_low` / `open_high`)."""
    bounded = low is not None or high is not None
    expected = "a finite number" + (f" in {_interval(low, high, open_low, open_high)}" if bounded else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise _fail(name, expected, value, hint)
    if low is not None and (value <= low if open_low else value < low):
        raise _fail(name, expected, value, hint)
    if high is not None and (value >= high if open_high else value > high):
        raise _fail(name, expected, value, hint)
    return float(value)


def check_nonnegative(name: str, value, *, hint: str = "") -> float:
    """A finite number >= 0 (a penalty strength, a noise level)."""
    return check_float(name, value, 0.0, None, hint=hint)


def check_probability(name: str, value, *, hint: str = "") -> float:
    """A rate in [0, 1) (dropout, label smoothing): 1 would remove everything."""
    return check_float(name, value, 0.0, 1.0, open_high=True, hint=hint)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def check_choice(name: str, value, choices: Iterable, *, hint: str = ""):
    """`value` if it is one of `choices`."""
    choices = tuple(choices)
    if value not in choices:
        raise _fail(name, "one of " + ", ".join(repr(c) for c in choices), value, hint)
    return value


def check_choices(name: str, value, choices: Iterable, *, min_count: int = 0, hint: str = "") -> tuple:
    """A tuple of distinct members of `choices`, at least `min_count` of them."""
    choices = tuple(choices)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _fail(name, "a list of values among " + ", ".join(repr(c) for c in choices), value, hint)
    value = tuple(value)
    unknown = [v for v in value if v not in choices]
    if unknown:
        raise _fail(name, "a list of values among " + ", ".join(repr(c) for c in choices), value, hint)
    if len(set(value)) != len(value):
        raise _fail(name, "a list without repeated values", value, hint)
    if len(value) < min_count:
        what = "at least one value" if min_count == 1 else f"at least {min_count} values"
        raise _fail(name, f"{what} among " + ", ".join(repr(c) for c in choices), value, hint)
    return value


def check_text(name: str, value, max_length: int, *, hint: str = "") -> str:
    if not isinstance(value, str) or len(value) > max_length:
        raise _fail(name, f"a text of at most {max_length} characters", value, hint)
    return value
