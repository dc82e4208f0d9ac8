"""The loss-surface lab: every preset shows its lesson, outcomes are named in words, bad
settings get one sentence, and the page's SurfaceConfig holds every lesson."""

import numpy as np
import pytest

from toolkit.optim import (
    OPTIMIZERS, PRESETS, SURFACES, UPDATE_RULES, OptimizerChoice, SurfaceConfig, optimizer_choice,
    run_surface_lab, surface_lab,
)
from toolkit.optim.surface_lab import outcome


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
    """Notes, ch. 2 "The problem of Saddle Points": the gradient is zero at a saddle, a problem
    "only if the opt. problem becomes stuck" there; ch. 3 momentum's "inertia".

    Measured (table): SGD 155 steps near the saddle and leaves at step 268; momentum 33 and
    56, Adam 0 and 138.
    """
    lab = run_preset("saddle")
    near = {row["optimizer"]: row["steps near the saddle"] for row in lab.table()}
    assert near["SGD"] > 3 * near["Momentum"] and near["SGD"] > 3 * near["Adam"], near
    left = lab.left_domain()
    assert left["Momentum"] < left["SGD"] / 3 and left["Adam"] < left["SGD"] / 1.5, left
    assert "unbounded below" in lab.divergence_message()


def test_local_minimum_preset_sgd_stays_momentum_rolls_over():
    """Notes, ch. 2 "The problem of Local Minima" (the loss is non-convex) and ch. 3 momentum."""
    lab = run_preset("local_minimum")
    assert lab.outcomes["SGD"].startswith("stuck in the local minimum")
    assert lab.outcomes["Adam"].startswith("stuck in the local minimum")
    assert lab.outcomes["Momentum"].startswith("reached the global minimum")
    assert lab.divergence_message() is None


def test_divergence_preset_flags_sgd_and_draws_it_to_the_exit():
    """Notes, ch. 3 "Types of Gradient Descent": w <- w - eta g^ with too large an eta.

    Along y (curvature 10) each SGD step multiplies y by 1 - 10 eta = -1.05: |y| grows at every
    step until the path leaves the domain (step 9), and the outcome, the message, the table
    and the loss curve all end at that step.
    """
    lab = run_preset("divergence")
    sgd = lab.paths["SGD"]
    assert sgd.diverged and not lab.paths["Momentum"].diverged
    assert np.all(np.diff(np.abs(sgd.points[:, 1])) > 0)  # each step overshoots further
    exit_step = sgd.exit_step
    assert lab.left_domain() == {"SGD": exit_step} and 0 < exit_step < 30
    assert sgd.steps_done == exit_step and not lab.surface.contains(sgd.points[-1])  # drawn to the exit
    assert lab.surface.contains(sgd.points[-2])
    row = next(row for row in lab.table() if row["optimizer"] == "SGD")
    assert row["steps"] == exit_step and row["final loss"] == float(f"{sgd.losses[-1]:.4g}")
    assert lab.outcomes["SGD"] == f"left the domain at step {exit_step} (diverged)"
    assert f"Diverged: SGD at step {exit_step}" in lab.divergence_message()
    assert "smaller learning rate" in lab.divergence_message()
    assert all(lab.outcomes[name].startswith("reached the global minimum") for name in ("Momentum", "Adam"))


def test_every_path_of_the_default_lab_ends_where_its_outcome_says():
    """The note, the table and the curves read one set of numbers: a path that left the
    domain ends at its exit step (the note once said "Adam left at step 36" beside a curve
    and a table that ran to step 89)."""
    lab = run_surface_lab(SurfaceConfig())
    left = lab.left_domain()
    assert set(left) == {"SGD", "Momentum", "Adam"}
    for row in lab.table():
        path = lab.paths[row["optimizer"]]
        assert row["steps"] == path.steps_done == left[row["optimizer"]] == len(path.losses) - 1
        assert f"{row['optimizer']} at step {row['steps']}" in lab.divergence_message()
        assert row["outcome"] == f"left the domain at step {row['steps']} (f is unbounded below)"


