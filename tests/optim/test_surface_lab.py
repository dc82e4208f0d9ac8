"""The loss-surface lab: every preset shows its lesson, outcomes are named in words, bad
settings get one sentence, and the page's SurfaceConfig holds every lesson."""

import numpy as np
import pytest

from toolkit.optim import (
    OPTIMIZERS, PRESETS, SURFACES, UPDATE_RULES, OptimizerChoice, SurfaceConfig, optimizer_choice,
    run_surface_lab, surface_lab,
)
from toolkit.optim.surface_lab import first_exit, outcome


def run_preset(name):
    preset = PRESETS[name]
    choices = [OptimizerChoice(name, hp) for name, hp in preset.optimizers.items()]
    return surface_lab(preset.surface, choices, start=preset.start, steps=preset.steps)


def test_every_preset_starts_inside_its_surface_and_names_known_optimizers():
    assert list(PRESETS) == ["saddle", "local_minimum", "ravine", "rosenbrock", "divergence",
                             "four_minima", "noisy_gradients", "monkey_saddle"]
    for name, preset in PRESETS.items():
        assert preset.name == name and name.isidentifier()  # the URL's ?lesson=<name>
        assert SURFACES[preset.surface].contains(preset.start), preset.title
        for name, hp in preset.optimizers.items():
            OptimizerChoice(name, hp).build()
        assert preset.lesson.endswith(".")


def test_saddle_preset_plain_sgd_lingers_near_the_saddle():
    lab = run_preset("saddle")
    near = {row["optimizer"]: row["steps near the saddle"] for row in lab.table()}
    assert near["SGD"] > 3 * near["Momentum"] and near["SGD"] > 3 * near["Adam"], near
    assert "unbounded below" in lab.divergence_message()


def test_local_minimum_preset_sgd_stays_momentum_rolls_over():
    lab = run_preset("local_minimum")
    assert lab.outcomes["SGD"].startswith("stuck in the local minimum")
    assert lab.outcomes["Adam"].startswith("stuck in the local minimum")
    assert lab.outcomes["Momentum"].startswith("reached the global minimum")
    assert lab.divergence_message() is None


def test_divergence_preset_flags_sgd_and_draws_it_to_the_exit():
    lab = run_preset("divergence")
    assert lab.paths["SGD"].diverged and not lab.paths["Momentum"].diverged
    exit_step = first_exit(lab.surface, lab.paths["SGD"])
    assert lab.left_domain() == {"SGD": exit_step} and 0 < exit_step < 30
    assert lab.outcomes["SGD"] == f"left the domain at step {exit_step} (diverged)"
    assert "Diverged: SGD at step" in lab.divergence_message()
    assert "smaller learning rate" in lab.divergence_message()


def test_four_minima_preset_ends_in_three_different_minima():
    lab = run_preset("four_minima")
    ends = {text for text in lab.outcomes.values()}
    assert len(ends) == 3 and all(t.startswith("reached the global minimum") for t in ends)


def test_other_presets_run_and_give_one_row_per_optimizer():
    for name in ("ravine", "rosenbrock", "noisy_gradients", "monkey_saddle"):
        lab = run_preset(name)
        rows = lab.table()
        assert [r["optimizer"] for r in rows] == list(PRESETS[name].optimizers)
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
    ({"choices": [optimizer_choice("Adam", -0.1)]}, "`learning_rate` must be a finite number in \\(0, ∞\\)"),
])
def test_bad_settings_get_one_sentence(kwargs, message):
    settings = {"surface": "saddle", "choices": [optimizer_choice("SGD", 0.01)], **kwargs}
    with pytest.raises(ValueError, match=message):
        surface_lab(**settings)


def test_every_lesson_is_a_config_with_its_optimizers_and_start():
    for preset in PRESETS.values():
        config = preset.config()
        assert config.surface == preset.surface and config.start == preset.start
        assert config.steps == preset.steps and config.optimizers == tuple(preset.optimizers)
        assert config.choices() == [OptimizerChoice(n, {**c.hyperparameters, **hp})
                                    for (n, hp), c in zip(preset.optimizers.items(), config.choices())]
        for choice in config.choices():  # the preset's own values, the defaults for the rest
            assert choice.hyperparameters.items() >= preset.optimizers[choice.name].items()


def test_surface_config_bounds_and_start_rule():
    config = SurfaceConfig()
    assert config.surface == "saddle" and config.optimizers == ("SGD", "Momentum", "Adam")
    assert [c.label for c in config.replace(keras=True).choices()] == [
        "SGD (Keras)", "Momentum (Keras)", "Adam (Keras)"]
    for bad, message in (({"lr_adam": 0.0}, r"`lr_adam` must be a finite number in \[1e-05, 10\]"),
                         ({"optimizers": ()}, "`optimizers` must be at least one value"),
                         ({"surface": "moon"}, "`surface` must be one of 'rosenbrock'"),
                         ({"x0": 5.0}, r"`start` \(5.0, 0.01\) lies outside the saddle domain")):
        with pytest.raises(ValueError, match=message):
            SurfaceConfig(**bad)
    assert SurfaceConfig(surface="ravine", x0=5.0).start == (5.0, 0.01)  # inside the ravine


def test_run_surface_lab_reports_one_run_per_optimizer():
    seen = []
    config = PRESETS["local_minimum"].config().replace(steps=40)
    lab = run_surface_lab(config, callbacks=[lambda run: seen.append((run.name, run.epochs_done))])
    assert list(lab.paths) == ["SGD", "Momentum", "Adam"]
    assert [name for name, done in seen if done == 40] == ["SGD", "Momentum", "Adam"]
    assert all(path.steps_done == 40 for path in lab.paths.values())


def test_every_optimizer_has_its_update_rule_for_the_pages():
    assert list(UPDATE_RULES) == list(OPTIMIZERS)
    assert r"\alpha v - \eta\,\hat g" in UPDATE_RULES["Momentum"] and r"\beta_2^t" in UPDATE_RULES["Adam"]
