"""toolkit.validation: the one set of argument checks, one sentence per bad value."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import validation as v


@pytest.mark.parametrize(("call", "value"), [
    (lambda: v.check_int("n", np.int64(5), 1, 10), 5),
    (lambda: v.check_int("n", 7), 7),
    (lambda: v.check_positive_int("units", 3), 3),
    (lambda: v.check_seed(0), 0),
    (lambda: v.check_float("lr", 1, 0.0, 1.0), 1.0),
    (lambda: v.check_float("lr", np.float32(0.5), 0.0, 1.0, open_high=True), 0.5),
    (lambda: v.check_nonnegative("l2", 0), 0.0),
    (lambda: v.check_probability("rate", 0.0), 0.0),
    (lambda: v.check_bool("flag", False), False),
    (lambda: v.check_choice("opt", "adam", ("sgd", "adam")), "adam"),
    (lambda: v.check_choices("fs", ["a"], ("a", "b"), min_count=1), ("a",)),
    (lambda: v.check_text("name", "abc", 3), "abc"),
])
def test_good_values_come_back_normalized(call, value):
    result = call()
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: v.check_int("n", True, 1, 10), "`n` must be an integer in [1, 10], received n=True."),
    (lambda: v.check_int("n", 11, 1, 10), "`n` must be an integer in [1, 10], received n=11."),
    (lambda: v.check_int("n", 0, 1), "`n` must be an integer in [1, ∞), received n=0."),
    (lambda: v.check_positive_int("units", 0, hint="Use at least one unit."),
     "`units` must be a positive integer, received units=0. Use at least one unit."),
    (lambda: v.check_seed(-1), "`seed` must be a non-negative integer, received seed=-1."),
    (lambda: v.check_float("lr", float("inf"), 0.0, 10.0), "`lr` must be a finite number in [0, 10], received lr=inf."),
    (lambda: v.check_float("lr", 0.0, 0.0, None, open_low=True), "`lr` must be a finite number in (0, ∞), received lr=0.0."),
    (lambda: v.check_probability("rate", 1.0), "`rate` must be a finite number in [0, 1), received rate=1.0."),
    (lambda: v.check_bool("flag", 1), "`flag` must be True or False, received flag=1."),
    (lambda: v.check_choice("opt", "x", ("sgd",)), "`opt` must be one of 'sgd', received opt='x'."),
    (lambda: v.check_choices("fs", "ab", ("a", "b")), "`fs` must be a list of values among 'a', 'b', received fs='ab'."),
    (lambda: v.check_text("name", "x" * 100, 3), "`name` must be a text of at most 3 characters, received name="),
])
def test_bad_values_get_one_sentence_naming_argument_expectation_and_value(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
