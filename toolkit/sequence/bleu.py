"""BLEU (Papineni, Roukos, Ward & Zhu 2002): how many of a candidate's n-grams the references contain.

A candidate (hypothesis) earns credit for each of its n-grams that appears in a reference, but
an n-gram counts at most as often as it occurs in the one reference that has it most often
(clipping: "the the the the the the the" against "the cat is on the mat" matches "the" twice, not
seven times). Short candidates are penalized, since precision alone would reward saying little:

    (1) Count_clip(g) = min(Count_hyp(g), max_ref Count_ref(g))          clipped count of n-gram g
    (2) p_n = Σ_g Count_clip(g) / Σ_g Count_hyp(g)                       modified n-gram precision
    (3) BP = 1 if c > r,  exp(1 − r / c) if c <= r                       brevity penalty
    (4) BLEU = BP · exp(Σ_{n=1..N} w_n log p_n),  w_n = 1 / N            score in [0, 1]

c is the candidate's length and r the length of the reference closest to it (the shorter one on a
tie). Over a corpus, the numerators and denominators of Eq. 2 and the lengths c and r are summed
over all sentences before dividing (the paper's corpus BLEU, not a mean of sentence scores). A
p_n of 0 (no matching 4-gram, say) makes BLEU 0; ``smooth=True`` adds 1 to the numerator and the
denominator of every p_n (the add-one smoothing of Lin & Och 2004, applied to every order, unigrams
included, as ``keras_hub.metrics.Bleu`` and tensorflow/nmt do; the paper applies it to n > 1 only).

``corpus_bleu`` mirrors ``keras_hub.metrics.Bleu``, which takes r as the *shortest* reference's
length instead of the closest (``reference_length="shortest"`` reproduces it; with one reference
per sentence the two agree; ``tests/sequence/test_bleu.py``).

Symbols -> names: c = ``hypothesis_length``, r = ``reference_length``, N = ``max_order``,
Σ_g Count_clip = ``matches``, Σ_g Count_hyp = ``totals``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import NamedTuple

import numpy as np

from toolkit.validation import check_bool, check_choice, check_positive_int

REFERENCE_LENGTHS = ("closest", "shortest")  # the r of Eq. 3: the paper's, keras_hub's
FORMULA = (r"\mathrm{BLEU} = \mathrm{BP}\cdot\exp\Big(\sum_{n=1}^{4} \tfrac14 \log p_n\Big),\quad "
           r"p_n = \frac{\sum_g \mathrm{Count_{clip}}(g)}{\sum_g \mathrm{Count}(g)},\quad "
           r"\mathrm{BP} = \min(1, e^{1 - r/c})")  # Eqs. 2-4, for the page


class BleuScore(NamedTuple):
    """BLEU (Eq. 4) with its parts: per-order precisions (Eq. 2) and their counts, BP (Eq. 3), c, r."""

    bleu: float
    precisions: tuple[float, ...]
    matches: tuple[int, ...]
    totals: tuple[int, ...]
    brevity_penalty: float
    hypothesis_length: int
    reference_length: int


def tokens(text: str) -> list[str]:
    """The toolkit's tokenizer for BLEU: lower case, split on white space."""
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a string, received text={text!r}.")
    return text.lower().split()


def sentence_bleu(references, hypothesis, *, max_order: int = 4, smooth: bool = False,
                  reference_length: str = "closest", return_parts: bool = False):
    """Eqs. 1-4 for one hypothesis: a float in [0, 1], or a ``BleuScore`` if `return_parts`.

    Args:
        references: one reference (a list of tokens) or several (a list of lists of tokens).
        hypothesis: the candidate, a list of tokens (strings, or ids such as a decoder returns).
    """
    return corpus_bleu([references], [hypothesis], max_order=max_order, smooth=smooth,
                       reference_length=reference_length, return_parts=return_parts)


def corpus_bleu(references, hypotheses, *, max_order: int = 4, smooth: bool = False,
                reference_length: str = "closest", return_parts: bool = False):
    """Eqs. 1-4 over a corpus, counts and lengths summed over sentences before dividing.

    Args:
        references: for each hypothesis, one reference (a list of tokens) or several.
        hypotheses: the candidates, each a list of tokens.
        reference_length: "closest" (the paper's r) or "shortest" (``keras_hub.metrics.Bleu``'s).
    """
    max_order = check_positive_int("max_order", max_order)
    smooth = check_bool("smooth", smooth)
    check_choice("reference_length", reference_length, REFERENCE_LENGTHS)
    check_bool("return_parts", return_parts)
    hypotheses, reference_sets = _corpus(references, hypotheses)
    matches, totals = np.zeros(max_order, np.int64), np.zeros(max_order, np.int64)
    c = r = 0
    for hypothesis, refs in zip(hypotheses, reference_sets):
        sentence_matches, sentence_totals = _clipped_counts(refs, hypothesis, max_order)
        matches, totals = matches + sentence_matches, totals + sentence_totals
        c += len(hypothesis)
        r += _reference_length(refs, len(hypothesis), reference_length)
    precisions = _precisions(matches, totals, smooth)
    penalty = brevity_penalty(c, r)
    # Eq. 4 (a zero precision makes the geometric mean 0)
    geometric_mean = math.exp(np.mean(np.log(precisions))) if min(precisions) > 0 else 0.0
    score = BleuScore(penalty * geometric_mean, tuple(precisions), tuple(int(m) for m in matches),
                      tuple(int(t) for t in totals), penalty, c, r)
    return score if return_parts else score.bleu


