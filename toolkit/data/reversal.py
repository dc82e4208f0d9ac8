"""Digit reversal: "40172" -> "27104", a translation task whose information grows with its length.

A date carries about 15 bits (36,525 days) however long it is written, so a fixed context
vector holds a long date as easily as a short one. A string of L random digits carries
L·log2(10) ≈ 3.3·L bits: the longer the source, the more an encoder-decoder without attention
must squeeze into its one vector, and the notes' "quality of output depends on sequence length"
shows (Bahdanau et al. 2015 plot BLEU against sentence length; Sutskever et al. 2014 reversed
their sources so the first words of the target lay near the encoder's last state). Draws:

    L ~ U{min_length .. max_length},   x_1 … x_L ~ U{0 .. 9} (independent)                        (1)
    x = ids(x_1 … x_L), post-padded with 0 to S = max_length characters                            (2)
    y = ids(x_L … x_1, "-" × (max_length − L)),   T = max_length characters                        (3)
    decoder input (teacher forcing):  y_in = (<start>, y_1, .., y_{T−1})  (dates' decoder_inputs)  (4)

The vocabularies, tokenizers and padding are those of `toolkit.data.dates` (SOURCE_VOCAB,
TARGET_VOCAB: the digits keep their ids, "-" is the filler), so every translator, greedy
decoder and score of `toolkit.sequence.seq2seq` reads both tasks. The filler gives every
target one fixed length T, as the ISO date's 10 characters do: no end token, a decoder runs
exactly T steps, and the first "-" marks where the reversed string ends.

Baseline: guessing each digit (1/10) is right on a whole string with probability 10^−L;
the filler alone makes the per-character accuracy of the string "-----…" (max_length − E[L]) / T.

| symbol | name (attrs key) |   | symbol | name           |
| L      | "length"         |   | S, T   | max_length     |
| x      | "source"         |   | y      | "target"       |
"""

from __future__ import annotations

import numpy as np

from toolkit.data.dataset import Dataset, shuffled_split
from toolkit.data.dates import TARGET_VOCAB, source_tokenizer, target_tokenizer
from toolkit.data.sequences import check_common
from toolkit.validation import check_int

DESCRIPTION = ("Random digit strings of 4 to 16 digits, written backwards ('40172' -> '27104', the rest "
               "'-'): the longer the string, the more a fixed context vector must hold (sequence to sequence).")
FILLER = "-"  # Eq. 3: pads the reversed digits to T characters; a class of TARGET_VOCAB
LONGEST = 64  # the most digits a string may have (max_length's bound)


def check_lengths(min_length: int, max_length: int) -> tuple[int, int]:
    """(min_length, max_length) of Eq. 1, validated: 1 <= min_length <= max_length <= LONGEST."""
    max_length = check_int("max_length", max_length, 1, LONGEST)
    min_length = check_int("min_length", min_length, 1, max_length,
                           hint="The shortest string cannot be longer than the longest.")
    return min_length, max_length


def reversed_text(source: str, max_length: int) -> str:
    """Eq. 3 as text: `source` backwards, then FILLER up to `max_length` characters."""
    return source[::-1] + FILLER * (max_length - len(source))


def digit_reversal(n: int = 10000, min_length: int = 4, max_length: int = 16, test_ratio: float = 0.2,
                   seed: int = 0) -> Dataset:
    """Digit reversal (Eqs. 1-3): x (N, max_length) int32 source ids, y (N, max_length) int32 target ids.

    x holds `toolkit.data.dates.source_tokenizer()` ids, post-padded with 0; y holds
    `target_tokenizer()` ids, the reversed digits then "-". attrs hold the "source" and "target"
    strings and "length" (L, the source's digits). The split is uniform.
    """
    n, test_ratio, seed = check_common(n, test_ratio, seed)
    min_length, max_length = check_lengths(min_length, max_length)
    rng = np.random.default_rng(seed)
    # Eq. 1: a uniform length, then uniform digits
    lengths = rng.integers(min_length, max_length + 1, n)
    digits = rng.integers(0, 10, (n, max_length))
    sources = ["".join(map(str, row[:length])) for row, length in zip(digits, lengths)]
    targets = [reversed_text(source, max_length) for source in sources]
    # Eq. 2: character ids, post-padded to S = max_length
    x = source_tokenizer().encode(sources, length=max_length)
    # Eq. 3: the reversed characters and the filler, T = max_length
    y = target_tokenizer().encode(targets, length=max_length)
    attrs = {"source": np.array(sources, dtype=object), "target": np.array(targets, dtype=object),
             "length": lengths.astype(np.int32)}
    train, test = shuffled_split(n, test_ratio, rng)
    spec = {"name": "reversal", "n": n, "min_length": min_length, "max_length": max_length, "test_ratio": test_ratio,
            "seed": seed}
    return Dataset.from_indices("reversal", x, y, train, test, attrs=attrs, task="classification",
                                classes=TARGET_VOCAB, description=DESCRIPTION, spec=spec)
