"""Datasets for the course, offline first.

    toy2d(name, ...)   TensorFlow Playground's 2-D sets (circle, xor, gauss, spiral, plane,
                       multigauss) plus moons and a k-arm spiral, generated from a seed
    digits(...)        scikit-learn's bundled 8x8 handwritten digits
    glyphs(...)        an MNIST-sized stand-in rendered from fonts with affine + elastic warps
    scenes(...)        scenes of coloured shapes with boxes, instance masks, captions and questions
                       (toolkit.data.shapes; a `Scenes`, task "detection")
    sine_waves(...), adding_problem(...), copy_memory(...)
                       numeric sequence tasks for RNNs: next-step forecasting, the adding
                       problem, copy memory (toolkit.data.sequences)
    sentiment(...)     templated three-class product reviews whose negations need word order,
                       with `WordTokenizer` and `sentiment_tokenizer()` (toolkit.data.text)
    dates(...)         one day in 12 human forms -> ISO yyyy-mm-dd, character ids for
                       sequence-to-sequence models, with `CharTokenizer` (toolkit.data.dates)
    digit_reversal(...) random digit strings written backwards, with the ids of dates: a translation
                       whose information grows with its length (toolkit.data.reversal, "reversal")
    mnist(), fashion_mnist(), cifar10()   downloaded once through Keras (toolkit.data.external)

`catalog()` lists them all with the line of code that loads each; `load(name, **kw)` builds
any of them by name. Every builder but `scenes` returns a `Dataset`. Importing this package
does not import TensorFlow or Keras.
"""

from toolkit.data.bundled_digits import digits
from toolkit.data.cache import cache_dir, cache_status, clear_cache
from toolkit.data.catalog import BUILTIN_NAMES, NAMES, SEQUENCE_NAMES, DatasetInfo, catalog, load, preview
from toolkit.data.dataset import Dataset
from toolkit.data.dates import CharTokenizer, dates
from toolkit.data.external import DatasetUnavailable, cifar10, fashion_mnist, mnist
from toolkit.data.playground import TOY2D_NAMES, toy2d
from toolkit.data.reversal import digit_reversal
from toolkit.data.sequences import adding_problem, copy_memory, sine_waves
from toolkit.data.shapes import Scenes, scenes
from toolkit.data.synthetic_glyphs import glyphs
from toolkit.data.text import WordTokenizer, sentiment, sentiment_tokenizer

__all__ = [
    "BUILTIN_NAMES",
    "NAMES",
    "SEQUENCE_NAMES",
    "Scenes",
    "TOY2D_NAMES",
    "CharTokenizer",
    "Dataset",
    "DatasetInfo",
    "DatasetUnavailable",
    "WordTokenizer",
    "adding_problem",
    "cache_dir",
    "cache_status",
    "catalog",
    "cifar10",
    "clear_cache",
    "copy_memory",
    "dates",
    "digit_reversal",
    "digits",
    "fashion_mnist",
    "glyphs",
    "load",
    "mnist",
    "preview",
    "scenes",
    "sentiment",
    "sentiment_tokenizer",
    "sine_waves",
    "toy2d",
]
