"""The regularization lab's figures: gap per epoch, early-stopping marks, L1/L2 balance, magnitudes, votes."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.regularization import penalty_geometry, penalty_path
from toolkit.viz import (
    ensemble_votes, generalization_gap, learning_curves, mark_early_stopping, penalty_balance, weight_magnitudes,
)
from toolkit.viz.theme import run_color

HISTORIES = {
    "none": {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.9, 1.3], "accuracy": [0.5, 0.8, 1.0],
             "val_accuracy": [0.5, 0.7, 0.6]},
    "early stopping": {"loss": [1.0, 0.6], "val_loss": [1.0, 0.8], "accuracy": [0.5, 0.7], "val_accuracy": [0.5, 0.7]},
}
STOPS = {"early stopping": {"stopped_at": 2, "restored": 1}}


def test_gap_per_epoch_with_the_stop_marked():
    fig = generalization_gap(HISTORIES, "loss", STOPS)
    lines = [t for t in fig.data if t.mode == "lines"]
    np.testing.assert_allclose(lines[0].y, [0.1, 0.4, 1.1])  # Eq. 1
    assert lines[1].line.color == run_color(1)
    stars = [t for t in fig.data if t.mode == "markers"]
    assert stars[0].x == (1,) and stars[0].marker.symbol == "star"
    assert any(shape.x0 == 2 for shape in fig.layout.shapes)  # the stop's vertical line
    accuracy = generalization_gap(HISTORIES, "accuracy")
    np.testing.assert_allclose(accuracy.data[0].y, [0.0, 0.1, 0.4])  # Eq. 2


def test_marks_on_learning_curves_sit_on_the_validation_curve():
    fig = mark_early_stopping(learning_curves(HISTORIES), HISTORIES, STOPS)
    star = fig.data[-1]
    assert star.y == (1.0,) and star.marker.color == run_color(1)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: generalization_gap(HISTORIES, "mse"), "`metric` must be 'loss' or 'accuracy'"),
    (lambda: generalization_gap({"a": {"loss": [1]}}), r"Run 'a' has no 'val_loss' in its history"),
    (lambda: generalization_gap({}), "`histories` must be a non-empty mapping"),
    (lambda: generalization_gap(HISTORIES, stops={"other": {"stopped_at": 1}}), "`stops` names run 'other'"),
    (lambda: mark_early_stopping(go.Figure(), HISTORIES, [1]), "`stops` must be a mapping"),
])
def test_bad_gap_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_penalty_balance_draws_both_balls_minima_and_pulls():
    geometry = penalty_geometry(1.2)
    fig = penalty_balance(*geometry.error_grid(resolution=31), geometry.w_star, geometry.points(), lam=1.2,
                          path=penalty_path(np.linspace(0, 3, 11)))
    names = [t.name for t in fig.data]
    assert any(n.startswith("L1 ball") for n in names) and any(n.startswith("L2 ball") for n in names)
    assert "L1 minimum (1 weight = 0)" in names and "L2 minimum (0 weights = 0)" in names
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    labels = sorted(a.text for a in fig.layout.annotations if not a.showarrow)  # beside the heads, not the tails
    assert len(arrows) == 4 and labels == ["−λ∂Ω", "−λ∂Ω", "−∇L", "−∇L"]
    diamond = next(t for t in fig.data if t.name.startswith("L1 ball"))
    np.testing.assert_allclose(np.abs(diamond.x) + np.abs(diamond.y), geometry.l1.radius)
    assert fig.layout.yaxis.scaleanchor == "x"
    with pytest.raises(ValueError, match=r"`error` must have shape \(len\(x2\), len\(x1\)\)"):
        penalty_balance([0, 1], [0, 1, 2], np.zeros((2, 2)), (0, 0), geometry.points(), lam=1)
    with pytest.raises(ValueError, match="`points` must hold 'L1' and 'L2'"):
        penalty_balance([0, 1], [0, 1], np.zeros((2, 2)), (0, 0), {}, lam=1)


def test_weight_magnitudes_on_a_log_scale():
    fig = weight_magnitudes({"L1": np.full(100, 1e-5), "none": np.full(100, 0.5)}, threshold=1e-2)
    assert fig.data[0].name == "L1 (100% below 0.01)" and fig.data[1].name == "none (0% below 0.01)"
    assert np.isclose(sum(fig.data[0].y), 1.0)
    with pytest.raises(ValueError, match="`weights` must be a non-empty mapping"):
        weight_magnitudes({})


def test_ensemble_votes_bars_and_grid():
    correct = np.array([[1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 1]], bool)
    vote = np.array([1, 1, 1, 1], bool)
    fig = ensemble_votes(correct, vote, average_error=0.0)
    bars, grid = fig.data
    assert list(bars.x) == ["member 1", "member 2", "member 3", "vote", "average"]
    np.testing.assert_allclose(bars.y, [0.25, 0.25, 0.25, 0.0, 0.0])
    assert np.asarray(grid.z).shape == (4, 3)  # members + vote, the 3 samples some member gets wrong
    with pytest.raises(ValueError, match=r"`member_correct` must be \(K >= 2, N\)"):
        ensemble_votes(correct[:1], vote)
