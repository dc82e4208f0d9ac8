"""The loss-surface lab: every preset shows its lesson, outcomes are named in words, and bad
settings get one sentence."""

import numpy as np
import pytest

from toolkit.optim import PRESETS, SURFACES, OptimizerChoice, optimizer_choice, surface_lab
from toolkit.optim.surface_lab import first_exit, outcome


def run_preset(title):
    preset = PRESETS[title]
    choices = [OptimizerChoice(name, hp) for name, hp in preset.optimizers.items()]
    return surface_lab(preset.surface, choices, start=preset.start, steps=preset.steps)


def test_every_preset_starts_inside_its_surface_and_names_known_optimizers():
    for preset in PRESETS.values():
        assert SURFACES[preset.surface].contains(preset.start), preset.title
        for name, hp in preset.optimizers.items():
            OptimizerChoice(name, hp).build()
        assert preset.lesson.endswith(".")


def test_saddle_preset_plain_sgd_lingers_near_the_saddle():
    lab = run_preset("Saddle point")
    near = {row["optimizer"]: row["steps near the saddle"] for row in lab.table()}
    assert near["SGD"] > 3 * near["Momentum"] and near["SGD"] > 3 * near["Adam"], near
    assert "unbounded below" in lab.divergence_message()


def test_local_minimum_preset_sgd_stays_momentum_rolls_over():
    lab = run_preset("Local minimum")
    assert lab.outcomes["SGD"].startswith("stuck in the local minimum")
    assert lab.outcomes["Adam"].startswith("stuck in the local minimum")
    assert lab.outcomes["Momentum"].startswith("reached the global minimum")
    assert lab.divergence_message() is None


def test_divergence_preset_flags_sgd_and_draws_it_to_the_exit():
    lab = run_preset("Divergence")
    assert lab.paths["SGD"].diverged and not lab.paths["Momentum"].diverged
    exit_step = first_exit(lab.surface, lab.paths["SGD"])
    assert lab.left_domain() == {"SGD": exit_step} and 0 < exit_step < 30
    assert lab.outcomes["SGD"] == f"left the domain at step {exit_step} (diverged)"
    assert "Diverged: SGD at step" in lab.divergence_message()
    assert "smaller learning rate" in lab.divergence_message()


def test_four_minima_preset_ends_in_three_different_minima():
    lab = run_preset("Four minima")
    ends = {text for text in lab.outcomes.values()}
    assert len(ends) == 3 and all(t.startswith("reached the global minimum") for t in ends)


def test_other_presets_run_and_give_one_row_per_optimizer():
    for title in ("Ravine", "Rosenbrock valley", "Noisy gradients", "Monkey saddle"):
        lab = run_preset(title)
        rows = lab.table()
        assert [r["optimizer"] for r in rows] == list(PRESETS[title].optimizers)
        assert all(np.isfinite(r["final loss"]) for r in rows)


def test_keras_builtins_draw_the_same_paths():
    ours = surface_lab("ravine", [optimizer_choice("Nesterov", 0.05, momentum=0.8)], steps=50)
    keras_ = surface_lab("ravine", [optimizer_choice("Nesterov", 0.05, momentum=0.8, builtin=True)],
                         steps=50)
    np.testing.assert_allclose(ours.paths["Nesterov"].points,
                               keras_.paths["Nesterov (Keras)"].points, rtol=1e-5, atol=1e-5)


def test_outcome_words():
    lab = surface_lab("himmelblau", [optimizer_choice("SGD", 0.0001)], steps=3)
    assert lab.outcomes["SGD"] == "still on its way"
    assert outcome(lab.surface, lab.paths["SGD"]) == "still on its way"
    assert lab.grid[2].shape == (120, 120)


@pytest.mark.parametrize("kwargs, message", [
    ({"choices": []}, "Pick at least one optimizer"),
    ({"start": (5.0, 0.0)}, r"`start` \(5.0, 0.0\) lies outside the saddle domain"),
    ({"steps": 0}, r"`steps` must be an integer in \[1, 100000\]"),
    ({"surface": "moon"}, "`name` must be one of"),
    ({"choices": [optimizer_choice("Adam", -0.1)]}, "`learning_rate` must be a positive float"),
])
def test_bad_settings_get_one_sentence(kwargs, message):
    settings = {"surface": "saddle", "choices": [optimizer_choice("SGD", 0.01)], **kwargs}
    with pytest.raises(ValueError, match=message):
        surface_lab(**settings)
