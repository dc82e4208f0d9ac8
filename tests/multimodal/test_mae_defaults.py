"""The notes' claim of the Masked image modeling page, measured at its defaults: "some parts of the image are
masked and the model's task is to predict the missing parts. Force encoder to understand visual context."

One default run (``MaeConfig()``: 20 epochs of 3,000 shape crops, 75 % of the patches hidden; 34 s of
training on 2 idle cores). On 1,000 held-out crops the hidden patches are painted back with well under the
error of the best guess without context (measured 0.023 vs 0.048), and a linear probe on the frozen
features reads the shape better than on the same encoder before training (0.81 vs 0.73; 0.38 vs 0.33 with
10 labels per shape): the features learned from pixels alone carry the outline.

The "Predict visual tokens (BEiT)" lesson makes the same claim of BEiT (20 epochs, 40 % masked; 32 s): it names
far more hidden tokens than the most common visible token does (measured 0.77 vs 0.60), and its frozen features
read the shape better than the untrained encoder's (0.82 vs 0.73). Slow.
"""

import pytest

from toolkit.multimodal import mae_lab as lab

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def trained():
    return lab.run_mae(lab.MaeConfig())


def test_the_hidden_patches_are_painted_back_from_their_context(trained):
    run = trained.runs["MAE"]
    assert run.status == "completed" and run.epochs_done == lab.MaeConfig().epochs
    errors = trained.reconstruction_errors
    assert errors["mae"] < 0.6 * errors["mean colour of the visible patches"], errors
    loss = run.history["loss"]
    assert loss[-1] < 0.5 * loss[0], loss


def test_the_frozen_features_know_the_shape_better_than_the_untrained_encoder(trained):
    mae, untrained = trained.probes[:2]
    assert (mae["encoder"], untrained["encoder"]) == ("MAE (no labels)", "same encoder, untrained")
    assert mae["shape"] >= untrained["shape"] + 0.04, trained.probes
    # with 10 labels per shape the gap is small (0.38 vs 0.33 measured) and not asserted: 60 labels are noisy
    assert mae["shape"] > 3 / 6 and mae["colour"] > 0.9  # far above chance (1/6 each)


@pytest.fixture(scope="module")
def beit_lesson():
    preset = next(preset for preset in lab.PRESETS if preset.name == "beit")
    return lab.run_mae(lab.MaeConfig(**preset.values))


def test_beit_names_the_hidden_tokens_from_their_context(beit_lesson):
    assert list(beit_lesson.runs) == ["BEiT"] and beit_lesson.runs["BEiT"].status == "completed"
    scores = beit_lesson.token_scores
    assert scores["beit"] >= scores["most common visible token"] + 0.1, scores


def test_beits_frozen_features_know_the_shape_better_than_the_untrained_encoder(beit_lesson):
    trained, untrained = beit_lesson.probes[:2]
    assert (trained["encoder"], untrained["encoder"]) == ("BEiT (no labels)", "same encoder, untrained")
    assert trained["shape"] >= untrained["shape"] + 0.04, beit_lesson.probes
