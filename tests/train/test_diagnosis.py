"""Why a run did not learn (toolkit/train/diagnosis.py): each loss-curve shape gets its cause.

Notes, chapter 2 ("choosing the learning rate"): too large a rate overshoots (the loss
explodes or bounces), too small a rate creeps (the loss hardly moves).
"""

import numpy as np
import pytest

from toolkit.train.diagnosis import learning_rate, shape, why_not_learned
from toolkit.train.run import Run


def run_with(loss, rate=0.1):
    return Run(name="r", model=None, epochs=len(loss), history={"loss": np.asarray(loss, np.float32)},
               config={"optimizer": {"class_name": "SGD", "config": {"learning_rate": rate}}})


@pytest.mark.parametrize("loss, expected", [
    ([1.0, 3.0, 9.0, 40.0], "exploded"),
    ([0.70, 0.70, 0.699, 0.70], "stuck"),
    ([8.07, 8.2, 8.25, 8.30], "stuck"),  # creeping up is not "slow": it never got going
    ([1.0, 0.3, 0.2, 0.6], "rose back"),
    ([1.0, 0.4, 1.3, 0.5, 1.2, 0.98], "bouncing"),
    ([1.0, 0.99, 0.98, 0.97], "slow"),
])
def test_each_curve_shape_is_told_apart(loss, expected):
    assert shape(loss) == expected


def test_the_sentence_names_the_learning_rate_and_what_to_change():
    too_large = why_not_learned(run_with([1.0, 3.0, 9.0, 40.0], rate=10.0))
    assert "η = 10" in too_large and "too large" in too_large and "smaller" in too_large
    too_small = why_not_learned(run_with([0.70, 0.70, 0.70], rate=1e-6))
    assert "η = 1e-06" in too_small and "10 times larger" in too_small


def test_the_numbers_in_the_sentence_are_the_curves_numbers():
    sentence = why_not_learned(run_with([1.0, 0.25, 0.2, 0.6]))
    assert "fell to 0.2, then rose back to 0.6" in sentence


def test_unknown_learning_rate_and_short_histories_are_said_plainly():
    run = run_with([1.0, 1.0, 1.0])
    run.config = {}
    assert learning_rate(run) is None and "the learning rate" in why_not_learned(run)
    assert "too few" in why_not_learned(run_with([1.0]))


def test_a_flat_curve_at_a_large_rate_blames_saturation_not_a_small_rate():
    """Playground at η = 10: the loss sits at 8.3 because the first steps saturated the units."""
    sentence = why_not_learned(run_with([8.3, 8.3, 8.3], rate=10.0))
    assert "η = 10" in sentence and "saturated" in sentence and "10 times smaller" in sentence
    adam = run_with([2.3, 2.3, 2.3], rate=0.5)
    adam.config["optimizer"]["class_name"] = "Adam"
    assert "10 times smaller" in why_not_learned(adam)
