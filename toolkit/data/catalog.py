"""The list of every dataset the toolkit knows, and `load`, which builds any of them by name.

`catalog()` is what the app's dataset picker shows: shape, classes, where the data comes
from, and the one line of code that loads it. `load(name, **kw)` dispatches on the name, so
`load(**ds.spec)` rebuilds any dataset from its record. The scenes of shapes (task "detection")
are a `toolkit.data.shapes.Scenes`, not a `Dataset`: images with boxes, masks and captions.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.data import external
from toolkit.data.bundled_digits import DESCRIPTION as DIGITS_DESCRIPTION
from toolkit.data.bundled_digits import digits
from toolkit.data.dataset import Dataset
from toolkit.data.dates import DESCRIPTION as DATES_DESCRIPTION
from toolkit.data.dates import SOURCE_LENGTH, TARGET_VOCAB, dates
from toolkit.data.playground import DESCRIPTIONS as TOY2D_DESCRIPTIONS
from toolkit.data.playground import REGRESSION_NAMES, TOY2D_NAMES, toy2d
from toolkit.data.reversal import DESCRIPTION as REVERSAL_DESCRIPTION
from toolkit.data.reversal import digit_reversal
from toolkit.data.sequences import DESCRIPTIONS as SEQUENCE_DESCRIPTIONS
from toolkit.data.sequences import adding_problem, copy_memory, sine_waves
from toolkit.data.shapes import DESCRIPTION as SHAPES_DESCRIPTION
from toolkit.data.shapes import SHAPES, Scenes, scenes
from toolkit.data.synthetic_glyphs import DESCRIPTION as GLYPHS_DESCRIPTION
from toolkit.data.synthetic_glyphs import glyphs
from toolkit.data.text import CLASSES as SENTIMENT_CLASSES
from toolkit.data.text import DESCRIPTION as SENTIMENT_DESCRIPTION
from toolkit.data.text import sentiment

# inputs are sequences (chapters 6-7), not points or images
SEQUENCE_NAMES = ("sine", "adding", "copy", "sentiment", "dates", "reversal")
BUILTIN_NAMES = TOY2D_NAMES + ("digits", "glyphs", "shapes") + SEQUENCE_NAMES
SEQUENCE_BUILDERS = {"sine": sine_waves, "adding": adding_problem, "copy": copy_memory, "sentiment": sentiment,
                     "dates": dates, "reversal": digit_reversal}
NAMES = BUILTIN_NAMES + external.EXTERNAL_NAMES


@dataclass(frozen=True)
class DatasetInfo:
    """One catalog row. `num_classes` is an int, or "regression"; `external` means a download."""

    name: str
    task: str
    input_shape: tuple[int, ...]
    num_classes: int | str
    source: str
    description: str
    code: str
    external: bool = False


def toy2d_info(name: str) -> DatasetInfo:
    if name == "spiral_k":
        num_classes, code = 3, 'toolkit.data.load("spiral_k", classes=3, noise=10)'
    elif name in REGRESSION_NAMES:
        num_classes, code = "regression", f'toolkit.data.load("{name}", n=1200, noise=10)'
    else:
        num_classes, code = 2, f'toolkit.data.load("{name}", noise=10)'
    task = "regression" if name in REGRESSION_NAMES else "classification"
    return DatasetInfo(name, task, (2,), num_classes, "generated", TOY2D_DESCRIPTIONS[name], code)


def external_info(name: str) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        task="classification",
        input_shape=external.INPUT_SHAPES[name],
        num_classes=len(external.CLASSES[name]),
        source=external.SOURCE,
        description=external.DESCRIPTIONS[name],
        code=f'toolkit.data.load("{name}")',
        external=True,
    )


def sequence_infos() -> list[DatasetInfo]:
    """The rows of the sequence datasets at their default arguments."""
    return [
        DatasetInfo("sine", "regression", (50, 1), "regression", "generated", SEQUENCE_DESCRIPTIONS["sine"],
                    'toolkit.data.load("sine", n=1000, noise=0.1)'),
        DatasetInfo("adding", "regression", (50, 2), "regression", "generated", SEQUENCE_DESCRIPTIONS["adding"],
                    'toolkit.data.load("adding", n=2000, length=50)'),
        DatasetInfo("copy", "classification", (30,), 10, "generated", SEQUENCE_DESCRIPTIONS["copy"],
                    'toolkit.data.load("copy", delay=20, copy_length=5, symbols=8)'),
        DatasetInfo("sentiment", "classification", (30,), len(SENTIMENT_CLASSES), "generated", SENTIMENT_DESCRIPTION,
                    'toolkit.data.load("sentiment", n=3000, max_words=30)'),
        DatasetInfo("dates", "classification", (SOURCE_LENGTH,), len(TARGET_VOCAB), "generated", DATES_DESCRIPTION,
                    'toolkit.data.load("dates", n=10000)'),
        DatasetInfo("reversal", "classification", (16,), len(TARGET_VOCAB), "generated", REVERSAL_DESCRIPTION,
                    'toolkit.data.load("reversal", n=10000, max_length=16)'),
    ]


def catalog() -> list[DatasetInfo]:
    """Every dataset `load` accepts: the 2-D toys, digits, glyphs, shapes, the sequences, then the downloads."""
    rows = [toy2d_info(name) for name in TOY2D_NAMES]
    rows.append(
        DatasetInfo("digits", "classification", (8, 8, 1), 10, "scikit-learn (bundled)", DIGITS_DESCRIPTION, 'toolkit.data.load("digits", size=8)')
    )
    rows.append(
        DatasetInfo("glyphs", "classification", (28, 28, 1), 10, "generated", GLYPHS_DESCRIPTION, 'toolkit.data.load("glyphs", n=10000)')
    )
    rows.append(
        DatasetInfo("shapes", "detection", (64, 64, 3), len(SHAPES), "generated", SHAPES_DESCRIPTION, 'toolkit.data.load("shapes", n=1000)')
    )
    rows.extend(sequence_infos())
    rows.extend(external_info(name) for name in external.EXTERNAL_NAMES)
    return rows


PREVIEW_KWARGS = {"digits": {}, "glyphs": {"n": 200}, "shapes": {"n": 16}, "sine": {"n": 100}, "adding": {"n": 100},
                  "copy": {"n": 100}, "sentiment": {"n": 150}, "dates": {"n": 100},
                  "reversal": {"n": 100}}


def preview(name: str) -> Dataset | Scenes:
    """A small, fixed-seed version of built-in dataset `name`, for galleries and thumbnails."""
    if name not in BUILTIN_NAMES:
        raise ValueError(f"`preview` covers the built-in datasets {', '.join(BUILTIN_NAMES)}; "
                         f"received name={name!r}.")
    kwargs = PREVIEW_KWARGS.get(name, {"n": 300, "noise": 5})
    return load(name, **kwargs)


def load(name: str, **kwargs) -> Dataset | Scenes:
    """Build dataset `name` with the builder's keyword arguments, e.g. load("circle", noise=10)."""
    if name in TOY2D_NAMES:
        return toy2d(name, **kwargs)
    if name == "digits":
        return digits(**kwargs)
    if name == "glyphs":
        return glyphs(**kwargs)
    if name == "shapes":
        return scenes(**kwargs)
    if name in SEQUENCE_BUILDERS:
        return SEQUENCE_BUILDERS[name](**kwargs)
    if name in external.EXTERNAL_NAMES:
        if kwargs:
            raise ValueError(f"`{name}` takes no arguments, received {sorted(kwargs)}; its train/test split is fixed.")
        return getattr(external, name)()
    valid = ", ".join(NAMES)
    raise ValueError(f"Unknown dataset name={name!r}; valid names are: {valid}.")
