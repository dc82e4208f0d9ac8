"""K-LITE (Shen et al. 2022): concepts CLIP never read, described in words it did, at evaluation and in training.

The notes: "K-LITE introduced a mechanism to extend text knowledge via external knowledge in order to provide
more detailed informations. For example Wikipedia can be used ... During evaluation, the knowledge provides an
additional source of information to improve model inference."

A CLIP trained on shapes captions (``toolkit.multimodal.lab``) knows 48 words. Ask it to tell a *tomato* from a
*sapphire* and every concept name is the one unknown token: the prompts "a tomato" and "a sapphire" are the same
text, and zero-shot is chance. K-LITE appends each concept's entry from a knowledge source, here ``GLOSSARY``, a
small dictionary written in the captions' words, as K-LITE appends WordNet or Wiktionary definitions:

    (1) t_c = template(c) + ", " + gloss(c)        "a tomato, a red circle"
    (2) ŷ(x) = argmax_c u(x) · v(t_c)              CLIP's zero-shot (Eq. 5 of ``clip``) on the enriched prompts

The probe: single shapes (another seed, as the CLIP page's zero-shot tab), each labelled with the concept whose
shape and colour it has; shapes of no concept are left out.

K-LITE's training half appends knowledge to the training captions too, so that the text encoder learns the
knowledge source's own words. Here the source is ``DEFINITIONS``, a dictionary entry for each shape word in
words no caption uses ("circle: round"); with ``ClipConfig(clip_knowledge=True)`` every caption is followed
by the entries of the shape words it names:

    (3) t = caption + "; " + w + ": " + def(w)  for each shape word w of the caption    "a red circle; circle: round"

The glosses of ``described`` ("a sun, a yellow round shape") then use words only such a CLIP has read: a CLIP
trained on plain captions reads them as unknown tokens and tells the concepts apart by colour alone.
"""

from __future__ import annotations

import numpy as np

from toolkit.data import shapes
from toolkit.validation import check_choice

# concept -> (its gloss in the shapes captions' words, shape, colour): one knowledge source
GLOSSARY = {
    "tomato": ("a red circle", "circle", "red"),
    "sun": ("a yellow circle", "circle", "yellow"),
    "lime": ("a green circle", "circle", "green"),
    "brick": ("a red square", "square", "red"),
    "tile": ("a blue square", "square", "blue"),
    "ruby": ("a red diamond", "diamond", "red"),
    "sapphire": ("a blue diamond", "diamond", "blue"),
    "emerald": ("a green diamond", "diamond", "green"),
    "pyramid": ("a yellow triangle", "triangle", "yellow"),
    "starfish": ("a magenta star", "star", "magenta"),
    "medic": ("a red cross", "cross", "red"),
    "pharmacy": ("a green cross", "cross", "green"),
}
# shape word -> its entry in a second knowledge source, written in words no caption uses (K-LITE's training half)
DEFINITIONS = {"circle": "round", "square": "boxy", "triangle": "wedge", "diamond": "rhombus", "star": "spiky",
               "cross": "plus"}
_SINGULAR = {**{plural: shape for shape, plural in shapes.PLURALS.items()}, **{shape: shape for shape in shapes.SHAPES}}
PROBE_SEED, PROBE_COUNT = 1, 1500  # single-shape scenes the concepts are read on (the CLIP page's probe seed)
TEMPLATE = "a {}"
INTRO = ("The notes: *K-LITE introduced a mechanism to extend text knowledge via external knowledge [...] During "
         "evaluation, the knowledge provides an additional source of information to improve model inference.* This "
         "CLIP never read the word *tomato*: every concept below is the one unknown token, so the prompts \"a tomato\" "
         "and \"a sapphire\" are the same text. K-LITE appends each concept's entry from a knowledge source (WordNet, "
         "Wiktionary); here a small glossary written in the captions' words.")
NOTE = ("Probe: single shapes of another seed whose shape and colour are one of the concepts. Names only: every prompt "
        "reads 'a <unknown>', so every shape goes to the first concept. The glosses in the captions' words work for "
        "any CLIP trained on these captions. The last row writes the shapes in a dictionary's words (circle: round, "
        "square: boxy, …) that no caption uses: a CLIP trained on plain captions reads them as unknown and tells the "
        "concepts apart by colour alone (5 of 12, about 0.42). K-LITE's training half (the 'Train with knowledge' "
        "switch, lesson 'K-LITE: train with knowledge') appends the dictionary's entry to every shape word of the "
        "training captions, and the same CLIP then reads the new words too (0.83).")
