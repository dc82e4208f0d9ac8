"""K-LITE's training half at the CLIP page's "K-LITE: train with knowledge" lesson (``ClipConfig(clip_knowledge=True)``:
the defaults, each training caption followed by the dictionary entry of its shape words, "a red circle; circle:
round"; about 95 s on 2 cores).

Twelve concepts CLIP never read, described in the dictionary's words ("a sun, a yellow round shape"): this CLIP
tells them apart at 0.83 (measured, seed 0), where the default CLIP reads only their colour (0.42, checked in
test_page_defaults.py); training with knowledge costs little elsewhere (zero-shot "a {shape}" 0.92, the default
0.94). Slow.
"""

import pytest

from toolkit.multimodal import knowledge, lab

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def trained():
    preset = next(preset for preset in lab.CLIP_PRESETS if preset.name == "k-lite")
    return lab.run_clip(lab.ClipConfig(**preset.values))


def test_a_clip_trained_with_knowledge_reads_the_dictionarys_words(trained):
    assert trained.config.clip_knowledge and "round" in trained.model.vocabulary
    names, enriched, other_words = knowledge.table(trained.model, list(knowledge.GLOSSARY))
    assert names["accuracy"] <= names["chance"] + 0.1, names  # the concepts' names are still unknown
    assert other_words["accuracy"] >= 0.65, other_words  # colour alone gives 5/12 = 0.42
    assert enriched["accuracy"] >= 0.8, enriched


def test_training_with_knowledge_keeps_zero_shot_classification(trained):
    accuracy, _, _ = trained.zero_shot([lab.HAND_PROMPT])
    assert accuracy >= 0.75, accuracy
