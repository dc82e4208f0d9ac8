"""The notes' recurrent-network claims, measured at the Recurrent networks page's defaults and lessons.

Notes, chapter 6: "The PROBLEM of vanishing gradient is more severe in RNN than in feedforward NN";
the LSTM's cell update is linear, "so the gradient flow from c_t to c_{t-1} involves only
backpropagation through addition and element-by-element multiplication"; the GRU is "sufficiently
resilient to the vanishing gradient problem". Truncated BPTT: "Adjusting K_1 and K_2 allow to
balance training speed and network's ability to capture long-range time dependencies".
"""

import numpy as np
import pytest

from toolkit.data.sequences import ADDING_CONSTANT_MSE
from toolkit.rnn.gradients import gradient_ratio
from toolkit.rnn.lab import PRESETS, RecurrentConfig, run_recurrent

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def defaults():
    return run_recurrent(RecurrentConfig())


def test_only_the_gated_cells_learn_the_adding_problem(defaults):
    """Measured at the defaults (T = 40, 12 epochs): held-out MSE vanilla 0.163 (the constant guess
    scores 0.167), LSTM 0.0024, GRU 0.0007; accuracy 0.07 / 0.69 / 0.91 (chance 0.08)."""
    loss = {name: run.history["val_loss"][-1] for name, run in defaults.runs.items()}
    assert list(loss) == ["vanilla RNN", "LSTM", "GRU"]
    assert loss["vanilla RNN"] > 0.6 * ADDING_CONSTANT_MSE, loss
    assert loss["LSTM"] < 0.1 * ADDING_CONSTANT_MSE and loss["GRU"] < 0.1 * ADDING_CONSTANT_MSE, loss
    accuracy = {name: run.history["val_accuracy"][-1] for name, run in defaults.runs.items()}
    assert accuracy["vanilla RNN"] < 0.15 < 0.4 < min(accuracy["LSTM"], accuracy["GRU"]), accuracy


def test_only_the_trained_gated_cells_carry_the_error_back_to_step_one(defaults):
    """log10 ‖∂L/∂h_1‖/‖∂L/∂h_T‖ after training, measured: vanilla −2.6, LSTM −0.7, GRU −0.6."""
    ratio = {name: np.log10(gradient_ratio(curve)) for name, curve in defaults.gradients.items()}
    assert ratio["vanilla RNN"] < -1.5, ratio
    assert min(ratio["LSTM"], ratio["GRU"]) > ratio["vanilla RNN"] + 1, ratio  # at least 10× more of it


def test_truncated_bptt_does_less_work_and_cannot_learn_past_k2():
    """The "truncation" lesson (copy memory, T = 20, LSTM): full BPTT climbs above chance (1/8),
    truncated BPTT with k2 = 5 backpropagates only the output steps and stays at chance.
    Measured after its 20 epochs: 0.37 and 0.13."""
    lesson = next(p for p in PRESETS if p.name == "truncation")
    config = RecurrentConfig(**lesson.values)
    result = run_recurrent(config)
    full, truncated = result.runs.values()
    rows = {row["Network"]: row for row in result.table()}
    assert [row["Backprop steps per sequence"] for row in rows.values()] == [20, 5]
    chance = 1 / 8
    assert full.history["val_accuracy"][-1] > 2 * chance, rows
    assert truncated.history["val_accuracy"][-1] < 1.6 * chance, rows