def brevity_penalty(hypothesis_length: int, reference_length: int) -> float:
    """Eq. 3; 0 for an empty hypothesis (the limit of exp(1 − r / c) as c -> 0)."""
    c, r = hypothesis_length, reference_length
    if c > r:
        return 1.0
    return math.exp(1.0 - r / c) if c > 0 else 0.0


def ngrams(sentence, n: int) -> Counter:
    """How often each n-gram (a tuple of n tokens) occurs in `sentence`."""
    return Counter(tuple(sentence[i:i + n]) for i in range(len(sentence) - n + 1))


def _clipped_counts(references, hypothesis, max_order: int) -> tuple[np.ndarray, np.ndarray]:
    """The numerators and denominators of Eq. 2 for one sentence, n = 1..N: (N,), (N,)."""
    matches, totals = np.zeros(max_order, np.int64), np.zeros(max_order, np.int64)
    for n in range(1, max_order + 1):
        counts = ngrams(hypothesis, n)
        most_in_a_reference = Counter()
        for reference in references:
            most_in_a_reference |= ngrams(reference, n)  # max over references, n-gram by n-gram
        # Eq. 1: Count_clip(g) = min(Count_hyp(g), max_ref Count_ref(g))
        matches[n - 1] = sum((counts & most_in_a_reference).values())
        totals[n - 1] = sum(counts.values())
    return matches, totals


def _precisions(matches: np.ndarray, totals: np.ndarray, smooth: bool) -> list[float]:
    """Eq. 2 for each order; 0 where the hypotheses have no n-gram of that order (unsmoothed)."""
    if smooth:
        return [float((m + 1) / (t + 1)) for m, t in zip(matches, totals)]
    return [float(m / t) if t else 0.0 for m, t in zip(matches, totals)]


def _reference_length(references, c: int, rule: str) -> int:
    """The r of Eq. 3 for one sentence: the closest reference length (shorter on a tie) or the shortest."""
    lengths = [len(reference) for reference in references]
    if rule == "shortest":
        return min(lengths)
    return min(lengths, key=lambda length: (abs(length - c), length))


def _corpus(references, hypotheses) -> tuple[list, list]:
    """(hypotheses, one list of references per hypothesis), every sentence a list of tokens."""
    hypotheses = [_sentence(h, f"hypotheses[{i}]") for i, h in enumerate(_sequence(hypotheses, "hypotheses"))]
    references = _sequence(references, "references")
    if not hypotheses:
        raise ValueError("`hypotheses` must hold at least one hypothesis, received hypotheses=[].")
    if len(references) != len(hypotheses):
        raise ValueError(f"`references` must hold one entry (a reference or a list of references) per "
                         f"hypothesis, received {len(references)} entries for {len(hypotheses)} hypotheses.")
    return hypotheses, [_reference_set(refs, f"references[{i}]") for i, refs in enumerate(references)]


def _reference_set(references, name: str) -> list:
    """One reference (a list of tokens) or several, as a list of references."""
    references = _sequence(references, name)
    if not references:
        raise ValueError(f"`{name}` must hold at least one reference, received {name}=[].")
    if all(not _is_sequence(token) for token in references):
        return [references]  # a single reference
    return [_sentence(reference, f"{name}[{j}]") for j, reference in enumerate(references)]


def _sentence(sentence, name: str) -> list:
    sentence = _sequence(sentence, name)
    if any(_is_sequence(token) for token in sentence):
        raise ValueError(f"`{name}` must be a list of tokens (strings or ids), received {name}={sentence!r}.")
    return sentence


def _sequence(value, name: str) -> list:
    if isinstance(value, str):
        raise ValueError(f"`{name}` must be a list of tokens, not a string, received {name}={value[:60]!r}; "
                         f"split text into tokens with `tokens(text)`.")
    if not _is_sequence(value):
        raise ValueError(f"`{name}` must be a list, received {name}={value!r}.")
    return list(value)


def _is_sequence(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and not isinstance(value, str)
