"""Greedy decoding, sampling and beam search (Eqs. 1-6 of toolkit.sequence.decoding) on toy
language models whose probabilities are known, against brute-force enumeration of every
sequence, and against keras_hub's GreedySampler and BeamSampler."""

import itertools

import numpy as np
import pytest

from toolkit.sequence.decoding import Hypothesis, beam_search, greedy, sample

START, END, A, B, X, Y = range(6)
# P(next | previous token), columns START END A B X Y. Greedy takes A (0.6) over B (0.4), but
# after A the best continuation is X at 0.3, while after B it is X at 0.9:
# P(B X <end>) = 0.4 · 0.9 · 0.9 = 0.324 > P(A X <end>) = 0.6 · 0.3 · 0.9 = 0.162.
TRAP = np.array([
    [0, 0.00, 0.60, 0.40, 0.00, 0.00],  # after <start>
    [0, 0.20, 0.20, 0.20, 0.20, 0.20],  # after <end> (never read: a sequence stops at <end>)
    [0, 0.20, 0.05, 0.20, 0.30, 0.25],  # after A
    [0, 0.05, 0.00, 0.05, 0.90, 0.00],  # after B
    [0, 0.90, 0.05, 0.00, 0.00, 0.05],  # after X
    [0, 0.60, 0.10, 0.10, 0.10, 0.10],  # after Y
])


def bigram(table, calls=None, end_id=END):
    """A step function reading the last token of each prefix: (B, t) -> (B, V) log-probabilities.
    It checks the contract: int prefixes starting with <start>, none extended past <end>."""

    def step_fn(prefixes):
        assert prefixes.ndim == 2 and prefixes.dtype == np.int32 and (prefixes[:, 0] == START).all()
        assert end_id is None or not (prefixes == end_id).any()
        if calls is not None:
            calls.append(prefixes.shape)
        with np.errstate(divide="ignore"):
            return np.log(table[prefixes[:, -1]])

    return step_fn


def random_table(seed, vocabulary=5):
    """A random bigram model that never produces <start>."""
    table = np.random.default_rng(seed).dirichlet(np.ones(vocabulary), size=vocabulary)
    table[:, START] = 0
    return table / table.sum(axis=1, keepdims=True)


def all_sequences(table, max_length, end_id=END):
    """Every sequence the model can produce, with Eq. 2: those ending at their first <end>, and
    those that reach `max_length` tokens without one."""
    found = []
    for length in range(1, max_length + 1):
        for tokens in itertools.product(range(len(table)), repeat=length):
            ends = [t == end_id for t in tokens]
            if any(ends[:-1]) or (not ends[-1] and length < max_length):
                continue
            probability = np.prod(table[(START,) + tokens[:-1], tokens])
            if probability > 0:
                found.append((tokens, float(np.log(probability))))
    return sorted(found, key=lambda f: -f[1])


