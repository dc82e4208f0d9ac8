"""Every lesson preset of the app, by page and form: pages read theirs here, the Instructor page
lists them all.

A lesson is a preset of the toolkit (``toolkit.ffnn.phi.PRESETS`` …): settings that show one
claim of the notes, and the claim. ``SOURCES`` says which presets each page's forms offer; the
toolkit modules are imported only when a page asks for its lessons.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from demos.ui.params import LESSON, LOCK, Lesson

# url_path -> ((form key, module, attribute), ...); a form without lessons has module None.
SOURCES: dict[str, tuple[tuple[str, str | None, str | None], ...]] = {
    "phi": (("phi", "toolkit.ffnn.phi", "PRESETS"),),
    "optimization": (("optimization", "toolkit.optim.surface_lab", "PRESETS"),),
    "recurrent": (("recurrent", "toolkit.rnn.lab", "PRESETS"),),
    "sequence": (("sequence.captioning", None, None),
                 ("sequence.translation", "toolkit.sequence.seq2seq", "PRESETS")),
    "transformers": (("transformers.translation", "toolkit.transformers.lab", "TRANSLATION_PRESETS"),
                     ("transformers.tcn", "toolkit.transformers.lab", "TCN_PRESETS"),
                     ("transformers.vision", "toolkit.transformers.lab", "VISION_PRESETS")),
    "diffusion": (("diffusion.train", "toolkit.diffusion.lab", "PRESETS"), ("diffusion.sample", None, None)),
    "text_to_image": (("text_to_image.train", "toolkit.diffusion.text_lab", "PRESETS"),
                      ("text_to_image.prompt", None, None)),
    "clip": (("clip.train", "toolkit.multimodal.lab", "CLIP_PRESETS"),
             ("clip.prompts", "toolkit.multimodal.lab", "PROMPT_PRESETS")),
    "masked_images": (("masked-images", "toolkit.multimodal.mae_lab", "PRESETS"),),
    "flip": (("flip", "toolkit.multimodal.flip", "FLIP_PRESETS"),),
    "imagebind": (("imagebind", "toolkit.multimodal.imagebind", "BIND_PRESETS"),),
    "coca": (("coca", "toolkit.multimodal.coca_lab", "PRESETS"),),
    "stair": (("stair", "toolkit.multimodal.stair", "PRESETS"),),
    "interface": (("interface", "toolkit.multimodal.interface_lab", "PRESETS"),),
}


def as_lesson(preset) -> Lesson:
    """A toolkit preset as a ``Lesson`` (the optimization surfaces name the claim ``lesson`` and
    compute their values)."""
    values = preset.values() if callable(preset.values) else preset.values
    explanation = getattr(preset, "explanation", None) or preset.lesson
    return Lesson(preset.name, preset.title, explanation, dict(values))


def page_lessons(url_path: str) -> dict[str, list[Lesson]]:
    """The lessons of each form of the page at `url_path` (form key -> lessons; {} without any)."""
    out = {}
    for key, module, attribute in SOURCES.get(url_path, ()):
        presets = getattr(importlib.import_module(module), attribute) if module else ()
        out[key] = [as_lesson(p) for p in (presets.values() if isinstance(presets, dict) else presets)]
    return out


def lesson_query(lesson: Lesson, *, lock: bool = False) -> dict[str, str]:
    """The query that opens `lesson`; with `lock`, the lesson's own controls are read-only."""
    query = {LESSON: lesson.name}
    if lock and lesson.values:
        query[LOCK] = ",".join(sorted(lesson.values))
    return query


def every_lesson(url_paths: Iterable[str]) -> list[tuple[str, str, Lesson]]:
    """``(url_path, form key, lesson)`` for the pages in `url_paths` that have lessons, in that order."""
    return [(url_path, key, lesson) for url_path in url_paths
            for key, form_lessons in page_lessons(url_path).items() for lesson in form_lessons]
