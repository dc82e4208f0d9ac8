"""K-LITE's knowledge at evaluation (Shen et al. 2022): a concept CLIP never read, described in words it did.

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
shape and colour it has; shapes of no concept are left out. K-LITE also trains CLIP with the knowledge appended
to its captions, so that the text encoder learns to read definitions; that half is left out here: the knowledge
only helps at evaluation because its words are the captions' own.
"""

from __future__ import annotations

import numpy as np

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
PROBE_SEED, PROBE_COUNT = 1, 1500  # single-shape scenes the concepts are read on (the CLIP page's probe seed)
TEMPLATE = "a {}"
INTRO = ("The notes: *K-LITE introduced a mechanism to extend text knowledge via external knowledge [...] During "
         "evaluation, the knowledge provides an additional source of information to improve model inference.* This "
         "CLIP never read the word *tomato*: every concept below is the one unknown token, so the prompts \"a tomato\" "
         "and \"a sapphire\" are the same text. K-LITE appends each concept's entry from a knowledge source (WordNet, "
         "Wiktionary); here a small glossary written in the captions' words.")
NOTE = ("Probe: single shapes of another seed whose shape and colour are one of the concepts. Names only: every prompt "
        "reads 'a <unknown>', so every shape goes to the first concept. K-LITE also trains with the knowledge appended "
        "to the captions, so that the text encoder learns to read definitions; this tab shows only the evaluation "
        "half, which works here because the glosses use the captions' words.")
LATEX = (r"t_c = \text{``a } c\text{''} + \text{``, ''} + \mathrm{gloss}(c),\qquad "
         r"\hat y(x) = \arg\max_c\ u(x)^\top v(t_c)")


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


def zero_shot(model, concepts, knowledge: bool, template: str = TEMPLATE, data=None) -> tuple[float, np.ndarray]:
    """Eq. 2 on ``probe(concepts)`` (or `data` = (images, labels)): accuracy and the predicted concept indices."""
    from toolkit.multimodal import clip

    images, labels = probe(concepts, model.image_shape[0]) if data is None else data
    predicted = clip.zero_shot_predict(model, images, prompts(concepts, template, knowledge), "{}")  # whole prompts
    return float(np.mean(predicted == labels)), predicted


def table(model, concepts, template: str = TEMPLATE) -> list[dict]:
    """Zero-shot with the concept names alone and with their knowledge, on the same probe shapes."""
    return compare(model, concepts, template)[0]


def compare(model, concepts, template: str = TEMPLATE) -> tuple[list[dict], tuple[np.ndarray, np.ndarray]]:
    """``table``'s rows, and the probe's labels with the predictions of the prompts with knowledge."""
    data = probe(concepts, model.image_shape[0])
    rows = []
    for knowledge, name in ((False, "names only"), (True, "names + knowledge (K-LITE)")):
        accuracy, predicted = zero_shot(model, concepts, knowledge, template, data)
        rows.append({"prompts": name, "example": prompts(concepts[:1], template, knowledge)[0],
                     "accuracy": round(accuracy, 3), "chance": round(1 / len(concepts), 3),
                     "probe shapes": len(data[1])})
    return rows, (data[1], predicted)
