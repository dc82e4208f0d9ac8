"""The notes' claim of the Masked image modeling page, measured at its defaults: "some parts of the image are
masked and the model's task is to predict the missing parts. Force encoder to understand visual context."

One default run (``MaeConfig()``: 20 epochs of 3,000 shape crops, 75 % of the patches hidden; 34 s of
training on 2 idle cores). On 1,000 held-out crops the hidden patches are painted back with well under the
error of the best guess without context (measured 0.023 vs 0.048), and a linear probe on the frozen
features reads the shape better than on the same encoder before training (0.81 vs 0.73; 0.38 vs 0.33 with
10 labels per shape): the features learned from pixels alone carry the outline.

The "Predict visual tokens (BEiT)" lesson makes the same claim of BEiT (20 epochs, 40 % masked; 32 s): it names
far more hidden tokens than the most common visible token does (measured 0.77 vs 0.60), and its frozen features
read the shape better than the untrained encoder's (0.82 vs 0.73).

The "Self-distillation without labels (DINO)" lesson (20 epochs, two global and four local views; about 105 s): its
teacher's frozen features read the shape better than its untrained encoder's (measured 0.77 vs 0.69), and on the
held-out crops the teacher is neither uniform nor one cluster. Its two collapse lessons (8 epochs each, 47 s;
measured by benchmarks/mae.py: 1.6 clusters used without centring, H(P_t) 4.00 of log 64 = 4.16 without
sharpening) are not trained here, to keep the suite short: tests/multimodal/test_dino.py produces each collapse
on a short run. Slow.
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


def lesson(name):
    preset = next(preset for preset in lab.PRESETS if preset.name == name)
    return lab.run_mae(lab.MaeConfig(**preset.values))


@pytest.fixture(scope="module")
def beit_lesson():
    return lesson("beit")


def test_beit_names_the_hidden_tokens_from_their_context(beit_lesson):
    assert list(beit_lesson.runs) == ["BEiT"] and beit_lesson.runs["BEiT"].status == "completed"
    scores = beit_lesson.token_scores
    assert scores["beit"] >= scores["most common visible token"] + 0.1, scores


def test_beits_frozen_features_know_the_shape_better_than_the_untrained_encoder(beit_lesson):
    trained, untrained = beit_lesson.probes[:2]
    assert (trained["encoder"], untrained["encoder"]) == ("BEiT (no labels)", "same encoder, untrained")
    assert trained["shape"] >= untrained["shape"] + 0.04, beit_lesson.probes


@pytest.fixture(scope="module")
def dino_lesson():
    return lesson("dino")


def test_dinos_frozen_features_know_the_shape_better_than_its_untrained_encoder(dino_lesson):
    assert list(dino_lesson.runs) == ["DINO"] and dino_lesson.runs["DINO"].status == "completed"
    rows = {row["encoder"]: row for row in dino_lesson.probes}
    trained, untrained = rows["DINO (no labels)"], rows["DINO's encoder, untrained"]
    assert trained["shape"] >= untrained["shape"] + 0.04, dino_lesson.probes


def test_dinos_teacher_neither_collapses(dino_lesson):
    trained, _ = dino_lesson.cluster_rows  # measured: H(P_t) 0.70 of 4.16, 11 clusters used
    assert trained["H(P_t) per crop"] < 0.5 * trained["log K (uniform)"], trained  # sharp: not the uniform teacher
    assert trained["clusters used"] >= 6, trained  # spread: not one cluster for every crop
