"""The CLIP page's claims at its defaults (one CLIP trained at ``ClipConfig()``, about 100 s on 2 cores):
zero-shot classification from captions alone, prompt ensembling, retrieval above chance, and CoOp /
CoCoOp's base and novel accuracy (Chapter 11: CoOp overfits its base classes, CoCoOp generalizes better);
and the FILIP page's claim beside it: at its defaults (``FilipConfig()``, 25 epochs, about 150 s) token-wise
similarity retrieves the held-out pairs better than this CLIP (measured R@1 0.48 / 0.41 against 0.41 / 0.34,
R@5 0.80 / 0.74 against 0.74 / 0.71) and reads single shapes zero-shot; and the ImageBind
page's (sounds bound to this CLIP through the images alone, about 10 s more).

Measured at seed 0 (lab's docstrings): zero-shot 0.94, ensemble 0.94; base / novel: hand 0.99 / 0.94,
CoOp 0.94 / 0.86, CoCoOp 0.95 / 0.89. The bounds below leave room for another CPU's numerics.
"""

import numpy as np
import pytest

from toolkit.multimodal import lab

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def trained():
    return lab.run_clip(lab.ClipConfig())


def test_the_default_clip_classifies_shapes_zero_shot_from_a_prompt(trained):
    accuracy, _, confusion = trained.zero_shot([lab.HAND_PROMPT])
    assert accuracy >= 0.8, accuracy  # measured 0.94 and, on a machine with other float rounding, 0.84
    assert np.all(np.diag(confusion) > confusion.sum(axis=1) / 2)  # every shape mostly right


def test_the_ensemble_beats_the_average_single_prompt(trained):
    singles = [trained.zero_shot([template])[0] for template in lab.ENSEMBLE]
    assert trained.zero_shot(lab.ENSEMBLE)[0] > np.mean(singles)


def test_retrieval_finds_the_own_caption_far_above_chance(trained):
    recalls = trained.recalls()
    chance = 5 / len(trained.captions)
    assert recalls["text → image"][5] > 10 * chance and recalls["image → text"][5] > 10 * chance


def test_coop_loses_the_novel_classes_and_cocoop_less(trained):
    table = {row["prompt"]: row for row in lab.run_prompts(lab.PromptConfig(), trained).table()}
    hand, coop, cocoop = table[f"hand-written '{lab.HAND_PROMPT}'"], table["CoOp"], table["CoCoOp"]
    assert coop["novel"] < hand["novel"]  # fitted to the base classes
    assert cocoop["novel"] > coop["novel"] and cocoop["H"] > coop["H"]


def test_filip_retrieves_better_than_clip_on_the_same_scenes(trained):
    """Measured on a 2-core AMD EPYC (AVX-512, oneDNN on), CI's CPU: FILIP's 25 epochs at Adam 0.001, mean recall
    0.61 (R@1 0.48 / 0.41, R@5 0.80 / 0.74) against this CLIP's 0.55 (0.41 / 0.34, 0.74 / 0.71). At CLIP's rate
    0.002 and 20 epochs (the defaults before) FILIP fell to 0.43 on this CPU while it led on the CPUs it was tuned
    on: its training is that sensitive to rounding."""
    from toolkit.data import shapes
    from toolkit.multimodal import filip

    config = filip.FilipConfig()
    result = filip.run_filip(config)
    assert result.run.status == "completed" and result.run.epochs_done == config.clip_epochs
    assert list(result.captions) == list(trained.captions)  # the same held-out pairs
    mine, clips = filip.filip_recalls(result.model, result.test.images, result.captions), trained.recalls()
    mean = {name: np.mean([r[way][k] for way in r for k in (1, 5)]) for name, r in (("filip", mine), ("clip", clips))}
    assert mean["filip"] > mean["clip"] + 0.05, (mine, clips)
    assert mine["text → image"][1] > clips["text → image"][1] and mine["image → text"][1] > clips["image → text"][1]
    images, labels = result.probe
    zero_shot = np.mean(filip.filip_zero_shot(result.model, images, shapes.SHAPES, lab.HAND_PROMPT) == labels)
    assert zero_shot >= 0.8, zero_shot


def test_knowledge_names_concepts_clip_never_read(trained):
    """K-LITE's claim on this CLIP (the CLIP page's Knowledge tab): twelve concepts none of whose names CLIP read
    (every prompt "a <unknown>"), told apart on 470 single shapes: names only 0.10 (chance 1/12), each name
    followed by its gloss ("a tomato, a red circle") 0.99, measured; the glosses in a dictionary's words no
    caption uses ("a tomato, a red round shape") 0.42, the colour alone."""
    from toolkit.multimodal import knowledge

    names, enriched, other_words = knowledge.table(trained.model, list(knowledge.GLOSSARY))
    assert names["accuracy"] <= names["chance"] + 0.1, names
    assert enriched["accuracy"] >= 0.8, enriched
    # glosses in the dictionary's words ("a sun, a yellow round shape"): "round" is unknown to this CLIP, so only
    # the colour is read, 5 of the 12 concepts (0.417 measured); K-LITE's training half: test_klite_defaults.py
    assert other_words["accuracy"] <= 0.5, other_words


def test_sounds_bound_through_images_read_shapes_from_text_prompts_but_not_colours(trained):
    """The ImageBind page's claim at its defaults (``BindConfig()``, whose CLIP is this one): a sound encoder
    trained on (scene, recording) pairs only reads shapes from the prompt 'a {shape}' (measured 0.98, the images
    0.84) and retrieves held-out captions from sounds far above chance, yet colour prompts stay at chance on
    sounds (colour makes no sound) while the images read them."""
    from toolkit.multimodal import imagebind

    config = imagebind.BindConfig()
    assert config.clip_config() == trained.config  # the page would reuse this CLIP
    result = imagebind.run_binding(config, clip=trained)
    assert result.run.status == "completed" and result.run.epochs_done == config.bind_epochs
    rows = {row["prompt"]: row for row in result.zero_shot()}
    shape, colour = rows["a {shape}"], rows["a {colour} shape"]
    assert shape["from the sound (emergent)"] >= 0.7, rows
    assert colour["from the sound (emergent)"] < 0.3 and colour["from the image (CLIP)"] > 0.8, rows
    recalls = {row["pair"]: row for row in result.recalls()}
    chance = 5 / len(trained.captions)
    assert recalls["sound → caption (emergent)"]["R@5"] > 10 * chance, recalls
