"""BLEU (Eqs. 1-4 of toolkit.sequence.bleu) on the paper's and hand-worked cases, and against
keras_hub.metrics.Bleu on random corpora."""

import math

import numpy as np
import pytest

from toolkit.sequence.bleu import brevity_penalty, corpus_bleu, sentence_bleu, tokens

CAT = tokens("the cat is on the mat")
THERE = tokens("there is a cat on the mat")
WORDS = ("the", "cat", "dog", "sat", "on", "mat", "a", "rug")


@pytest.fixture(scope="module")
def keras_hub():
    import keras_hub  # a few seconds: imported once, and only by the tests that compare with it

    return keras_hub


def test_tokens_lowers_and_splits_on_white_space():
    assert tokens("The cat  IS\non the MAT ") == ["the", "cat", "is", "on", "the", "mat"]


def test_clipped_unigram_precision_of_the_papers_example():
    """Papineni et al. 2002, Example 2: "the" occurs at most twice in a reference, so p_1 = 2/7."""
    parts = sentence_bleu([CAT, THERE], tokens("the the the the the the the"), return_parts=True)
    assert parts.matches[:2] == (2, 0) and parts.totals[:2] == (7, 6)  # "the the" is in neither reference
    assert parts.precisions[0] == pytest.approx(2 / 7)
    assert parts.bleu == 0.0


def test_clipped_bigram_precision():
    """Wikipedia's bigram example: "the cat" twice in the candidate, at most once in a reference;
    "cat the" in none; "cat on", "on the", "the mat" once each: p_2 = 4/6."""
    parts = sentence_bleu([CAT, THERE], tokens("the cat the cat on the mat"), return_parts=True)
    assert (parts.matches[1], parts.totals[1]) == (4, 6)
    assert parts.precisions[1] == pytest.approx(4 / 6)


def test_hand_computed_sentence():
    """"the cat sat on the mat" against "the cat is on the mat": p_1 = 5/6 (all but "sat"),
    p_2 = 3/5 ("the cat", "on the", "the mat"), p_3 = 1/4 ("on the mat"), p_4 = 0/3; c = r = 6, BP = 1."""
    hypothesis = tokens("the cat sat on the mat")
    parts = sentence_bleu(CAT, hypothesis, return_parts=True)
    assert parts.matches == (5, 3, 1, 0) and parts.totals == (6, 5, 4, 3)
    assert (parts.brevity_penalty, parts.hypothesis_length, parts.reference_length) == (1.0, 6, 6)
    assert parts.bleu == 0.0  # no 4-gram in common, no smoothing
    # N = 3: (5/6 · 3/5 · 1/4)^(1/3) = (1/8)^(1/3)
    assert sentence_bleu(CAT, hypothesis, max_order=3) == pytest.approx(0.5)
    # add-one smoothing: (6/7 · 4/6 · 2/5 · 1/4)^(1/4) = (2/35)^(1/4)
    assert sentence_bleu(CAT, hypothesis, smooth=True) == pytest.approx((2 / 35) ** 0.25)


def test_perfect_match_scores_one():
    assert sentence_bleu(CAT, CAT) == 1.0
    assert sentence_bleu([THERE, CAT], CAT) == 1.0
    assert corpus_bleu([CAT, [THERE, CAT]], [CAT, THERE]) == 1.0
    assert sentence_bleu(np.array([3, 1, 4, 1, 5]), (3, 1, 4, 1, 5)) == 1.0  # token ids, as a decoder gives


def test_brevity_penalty():
    assert brevity_penalty(7, 6) == 1.0
    assert brevity_penalty(6, 6) == 1.0  # exp(1 − 6/6)
    assert brevity_penalty(3, 6) == pytest.approx(math.exp(-1))
    assert brevity_penalty(0, 6) == 0.0
    # a correct but short candidate: every p_n = 1, BLEU = BP = exp(1 − 6/3)
    assert sentence_bleu(CAT, tokens("the cat is"), max_order=3) == pytest.approx(math.exp(-1))


def test_reference_length_is_the_closest_one():
    short, long = tokens("the cat"), tokens("the cat is on the mat again ok")  # r = 2 and 8
    hypothesis = tokens("the cat is on the mat")                                # c = 6
    parts = sentence_bleu([short, long], hypothesis, return_parts=True)
    assert parts.reference_length == 8 and parts.brevity_penalty == pytest.approx(math.exp(1 - 8 / 6))
    assert sentence_bleu([short, long], hypothesis, reference_length="shortest", return_parts=True)[4] == 1.0
    tie = sentence_bleu([tokens("a b c d"), tokens("a b c d e f g h")], tokens("a b c d e f"), return_parts=True)
    assert tie.reference_length == 4  # |4 − 6| = |8 − 6|: the shorter, as sacrebleu does