LATEX = (r"t_c = \text{``a } c\text{''} + \text{``, ''} + \mathrm{gloss}(c),\qquad "
         r"\hat y(x) = \arg\max_c\ u(x)^\top v(t_c)")


TRAIN_LATEX = r"t = \text{caption} + \text{``; } w\text{: ''} + \mathrm{def}(w)\ \text{for each shape word } w"


def enrich(caption: str) -> str:
    """Eq. 3: `caption` followed by the ``DEFINITIONS`` entry of each shape word it names, in order, once each."""
    named = dict.fromkeys(_SINGULAR[word] for word in caption.split() if word in _SINGULAR)
    return caption + "".join(f"; {word}: {DEFINITIONS[word]}" for word in named)


def vocabulary() -> list[str]:
    """The captions' words and the definitions' new ones: the vocabulary of a CLIP trained with knowledge."""
    from toolkit.multimodal.clip import caption_vocabulary

    return caption_vocabulary() + sorted(set(DEFINITIONS.values()))


def described(glossary=None) -> dict:
    """``GLOSSARY`` with each gloss rewritten in the definitions' words: "a red circle" -> "a red round shape"."""
    glossary = GLOSSARY if glossary is None else glossary
    return {c: (f"a {colour} {DEFINITIONS[shape]} shape", shape, colour) for c, (_, shape, colour) in glossary.items()}


def prompts(concepts, template: str = TEMPLATE, knowledge: bool = True, glossary=None) -> list[str]:
    """Eq. 1 for each concept: the template alone, or followed by the concept's gloss."""
    glossary = GLOSSARY if glossary is None else glossary
    out = []
    for concept in concepts:
        check_choice("concept", concept, tuple(glossary))
        text = template.format(concept)
        out.append(f"{text}, {glossary[concept][0]}" if knowledge else text)
    return out


def probe(concepts, size: int = 64, glossary=None):
    """Single shapes whose (shape, colour) is one of `concepts`: (images, concept indices)."""
    from toolkit.data import shapes

    glossary = GLOSSARY if glossary is None else glossary
    scenes = shapes.scenes(PROBE_COUNT, seed=PROBE_SEED, size=size, min_objects=1, max_objects=1)
    keys = {(shapes.SHAPES.index(glossary[c][1]), shapes.COLOUR_NAMES.index(glossary[c][2])): i
            for i, c in enumerate(concepts)}
    labels = np.array([keys.get((int(s), int(c)), -1) for s, c in zip(scenes.classes[:, 0], scenes.colours[:, 0])])
    keep = labels >= 0
    return scenes.images[keep], labels[keep]


def zero_shot(model, concepts, knowledge: bool, template: str = TEMPLATE, data=None,
              glossary=None) -> tuple[float, np.ndarray]:
    """Eq. 2 on ``probe(concepts)`` (or `data` = (images, labels)): accuracy and the predicted concept indices."""
    from toolkit.multimodal import clip

    images, labels = probe(concepts, model.image_shape[0], glossary) if data is None else data
    texts = prompts(concepts, template, knowledge, glossary)
    predicted = clip.zero_shot_predict(model, images, texts, "{}")  # whole prompts
    return float(np.mean(predicted == labels)), predicted


def table(model, concepts, template: str = TEMPLATE) -> list[dict]:
    """Zero-shot with the concept names alone and with their knowledge, on the same probe shapes."""
    return compare(model, concepts, template)[0]


def compare(model, concepts, template: str = TEMPLATE) -> tuple[list[dict], tuple[np.ndarray, np.ndarray]]:
    """``table``'s rows (names alone, with the captions' glosses, with the glosses in ``DEFINITIONS``' words), and
    the probe's labels with the predictions of the prompts with the captions' glosses."""
    data = probe(concepts, model.image_shape[0])
    rows, shown = [], None
    for name, knowledge, glossary in (("names only", False, GLOSSARY), ("names + knowledge (K-LITE)", True, GLOSSARY),
                                      ("names + knowledge in the dictionary's words", True, described())):
        accuracy, predicted = zero_shot(model, concepts, knowledge, template, data, glossary)
        shown = predicted if name == "names + knowledge (K-LITE)" else shown
        rows.append({"prompts": name, "example": prompts(concepts[:1], template, knowledge, glossary)[0],
                     "accuracy": round(accuracy, 3), "chance": round(1 / len(concepts), 3),
                     "probe shapes": len(data[1])})
    return rows, (data[1], shown)


def gloss_rows(concepts) -> list[dict]:
    """Each concept with its two glosses: in the captions' words and in the dictionary's."""
    other = described()
    return [{"concept": c, "knowledge (gloss)": GLOSSARY[c][0], "in the dictionary's words": other[c][0]}
            for c in concepts]