def test_beam_search_finds_the_most_probable_sentence_that_greedy_misses():
    best_tokens, best_log_prob = all_sequences(TRAP, 4)[0]
    assert best_tokens == (B, X, END) and best_log_prob == pytest.approx(np.log(0.324))
    assert greedy(bigram(TRAP), START, END, 4) == Hypothesis((A, X, END), pytest.approx(np.log(0.162)), True)
    for width in (2, 3, 4):
        found = beam_search(bigram(TRAP), START, END, 4, width=width)
        assert found == Hypothesis(best_tokens, pytest.approx(best_log_prob), True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_beam_wider_than_every_prefix_is_brute_force(seed):
    """With K >= V^L nothing is ever pruned: the finalists are the 5^3 = 125 sequences at most,
    ranked by Eq. 2 exactly as enumeration ranks them."""
    table = random_table(seed)
    expected = all_sequences(table, 3)
    finalists = beam_search(bigram(table), START, END, 3, width=125, return_all=True)
    assert [h.tokens for h in finalists] == [tokens for tokens, _ in expected]
    np.testing.assert_allclose([h.log_prob for h in finalists], [lp for _, lp in expected], atol=1e-12)
    assert all(h.finished == (h.tokens[-1] == END) for h in finalists)


@pytest.mark.parametrize("table", [TRAP, random_table(3), random_table(4, vocabulary=8)], ids=["trap", "5", "8"])
def test_a_beam_of_width_one_is_greedy(table):
    assert beam_search(bigram(table), START, END, 6, width=1) == greedy(bigram(table), START, END, 6)


def test_sampling_at_temperature_zero_is_greedy():
    expected = greedy(bigram(TRAP), START, END, 4)
    for seed in range(5):
        assert sample(bigram(TRAP), START, END, 4, temperature=0.0, seed=seed) == expected
        assert sample(bigram(TRAP), START, END, 4, temperature=1e-3, seed=seed) == expected


def test_sampling_at_temperature_one_follows_the_model():
    """2000 seeded draws: the first token is A with probability 0.6, the whole sentence is B X <end>
    with probability 0.324; a standard error is at most 0.011, the tolerance 0.04 (~3.6 of them)."""
    draws = [sample(bigram(TRAP), START, END, 4, seed=seed) for seed in range(2000)]
    assert np.mean([d.tokens[0] == A for d in draws]) == pytest.approx(0.6, abs=0.04)
    assert np.mean([d.tokens == (B, X, END) for d in draws]) == pytest.approx(0.324, abs=0.04)
    for d in draws[:20]:  # the log-probability is the model's (Eq. 2), whatever drew the tokens
        assert d.log_prob == pytest.approx(np.log(np.prod(TRAP[(START,) + d.tokens[:-1], d.tokens])))
    # Eq. 4 at T = 10: softmax(log p / 10) gives A 0.6^0.1 / (0.6^0.1 + 0.4^0.1) = 0.510
    hot = [sample(bigram(TRAP), START, END, 1, temperature=10.0, seed=seed).tokens[0] for seed in range(2000)]
    assert np.mean(np.equal(hot, A)) == pytest.approx(0.510, abs=0.04)


def test_end_token_and_max_length():
    truncated = greedy(bigram(TRAP), START, END, 2)
    assert truncated == Hypothesis((A, X), pytest.approx(np.log(0.18)), False)  # no <end> within 2 tokens
    assert beam_search(bigram(TRAP), START, END, 2, width=2).tokens == (B, X)
    # without an end token every hypothesis runs to max_length, <end> being an ordinary token
    no_end = beam_search(bigram(TRAP, end_id=None), START, None, 5, width=3, return_all=True)
    assert [len(h.tokens) for h in no_end] == [5, 5, 5] and not any(h.finished for h in no_end)
    assert len(greedy(bigram(TRAP, end_id=None), START, None, 5).tokens) == 5


def test_beam_keeps_finished_hypotheses_and_calls_the_model_once_per_step():
    """Width 3 on TRAP: step 1 keeps A, B; step 2 keeps B X (.36), A X (.18), A Y (.15); step 3 ends
    B X and A X (kept as finalists) and continues only A Y, whose best continuation is <end> (.09)."""
    calls = []
    finalists = beam_search(bigram(TRAP, calls), START, END, 6, width=3, return_all=True)
    assert [h.tokens for h in finalists] == [(B, X, END), (A, X, END), (A, Y, END)]
    np.testing.assert_allclose([np.exp(h.log_prob) for h in finalists], [0.324, 0.162, 0.09])
    assert calls == [(1, 1), (2, 2), (3, 3)]  # all live prefixes at once, and none after the last ends


def test_length_penalty_favors_longer_sentences():
    """<end> at once has P = 0.5 (log −0.69, L = 1); A X <end> has P = 0.45 (log −0.80, L = 3).
    α = 0 ranks by Eq. 2 and keeps the short one; α = 1 ranks by −0.69 vs −0.80 / 3 = −0.27."""
    table = np.zeros((6, 6))
    table[START, [END, A]] = 0.5
    table[A, [X, END]] = 0.9, 0.1
    table[[END, B, X, Y], END] = 1.0
    assert beam_search(bigram(table), START, END, 5, width=2).tokens == (END,)
    finalists = beam_search(bigram(table), START, END, 5, width=2, length_penalty=1.0, return_all=True)
    assert [h.tokens for h in finalists] == [(A, X, END), (END,)]
    assert finalists[0].log_prob == pytest.approx(np.log(0.45))  # the reported score stays Eq. 2


def test_logits_work_as_well_as_log_probabilities():
    """Eq. 1 normalizes whatever the model returns: shifting a row changes nothing."""
    shifted = lambda prefixes: bigram(TRAP)(prefixes) + 7.0 * prefixes.shape[1]  # noqa: E731
    for decode in (lambda fn: beam_search(fn, START, END, 4, width=2), lambda fn: sample(fn, START, END, 4, seed=3)):
        from_logits, from_log_probs = decode(shifted), decode(bigram(TRAP))
        assert from_logits.tokens == from_log_probs.tokens
        assert from_logits.log_prob == pytest.approx(from_log_probs.log_prob, abs=1e-12)


def test_bad_arguments_and_step_functions_get_one_clear_sentence():
    with pytest.raises(ValueError, match="scores of shape \\(B, V\\), received shape \\(6,\\)"):
        greedy(lambda prefixes: np.zeros(6), START, END, 3)
    with pytest.raises(ValueError, match="`end_id` must be a token of the vocabulary, in \\[0, 5\\]"):
        beam_search(bigram(TRAP), START, 9, 3)
    with pytest.raises(ValueError, match="finite"):
        sample(lambda prefixes: np.full((len(prefixes), 6), np.nan), START, END, 3)
    with pytest.raises(ValueError, match="width"):
        beam_search(bigram(TRAP), START, END, 3, width=0)
    with pytest.raises(ValueError, match="temperature"):
        sample(bigram(TRAP), START, END, 3, temperature=-1.0)
    with pytest.raises(ValueError, match="max_length"):
        greedy(bigram(TRAP), START, END, 0)


# ---------------------------------------------------------------- keras_hub samplers
def keras_hub_next(step_fn):
    """keras_hub's `next(prompt, cache, index)`: logits for position `index` from the tokens before it."""
    def next(prompt, cache, index):
        prefixes = np.asarray(prompt)[:, :int(index)]  # (B or B·K, index)
        return np.asarray(step_fn(prefixes), np.float32), None, cache
    return next


@pytest.fixture(scope="module")
def keras_hub():
    import keras_hub  # a few seconds: imported once, and only by the tests that compare with it

    return keras_hub


def prompt(max_length):
    """keras_hub's prompt: <start> then room for `max_length` tokens, the <start> masked as given."""
    tokens = np.full((1, max_length + 1), START, np.int32)
    return tokens, np.arange(max_length + 1)[None] == 0  # (1, L + 1): True where the prompt is given


def position_model(seed, vocabulary=7, max_length=6):
    """Random next-token distributions that depend on the previous token and the position, so that
    no two sequences tie (a bigram model scores any two sequences with the same transitions alike,
    such as <start> A B A A B A and <start> A A B A B A)."""
    tables = np.random.default_rng(seed).dirichlet(np.ones(vocabulary), size=(max_length, vocabulary))
    return lambda prefixes: np.log(tables[prefixes.shape[1] - 1, prefixes[:, -1]])  # (B, V)


@pytest.mark.parametrize("seed", [5, 6])
def test_beam_search_equals_keras_hub_beam_sampler(keras_hub, seed):
    """BeamSampler runs every beam to the full length (past a stop token), so: no end token.
    Its scores are float32 log-probabilities: 1e-5."""
    step_fn = position_model(seed)
    tokens, mask = prompt(6)
    sampler = keras_hub.samplers.BeamSampler(num_beams=4, return_all_beams=True)
    beams, log_probs = sampler(keras_hub_next(step_fn), tokens, index=1, mask=mask)
    ours = beam_search(step_fn, START, None, 6, width=4, return_all=True)
    np.testing.assert_array_equal(np.asarray(beams)[0, :, 1:], [h.tokens for h in ours])
    np.testing.assert_allclose(np.asarray(log_probs)[0], [h.log_prob for h in ours], atol=1e-5)


def test_greedy_equals_keras_hub_greedy_sampler(keras_hub):
    """GreedySampler stops once the stop token is out; the positions after it stay as the prompt had them."""
    tokens, mask = prompt(6)
    for table in (TRAP, random_table(7, vocabulary=7)):
        theirs = keras_hub.samplers.GreedySampler()(keras_hub_next(bigram(table)), tokens, index=1, mask=mask,
                                                    stop_token_ids=[END])
        ours = greedy(bigram(table), START, END, 6)
        np.testing.assert_array_equal(np.asarray(theirs)[0, 1:len(ours.tokens) + 1], ours.tokens)
