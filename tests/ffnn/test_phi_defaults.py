"""The Choosing φ page's claims at its defaults and lessons (seed 0), as the page states them:

- defaults (the spiral): no φ and the engineered φ stay near chance on the test points; the generic φ
  fits the training points and the test points; the learned φ reaches at least 0.9;
- "memorize" (ℓ = 0.05): the generic φ still fits the training points but loses at least 0.2 on the test;
- "circle": the engineered φ classifies the test points with its 8 parameters.
"""

import pytest

from toolkit.ffnn import phi

pytestmark = pytest.mark.xdist_group(__name__)


def _rows(lesson: str) -> dict:
    preset = next(p for p in phi.PRESETS if p.name == lesson)
    result = phi.run_phi(phi.PhiConfig(**preset.values))
    return {row["φ"]: row for row in result.table()}


def test_on_the_spiral_only_the_generic_and_the_learned_phi_succeed():
    rows = _rows("spiral")
    none, engineered, generic, learned = (rows[phi.REPRESENTATIONS[name]] for name in phi.REPRESENTATIONS)
    assert none["test accuracy"] < 0.7 and engineered["test accuracy"] < 0.7, rows
    assert generic["train accuracy"] >= 0.98 and generic["test accuracy"] >= 0.9, rows
    assert learned["test accuracy"] >= 0.9, rows


def test_a_tiny_length_scale_fits_the_training_points_and_generalizes_poorly():
    rows = _rows("memorize")
    generic = rows[phi.REPRESENTATIONS["generic"]]
    assert generic["train accuracy"] >= 0.98 and generic["gap"] >= 0.2, generic
    assert rows[phi.REPRESENTATIONS["learned"]]["test accuracy"] >= 0.9, rows


def test_on_the_circle_the_engineered_phi_is_enough():
    engineered = _rows("circle")[phi.REPRESENTATIONS["engineered"]]
    assert engineered["test accuracy"] >= 0.98 and engineered["trained parameters"] == 8, engineered
