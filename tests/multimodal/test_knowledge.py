"""K-LITE's knowledge at evaluation (toolkit.multimodal.knowledge): the glossary is written in the captions' words
about concepts they never name, the enriched prompts by hand, the probe's labels against the scenes' attributes,
and zero-shot with names alone (every prompt the same text) against the knowledge. The claim on the CLIP page's
default CLIP is in tests/multimodal/test_page_defaults.py."""

import numpy as np
import pytest

from toolkit.data import shapes
from toolkit.multimodal import clip, knowledge

pytestmark = pytest.mark.xdist_group(__name__)


def test_the_glossary_explains_unknown_concepts_in_known_words():
    vocabulary = set(clip.caption_vocabulary())
    for concept, (gloss, shape, colour) in knowledge.GLOSSARY.items():
        assert concept not in vocabulary  # CLIP never read the concept's name
        assert set(gloss.split()) <= vocabulary and shape in gloss and colour in gloss
    pairs = [(shape, colour) for _, shape, colour in knowledge.GLOSSARY.values()]
    assert len(set(pairs)) == len(pairs)  # no two concepts look alike


def test_prompts_with_and_without_knowledge():
    assert knowledge.prompts(["tomato", "ruby"]) == ["a tomato, a red circle", "a ruby, a red diamond"]
    assert knowledge.prompts(["tomato"], "one shape: a {}", knowledge=False) == ["one shape: a tomato"]
    with pytest.raises(ValueError, match="concept"):
        knowledge.prompts(["zebra"])


def test_the_probe_labels_each_shape_with_the_concept_of_its_shape_and_colour():
    concepts = ["tomato", "sapphire", "pharmacy"]
    images, labels = knowledge.probe(concepts, size=32)
    scenes = shapes.scenes(knowledge.PROBE_COUNT, seed=knowledge.PROBE_SEED, size=32, min_objects=1, max_objects=1)
    concept_of = {knowledge.GLOSSARY[c][1:]: i for i, c in enumerate(concepts)}  # (shape, colour) -> index
    per_scene = np.array([concept_of.get((shapes.SHAPES[s], shapes.COLOUR_NAMES[k]), -1)
                          for s, k in zip(scenes.classes[:, 0], scenes.colours[:, 0])])
    np.testing.assert_array_equal(labels, per_scene[per_scene >= 0])
    np.testing.assert_array_equal(images, scenes.images[per_scene >= 0])
    assert set(labels) == {0, 1, 2} and len(labels) > 60  # about 1/36 of the shapes per concept


def test_names_alone_are_one_text_and_the_table_reports_both():
    model = clip.CLIP((32, 32, 3), embed_dim=8, width=2, text_dim=8, heads=2, text_length=8)
    concepts = ["tomato", "sun", "lime"]
    tokens = model.tokenize(knowledge.prompts(concepts, knowledge=False))
    assert (tokens == tokens[0]).all()  # "a <unknown>" three times
    accuracy, predicted = knowledge.zero_shot(model, concepts, knowledge=False)
    assert (predicted == predicted[0]).all()  # ties: every shape gets the same concept
    rows = knowledge.table(model, concepts)
    assert [row["prompts"] for row in rows] == ["names only", "names + knowledge (K-LITE)",
                                                "names + knowledge in the dictionary's words"]
    assert rows[0]["accuracy"] == round(accuracy, 3) and rows[1]["example"] == "a tomato, a red circle"
    assert rows[2]["example"] == "a tomato, a red round shape"
    assert rows[0]["chance"] == round(1 / 3, 3)


def test_enrich_appends_each_shape_words_entry_once_in_order():
    """K-LITE's training half (Eq. 3): plural or singular, each shape word's dictionary entry follows once."""
    assert knowledge.enrich("a red circle") == "a red circle; circle: round"
    assert knowledge.enrich("two stars and a circle above a star") == ("two stars and a circle above a star; "
                                                                       "star: spiky; circle: round")
    assert knowledge.enrich("no shape at all") == "no shape at all"


def test_the_dictionary_is_written_in_words_no_caption_uses():
    from toolkit.data.text import tokenize

    captions = set(clip.caption_vocabulary())
    new = set(knowledge.DEFINITIONS.values())
    assert not new & captions and set(knowledge.DEFINITIONS) <= captions
    assert knowledge.vocabulary() == clip.caption_vocabulary() + sorted(new)
    described = knowledge.described()
    assert described.keys() == knowledge.GLOSSARY.keys() and described["sun"][0] == "a yellow round shape"
    for gloss, _, _ in described.values():  # every gloss word is read by a CLIP trained with knowledge
        assert set(tokenize(gloss, True)) <= set(knowledge.vocabulary())
    model = clip.CLIP((32, 32, 3), knowledge.vocabulary(), embed_dim=8, width=2, text_dim=8, heads=2)
    assert 1 not in model.tokenize([knowledge.enrich("a red circle and a cross")])[0]  # no unknown word