def test_corpus_sums_counts_and_lengths_before_dividing():
    references = [CAT, [THERE, CAT]]
    hypotheses = [tokens("the cat sat on the mat"), tokens("a cat is on the mat")]
    corpus = corpus_bleu(references, hypotheses, return_parts=True)
    sentences = [sentence_bleu(r, h, return_parts=True) for r, h in zip(references, hypotheses)]
    assert corpus.matches == tuple(np.add(sentences[0].matches, sentences[1].matches))
    assert corpus.totals == tuple(np.add(sentences[0].totals, sentences[1].totals))
    assert corpus.hypothesis_length == 12 and corpus.reference_length == 12
    # Eq. 2 on the sums (p_4 = (0 + 2) / (3 + 3): "cat is on the", "is on the mat"), then Eq. 4
    expected = np.exp(np.mean(np.log(np.divide(corpus.matches, corpus.totals))))
    assert corpus.bleu == pytest.approx(expected) and corpus.precisions[3] == pytest.approx(2 / 6)
    assert sentences[0].bleu == 0.0 < corpus.bleu  # not the mean of sentence scores


def test_bad_inputs_get_one_clear_sentence():
    with pytest.raises(ValueError, match="at least one hypothesis"):
        corpus_bleu([], [])
    with pytest.raises(ValueError, match="one entry .* per hypothesis, received 1 entries for 2 hypotheses"):
        corpus_bleu([CAT], [CAT, CAT])
    with pytest.raises(ValueError, match="not a string.*tokens\\(text\\)"):
        sentence_bleu(CAT, "the cat is on the mat")
    with pytest.raises(ValueError, match="at least one reference"):
        sentence_bleu([], CAT)
    with pytest.raises(ValueError, match="max_order"):
        sentence_bleu(CAT, CAT, max_order=0)
    with pytest.raises(ValueError, match="reference_length"):
        sentence_bleu(CAT, CAT, reference_length="longest")


# ---------------------------------------------------------------- keras_hub.metrics.Bleu
def random_corpus(seed, n=25, num_references=1, shorten=False):
    """Sentences of 2-12 words from an 8-word vocabulary (so n-grams do match); each hypothesis
    is its first reference with a few words replaced, dropped or repeated (and its last third
    cut off if `shorten`)."""
    rng = np.random.default_rng(seed)
    references, hypotheses = [], []
    for _ in range(n):
        refs = [list(rng.choice(WORDS, rng.integers(2, 13))) for _ in range(num_references)]
        hypothesis = [w if rng.uniform() > 0.3 else str(rng.choice(WORDS)) for w in refs[0]]
        hypothesis = [w for w in hypothesis for _ in range(rng.choice([0, 1, 1, 1, 2]))] or refs[0][:1]
        if shorten:
            hypothesis = hypothesis[:max(1, 2 * len(hypothesis) // 3)]
        references.append(refs)
        hypotheses.append(hypothesis)
    return references, hypotheses


def keras_hub_bleu(keras_hub, references, hypotheses, **options):
    """keras_hub's score of words joined by spaces: its SacreBLEU 13a tokenizer splits them back
    into the same words (lower-case letters only, nothing for it to separate)."""
    metric = keras_hub.metrics.Bleu(**options)
    metric.update_state([[" ".join(r) for r in refs] for refs in references], [" ".join(h) for h in hypotheses])
    return float(metric.result())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("options", [dict(), dict(smooth=True), dict(max_order=2)])
def test_equals_keras_hub_bleu_with_one_reference(keras_hub, seed, options):
    """One reference per sentence: the closest reference is the shortest, the two agree (float32: 1e-6)."""
    references, hypotheses = random_corpus(seed)
    ours = corpus_bleu(references, hypotheses, **options)
    assert 0.05 < ours < 0.95
    assert ours == pytest.approx(keras_hub_bleu(keras_hub, references, hypotheses, **options), abs=1e-6)


@pytest.mark.parametrize("seed", [3, 4])
def test_keras_hub_takes_the_shortest_reference(keras_hub, seed):
    """With several references keras_hub's r is the shortest reference's length (tensorflow/nmt's
    rule), not the closest (the paper's): ``reference_length="shortest"`` reproduces it."""
    references, hypotheses = random_corpus(seed, num_references=3, shorten=True)  # c < r: BP < 1
    theirs = keras_hub_bleu(keras_hub, references, hypotheses)
    assert corpus_bleu(references, hypotheses, reference_length="shortest") == pytest.approx(theirs, abs=1e-6)
    closest = corpus_bleu(references, hypotheses, return_parts=True)
    shortest = corpus_bleu(references, hypotheses, reference_length="shortest", return_parts=True)
    assert closest.reference_length > shortest.reference_length and closest.bleu < theirs
    assert closest.bleu == pytest.approx(theirs * closest.brevity_penalty / shortest.brevity_penalty, abs=1e-6)