def test_a_path_thrown_out_in_one_step_is_named_in_the_warning():
    """Adam at eta = 10 on the noisy bowl leaves at step 1: its row, the warning and the curve
    agree (it once read "f became infinite" beside a final loss of 1.125, and the warning
    left it out)."""
    lab = run_surface_lab(SurfaceConfig(surface="noisy_bowl", lr_adam=10.0))
    adam = next(row for row in lab.table() if row["optimizer"] == "Adam")
    assert adam["outcome"] == "left the domain at step 1 (diverged)" and adam["steps"] == 1
    assert adam["final loss"] > 100  # f where it left, not the start's
    assert lab.divergence_message().startswith("Diverged: Adam at step 1")


def test_four_minima_preset_ends_in_three_different_minima():
    lab = run_preset("four_minima")
    ends = {text for text in lab.outcomes.values()}
    assert len(ends) == 3 and all(t.startswith("reached the global minimum") for t in ends)


def test_ravine_preset_sgd_zigzags_momentum_and_adaptive_steps_do_not():
    """Notes, ch. 3: SGD "in regions where gradient changes rapidly ... can fluctuate a lot";
    momentum's velocity; adaptive methods give each parameter its own learning rate.

    Measured: SGD's y changes sign at all 150 steps, momentum's at 35; at step 50 RMSProp and
    Adam are within 0.3 of x = 0, SGD still at x = -3.2.
    """
    lab = run_preset("ravine")
    flips = {name: int(np.sum(np.diff(np.sign(path.points[:, 1])) != 0)) for name, path in lab.paths.items()}
    assert flips["SGD"] >= 0.9 * lab.paths["SGD"].steps_done and flips["Momentum"] < flips["SGD"] / 3, flips
    x50 = {name: abs(path.points[50, 0]) for name, path in lab.paths.items()}
    assert x50["RMSProp"] < x50["SGD"] / 5 and x50["Adam"] < x50["SGD"] / 5, x50


def test_rosenbrock_preset_every_method_drops_into_the_valley_then_crawls():
    """Notes, ch. 3 momentum: "when surface is almost flat, SGD moves slowly".

    Every path reaches the valley floor (|y - x^2| < 0.1) within 5 steps, still about 2 from
    the minimum; after 500 steps SGD and Adam are still on their way, momentum and Nesterov
    reached it (measured end distances 1.68, 0.74, 0.09, 0.11).
    """
    lab = run_preset("rosenbrock")
    for name, path in lab.paths.items():
        x, y = path.points.T
        first = int(np.argmax(np.abs(y - x**2) < 0.1))
        assert 0 < first <= 5 and np.hypot(x[first] - 1, y[first] - 1) > 1.9, name
    assert [name for name, text in lab.outcomes.items() if text == "still on its way"] == ["SGD", "Adam"]


def test_noisy_gradients_preset_momentum_and_adagrad_jitter_less_than_sgd():
    """Notes, ch. 3 "Stochastic Gradient Descent": g^ from one sample "can be noisy"; momentum
    averages past gradients; Adagrad's steps shrink as r grows.

    Over three noise seeds, f averaged over the last 100 steps is lower for momentum and for
    Adagrad than for SGD (seed 0: SGD 0.049, momentum 0.019, Adagrad 0.013).
    """
    preset = PRESETS["noisy_gradients"]
    choices = [OptimizerChoice(name, hp) for name, hp in preset.optimizers.items()]
    for seed in (0, 1, 2):
        lab = surface_lab(preset.surface, choices, start=preset.start, steps=preset.steps, seed=seed)
        jitter = {name: float(np.mean(path.losses[-100:])) for name, path in lab.paths.items()}
        assert jitter["Momentum"] < jitter["SGD"] and jitter["Adagrad"] < jitter["SGD"], (seed, jitter)


def test_monkey_saddle_preset_sgd_creeps_near_the_centre_the_others_slide_away():
    """Notes, ch. 2 "The problem of Saddle Points"."""
    lab = run_preset("monkey_saddle")
    near = {row["optimizer"]: row["steps near the saddle"] for row in lab.table()}
    assert near["SGD"] == lab.paths["SGD"].steps_done + 1 and lab.outcomes["SGD"] == "still on its way"
    assert set(lab.left_domain()) == {"Momentum", "Adam"}


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
